"""Ticket codes: a random id and its signature, so that a forged or altered code is refused before any database work.

The code is the ticket id (128 random bits) followed by the first 128 bits
of HMAC-SHA256(SECRET_KEY, "ticket:" + id), both in unpadded base64url:
44 characters, nothing else. The QR holds <BASE_URL>/t/<code>. The ticket
id is not the registrant's personal link: a QR seen over a shoulder lets
nobody change or cancel anything.
"""
import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

ID_LENGTH = 22   # 16 bytes
CODE_LENGTH = 44  # id + 16 bytes of signature
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{%d}" % CODE_LENGTH)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_ticket_id():
    return _b64(secrets.token_bytes(16))


def _signature(ticket_id):
    key = current_app.config["SECRET_KEY"].encode()
    return _b64(hmac.new(key, f"ticket:{ticket_id}".encode(), hashlib.sha256).digest()[:16])


def code_for(ticket_id):
    return ticket_id + _signature(ticket_id)


def ticket_id_from(code):
    """The ticket id a genuine code carries, or None: no database is asked."""
    if not isinstance(code, str) or not _WELL_FORMED.fullmatch(code):
        return None
    ticket_id, signature = code[:ID_LENGTH], code[ID_LENGTH:]
    if not hmac.compare_digest(signature, _signature(ticket_id)):
        return None
    return ticket_id
