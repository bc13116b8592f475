"""The organizer's question form, and the questions as fields of the registration form."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..errors import ValidationFailed
from ..forms_common import AppForm, REQUIRED
from .models import TEXT_LIMITS, QuestionKind

KIND_LABELS = {
    QuestionKind.short_text: _l("Short text"),
    QuestionKind.long_text: _l("Long text"),
    QuestionKind.one_choice: _l("One choice"),
    QuestionKind.several_choices: _l("Several choices"),
}
ANSWER_NEEDED = _l("This question needs an answer.")


class QuestionForm(AppForm):
    kind = SelectField(_l("Kind of answer"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()])
    label_th = StringField(_l("Question (Thai)"), validators=[DataRequired(REQUIRED), Length(max=300)])
    label_en = StringField(_l("Question (English)"), validators=[Length(max=300)])
    required = BooleanField(_l("An answer is required"))
    choices = TextAreaField(_l("Choices"), validators=[Length(max=20000)], description=_l(
        "For the choice kinds: one choice a line, the Thai label, then \"|\" and the English one, "
        "e.g. อาหารมังสวิรัติ | Vegetarian meal."))

    def fill_from(self, question):
        self.kind.data = question.kind.value
        self.label_th.data, self.label_en.data = question.label_th, question.label_en
        self.required.data = question.required
        self.choices.data = "\n".join(f"{c['th']} | {c['en']}" if c.get("en") else c["th"]
                                      for c in question.choices or ())

    def service_data(self):
        choices = []
        for line in (self.choices.data or "").splitlines():
            th, _bar, en = line.partition("|")
            if th.strip() or en.strip():
                choices.append({"th": th.strip(), "en": en.strip()})
        return {"kind": self.kind.data, "label_th": self.label_th.data, "label_en": self.label_en.data,
                "required": bool(self.required.data), "choices": choices}


class _CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question):
    return f"answer_{question.id}"


def _answer_field(question, locale):
    label = question.label(locale)
    if question.kind in TEXT_LIMITS:
        cls = StringField if question.kind == QuestionKind.short_text else TextAreaField
        checks = [DataRequired(ANSWER_NEEDED)] if question.required else [Optional()]
        return cls(label, validators=checks + [Length(max=TEXT_LIMITS[question.kind])])
    choices = [SelectChoice(c["key"], question.choice_label(c["key"], locale)) for c in question.choices or ()]
    checks = [InputRequired(ANSWER_NEEDED)] if question.required else [Optional()]
    if question.kind == QuestionKind.one_choice:
        return RadioField(label, choices=choices, validators=checks)
    return _CheckboxesField(label, choices=choices, validators=[DataRequired(ANSWER_NEEDED)] if question.required
                            else [Optional()])


def with_questions(form_class, questions, locale):
    """`form_class` with one more field per question (`answer_<id>`); `question_fields` lists their names."""
    if not questions:
        return form_class
    fields = {field_name(q): _answer_field(q, locale) for q in questions}
    return type(form_class.__name__, (form_class,), {**fields, "question_fields": list(fields)})


def fill_answers(form, questions, answers):
    """Put a person's answers ([(question, answer)], questions.services.answers_of) into the form's fields."""
    given = {question.id: answer for question, answer in answers}
    for question in questions:
        answer = given.get(question.id)
        if answer is None:
            continue
        field = form[field_name(question)]
        if question.kind in TEXT_LIMITS:
            field.data = answer.text
        elif question.kind == QuestionKind.one_choice:
            field.data = (answer.choices or [None])[0]
        else:
            field.data = list(answer.choices or [])


def answers_from(form, questions):
    """{"<question id>": value} from a registration form made by with_questions()."""
    return {str(q.id): form[field_name(q)].data for q in questions}


def answer_errors_on_fields(fields):
    """The service's `answers.<id>` errors renamed to the form's fields (`answer_<id>`)."""
    return {(f"answer_{name.split('.', 1)[1]}" if name.startswith("answers.") else name): messages
            for name, messages in fields.items()}


def on_form_fields(action):
    """`action` (for forms_common.save_form), its `answers.<id>` field errors renamed to the form's fields."""
    def run():
        try:
            return action()
        except ValidationFailed as error:
            raise ValidationFailed(error.message, fields=answer_errors_on_fields(error.fields)) from error

    return run
