"""Loading a registration by its personal link, with one limit on wrong links per address for every /my/ route.

Every route that takes a personal link (the page, its calendar, the join link, edit, cancel, the data
export, the API's /my/ calls) loads the registration here, so all of them draw on the same count.
A wrong link is counted with one atomic increment in the limiter's storage (INCR in Redis, a lock in
memory) and its answer depends on that increment: Flask-Limiter's deduct_when tests before the request
and counts after it, which lets parallel guesses through beyond the limit.
"""
import hashlib
import math
import time

from flask import abort, current_app
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from ..extensions import limiter
from . import services

SCOPE = "personal-link"

# While the shared storage (Redis) is down, each process counts on its own rather than not at all.
_fallback = FixedWindowRateLimiter(MemoryStorage())


def registration_by_token_or_404(token):
    """The registration of this personal link; 404 for a wrong link, 429 for any link once too many were wrong."""
    guarded = current_app.config["RATELIMIT_ENABLED"]
    if guarded:
        # Over the limit, a right link is refused too: otherwise its answer would tell a guess that worked.
        _count("test")
    registration = services.find_registration_by_token(token)
    if registration is None:
        if guarded:
            _count("hit")
        abort(404)
    return registration


ADDRESS_SCOPE = "my-link-address"


def may_mail_link_to(email_normalized):
    """Whether one more "lost your link?" mail may go to this address (RATELIMIT_MY_LINK_ADDRESS); counts it.

    Counted for every address asked for, registered or not (the same work, the same answer), with one atomic
    increment; the key holds the address's SHA-256, not the address. Over the limit nothing is mailed, and
    the person is answered as always.
    """
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    limits = parse_many(current_app.config["RATELIMIT_MY_LINK_ADDRESS"])
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], ADDRESS_SCOPE,
           hashlib.sha256(email_normalized.encode()).hexdigest())
    try:
        return not _exceeded(limiter.limiter, "hit", limits, key)
    except Exception:  # the storage is unreachable: count in this process rather than not at all
        current_app.logger.warning("Rate-limit storage unreachable; counting link mails in this process")
        return not _exceeded(_fallback, "hit", limits, key)


def _count(method):
    """Test or hit every limit of RATELIMIT_TOKEN for this address; 429 with Retry-After beyond any of them."""
    limits = parse_many(current_app.config["RATELIMIT_TOKEN"])
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], SCOPE, get_remote_address())
    try:
        exceeded = _exceeded(limiter.limiter, method, limits, key)
        strategy = limiter.limiter
    except Exception:  # the storage is unreachable: degrade, never fail the page
        current_app.logger.warning("Rate-limit storage unreachable; counting wrong personal links in this process")
        exceeded, strategy = _exceeded(_fallback, method, limits, key), _fallback
    if exceeded:
        reset_at = max(strategy.get_window_stats(limit, *key).reset_time for limit in exceeded)
        raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def _exceeded(strategy, method, limits, key):
    # Every limit is counted (no short cut after the first one refuses).
    return [limit for limit in limits if not getattr(strategy, method)(limit, *key)]
