"""Runs firmware/main.py on MicroPython with the board fakes (see board_fakes/README.md).

main_smoke.py ok        a full sign-in: Wi-Fi, NTP, verified TLS, code, one poll, tokens
main_smoke.py noconfig  no config.py on the board: one clear message, no traceback
"""

import json
import os
import sys

import fakenet
import ssd1306


def reply(status, obj):
    body = json.dumps(obj).encode()
    head = "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    return (head % (status, len(body))).encode() + body


mode = sys.argv[1]
if mode == "noconfig":
    os.remove("/fakes/config.py")
fakenet.REPLIES.append(
    reply(
        200,
        {
            "device_code": "dc-SECRET-123",
            "user_code": "WDJB-MJHT",
            "verification_uri": "https://auth.example.com/device",
            "verification_uri_complete": "https://auth.example.com/device?user_code=WDJB-MJHT",
            "expires_in": 600,
            "interval": 1,  # the real time.sleep_ms runs: keep the wait to one second
        },
    )
)
fakenet.REPLIES.append(
    reply(200, {"access_token": "at-SECRET", "token_type": "Bearer", "expires_in": 3600})
)

import main  # noqa: E402  (runs the firmware, as the board does at boot)

if mode == "noconfig":
    assert main.TOKENS is None
    assert fakenet.SENT == [] and ssd1306.FRAMES == []
else:
    assert main.TOKENS["access_token"] == "at-SECRET"
    assert len(fakenet.SENT) == 2
    assert fakenet.SENT[0].startswith(b"POST /device_authorization HTTP/1.1\r\n")
    assert b"device_code=dc-SECRET-123" in fakenet.SENT[1]
    assert fakenet.HOSTNAMES == ["auth.example.com", "auth.example.com"]
    assert fakenet.VERIFY == [2, 2]  # tls.CERT_REQUIRED on every connection
    assert fakenet.CADATA == [b"fake-ca-der-bytes", b"fake-ca-der-bytes"]
    assert fakenet.NTP == ["ntp.example"]
    assert len(ssd1306.FRAMES) >= 4  # joining, clock, asking, code, ..., signed in
print("main smoke: ok")
