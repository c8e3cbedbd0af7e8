"""Fake tls module: records what the firmware asked of TLS."""

import fakenet

PROTOCOL_TLS_CLIENT = 0
CERT_NONE = 0
CERT_REQUIRED = 2


class SSLContext:
    def __init__(self, protocol):
        self.verify_mode = CERT_NONE

    def load_verify_locations(self, cafile=None, cadata=None):
        fakenet.CADATA.append(cadata)

    def wrap_socket(self, sock, server_hostname=None):
        fakenet.VERIFY.append(self.verify_mode)
        fakenet.HOSTNAMES.append(server_hostname)
        return sock
