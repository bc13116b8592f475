"""Personal link tokens: random to anyone without the secret key, kept in the database only as a hash.

A token is HMAC-SHA256(SECRET_KEY, purpose:seed), where the seed is 128
random bits stored beside SHA-256(token). The database alone (a backup, a
leaked dump) can neither give a working link nor forge one; the app can
make the same link again when it has to send it again (a re-sent
invitation, a mail written by the worker after the request is over). A
new seed makes a new link and kills the old one. Changing the secret key
kills every link.
"""
import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

# 32 bytes of HMAC in unpadded base64url.
TOKEN_LENGTH = 43
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{%d}" % TOKEN_LENGTH)


def new_seed():
    return secrets.token_hex(16)


def token_for(purpose, seed):
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"{purpose}:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token):
    """Whether `token` could be one of ours: checked before any database work."""
    return isinstance(token, str) and _WELL_FORMED.fullmatch(token) is not None
