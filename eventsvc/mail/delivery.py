"""Delivering the outbox: claim what is due, send it over SMTP (or write .eml files), retry with growing delays.

Two workers never send the same message: a worker first claims a batch with
one conditional UPDATE (on PostgreSQL over `FOR UPDATE SKIP LOCKED`), and
only the claim's owner may mark a message sent or retry it. A worker that
dies leaves its claim to expire after MAIL_LEASE_SECONDS; its messages are
then picked up again (at most the one being sent at the moment of death can
go out twice, with the same Message-ID).
"""
import logging
import os
import secrets
import smtplib
import ssl
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from flask import current_app

from .. import clock
from ..extensions import db, write_transactions
from . import kinds, render
from .models import MessageStatus, OutboxMessage

log = logging.getLogger(__name__)
_outbox = OutboxMessage.__table__


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    errors: list = field(default_factory=list)

    def __iadd__(self, other):
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.cancelled += other.cancelled
        self.errors += other.errors
        return self


class TransportUnavailable(Exception):
    """The mail server cannot be reached; nothing more can be sent this round."""


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer): retrying would not help."""


class SMTPTransport:
    """One connection for a whole round; `smtps://` is TLS from the start, `smtp://` upgrades with STARTTLS when offered."""

    def __init__(self, url, timeout):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"EVENTSVC_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["auto"])[0]  # auto, require, never
        self.timeout = timeout
        self.connection = None

    def _connect(self):
        try:
            if self.tls:
                connection = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                              context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
                connection.ehlo()
                if self.starttls == "require" or (self.starttls == "auto" and connection.has_extn("starttls")):
                    connection.starttls(context=ssl.create_default_context())
                    connection.ehlo()
            if self.username:
                connection.login(self.username, self.password or "")
        except (OSError, smtplib.SMTPException) as error:
            raise TransportUnavailable(f"{self.host}:{self.port}: {error}") from error
        return connection

    def send(self, message, mime):
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(mime, from_addr=render.envelope_from(), to_addrs=[message.to_address])
        except smtplib.SMTPRecipientsRefused as error:
            code, reply = next(iter(error.recipients.values()))
            self._raise_for(code, reply)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            self._raise_for(error.smtp_code, error.smtp_error)
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            self.close()
            raise TransportUnavailable(str(error)) from error

    @staticmethod
    def _raise_for(code, reply):
        reply = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        if 500 <= code < 600:
            raise PermanentFailure(f"{code} {reply}")
        raise smtplib.SMTPResponseException(code, reply)

    def close(self):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.connection = None


class FileTransport:
    """No SMTP configured: each message becomes an .eml file a developer can open."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def send(self, message, mime):
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{message.id:08d}-{message.kind}.eml"
        temporary = path.with_suffix(".eml.tmp")
        temporary.write_bytes(bytes(mime))
        os.replace(temporary, path)  # a reader never sees half a file

    def close(self):
        pass


def transport_for(app):
    url = app.config.get("SMTP_URL")
    if url:
        return SMTPTransport(url, app.config["MAIL_SMTP_TIMEOUT"])
    return FileTransport(Path(app.instance_path) / "mail")


def retry_delay(attempts, base_seconds):
    """1, 2, 4, 8 ... times the base after each failed try, at most six hours."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 6 * 3600))


def _claim(batch_size, lease_seconds, now):
    """Claim up to batch_size due messages for this worker; returns (claim token, claimed ids)."""
    token = secrets.token_hex(16)
    free = sa.or_(_outbox.c.claimed_until.is_(None), _outbox.c.claimed_until < now)
    due = (
        sa.select(_outbox.c.id)
        .where(_outbox.c.status == MessageStatus.pending.value, _outbox.c.due_at <= now, free)
        .order_by(_outbox.c.due_at, _outbox.c.id)
        .limit(batch_size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Locked once, in a MATERIALIZED CTE: as `id IN (subquery)` the planner
        # may run the SKIP LOCKED subquery more than once, ignore its LIMIT,
        # and let one worker claim everything.
        due = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
        chosen = _outbox.c.id == due.c.id
    else:
        chosen = _outbox.c.id.in_(due.scalar_subquery())
    statement = (
        sa.update(_outbox)
        # The condition again on the row itself: PostgreSQL re-checks it when
        # a concurrent claim got there first.
        .where(chosen, _outbox.c.status == MessageStatus.pending.value, free)
        .values(claim_token=token, claimed_until=now + timedelta(seconds=lease_seconds))
        .returning(_outbox.c.id)
    )
    ids = db.session.execute(statement).scalars().all()
    db.session.commit()
    return token, sorted(ids)


_ASYNC_COMMIT = sa.text("SET LOCAL synchronous_commit TO OFF")
# Still this worker's, and still to send: a message cancelled meanwhile (an erasure) stays cancelled.
_OWNED = sa.and_(_outbox.c.id == sa.bindparam("target"), _outbox.c.claim_token == sa.bindparam("token"),
                 _outbox.c.status == MessageStatus.pending.value)
# The outcome of most messages, built once.
_MARK_SENT = sa.update(_outbox).where(_OWNED).values(
    status=MessageStatus.sent.value, sent_at=sa.bindparam("sent_at"), subject=sa.bindparam("subject_sent"),
    attempts=sa.bindparam("attempts_now"), last_error="", claim_token=None, claimed_until=None,
)


def _finish(message_id, token, then=None, **values):
    """Record the outcome, only if this worker still owns the claim; True if it did.

    `then()` runs in the same transaction when the claim held (what a
    delivery changes, e.g. an invitation becoming "sent").
    """
    if db.session.get_bind().dialect.name == "postgresql":
        # No wait for the WAL flush: a crash of the database server could
        # lose the last outcomes, and those messages would then go out once
        # more after their lease, with the same Message-ID. Worth one fsync
        # less per message.
        db.session.execute(_ASYNC_COMMIT)
    if values.get("status") == MessageStatus.sent.value:
        statement, parameters = _MARK_SENT, {"target": message_id, "token": token, "sent_at": values["sent_at"],
                                             "subject_sent": values["subject"], "attempts_now": values["attempts"]}
    else:
        statement = sa.update(_outbox).where(_OWNED).values(claim_token=None, claimed_until=None, **values)
        parameters = {"target": message_id, "token": token}
    changed = db.session.execute(statement, parameters).rowcount
    if changed == 1 and then is not None:
        then()
    db.session.commit()
    return changed == 1


def _release(ids, token):
    if ids:
        db.session.execute(
            sa.update(_outbox).where(_outbox.c.id.in_(ids), _outbox.c.claim_token == token)
            .values(claim_token=None, claimed_until=None)
        )
        db.session.commit()


def _record_failure(message, token, error, now, report, permanent=False):
    config = current_app.config
    attempts = message.attempts + 1
    reason = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, render.NothingToSend):
        # Not a failure: the registration was erased, the invitation withdrawn.
        if _finish(message.id, token, attempts=attempts, last_error=str(error)[:2000],
                   status=MessageStatus.cancelled.value, failed_at=now):
            report.cancelled += 1
        return
    if permanent or attempts >= config["MAIL_MAX_ATTEMPTS"]:
        if _finish(message.id, token, attempts=attempts, last_error=reason, status=MessageStatus.failed.value,
                   failed_at=now):
            report.failed += 1
            log.warning("outbox message %s failed for good after %s tries: %s", message.id, attempts, reason)
    elif _finish(message.id, token, attempts=attempts, last_error=reason,
                 due_at=now + retry_delay(attempts, config["MAIL_RETRY_BASE_SECONDS"])):
        report.retried += 1
    report.errors.append(reason)


def lease_seconds(config):
    """The claim's length: never under four SMTP timeouts, so that one slow send cannot outlast it."""
    return max(config["MAIL_LEASE_SECONDS"], 4 * config["MAIL_SMTP_TIMEOUT"])


def deliver_round(app, now=None, transport=None):
    """Claim one batch and send it; returns (DeliveryReport, how many were claimed).

    Rendering reads in plain transactions and sending holds none: on SQLite
    the write lock is taken only for the claim and for each outcome, never
    while a slow mail server is talking. Past half its lease the worker
    gives the rest of its batch back: it never sends on a claim that another
    worker may already have taken over.
    """
    config = app.config
    report = DeliveryReport()
    now = now or clock.now()
    own_transport = transport is None
    transport = transport or transport_for(app)
    lease = lease_seconds(config)
    try:
        with write_transactions():
            token, ids = _claim(config["MAIL_BATCH_SIZE"], lease, now)
        claimed = time.monotonic()
        messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                      .order_by(OutboxMessage.id)
                                      .execution_options(populate_existing=True)).all() if ids else []
        about = kinds.preload(messages)  # noqa: F841  (held for the batch: the session's references are weak)
        db.session.commit()
        for index, message in enumerate(messages):
            if time.monotonic() - claimed > lease / 2:
                with write_transactions():
                    _release([m.id for m in messages[index:]], token)
                break
            outcome = _send(message, token, transport)
            if outcome is None:
                continue  # no longer ours to send: cancelled, or taken over
            with write_transactions():
                if isinstance(outcome, render.Rendered):
                    delivered = kinds.get(message.kind).delivered
                    sent_at = clock.now()
                    if _finish(message.id, token, then=delivered and (lambda: delivered(message, sent_at)),
                               status=MessageStatus.sent.value, sent_at=sent_at, subject=outcome.subject,
                               attempts=message.attempts + 1, last_error=""):
                        report.sent += 1
                    continue
                permanent = isinstance(outcome, (PermanentFailure, render.NothingToSend, kinds.UnknownKind))
                _record_failure(message, token, outcome, now, report, permanent=permanent)
                if isinstance(outcome, TransportUnavailable):
                    # The server is down: this try is counted, the rest wait for the next round.
                    _release([m.id for m in messages[index + 1:]], token)
                    break
    finally:
        db.session.rollback()
        if own_transport:
            transport.close()
    return report, len(ids)


def _send(message, token, transport):
    """Render and send one message; returns what was rendered, the exception that stopped it, or None.

    The message (and, in its kind's loader, what it is about) is read again
    first: an erasure or a withdrawal made since the batch was claimed
    stops it here, not after it has gone.
    """
    try:
        db.session.refresh(message)
        if message.status != MessageStatus.pending or message.claim_token != token:
            db.session.commit()
            return None
        rendered = render.render(message)
        db.session.commit()  # end the read transaction before talking to the server
        transport.send(message, render.to_mime(message, rendered))
    except (TransportUnavailable, PermanentFailure, render.NothingToSend, kinds.UnknownKind) as error:
        db.session.rollback()
        return error
    except Exception as error:  # a template or attachment error, a 4xx answer: try again later
        db.session.rollback()
        log.exception("outbox message %s could not be sent", message.id)
        return error
    return rendered


def deliver_due(app, now=None, max_rounds=None):
    """Send everything that is due now, batch after batch; stops when nothing is left or the server is down."""
    total = DeliveryReport()
    transport = transport_for(app)
    rounds = 0
    try:
        while max_rounds is None or rounds < max_rounds:
            report, claimed = deliver_round(app, now=now, transport=transport)
            total += report
            rounds += 1
            if claimed == 0 or claimed < app.config["MAIL_BATCH_SIZE"] or (report.retried and not report.sent):
                break
    finally:
        transport.close()
    return total


def deliver_forever(app, interval, stop=lambda: False):
    """The `--loop` worker: deliver what is due, sleep, again."""
    while not stop():
        report = deliver_due(app)
        if report.sent or report.retried or report.failed:
            log.info("outbox: %s sent, %s to retry, %s failed", report.sent, report.retried, report.failed)
        db.session.remove()
        time.sleep(interval)
