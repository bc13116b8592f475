"""A real https webhook receiver on a loopback port (certificate from a trustme CA) that checks each signature.

It keeps what it receives in order, answers `status` (200 unless a test
says otherwise), and can be stopped (connection refused) and started again
on the same port.
"""
import hashlib
import hmac
import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme

from servers import free_port

TOLERANCE_SECONDS = 300


def verify(secret, header, body, now=None):
    """The README's check: `t=<unix>,v1=<hex>`, HMAC-SHA256 over "<t>." + body, t within five minutes."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs((now or time.time()) - timestamp) <= TOLERANCE_SECONDS
    return fresh and hmac.compare_digest(expected, fields.get("v1", ""))


class Received:
    def __init__(self, path, headers, body, valid):
        self.path, self.headers, self.body, self.valid = path, headers, body, valid
        self.json = json.loads(body)


class Receiver:
    def __init__(self, tmp_path):
        self.ca = trustme.CA()
        self.ca_file = tmp_path / "webhook-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("localhost", "127.0.0.1").configure_cert(self.context)
        self.port = free_port()
        self.received = []  # the deliveries it took (2xx), in order
        self.paths = []     # every request's path, whatever it was answered
        self.secrets = {}   # path -> the endpoint's secret, to check signatures with
        self.status = 200   # what to answer
        self.delay = 0.0    # seconds before answering: a slow receiver, so that workers overlap
        self.answer_size = 0  # bytes of answer to stream (slowly) instead of a short one: an endless answer
        self.lock = threading.Lock()
        self.server = None

    def url(self, path="/hook"):
        return f"https://localhost:{self.port}{path}"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.paths.append(self.path)
                secret = receiver.secrets.get(self.path)
                valid = secret is not None and verify(secret, self.headers.get("X-Eventsvc-Signature", ""), body)
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.status
                if 200 <= status < 300:
                    with receiver.lock:
                        receiver.received.append(Received(self.path, dict(self.headers), body, valid))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url("/elsewhere"))
                answer = b"ok" if status < 300 else b"receiver is having a bad day"
                self.send_header("Content-Length", str(receiver.answer_size or len(answer)))
                self.end_headers()
                if not receiver.answer_size:
                    self.wfile.write(answer)
                    return
                try:
                    for _ in range(receiver.answer_size // 1024):
                        self.wfile.write(b"x" * 1024)
                        time.sleep(0.001)
                except OSError:
                    pass  # the client stopped reading, as it should

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.socket = self.context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
