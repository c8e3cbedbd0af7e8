"""Waiting after failures: capped exponential backoff with jitter, and Retry-After.

RFC 8628 §3.5: "On encountering a connection timeout, clients MUST unilaterally reduce
their polling frequency before retrying. The use of an exponential backoff algorithm to
achieve this, such as doubling the polling interval on each such connection timeout, is
RECOMMENDED."
"""

BACKOFF_CAP = 60.0  # seconds; a TV should notice a network that came back within a minute
RETRY_AFTER_CAP = 300.0  # never let a server park us for longer than five minutes
JITTER = 0.25  # up to +25 %: devices that lost the network together do not return together


def backoff_delay(base, attempt, rand, cap=BACKOFF_CAP):
    """Delay before retry number ``attempt`` (1, 2, ...): base doubled each time, capped, jittered.

    Never less than ``base``: a backoff may slow polling down, never speed it up.
    """
    if attempt < 1:
        attempt = 1
    delay = base
    for _ in range(attempt - 1):
        delay *= 2
        if delay >= cap:
            break
    if delay > cap:
        delay = cap
    if delay < base:
        delay = base
    return delay * (1.0 + JITTER * rand())


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _days_from_civil(y, m, d):
    # Howard Hinnant's days_from_civil: days since 1970-01-01 for a proleptic Gregorian date.
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def http_date(text):
    """Seconds since the epoch of an IMF-fixdate (RFC 9110 §5.6.7), or None."""
    parts = text.replace(",", " ").split()
    # e.g. ['Wed', '21', 'Oct', '2015', '07:28:00', 'GMT']
    if len(parts) != 6 or parts[5].upper() != "GMT":
        return None
    try:
        day = int(parts[1])
        month = _MONTHS.index(parts[2].lower()) + 1
        year = int(parts[3])
        hms = parts[4].split(":")
        if len(hms) != 3:
            return None
        h, mi, s = int(hms[0]), int(hms[1]), int(hms[2])
    except ValueError:
        return None
    if not (1 <= day <= 31 and 0 <= h < 24 and 0 <= mi < 60 and 0 <= s <= 60):
        return None
    return _days_from_civil(year, month, day) * 86400 + h * 3600 + mi * 60 + s


def parse_retry_after(value, wall_now=None, cap=RETRY_AFTER_CAP):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped; or None.

    A date needs ``wall_now`` (seconds since the epoch); dates in the past give 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    # RFC 9110 §10.2.3 delta-seconds: ASCII digits only (str.isdigit() also takes "²", "٣").
    if all("0" <= c <= "9" for c in value):
        seconds = float(int(value[:12]))
    else:
        when = http_date(value)
        if when is None or wall_now is None:
            return None
        seconds = when - wall_now
    if seconds < 0:
        seconds = 0.0
    if seconds > cap:
        seconds = cap
    return float(seconds)
