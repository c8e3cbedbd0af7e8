"""Shared state of the fake network: canned replies in, what was sent out."""

REPLIES = []  # bytes of whole HTTP responses, one per connection
SENT = []  # bytes written on each connection
HOSTNAMES = []  # server_hostname given to TLS
CADATA = []  # CA data loaded into TLS contexts
VERIFY = []  # verify_mode set on each TLS context
NTP = []  # settime() calls
