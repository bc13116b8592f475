"""One limit on wrong certificate codes per address (RATELIMIT_CERTIFICATE), counted in the limiter's storage.

As for personal links (registration/personal_links.py): every /verify/ asks
"test" first and a wrong code is then counted with one atomic "hit", so
parallel guesses cannot slip past the limit; beyond it, right codes are
refused too (else the answer would tell which guess worked). No database is
asked: a forged code still costs no query.
"""
import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from ..extensions import limiter

SCOPE = "certificate-code"

# While the shared storage (Redis) is down, each process counts on its own rather than not at all.
_fallback = FixedWindowRateLimiter(MemoryStorage())


def test():
    """429 if this address has had too many wrong codes."""
    _count("test")


def wrong():
    """Count one wrong code of this address (429 once it is one too many)."""
    _count("hit")


def _count(method):
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limits = parse_many(current_app.config["RATELIMIT_CERTIFICATE"])
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], SCOPE, get_remote_address())
    try:
        strategy = limiter.limiter
        exceeded = [limit for limit in limits if not getattr(strategy, method)(limit, *key)]
    except Exception:  # the storage is unreachable: degrade, never fail the page
        current_app.logger.warning("Rate-limit storage unreachable; counting wrong certificate codes in this process")
        strategy = _fallback
        exceeded = [limit for limit in limits if not getattr(strategy, method)(limit, *key)]
    if exceeded:
        reset_at = max(strategy.get_window_stats(limit, *key).reset_time for limit in exceeded)
        raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))
