"""Fake socket module: each socket serves the next canned reply from fakenet."""

import io

import fakenet

AF_INET = 2
SOCK_STREAM = 1


def getaddrinfo(host, port, af=0, type=0):
    return [(AF_INET, SOCK_STREAM, 0, "", (host, port))]


class socket:
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        self.rx = None
        self.tx = b""

    def settimeout(self, t):
        self.timeout = t

    def connect(self, addr):
        if not fakenet.REPLIES:
            raise OSError(113)  # EHOSTUNREACH: the script ran out
        self.rx = io.BytesIO(fakenet.REPLIES.pop(0))

    def write(self, data):
        self.tx += data
        return len(data)

    def readline(self):
        return self.rx.readline()

    def read(self, n=-1):
        return self.rx.read(n)

    def close(self):
        fakenet.SENT.append(self.tx)
