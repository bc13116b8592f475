"""Posting one webhook: https only, to public addresses only, no redirects, a bounded time and answer.

The host is resolved and every address checked, at registration and again at
each delivery; the connection then goes to an address that was checked (with
the host name kept for TLS and the Host header), so a DNS answer that changes
between the check and the connection (rebinding) cannot reach the inside.
http.client (the standard library) never follows a redirect.
"""
import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l


class UnsafeURL(Exception):
    """The URL may not be called: its message says why, in the user's language."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class DeliveryError(Exception):
    """The receiver could not be reached or did not answer in time."""


def resolve(host, port):
    """Every address `host` resolves to (a function of its own, so that tests can point a name anywhere)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _public(address):
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and (ip.ipv4_mapped or ip.sixtofour or ip.teredo):
        return False  # an IPv4 address in IPv6 clothes: refused whatever it wraps
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_private or ip.is_loopback
                                 or ip.is_link_local or ip.is_unspecified)


def check_url(url, allow_private=False):
    """The URL's (host, port, path, addresses) when it may be called; UnsafeURL otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        raise UnsafeURL(_l("This is not a valid URL.")) from None
    if parts.scheme != "https":
        raise UnsafeURL(_l("The URL must start with https://."))
    if not parts.hostname:
        raise UnsafeURL(_l("The URL has no host name."))
    if parts.username or parts.password:
        raise UnsafeURL(_l("The URL may not carry a user name or password."))
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise UnsafeURL(_l("This is not a valid URL."))
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        raise UnsafeURL(_l("The host name of this URL cannot be found.")) from None
    if not addresses:
        raise UnsafeURL(_l("The host name of this URL cannot be found."))
    if not allow_private and not all(_public(address) for address in addresses):
        raise UnsafeURL(_l("The URL leads to a private, local or reserved address; only public addresses "
                           "may receive webhooks."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.hostname, port, path, addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a given address, with `host` for SNI, the certificate check and the Host header."""

    def __init__(self, host, port, address, context, timeout):
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, body, headers, *, timeout, max_response_bytes, ca_bundle="", allow_private=False):
    """POST `body`; returns (status, the start of the answer's text). Raises UnsafeURL or DeliveryError."""
    host, port, path, addresses = check_url(url, allow_private)
    context = ssl.create_default_context(cafile=ca_bundle or None)
    deadline = time.monotonic() + timeout
    error = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break  # the whole try, every address included, stays within the timeout
        connection = _PinnedHTTPSConnection(host, port, address, context, remaining)
        try:
            connection.connect()
        except OSError as refused:
            error = refused
            connection.close()
            continue
        sock = connection.sock  # http.client lets go of it once the answer says "Connection: close"
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = bytearray()
            while len(answer) < max_response_bytes:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DeliveryError(f"no complete answer within {timeout:g} s")
                sock.settimeout(remaining)
                chunk = response.read1(min(65536, max_response_bytes - len(answer)))
                if not chunk:
                    break
                answer += chunk
            return response.status, answer[:500].decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as failed:
            raise DeliveryError(f"{type(failed).__name__}: {failed}") from failed
        finally:
            connection.close()
    raise DeliveryError(f"{type(error).__name__}: {error}" if error else f"no connection within {timeout:g} s")
