"""Registration questions: the organizer's questions, the answers checked and kept, their part of a person's data."""
import unicodedata

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import clock
from ..audit.services import changes_between, record, snapshot
from ..errors import Conflict, ValidationFailed
from ..events.signals import event_duplicated
from ..extensions import db
from ..signals import personal_data_erased, personal_data_requested
from ..spreadsheets import Column
from .models import CHOICE_KINDS, TEXT_LIMITS, QuestionKind, RegistrationAnswer, RegistrationQuestion

LABEL_MAX = 300
CHOICE_LABEL_MAX = 200
CHOICES_MAX = 50
QUESTIONS_MAX = 50
FIELDS = ("kind", "label_th", "label_en", "required", "choices")


# ---- the organizer's questions ------------------------------------------------------------

def questions_of(event, with_removed=False):
    """The event's questions in the order the form asks them; removed ones (hidden, answers kept) when asked."""
    query = sa.select(RegistrationQuestion).where(RegistrationQuestion.event_id == event.id)
    if not with_removed:
        query = query.where(RegistrationQuestion.removed_at.is_(None))
    return db.session.scalars(query.order_by(RegistrationQuestion.position, RegistrationQuestion.id)).all()


def _has_control_characters(text, multiline=False):
    allowed = "\n\r\t" if multiline else ""
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _clean_label(value, field, errors, limit, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = [_l("Must be text.")]
        return ""
    value = " ".join(unicodedata.normalize("NFC", value).split()) if not _has_control_characters(value) else None
    if value is None:
        errors[field] = [_l("Line breaks and control characters are not allowed.")]
    elif len(value) > limit:
        errors[field] = [_l("At most %(n)d characters.", n=limit)]
    elif required and not value:
        errors[field] = [_l("This field is required.")]
    return value or ""


def _clean_choices(kind, given, current, errors):
    """[{"key", "th", "en"}]: a choice keeps its key when given back with it, or when its Thai label is unchanged;
    a new one gets the next free key, so that answers given already still read right."""
    if kind not in CHOICE_KINDS:
        return []
    if not isinstance(given, (list, tuple)):
        errors["choices"] = [_l("Must be a list.")]
        return []
    if len(given) > CHOICES_MAX:
        errors["choices"] = [_l("At most %(n)d choices.", n=CHOICES_MAX)]
        return []
    by_key = {c["key"]: c for c in current}
    by_label = {c["th"]: c for c in current}
    used = {c["key"] for c in current}
    clean, labels = [], set()
    for index, choice in enumerate(given):
        if not isinstance(choice, dict):
            errors[f"choices.{index}"] = [_l("Send an object with th and en.")]
            continue
        th = _clean_label(choice.get("th"), f"choices.{index}.th", errors, CHOICE_LABEL_MAX, required=True)
        en = _clean_label(choice.get("en"), f"choices.{index}.en", errors, CHOICE_LABEL_MAX)
        if not th:
            continue
        if th in labels:
            errors[f"choices.{index}.th"] = [_l("The same choice is given twice.")]
            continue
        labels.add(th)
        previous = by_key.get(choice.get("key")) or by_label.get(th)
        key = previous["key"] if previous is not None else _next_key(used)
        used.add(key)
        clean.append({"key": key, "th": th, "en": en})
    least = 2 if kind == QuestionKind.one_choice else 1
    if len(clean) < least and not any(name.startswith("choices") for name in errors):
        errors["choices"] = [_l("A question of this kind needs at least %(n)d choices.", n=least) if least > 1
                             else _l("A question of this kind needs at least one choice.")]
    return clean


def _next_key(used):
    n = 1
    while f"c{n}" in used:
        n += 1
    return f"c{n}"


def _clean_question(data, question=None):
    errors = {}
    kind = data.get("kind", question.kind if question else None)
    try:
        kind = QuestionKind(kind)
    except ValueError:
        errors["kind"] = [_l("Not one of the allowed values.")]
        kind = None
    clean = {"kind": kind}
    clean["label_th"] = _clean_label(data.get("label_th", question.label_th if question else ""), "label_th",
                                     errors, LABEL_MAX, required=True)
    clean["label_en"] = _clean_label(data.get("label_en", question.label_en if question else ""), "label_en",
                                     errors, LABEL_MAX)
    required = data.get("required", question.required if question else False)
    if not isinstance(required, bool):
        errors["required"] = [_l("Must be true or false.")]
    clean["required"] = required is True
    if kind is not None:
        current = list(question.choices or []) if question else []
        clean["choices"] = _clean_choices(kind, data.get("choices", current), current, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _answered(question):
    return db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationAnswer)
                             .where(RegistrationAnswer.question_id == question.id)) > 0


def add_question(event, data, actor=None):
    """A new question at the end of the form; raises ValidationFailed (nothing written)."""
    clean = _clean_question(data)
    existing = questions_of(event, with_removed=True)
    if len([q for q in existing if q.removed_at is None]) >= QUESTIONS_MAX:
        raise Conflict(_l("An event has at most %(n)d questions.", n=QUESTIONS_MAX))
    question = RegistrationQuestion(event_id=event.id, position=max((q.position for q in existing), default=0) + 1,
                                    **clean)
    db.session.add(question)
    db.session.flush()
    record("question.added", actor=actor, event=event, target=question, changes=changes_between({}, snapshot(question, FIELDS)))
    return question


def update_question(question, data, actor=None):
    """Change a question; its kind no longer changes once people answered it (their answers would not fit)."""
    clean = _clean_question(data, question)
    if clean["kind"] != question.kind and _answered(question):
        raise ValidationFailed(fields={"kind": [_l("People have answered this question: its kind can no longer change.")]})
    before = snapshot(question, FIELDS)
    for key, value in clean.items():
        setattr(question, key, value)
    db.session.flush()
    changes = changes_between(before, snapshot(question, FIELDS))
    if changes:
        record("question.changed", actor=actor, event=question.event, target=question,
               changes=changes)
    return question


def move_question(question, offset, actor=None):
    """Move a question up (offset -1) or down (+1) the form; at either end nothing moves."""
    event = question.event
    questions = questions_of(event)
    index = next(i for i, q in enumerate(questions) if q.id == question.id)
    other = index + (1 if offset > 0 else -1)
    if not 0 <= other < len(questions):
        return question
    questions[index], questions[other] = questions[other], questions[index]
    for position, q in enumerate(questions, start=1):
        q.position = position
    db.session.flush()
    record("question.moved", actor=actor, event=event, target=question, position=other + 1)
    return question


def remove_question(question, actor=None):
    """Remove a question from the form. Answered already: hidden, its answers kept (in the exports and in each
    person's data); never answered: deleted. Returns True when it was hidden."""
    event = question.event
    hidden = _answered(question)
    record("question.removed", actor=actor, event=event, target=question, label_th=question.label_th, hidden=hidden)
    if hidden:
        question.removed_at = clock.now()
    else:
        db.session.delete(question)
    db.session.flush()
    return hidden


# ---- answers ---------------------------------------------------------------------------------

def clean_answers(event, given, questions=None):
    """({question: clean value}, {"answers.<id>": [message]}): every answer checked against its question.

    `given` is {"<question id>": value}: text for the text kinds, a choice's key
    for one choice, a list of keys for several. An id that is not one of the
    event's questions, a key that is not one of its choices, text too long or
    with control characters are field errors; a required question left empty too.
    """
    questions = questions_of(event) if questions is None else questions
    given = {} if given is None else given
    if not isinstance(given, dict):
        return {}, {"answers": [_l("Send an object: question id -> answer.")]}
    if len(given) > QUESTIONS_MAX:  # more than any event asks: refused whole, not echoed key by key
        return {}, {"answers": [_l("At most %(n)d answers.", n=QUESTIONS_MAX)]}
    by_id = {str(q.id): q for q in questions}
    errors = {f"answers.{key}": [_l("Not a question of this event.")] for key in given if str(key) not in by_id}
    given = {str(key): value for key, value in given.items()}
    clean = {}
    for key, question in by_id.items():
        value, message = _clean_answer(question, given.get(key))
        if message is not None:
            errors[f"answers.{key}"] = [message]
        elif value:
            clean[question] = value
    return clean, errors


def _clean_answer(question, value):
    """(clean value, None) or (None, error message)."""
    if question.kind in TEXT_LIMITS:
        if value is None:
            value = ""
        if not isinstance(value, str):
            return None, _l("Must be text.")
        value = unicodedata.normalize("NFC", value).strip()
        if _has_control_characters(value, multiline=question.kind == QuestionKind.long_text):
            return None, _l("Line breaks and control characters are not allowed.")
        if len(value) > TEXT_LIMITS[question.kind]:
            return None, _l("At most %(n)d characters.", n=TEXT_LIMITS[question.kind])
    else:
        keys = {c["key"] for c in question.choices or ()}
        if question.kind == QuestionKind.one_choice:
            if value is None:
                value = ""
            if not isinstance(value, str) or (value and value not in keys):
                return None, _l("Not one of the choices.")
        else:
            value = [] if value is None else ([value] if isinstance(value, str) and value else value)
            if not isinstance(value, list) or any(not isinstance(v, str) or v not in keys for v in value):
                return None, _l("Not one of the choices.")
            value = list(dict.fromkeys(value))
    if question.required and not value:
        return None, _l("This question needs an answer.")
    return value, None


def save_answers(registration, answers):
    """Write the answers cleaned by clean_answers() for a registration just made (flush, no commit)."""
    for question, value in answers.items():
        db.session.add(RegistrationAnswer(
            registration_id=registration.id, question_id=question.id,
            text=value if isinstance(value, str) and question.kind in TEXT_LIMITS else "",
            choices=[value] if question.kind == QuestionKind.one_choice else (value if isinstance(value, list) else [])))
    if answers:
        db.session.flush()


def replace_answers(registration, answers):
    """The person's answers to the questions asked now become `answers` (cleaned by clean_answers()); answers to
    questions no longer asked stay as given."""
    asked = sa.select(RegistrationQuestion.id).where(RegistrationQuestion.event_id == registration.event_id,
                                                     RegistrationQuestion.removed_at.is_(None))
    db.session.execute(sa.delete(RegistrationAnswer).where(RegistrationAnswer.registration_id == registration.id,
                                                           RegistrationAnswer.question_id.in_(asked))
                       .execution_options(synchronize_session=False))
    save_answers(registration, answers)


def answers_of(registration):
    """[(question, answer)] of one registration, in the form's order (hidden questions included)."""
    return db.session.execute(
        sa.select(RegistrationQuestion, RegistrationAnswer)
        .join(RegistrationAnswer, RegistrationAnswer.question_id == RegistrationQuestion.id)
        .where(RegistrationAnswer.registration_id == registration.id)
        .order_by(RegistrationQuestion.position, RegistrationQuestion.id)).all()


def answer_text(question, answer, locale):
    """An answer as a person reads it: the text, or the choices' labels in `locale`, joined by "; "."""
    if question.kind in TEXT_LIMITS:
        return answer.text
    return "; ".join(question.choice_label(key, locale) for key in answer.choices or ())


@personal_data_requested.connect
def personal_data(registration, **_):
    """The person's answers for their data download: the question, the text typed or the choices ticked."""
    return "answers", [
        {"question_id": question.id, "question_th": question.label_th, "question_en": question.label_en,
         "kind": question.kind.value, "text": answer.text,
         "choices": [{"key": key, "th": question.choice_label(key, "th"), "en": question.choice_label(key, "en")}
                     for key in answer.choices or ()]}
        for question, answer in answers_of(registration)]


@personal_data_erased.connect
def erase_personal_data(registration, **_):
    """Free text may say anything about the person: it goes. The choices ticked stay, like the sector and the
    attendance on the blank registration: they name nobody once it is erased, and the event's numbers hold."""
    db.session.execute(sa.update(RegistrationAnswer).where(RegistrationAnswer.registration_id == registration.id)
                       .values(text="").execution_options(synchronize_session=False))


# ---- exports ---------------------------------------------------------------------------------

class QuestionHeader:
    """A question's label as an export's header, in the language the export is made in (spreadsheets.table)."""

    def __init__(self, question):
        self.question = question

    def __str__(self):
        return self.question.label(str(get_locale() or "th"))


def export_columns(questions):
    """One column per question; as codes, `answer_<id>`."""
    return [Column(f"answer_{q.id}", QuestionHeader(q), width=30 if q.kind == QuestionKind.long_text else 20)
            for q in questions]


def export_cells(questions, lo, hi, language):
    """{registration id: [cell per question]} for the registrations lo..hi: text as typed, choices by their
    label in `language`, or by their keys (";"-separated) when the export is in codes (language None)."""
    if not questions:
        return {}
    column = {q.id: i for i, q in enumerate(questions)}
    cells = {}
    rows = db.session.execute(sa.select(RegistrationAnswer).where(
        RegistrationAnswer.registration_id.between(lo, hi),
        RegistrationAnswer.question_id.in_(list(column)))).scalars()
    by_id = {q.id: q for q in questions}
    for answer in rows:
        question = by_id[answer.question_id]
        value = (answer_text(question, answer, language) if language is not None
                 else (answer.text if question.kind in TEXT_LIMITS else ";".join(answer.choices or ())))
        cells.setdefault(answer.registration_id, [""] * len(questions))[column[answer.question_id]] = value
    return cells


# ---- a duplicated event asks the same questions ---------------------------------------------------

@event_duplicated.connect
def copy_questions(event, source, **_):
    """The copy asks the source's questions (not the hidden ones), in the same order, with the same choices."""
    for question in questions_of(source):
        db.session.add(RegistrationQuestion(
            event_id=event.id, kind=question.kind, label_th=question.label_th, label_en=question.label_en,
            required=question.required, position=question.position, choices=[dict(c) for c in question.choices or ()]))
    db.session.flush()
