"""Plain HTTP request and response objects exchanged between the core and a transport."""


class Request:
    """An HTTP request the core wants sent.

    ``secret_fields`` names the form fields whose values must never be logged or shown
    (the device code, refresh token, client secret, token being revoked).
    """

    __slots__ = ("body", "form", "headers", "method", "secret_fields", "url")

    def __init__(self, method, url, headers=None, form=None, body=None, secret_fields=()):
        self.method = method
        self.url = url
        self.headers = headers if headers is not None else {}
        self.form = form
        self.body = body
        self.secret_fields = tuple(secret_fields)

    def redacted(self):
        """A dict describing the request that is safe to log."""
        form = None
        if self.form is not None:
            form = {}
            for k in self.form:
                form[k] = "<redacted>" if k in self.secret_fields else self.form[k]
        headers = {}
        for k in self.headers:
            secret = k.lower() in ("authorization", "dpop")  # a proof is replayable for a while
            headers[k] = "<redacted>" if secret else self.headers[k]
        return {"method": self.method, "url": self.url, "headers": headers, "form": form}

    def __repr__(self):
        return "Request(%s %s)" % (self.method, self.url)


class Response:
    """An HTTP response handed back to the core. Header names are lower-cased."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status, headers=None, body=b""):
        self.status = int(status)
        h = {}
        if headers:
            for k in headers:
                h[k.lower()] = headers[k]
        self.headers = h
        self.body = body if body is not None else b""

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return "Response(%d, %d bytes)" % (self.status, len(self.body))
