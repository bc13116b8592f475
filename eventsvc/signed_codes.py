"""Codes printed as QR codes (tickets, certificates): a random id and its signature, so that a forged or
altered code is refused before any database work.

A code is the id (128 random bits) followed by the first 128 bits of
HMAC-SHA256(SECRET_KEY, "<purpose>:" + id), both in unpadded base64url: 44
characters, nothing else. The purpose keeps a ticket's signature from ever
passing for a certificate's, and the other way round.
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


def new_id():
    return _b64(secrets.token_bytes(16))


def _signature(purpose, code_id):
    key = current_app.config["SECRET_KEY"].encode()
    return _b64(hmac.new(key, f"{purpose}:{code_id}".encode(), hashlib.sha256).digest()[:16])


def code_for(purpose, code_id):
    return code_id + _signature(purpose, code_id)


def id_from(purpose, code):
    """The id a genuine code of `purpose` carries, or None: no database is asked."""
    if not isinstance(code, str) or not _WELL_FORMED.fullmatch(code):
        return None
    code_id, signature = code[:ID_LENGTH], code[ID_LENGTH:]
    if not hmac.compare_digest(signature, _signature(purpose, code_id)):
        return None
    return code_id
