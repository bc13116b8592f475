"""Questions during a session: who may ask and when, votes, moderation, the board the screens poll, the report.

A session takes questions while it is on: from the moment its stream opens
(STREAM_OPENS_MINUTES before the start, the same window as the join link) to
its end; a cancelled session or event never. Only confirmed registrants of the
session ask and vote. Questions wait for the moderator (pre-moderation): the
room, the online attendees and the projector see approved ones only.

The board (the approved questions of a session, as JSON) is what every screen
polls: it is built once and kept in the cache (Redis when configured) until a
change to the session's questions is committed, or QNA_BOARD_CACHE_SECONDS at
most (a process-local cache in another worker forgets it by then).
"""
import hashlib
import json
import unicodedata

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..audit.services import REGISTRANT, record
from ..errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from ..events.models import EventSession
from ..extensions import cache, db, limiter
from ..livestream.services import opens_at
from ..registration.models import RegistrationStatus, registration_sessions
from ..signals import personal_data_erased, personal_data_requested
from ..timefmt import iso
from .models import QuestionStatus, SessionQuestion, SessionQuestionVote

BODY_MAX = 500
NAME_MAX = 100


class TooManyQuestions(DomainError):
    status, code, message = 429, "rate_limited", _l("You have asked many questions in a short time. Please wait a "
                                                     "minute before asking again.")


class QuestionsClosed(Conflict):
    code, message = "questions_closed", _l("This session is not taking questions now.")


# ---- who may ask, and when ----------------------------------------------------------------

def window(session):
    """(opens, closes): from when the session's stream opens to its end."""
    return opens_at(session), session.ends_at


def is_open(session, now):
    if session.cancelled_at is not None or session.event.is_cancelled:
        return False
    opens, closes = window(session)
    return opens <= now <= closes


_MEMBERSHIP = sa.select(registration_sessions.c.session_id).where(
    registration_sessions.c.registration_id == sa.bindparam("registration"),
    registration_sessions.c.session_id == sa.bindparam("session"))


def check_participant(registration, session):
    """Refuses (PermissionDenied) anyone but a confirmed registrant of this session of a running event."""
    if session.event_id != registration.event_id or db.session.execute(
            _MEMBERSHIP, {"registration": registration.id, "session": session.id}).first() is None:
        raise PermissionDenied(_l("You did not register for this session."))
    if registration.status != RegistrationStatus.confirmed or registration.erased_at is not None:
        raise PermissionDenied(_l("Only people with a confirmed registration for this session may ask questions."))
    if session.event.is_cancelled or session.cancelled_at is not None:
        raise QuestionsClosed(_l("This session has been cancelled by the organizer."))


def check_open(session, now):
    if not is_open(session, now):
        raise QuestionsClosed()


def open_sessions(registration, now):
    """The registrant's sessions taking questions now (for the links on /my)."""
    if registration.status != RegistrationStatus.confirmed or registration.erased_at is not None:
        return []
    return [s for s in registration.sessions if is_open(s, now)]


# ---- text ----------------------------------------------------------------------------------

def clean_text(value, field, maximum, *, required, multiline):
    """NFC, trimmed; control characters refused (line breaks only where `multiline`); a length limit."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: [_l("Not valid text.")]})
    value = unicodedata.normalize("NFC", value).strip()
    if "\r" in value:
        value = value.replace("\r\n", "\n")
    allowed = "\n" if multiline else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        message = _l("Control characters are not allowed.") if multiline else \
            _l("Line breaks and control characters are not allowed.")
        raise ValidationFailed(fields={field: [message]})
    if required and not value:
        raise ValidationFailed(fields={field: [_l("This field is required.")]})
    if len(value) > maximum:
        raise ValidationFailed(fields={field: [_l("At most %(n)d characters.", n=maximum)]})
    return value


# ---- rate limits ---------------------------------------------------------------------------

# While the shared storage (Redis) is down, each process counts on its own rather than not at all.
_fallback = FixedWindowRateLimiter(MemoryStorage())


def _allowed(setting, scope, registration):
    """One more of `scope` for this registrant within every limit of `setting`? Counts it (atomic hits)."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    limits = parse_many(current_app.config[setting])
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], scope, str(registration.id))
    try:
        return all([limiter.limiter.hit(limit, *key) for limit in limits])
    except Exception:  # the storage is unreachable: count in this process rather than not at all
        current_app.logger.warning("Rate-limit storage unreachable; counting questions in this process")
        return all([_fallback.hit(limit, *key) for limit in limits])


# ---- asking and voting ---------------------------------------------------------------------

def ask(registration, session, body, display_name="", now=None):
    """A registrant's question, pending moderation. Nothing is written when any rule refuses it."""
    now = now or clock.now()
    check_participant(registration, session)
    check_open(session, now)
    errors = {}
    try:
        body = clean_text(body, "body", BODY_MAX, required=True, multiline=True)
    except ValidationFailed as error:
        errors.update(error.fields)
    try:
        display_name = clean_text(display_name, "display_name", NAME_MAX, required=False, multiline=False)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    asked = db.session.scalar(sa.select(sa.func.count()).select_from(SessionQuestion).where(
        SessionQuestion.session_id == session.id, SessionQuestion.registration_id == registration.id))
    if asked >= current_app.config["QNA_MAX_QUESTIONS_PER_SESSION"]:
        raise TooManyQuestions(_l("You have asked %(n)d questions in this session, the most one person may ask.",
                                  n=asked))
    if not _allowed("RATELIMIT_QUESTIONS", "qna-ask", registration):
        raise TooManyQuestions()
    question = SessionQuestion(event_id=session.event_id, session_id=session.id, registration_id=registration.id,
                               body=body, display_name=display_name, status=QuestionStatus.pending)
    db.session.add(question)
    db.session.flush()
    record("qna.asked", actor=REGISTRANT, registration=registration, target=question, session_id=session.id)
    return question


_votes = SessionQuestionVote.__table__
_questions = SessionQuestion.__table__
_VOTE_INSERTS = {}


def _vote_insert(dialect):
    if dialect not in _VOTE_INSERTS:
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_votes)
        _VOTE_INSERTS[dialect] = insert.values(
            question_id=sa.bindparam("question"), registration_id=sa.bindparam("registration"),
            created_at=sa.bindparam("now")).on_conflict_do_nothing(
            index_elements=["question_id", "registration_id"]).returning(_votes.c.question_id)
    return _VOTE_INSERTS[dialect]


def _votable(registration, question, now):
    check_participant(registration, question.session)
    check_open(question.session, now)
    if question.status != QuestionStatus.approved:
        raise NotFound(_l("No such question."))
    if not _allowed("RATELIMIT_QUESTION_VOTES", "qna-vote", registration):
        raise TooManyQuestions(_l("Too many votes in a short time. Please wait a moment."))


def vote(registration, question, now=None):
    """One upvote per registrant and question (the table's primary key); again is no change. True when counted."""
    now = now or clock.now()
    _votable(registration, question, now)
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT run this way.
    added = db.session.execute(_vote_insert(db.session.get_bind().dialect.name),
                               {"question": question.id, "registration": registration.id, "now": now}).first()
    if added is not None:
        # The counter moves in the same transaction as the row: always equal to the rows.
        db.session.execute(sa.update(_questions).where(_questions.c.id == question.id)
                           .values(votes=_questions.c.votes + 1))
        db.session.refresh(question, ["votes"])
        changed(question.session_id)
    return added is not None


def unvote(registration, question, now=None):
    """Take one's upvote back; no vote, no change. True when removed."""
    now = now or clock.now()
    _votable(registration, question, now)
    removed = db.session.execute(sa.delete(_votes).where(_votes.c.question_id == question.id,
                                                         _votes.c.registration_id == registration.id)
                                 .returning(_votes.c.question_id)).first()
    if removed is not None:
        db.session.execute(sa.update(_questions).where(_questions.c.id == question.id)
                           .values(votes=_questions.c.votes - 1))
        db.session.refresh(question, ["votes"])
        changed(question.session_id)
    return removed is not None


def voted_ids(registration, session):
    return set(db.session.scalars(
        sa.select(SessionQuestionVote.question_id).join(SessionQuestion)
        .where(SessionQuestion.session_id == session.id, SessionQuestionVote.registration_id == registration.id)))


def own_questions(registration, session):
    return db.session.scalars(sa.select(SessionQuestion).where(
        SessionQuestion.session_id == session.id, SessionQuestion.registration_id == registration.id)
        .order_by(SessionQuestion.id.desc())).all()


def find_question(session, question_id):
    question = db.session.get(SessionQuestion, question_id)
    if question is None or question.session_id != session.id:
        raise NotFound(_l("No such question."))
    return question


# ---- moderation ----------------------------------------------------------------------------

MODERATIONS = ("approve", "hide", "pin", "unpin", "answer", "unanswer")


def moderate(question, action, actor, now=None):
    """approve, hide, pin (one pinned question per session: pinning unpins the other; pinning approves),
    unpin, answer (marks answered), unanswer. Recorded in the audit trail."""
    if action not in MODERATIONS:
        raise ValidationFailed(fields={"action": [_l("Not one of the allowed values.")]})
    now = now or clock.now()
    before = {"status": question.status.value, "pinned": question.pinned, "answered": question.answered_at is not None}
    if action == "approve":
        question.status = QuestionStatus.approved
    elif action == "hide":
        question.status, question.pinned = QuestionStatus.hidden, False
    elif action == "pin":
        db.session.execute(sa.update(SessionQuestion).where(
            SessionQuestion.session_id == question.session_id, SessionQuestion.pinned.is_(True),
            SessionQuestion.id != question.id).values(pinned=False).execution_options(synchronize_session="fetch"))
        question.status, question.pinned = QuestionStatus.approved, True
    elif action == "unpin":
        question.pinned = False
    elif action == "answer":
        question.answered_at = question.answered_at or now
        question.pinned = False
    elif action == "unanswer":
        question.answered_at = None
    question.moderated_by_id = getattr(actor, "id", None)
    after = {"status": question.status.value, "pinned": question.pinned, "answered": question.answered_at is not None}
    db.session.flush()
    changed(question.session_id)
    if before != after:
        record(f"qna.{_PAST[action]}", actor=actor, event=question.session.event, target=question,
               session_id=question.session_id,
               changes={k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return question


_PAST = {"approve": "approved", "hide": "hidden", "pin": "pinned", "unpin": "unpinned", "answer": "answered",
         "unanswer": "reopened"}


def for_moderation(session):
    """Every question of the session: pending first (oldest first), then approved by votes, then hidden."""
    order = sa.case((SessionQuestion.status == QuestionStatus.pending, 0),
                    (SessionQuestion.status == QuestionStatus.approved, 1), else_=2)
    return db.session.scalars(sa.select(SessionQuestion).where(SessionQuestion.session_id == session.id)
                              .order_by(order, SessionQuestion.pinned.desc(),
                                        sa.case((SessionQuestion.status == QuestionStatus.pending,
                                                 SessionQuestion.id), else_=-SessionQuestion.votes),
                                        SessionQuestion.id)).all()


def counts(session):
    rows = db.session.execute(sa.select(SessionQuestion.status, sa.func.count()).where(
        SessionQuestion.session_id == session.id).group_by(SessionQuestion.status)).all()
    return {status.value: n for status, n in rows}


# ---- the board: what the projector and the attendees' pages poll --------------------------------

def _board_key(session_id):
    return f"qna-board-{session_id}"


def changed(session_id):
    """The session's board is out of date once this transaction commits."""
    db.session.info.setdefault("qna_changed", set()).add(session_id)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _forget_boards(session):
    for session_id in session.info.pop("qna_changed", ()):
        try:
            cache.delete(_board_key(session_id))
        except Exception:  # a cache that is down: the entry's short timeout forgets it
            current_app.logger.warning("Cache unreachable; a question board waits for its timeout")


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _nothing_changed(session):
    session.info.pop("qna_changed", None)


def approved_questions(session_id):
    """Approved questions, as the screens order them: the pinned one, then unanswered by votes, then answered."""
    return db.session.scalars(sa.select(SessionQuestion).where(
        SessionQuestion.session_id == session_id, SessionQuestion.status == QuestionStatus.approved)
        .order_by(SessionQuestion.pinned.desc(), SessionQuestion.answered_at.is_not(None),
                  SessionQuestion.votes.desc(), SessionQuestion.id)).all()


def board(session_id):
    """{"event_id", "etag", "body"}: the session's approved questions as JSON text, from the cache when it is there."""
    key = _board_key(session_id)
    try:
        entry = cache.get(key)
    except Exception:
        entry = None
    if entry is not None:
        return entry
    session = db.session.get(EventSession, session_id)
    if session is None:
        return None
    questions = [{"id": q.id, "body": q.body, "name": q.display_name, "votes": q.votes, "pinned": q.pinned,
                  "answered": q.answered_at is not None} for q in approved_questions(session_id)]
    body = json.dumps({"session_id": session_id, "questions": questions}, ensure_ascii=False, separators=(",", ":"))
    entry = {"event_id": session.event_id, "etag": hashlib.sha256(body.encode()).hexdigest()[:20], "body": body}
    try:
        cache.set(key, entry, timeout=current_app.config["QNA_BOARD_CACHE_SECONDS"])
    except Exception:  # skipped, never fatal
        current_app.logger.warning("Cache unreachable; the question board is built for every poll")
    return entry


# ---- the report and the person's data ----------------------------------------------------------

def questions_for_report(event):
    """Per session, in order: the approved questions (answered or not) with their votes, most votes first."""
    rows = db.session.scalars(sa.select(SessionQuestion).where(
        SessionQuestion.event_id == event.id, SessionQuestion.status == QuestionStatus.approved)
        .order_by(SessionQuestion.votes.desc(), SessionQuestion.id)).all()
    by_session = {}
    for q in rows:
        by_session.setdefault(q.session_id, []).append(
            {"body": q.body, "votes": q.votes, "answered": q.answered_at is not None, "display_name": q.display_name})
    return [{"session": s, "questions": by_session.get(s.id, [])} for s in event.sessions]


@personal_data_requested.connect
def personal_data(registration, **_):
    """The person's questions (with their status) and the questions they upvoted."""
    questions = db.session.scalars(sa.select(SessionQuestion).where(SessionQuestion.registration_id == registration.id)
                                   .order_by(SessionQuestion.id)).all()
    votes = db.session.scalars(sa.select(SessionQuestionVote).where(
        SessionQuestionVote.registration_id == registration.id).order_by(SessionQuestionVote.question_id)).all()
    return "session_questions", {
        "asked": [{"id": q.id, "session_id": q.session_id, "body": q.body, "display_name": q.display_name,
                   "status": q.status.value, "votes": q.votes, "answered": q.answered_at is not None,
                   "asked_at": iso(q.created_at)} for q in questions],
        "upvoted": [{"question_id": v.question_id, "at": iso(v.created_at)} for v in votes],
    }


@personal_data_erased.connect
def erase_personal_data(registration, **_):
    """The name shown with the person's questions goes; the questions stay, anonymous (the form says so)."""
    session_ids = set(db.session.scalars(sa.select(SessionQuestion.session_id).where(
        SessionQuestion.registration_id == registration.id, SessionQuestion.display_name != "")))
    db.session.execute(sa.update(SessionQuestion).where(SessionQuestion.registration_id == registration.id)
                       .values(display_name="").execution_options(synchronize_session=False))
    for session_id in session_ids:
        changed(session_id)
