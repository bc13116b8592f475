"""Delivering webhooks: claim what is due, post it signed, retry with growing delays (the mail outbox's design).

Two workers never post the same delivery: a worker claims with one
conditional UPDATE (on PostgreSQL over `FOR UPDATE SKIP LOCKED`), and only
the claim's owner may mark a delivery sent or retry it. Deliveries of one
URL go out in the order they happened: only the first pending delivery of
each URL can be claimed, so a later one waits while an earlier one is
retried (until it is sent or fails for good). A worker that dies leaves its
claim to expire after WEBHOOK_LEASE_SECONDS; the delivery it was posting may
then go out twice, with the same X-Eventsvc-Delivery id for the receiver to
de-duplicate.
"""
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from .. import clock
from ..extensions import db, write_transactions
from ..mail.delivery import retry_delay
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .transport import DeliveryError, UnsafeURL, post

log = logging.getLogger(__name__)
_deliveries = WebhookDelivery.__table__
_endpoints = WebhookEndpoint.__table__
USER_AGENT = "eventsvc-webhooks/1"


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)


def body_of(payload):
    """The exact bytes posted (and signed): compact UTF-8 JSON, the same on every try."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret, timestamp, body):
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<unix>." + body>`, as in X-Eventsvc-Signature."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def lease_seconds(config):
    """Never under four timeouts, so that one slow receiver cannot outlast the claim."""
    return max(config["WEBHOOK_LEASE_SECONDS"], 4 * config["WEBHOOK_TIMEOUT"])


def _claim(batch_size, lease, now):
    """Claim, for this worker, the first pending delivery of up to batch_size URLs when it is due."""
    token = secrets.token_hex(16)
    free = sa.or_(_deliveries.c.claimed_until.is_(None), _deliveries.c.claimed_until < now)
    earlier = _deliveries.alias("earlier")
    first_of_its_url = ~sa.exists().where(earlier.c.endpoint_id == _deliveries.c.endpoint_id,
                                          earlier.c.status == DeliveryStatus.pending.value,
                                          earlier.c.id < _deliveries.c.id)
    active = _deliveries.c.endpoint_id.in_(sa.select(_endpoints.c.id).where(_endpoints.c.active.is_(True)))
    claimable = sa.and_(_deliveries.c.status == DeliveryStatus.pending.value, free, first_of_its_url)
    due = (sa.select(_deliveries.c.id).where(claimable, _deliveries.c.due_at <= now, active)
           .order_by(_deliveries.c.due_at, _deliveries.c.id).limit(batch_size))
    if db.session.get_bind().dialect.name == "postgresql":
        # As in mail/delivery.py: locked once, in a MATERIALIZED CTE, so one LIMIT holds.
        due = due.with_for_update(skip_locked=True, of=_deliveries).cte("due").prefix_with("MATERIALIZED")
        chosen = _deliveries.c.id == due.c.id
    else:
        chosen = _deliveries.c.id.in_(due.scalar_subquery())
    statement = (sa.update(_deliveries).where(chosen, claimable)  # re-checked on the row itself
                 .values(claim_token=token, claimed_until=now + timedelta(seconds=lease))
                 .returning(_deliveries.c.id))
    ids = db.session.execute(statement).scalars().all()
    db.session.commit()
    return token, sorted(ids)


def _finish(delivery_id, token, **values):
    """Record an outcome, only while this worker owns the claim (and it is still pending); True if it did."""
    changed = db.session.execute(
        sa.update(_deliveries).where(_deliveries.c.id == delivery_id, _deliveries.c.claim_token == token,
                                     _deliveries.c.status == DeliveryStatus.pending.value)
        .values(claim_token=None, claimed_until=None, **values)
    ).rowcount
    db.session.commit()
    return changed == 1


def _release(ids, token):
    if ids:
        db.session.execute(sa.update(_deliveries).where(_deliveries.c.id.in_(ids), _deliveries.c.claim_token == token)
                           .values(claim_token=None, claimed_until=None))
        db.session.commit()


@dataclass
class _Outgoing:
    """What one try needs, read before the read transaction ends: nothing is loaded while the receiver talks."""

    id: int
    delivery_id: str
    event_type: str
    body: bytes
    url: str
    secret: str
    attempts: int


def _attempt(outgoing, config):
    """Post one delivery; returns None when the receiver took it (2xx), else (status code or None, reason)."""
    headers = {
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Eventsvc-Event": outgoing.event_type, "X-Eventsvc-Delivery": outgoing.delivery_id,
        "X-Eventsvc-Signature": signature(outgoing.secret, int(time.time()), outgoing.body),
    }
    try:
        status, answer = post(outgoing.url, outgoing.body, headers, timeout=config["WEBHOOK_TIMEOUT"],
                              max_response_bytes=config["WEBHOOK_MAX_RESPONSE_KB"] * 1024,
                              ca_bundle=config["WEBHOOK_CA_BUNDLE"], allow_private=config["WEBHOOK_ALLOW_PRIVATE"])
    except UnsafeURL as error:
        with force_locale("en"):  # the technical record, like the other errors: in English
            return None, f"UnsafeURL: {error.message}"
    except DeliveryError as error:
        return None, str(error)
    except Exception as error:  # a TLS or encoding failure: counted, retried, never a dead worker
        log.exception("webhook delivery %s could not be posted", outgoing.id)
        return None, f"{type(error).__name__}: {error}"
    if 200 <= status < 300:
        return None
    return status, f"HTTP {status}: {' '.join(answer.split())[:300]}"


def deliver_round(app, now=None):
    """Claim one batch and post it; returns (DeliveryReport, how many were claimed)."""
    config = app.config
    report = DeliveryReport()
    now = now or clock.now()
    lease = lease_seconds(config)
    try:
        with write_transactions():
            token, ids = _claim(config["WEBHOOK_BATCH_SIZE"], lease, now)
        claimed = time.monotonic()
        for index, delivery_id in enumerate(ids):
            if time.monotonic() - claimed > lease / 2:
                with write_transactions():
                    _release(ids[index:], token)
                break
            delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
            if delivery is None or delivery.status != DeliveryStatus.pending or delivery.claim_token != token:
                db.session.commit()
                continue  # removed, erased or taken over since the claim
            endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id, populate_existing=True)
            outgoing = _Outgoing(delivery.id, delivery.delivery_id, delivery.event_type.value,
                                 body_of(delivery.payload), endpoint.url, endpoint.secret, delivery.attempts)
            db.session.commit()  # no transaction held while the receiver talks
            outcome = _attempt(outgoing, config)
            attempts = outgoing.attempts + 1
            with write_transactions():
                if outcome is None:
                    if _finish(outgoing.id, token, status=DeliveryStatus.sent.value, sent_at=clock.now(),
                               attempts=attempts, last_error="", last_status_code=None):
                        report.sent += 1
                    continue
                status_code, reason = outcome
                report.errors.append(reason)
                if attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
                    if _finish(outgoing.id, token, status=DeliveryStatus.failed.value, failed_at=now,
                               attempts=attempts, last_error=reason[:2000], last_status_code=status_code):
                        report.failed += 1
                        log.warning("webhook delivery %s failed for good after %s tries: %s",
                                    outgoing.id, attempts, reason)
                elif _finish(outgoing.id, token, attempts=attempts, last_error=reason[:2000],
                             last_status_code=status_code,
                             due_at=now + retry_delay(attempts, config["WEBHOOK_RETRY_BASE_SECONDS"])):
                    report.retried += 1
    finally:
        db.session.rollback()
    return report, len(ids)


def deliver_due(app, now=None, max_rounds=None):
    """Post everything that is due now, round after round (each round takes the next delivery of every URL)."""
    total = DeliveryReport()
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        report, claimed = deliver_round(app, now=now)
        total.sent += report.sent
        total.retried += report.retried
        total.failed += report.failed
        total.errors += report.errors
        rounds += 1
        if claimed == 0 or not report.sent:
            break
    return total


def deliver_forever(app, interval, stop=lambda: False):
    """The `--loop` worker: deliver what is due, sleep, again."""
    while not stop():
        report = deliver_due(app)
        if report.sent or report.retried or report.failed:
            log.info("webhooks: %s sent, %s to retry, %s failed", report.sent, report.retried, report.failed)
        db.session.remove()
        time.sleep(interval)
