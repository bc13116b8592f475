"""A real SMTP server (aiosmtpd) on a loopback port that keeps what it receives, and can be stopped and started."""
import asyncio
import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from servers import free_port


class Recorder:
    """The aiosmtpd handler: every accepted message, parsed; `refuse` answers RCPT for chosen addresses.

    With parse=False it keeps the raw bytes only (the benchmark: the
    server should cost as little as possible, for the baseline and for us).
    """

    def __init__(self, parse=True):
        self.parse = parse
        self.messages = []
        self.envelopes = []
        self.refuse = {}  # address -> "550 ..." or "451 ..."
        self.delay = 0.0  # seconds before accepting each message: a slow server, so that workers overlap
        self.after_each = None  # called (in the server's thread) after each message is accepted
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default) if self.parse else raw
        with self.lock:
            self.messages.append(message)
            self.envelopes.append(envelope)
        if self.after_each is not None:
            self.after_each(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, parse=True):
        self.handler = Recorder(parse=parse)
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
