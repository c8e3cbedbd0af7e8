"""The board configuration for the smoke test (see firmware/config.py.example)."""

WIFI_SSID = "test-net"
WIFI_PASSWORD = "test-password"
WIFI_COUNTRY = "GB"
PROVIDER = "standard"
CLIENT_ID = "tv-client"
ISSUER = "https://auth.example.com"
SCOPE = "openid"
CLIENT_SECRET = None
CA_FILE = "/fakes/ca.der"
NTP_HOST = "ntp.example"
I2C_ID = 0
I2C_SDA = 4
I2C_SCL = 5
I2C_FREQ = 400_000
OLED_ADDR = 0x3C
OLED_WIDTH = 128
OLED_HEIGHT = 64
BUTTON_PIN = None
