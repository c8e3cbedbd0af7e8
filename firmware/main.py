"""Example firmware: sign a Raspberry Pi Pico W / ESP32 in with the OAuth device flow.

Board glue only: Wi-Fi, the clock, the OLED, the TLS transport. The sign-in itself is the
portable core (device_app.core) driven by signin.run_sign_in, which the test suite runs on
MicroPython against a fake server and a fake display.
"""

import sys
import time

from display import ConsoleDisplay, ssd1306_i2c
from https import HttpsTransport, socket_opener
from screen import SignInScreen
from signin import TicksClock, run_sign_in

from device_app.core.errors import ConfigurationError
from device_app.core.profile import build_profile

WIFI_TIMEOUT_MS = 20_000  # a Pico W joins a WPA2 network in 3-8 s; 20 s covers a slow DHCP


class Stop(Exception):
    """A problem the user must fix; the message says what."""


def load_config():
    try:
        import config
    except ImportError:
        raise Stop(
            "No config.py on the board: copy config.py.example, fill it in, upload it."
        ) from None
    needed = {"WIFI_SSID": str, "WIFI_PASSWORD": str, "PROVIDER": str, "CLIENT_ID": str}
    for name in needed:
        if not isinstance(getattr(config, name, None), needed[name]):
            raise Stop("config.py: %s must be a string" % name)
    return config


def open_display(cfg):
    try:
        from machine import I2C, Pin

        i2c = I2C(cfg.I2C_ID, sda=Pin(cfg.I2C_SDA), scl=Pin(cfg.I2C_SCL), freq=cfg.I2C_FREQ)
        if cfg.OLED_ADDR not in i2c.scan():
            raise OSError("no device at I2C address 0x%02x" % cfg.OLED_ADDR)
        return ssd1306_i2c(i2c, cfg.OLED_WIDTH, cfg.OLED_HEIGHT, cfg.OLED_ADDR)
    except (ImportError, OSError, AttributeError) as e:
        print("display: %s; using the serial console instead" % e)
        return ConsoleDisplay()


def connect_wifi(cfg, screen):
    import network

    if hasattr(network, "country") and getattr(cfg, "WIFI_COUNTRY", None):
        network.country(cfg.WIFI_COUNTRY)
    wlan = network.WLAN(network.STA_IF)
    wlan.active(True)
    if wlan.isconnected():
        return wlan
    screen.message("Joining Wi-Fi", cfg.WIFI_SSID)
    wlan.connect(cfg.WIFI_SSID, cfg.WIFI_PASSWORD)
    start = time.ticks_ms()
    while not wlan.isconnected():
        if time.ticks_diff(time.ticks_ms(), start) > WIFI_TIMEOUT_MS:
            wlan.active(False)
            raise Stop("Wi-Fi %r did not answer: check WIFI_SSID / WIFI_PASSWORD" % cfg.WIFI_SSID)
        time.sleep_ms(200)
    return wlan


def set_clock(cfg):
    import ntptime

    ntptime.host = getattr(cfg, "NTP_HOST", "pool.ntp.org")
    for _ in range(3):
        try:
            ntptime.settime()
            return
        except OSError:
            time.sleep_ms(1000)
    raise Stop("No answer from NTP (%s): TLS needs the right time" % ntptime.host)


def read_ca(cfg):
    name = getattr(cfg, "CA_FILE", "ca.der")
    try:
        with open(name, "rb") as f:
            return f.read()
    except OSError:
        raise Stop("No %s: put the CA certificates (DER) on the board" % name) from None


def wait_for_button(cfg):
    pin = getattr(cfg, "BUTTON_PIN", None)
    if pin is None:
        return False
    from machine import Pin

    button = Pin(pin, Pin.IN, Pin.PULL_UP)
    while button.value():
        time.sleep_ms(50)
    return True


def log_event(public):
    # public() views only: no device code or token ever reaches the serial console.
    print("event", public)


def sign_in_once(cfg, screen, transport):
    profile = build_profile(
        cfg.PROVIDER,
        cfg.CLIENT_ID,
        issuer=getattr(cfg, "ISSUER", None),
        scope=getattr(cfg, "SCOPE", None),
        client_secret=getattr(cfg, "CLIENT_SECRET", None),
    )
    import random

    return run_sign_in(
        profile,
        transport,
        screen,
        TicksClock(),
        lambda s: time.sleep_ms(int(s * 1000)),
        rand=random.random,
        log=log_event,
    )


def main():
    screen = SignInScreen(ConsoleDisplay())
    try:
        cfg = load_config()
        screen = SignInScreen(open_display(cfg))
        connect_wifi(cfg, screen)
        screen.message("Setting the", "clock (NTP)...")
        set_clock(cfg)
        transport = HttpsTransport(socket_opener(read_ca(cfg)))
        while True:
            _event, tokens = sign_in_once(cfg, screen, transport)
            if tokens is not None:
                # Kept in RAM only: writing tokens to the board's flash would leave them
                # readable by anyone with a USB cable.
                return tokens
            if not wait_for_button(cfg):
                return None
    except (Stop, ConfigurationError) as e:
        print("device-app:", e)
        screen.message("Setup problem:", str(e)[:80])
    except Exception as e:  # a bug: keep the screen readable, the traceback on serial
        sys.print_exception(e)
        screen.message("Unexpected error:", type(e).__name__)


TOKENS = main()
