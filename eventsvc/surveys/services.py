"""The satisfaction survey: the organizer's questions and target, the answers checked and kept, the mail after each
session, the results against the target, and the survey's part of a person's data."""
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit.services import record
from ..checkin.models import Checkin, active_condition
from ..errors import Conflict, DomainError, ValidationFailed
from ..events.models import Event, EventSession, EventStatus
from ..extensions import db
from ..livestream.models import OnlineAttendance
from ..mail.models import OutboxMessage
from ..mail.services import enqueue_many
from ..registration.models import Attendance, Registration, RegistrationStatus, Sector
from ..signals import personal_data_requested
from ..timefmt import iso
from .models import Survey, SurveyResponse

SCALE, TEXT = "scale", "text"
LABEL_MAX = 300
TEXT_ANSWER_MAX = 2000
CUSTOM_MAX = 20
SATISFIED = (4, 5)

# The standard questions, in the order the form asks them. "venue" is asked of people who were in the room,
# "stream" of those who joined online; "overall" always.
STANDARD = {
    "overall": {"kind": SCALE, "label": _l("Overall, how satisfied are you with this session?")},
    "content": {"kind": SCALE, "label": _l("The content of the session")},
    "speakers": {"kind": SCALE, "label": _l("The speakers")},
    "venue": {"kind": SCALE, "label": _l("The venue and its facilities"), "mode": Attendance.onsite},
    "stream": {"kind": SCALE, "label": _l("The quality of the livestream"), "mode": Attendance.online},
    "suggestions": {"kind": TEXT, "label": _l("Your suggestions")},
}
SCALE_LABELS = {1: _l("Very dissatisfied"), 2: _l("Dissatisfied"), 3: _l("Neutral"), 4: _l("Satisfied"),
                5: _l("Very satisfied")}


class SurveyRefused(Conflict):
    status, code = 409, "survey_refused"


class NotTakenPart(DomainError):
    status, code, message = 403, "survey_not_for_you", _l("This survey is for the people who took part in the session.")


# ---- the organizer's questions ---------------------------------------------------------------


@dataclass
class Question:
    key: str
    kind: str
    label_th: str = ""
    label_en: str = ""
    mode: Attendance = None  # asked only of the people who took part this way

    @property
    def standard(self):
        return self.key in STANDARD

    def label(self, locale):
        if self.standard:
            return str(STANDARD[self.key]["label"])
        return self.label_en if locale == "en" and self.label_en else self.label_th


def default_target():
    return int(current_app.config["SATISFACTION_TARGET_PERCENT"])


def survey_row(event):
    return db.session.get(Survey, event.id)


def _question(stored):
    key = stored["key"]
    if key in STANDARD:
        return Question(key, STANDARD[key]["kind"], mode=STANDARD[key].get("mode"))
    return Question(key, stored.get("kind", SCALE), stored.get("label_th", ""), stored.get("label_en", ""))


def questions_of(event, survey=None):
    """The survey's questions in order; with no survey row, the whole standard set."""
    survey = survey if survey is not None else survey_row(event)
    if survey is None:
        return [_question({"key": key}) for key in STANDARD]
    questions = [_question(q) for q in survey.questions or ()]
    if not any(q.key == "overall" for q in questions):
        questions.insert(0, _question({"key": "overall"}))
    return questions


def target_of(event, survey=None):
    survey = survey if survey is not None else survey_row(event)
    return survey.target_percent if survey is not None else default_target()


def _has_control_characters(text):
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _clean_label(value, field, errors, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_l("Must be text.")]
        return ""
    if _has_control_characters(value):
        errors[field] = [_l("Line breaks and control characters are not allowed.")]
        return ""
    value = " ".join(unicodedata.normalize("NFC", value).split())
    if len(value) > LABEL_MAX:
        errors[field] = [_l("At most %(n)d characters.", n=LABEL_MAX)]
    elif required and not value:
        errors[field] = [_l("This field is required.")]
    return value


def _settings(survey, event):
    questions = questions_of(event, survey)
    return {"target_percent": target_of(event, survey), "standard": [q.key for q in questions if q.standard],
            "custom": len([q for q in questions if not q.standard])}


def save_survey(event, data, actor):
    """Set the event's survey: `standard` (keys of STANDARD; overall always), `custom` ([{kind, label_th,
    label_en}]), `target_percent` (1-100). A custom question keeps its key while its Thai label is unchanged,
    so that the answers already given still read right."""
    errors = {}
    target = data.get("target_percent", default_target())
    if isinstance(target, bool) or not isinstance(target, int) or not 1 <= target <= 100:
        errors["target_percent"] = [_l("A whole number from 1 to 100.")]
    standard = data.get("standard") or []
    if not isinstance(standard, (list, tuple)) or any(key not in STANDARD for key in standard):
        errors["standard"] = [_l("Choose among the standard questions.")]
        standard = []
    custom = data.get("custom") or []
    if not isinstance(custom, (list, tuple)):
        errors["custom"] = [_l("Must be a list.")]
        custom = []
    if len(custom) > CUSTOM_MAX:
        errors["custom"] = [_l("At most %(n)d questions of your own.", n=CUSTOM_MAX)]
        custom = []
    survey = survey_row(event)
    current = {q["label_th"]: q["key"] for q in (survey.questions if survey is not None else []) if q["key"] not in STANDARD}
    used = {int(key[1:]) for key in current.values() if key[1:].isdigit()}
    own, seen = [], set()
    for index, item in enumerate(custom):
        if not isinstance(item, dict):
            errors[f"custom.{index}"] = [_l("Send an object with kind, label_th and label_en.")]
            continue
        kind = item.get("kind", SCALE)
        if kind not in (SCALE, TEXT):
            errors[f"custom.{index}.kind"] = [_l("Choose scale or text.")]
        label_th = _clean_label(item.get("label_th"), f"custom.{index}.label_th", errors, required=True)
        label_en = _clean_label(item.get("label_en"), f"custom.{index}.label_en", errors)
        if label_th in seen:
            errors[f"custom.{index}.label_th"] = [_l("The same question is given twice.")]
        seen.add(label_th)
        key = current.get(label_th)
        if key is None:
            number = max(used | {0}) + 1
            used.add(number)
            key = f"q{number}"
        own.append({"key": key, "kind": kind, "label_th": label_th, "label_en": label_en})
    if errors:
        raise ValidationFailed(fields=errors)
    before = _settings(survey, event) if survey is not None else None
    questions = [{"key": key} for key in STANDARD if key == "overall" or key in standard] + own
    if survey is None:
        survey = Survey(event_id=event.id)
        db.session.add(survey)
    survey.target_percent = target
    survey.questions = questions
    db.session.flush()
    after = _settings(survey, event)
    record("survey.changed", actor=actor, event=event,
           changes={name: [before[name] if before else None, value] for name, value in after.items()
                    if before is None or before[name] != value})
    return survey


# ---- who took part, and when the survey is open ------------------------------------------


def _open_days():
    return timedelta(days=current_app.config["SURVEY_OPEN_DAYS"])


def _send_after():
    return timedelta(minutes=current_app.config["SURVEY_SEND_AFTER_MINUTES"])


def closes_at(session):
    return session.ends_at + _open_days()


def participants(session_ids, with_erased=False):
    """{(session id, registration id): mode} of the people who took part: an active check-in (an undone one does
    not count) makes it on site, else joining online; cancelled registrations are left out, and erased ones
    unless `with_erased` (the results count them: they took part, and their answers stay)."""
    if not session_ids:
        return {}
    active = Registration.status == RegistrationStatus.confirmed
    if not with_erased:
        active = active & Registration.erased_at.is_(None)
    onsite = db.session.execute(
        sa.select(Checkin.session_id, Checkin.registration_id).join(Registration, Registration.id == Checkin.registration_id)
        .where(Checkin.session_id.in_(session_ids), active_condition(), active)).all()
    online = db.session.execute(
        sa.select(OnlineAttendance.session_id, OnlineAttendance.registration_id)
        .join(Registration, Registration.id == OnlineAttendance.registration_id)
        .where(OnlineAttendance.session_id.in_(session_ids), active)).all()
    taken = {(s, r): Attendance.online for s, r in online}
    taken.update({(s, r): Attendance.onsite for s, r in onsite})
    return taken


def mode_of(registration, session):
    """How the person took part in the session (onsite, online), or None."""
    return participants([session.id]).get((session.id, registration.id)) \
        if registration.is_active and registration.erased_at is None else None


def response_of(registration, session):
    return db.session.scalar(sa.select(SurveyResponse).where(SurveyResponse.session_id == session.id,
                                                             SurveyResponse.registration_id == registration.id))


def check_may_answer(registration, session, now=None):
    """The mode the person answers in; raises when the survey is not theirs to answer now."""
    now = now or clock.now()
    if session.event_id != registration.event_id:
        raise NotTakenPart()
    if registration.erased_at is not None or registration.status == RegistrationStatus.cancelled:
        raise SurveyRefused(_l("This registration is cancelled: its survey cannot be answered."))
    if session.is_cancelled:
        raise SurveyRefused(_l("This session was cancelled: there is no survey for it."))
    if now < session.ends_at:
        raise SurveyRefused(_l("The survey opens when the session has ended."))
    if now >= closes_at(session):
        raise SurveyRefused(_l("The survey of this session is closed."))
    mode = mode_of(registration, session)
    if mode is None:
        raise NotTakenPart()
    if response_of(registration, session) is not None:
        raise SurveyRefused(_l("You have already answered this survey; your first answers are kept."))
    return mode


def _clean_answers(questions, data):
    errors, answers, overall = {}, {}, None
    for question in questions:
        value = data.get(question.key)
        field = f"answers.{question.key}"
        if question.kind == SCALE:
            if value in (None, ""):
                if question.key == "overall":
                    errors[field] = [_l("Please rate your overall satisfaction.")]
                continue
            try:
                number = int(value) if not isinstance(value, bool) else None
            except (TypeError, ValueError):
                number = None
            if number is None or str(value).strip() != str(number) or not 1 <= number <= 5:
                errors[field] = [_l("Choose a rating from 1 to 5.")]
                continue
            if question.key == "overall":
                overall = number
            else:
                answers[question.key] = number
        else:
            if value in (None, ""):
                continue
            if not isinstance(value, str):
                errors[field] = [_l("Must be text.")]
                continue
            if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in value):
                errors[field] = [_l("Control characters are not allowed.")]
                continue
            text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
            if len(text) > TEXT_ANSWER_MAX:
                errors[field] = [_l("At most %(n)d characters.", n=TEXT_ANSWER_MAX)]
            elif text:
                answers[question.key] = text
    return overall, answers, errors


def questions_for(event, mode):
    """The questions asked of someone who took part this way (venue on site, stream online)."""
    return [q for q in questions_of(event) if q.mode is None or q.mode == mode]


def submit_response(registration, session, data, actor, now=None):
    """Keep one person's answers about one session: once, while the survey is open, if they took part."""
    mode = check_may_answer(registration, session, now)
    overall, answers, errors = _clean_answers(questions_for(registration.event, mode), data)
    if errors:
        raise ValidationFailed(fields=errors)
    response = SurveyResponse(event_id=registration.event_id, session_id=session.id, registration_id=registration.id,
                              mode=mode, overall=overall, answers=answers, submitted_at=now or clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        # The same person's second tab, at the same moment: the first answers stay.
        raise SurveyRefused(_l("You have already answered this survey; your first answers are kept.")) from None
    record("survey.answered", actor=actor, registration=registration, target=response, session_id=session.id,
           mode=mode.value)
    return response


def surveys_for(registration, now=None):
    """The sessions the person took part in, each with its survey's state: open, answered, closed, not_yet."""
    now = now or clock.now()
    if not registration.is_active or registration.erased_at is not None:
        return []
    sessions = [s for s in registration.event.sessions if not s.is_cancelled]
    taken = participants([s.id for s in sessions])
    answered = set(db.session.scalars(sa.select(SurveyResponse.session_id)
                                      .where(SurveyResponse.registration_id == registration.id)))
    result = []
    for session in sorted(sessions, key=lambda s: s.starts_at):
        if (session.id, registration.id) not in taken:
            continue
        if session.id in answered:
            state = "answered"
        elif now < session.ends_at:
            state = "not_yet"
        elif now >= closes_at(session):
            state = "closed"
        else:
            state = "open"
        result.append({"session": session, "state": state, "closes_at": closes_at(session)})
    return result


# ---- the mail after each session ---------------------------------------------------------


def dedupe_key(session_id, registration_id):
    return f"survey:{session_id}:{registration_id}"


def send_invitations(now):
    """Write the survey mail of every session that ended at least SURVEY_SEND_AFTER_MINUTES ago and whose survey
    is still open, to each person who took part and has not had it: once per person and session (the outbox's
    dedupe key), however often or wherever the command runs. Returns how many were offered."""
    sessions = db.session.scalars(
        sa.select(EventSession).join(Event).where(
            Event.status == EventStatus.published, EventSession.cancelled_at.is_(None),
            EventSession.ends_at <= now - _send_after(), EventSession.ends_at > now - _open_days())).all()
    taken = participants([s.id for s in sessions])
    if not taken:
        return 0
    keys = {dedupe_key(s, r) for s, r in taken}
    sent = set(db.session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    answered = set(db.session.execute(sa.select(SurveyResponse.session_id, SurveyResponse.registration_id)
                                      .where(SurveyResponse.session_id.in_([s.id for s in sessions]))).all())
    wanted = [(s, r) for s, r in taken if dedupe_key(s, r) not in sent and (s, r) not in answered]
    people = dict(((r.id), r) for r in db.session.scalars(
        sa.select(Registration).where(Registration.id.in_({r for _s, r in wanted}))))
    by_id = {s.id: s for s in sessions}
    return enqueue_many("survey_invitation", [
        {"to": people[r].email, "locale": people[r].locale, "event_id": by_id[s].event_id, "registration_id": r,
         "params": {"session_id": s}, "dedupe_key": dedupe_key(s, r)}
        for s, r in sorted(wanted)
    ])


# ---- results -----------------------------------------------------------------------------


def _share(satisfied, answers):
    return round(100.0 * satisfied / answers, 1) if answers else None


def _group(rows):
    answers = len(rows)
    satisfied = sum(1 for row in rows if row.overall in SATISFIED)
    return {"answers": answers, "satisfied": satisfied, "satisfied_share": _share(satisfied, answers)}


def survey_results(event):
    """The survey's results as plain data, for the results page, the report and the API:

    {
      "target_percent": int,              # the event's target (default SATISFACTION_TARGET_PERCENT)
      "answers": int,                     # responses, all sessions
      "took_part": int,                   # (person, session) pairs who took part: checked in or joined online
      "response_rate": float | None,      # answers / took_part, percent, one decimal
      "satisfied": int,                   # responses with overall 4 or 5
      "satisfied_share": float | None,    # percent of the responses, one decimal; None with no answers
      "met": bool,                        # satisfied_share >= target_percent (False with no answers)
      "by_sector": {sector: {"answers", "satisfied", "satisfied_share"}},  # the registration's sector
      "by_mode": {"onsite": {...}, "online": {...}},                        # same shape
      "per_session": [{"session_id", "name_th", "name_en", "starts_at", "took_part", "answers", "response_rate",
                       "satisfied", "satisfied_share", "met", "averages": {key: float}}],
      "questions": [{"key", "kind", "label_th", "label_en"}],  # label_* empty for standard ones (see STANDARD)
      "averages": {question key: float | None},  # mean of each scale question over the answers that gave it
      "free_texts": [{"session_id", "key", "text"}],  # no names: what people wrote, in the order received
    }
    """
    survey = survey_row(event)
    target = target_of(event, survey)
    questions = questions_of(event, survey)
    sessions = sorted([s for s in event.sessions if s.cancelled_at is None], key=lambda s: s.starts_at)
    taken = participants([s.id for s in sessions], with_erased=True)
    rows = db.session.execute(
        sa.select(SurveyResponse.session_id, SurveyResponse.mode, SurveyResponse.overall, SurveyResponse.answers,
                  Registration.sector)
        .join(Registration, Registration.id == SurveyResponse.registration_id)
        .where(SurveyResponse.event_id == event.id).order_by(SurveyResponse.submitted_at, SurveyResponse.id)).all()

    def averages(subset):
        result = {}
        for question in questions:
            if question.kind != SCALE:
                continue
            values = [row.overall if question.key == "overall" else (row.answers or {}).get(question.key)
                      for row in subset]
            values = [v for v in values if isinstance(v, int)]
            result[question.key] = round(sum(values) / len(values), 2) if values else None
        return result

    overall = _group(rows)
    per_session = []
    for session in sessions:
        subset = [row for row in rows if row.session_id == session.id]
        group = _group(subset)
        took = sum(1 for s, _r in taken if s == session.id)
        per_session.append({"session_id": session.id, "name_th": session.name_th, "name_en": session.name_en,
                            "starts_at": iso(session.starts_at), "took_part": took,
                            "response_rate": _share(group["answers"], took), **group,
                            "met": group["satisfied_share"] is not None and group["satisfied_share"] >= target,
                            "averages": averages(subset)})
    by_sector = {}
    for sector in Sector:
        subset = [row for row in rows if row.sector == sector]
        if subset:
            by_sector[sector.value] = _group(subset)
    by_mode = {mode.value: _group([row for row in rows if row.mode == mode]) for mode in Attendance}
    free_texts = [{"session_id": row.session_id, "key": q.key, "text": (row.answers or {})[q.key]}
                  for row in rows for q in questions if q.kind == TEXT and (row.answers or {}).get(q.key)]
    return {
        "target_percent": target,
        "answers": overall["answers"],
        "took_part": len(taken),
        "response_rate": _share(overall["answers"], len(taken)),
        "satisfied": overall["satisfied"],
        "satisfied_share": overall["satisfied_share"],
        "met": overall["satisfied_share"] is not None and overall["satisfied_share"] >= target,
        "by_sector": by_sector,
        "by_mode": by_mode,
        "per_session": per_session,
        "questions": [{"key": q.key, "kind": q.kind, "label_th": q.label_th, "label_en": q.label_en}
                      for q in questions],
        "averages": averages(rows),
        "free_texts": free_texts,
    }


# ---- personal data -----------------------------------------------------------------------


@personal_data_requested.connect
def personal_data(registration, **_):
    """The person's survey answers, for their data download.

    Erasure leaves the answers as they are, so there is no receiver of personal_data_erased here: they carry no
    name or contact (the registration they point to is blanked, keeping its sector for the counts), and the free
    text stays, anonymous, as the form says before anyone writes, so that the hearing's record stays whole."""
    responses = db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.registration_id == registration.id)
                                   .order_by(SurveyResponse.session_id)).all()
    return "survey_answers", [{"session_id": r.session_id, "mode": r.mode.value, "overall": r.overall,
                               "answers": dict(r.answers or {}), "submitted_at": iso(r.submitted_at)}
                              for r in responses]
