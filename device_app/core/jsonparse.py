"""Tolerant parsing of server bodies: JSON or form-encoded, numbers sent as strings.

Providers disagree on the wire (design-notes §1.3): GitHub answers with a
form-encoded body unless asked for JSON, several send numbers as strings, some send HTML.
"""

import json  # MicroPython has it too (formerly "ujson")

from device_app.core.errors import DeviceAppError
from device_app.core.formenc import decode_form


def parse_body(headers, body):
    """Return the body as a dict, or None when it is neither a JSON object nor a form.

    JSON is tried when the content type says JSON, or when it says nothing useful;
    a form is tried when the content type says so. HTML and other text give None.
    """
    ctype = (headers.get("content-type") or "").lower()
    stripped = _text(body)
    if stripped is None:
        return None
    if "x-www-form-urlencoded" in ctype:
        if stripped.startswith("{"):
            return _json_object(stripped)
        form = decode_form(stripped)
        return form if form else None
    if "json" in ctype or stripped.startswith("{"):
        return _json_object(stripped)
    if "text/plain" in ctype and "=" in stripped and "<" not in stripped:
        form = decode_form(stripped)
        return form if form else None
    return None


def _text(body):
    """The body as stripped text, or None when it is empty or not UTF-8."""
    if not body:
        return None
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeError:
        return None
    return text.strip()


def json_object(body, loads=None):
    """The body (bytes or text) as a JSON object (a dict), or None when it is not one.

    ``loads`` replaces ``json.loads``: discovery passes one that refuses duplicate keys by
    raising a :class:`DeviceAppError`, which is passed on.
    """
    text = _text(body)
    if text is None:
        return None
    return _json_object(text, loads)


def _json_object(text, loads=None):
    try:
        value = (loads or json.loads)(text)
    except DeviceAppError:
        raise
    except Exception:  # ValueError on CPython, ValueError or others on MicroPython
        return None
    if isinstance(value, dict):
        return value
    return None


def get_str(data, names):
    """The first of ``names`` whose value is a non-empty string (aliases: verification_url...)."""
    for n in names:
        v = data.get(n)
        if isinstance(v, str) and v:
            return v
    return None


def get_number(data, names):
    """The first of ``names`` that holds a finite number, or a string of one; else None."""
    for n in names:
        if n not in data:
            continue
        v = data[n]
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, str):
            try:
                v = float(v.strip())
            except ValueError:
                continue
        if isinstance(v, (int, float)):
            try:
                f = float(v)
            except OverflowError:  # JSON integers have no size limit; floats do
                continue
            if f != f or f in (float("inf"), float("-inf")):  # NaN, infinities
                continue
            return f
    return None


def clamp(value, low, high, default):
    """``value`` clamped to [low, high]; ``default`` when it is None or not positive."""
    if value is None or value <= 0:
        return default
    if value < low:
        return low
    if value > high:
        return high
    return value


def dumps(obj):
    """JSON text of ``obj`` (for snapshots and event lines)."""
    return json.dumps(obj)
