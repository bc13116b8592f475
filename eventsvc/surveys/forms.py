"""The organizer's survey settings, and the survey itself as a form made from the event's questions."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField, ValidationError
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..forms_common import AppForm
from .services import SCALE, STANDARD, TEXT, TEXT_ANSWER_MAX

OPTIONAL_STANDARD = [key for key in STANDARD if key != "overall"]
LINES_HINT = _l("One question a line: the part before \"|\" is the Thai wording, the part after it the English "
                "one, e.g. ความรู้ที่ได้รับนำไปใช้ได้ | What I learnt is useful. A line without \"|\" is a question "
                "in Thai only.")


def check_lines(field):
    """A line with "|" needs words on both sides: "|" alone, "| English" (no Thai) or "Thai |" is a slip, said
    with its line number rather than dropped or saved half. A line without "|" is Thai only, as the hint says."""
    for number, line in enumerate((field.data or "").splitlines(), start=1):
        if "|" not in line:
            continue
        th, _bar, en = line.partition("|")
        line = line.strip() if len(line.strip()) <= 60 else line.strip()[:59] + "…"
        if not th.strip():
            raise ValidationError(_l("Line %(n)d (%(line)s): the Thai wording before \"|\" is missing.",
                                     n=number, line=line))
        if not en.strip():
            raise ValidationError(_l("Line %(n)d (%(line)s): nothing after \"|\". Write the English wording "
                                     "after it, or leave \"|\" out for a question in Thai only.",
                                     n=number, line=line))


class SurveySettingsForm(AppForm):
    target_percent = IntegerField(_l("Target: share of people satisfied (percent)"),
                                  validators=[InputRequired(_l("A whole number from 1 to 100.")),
                                              NumberRange(1, 100, _l("A whole number from 1 to 100."))],
                                  description=_l("Satisfied means 4 or 5 on the overall question."))
    ask_content = BooleanField(STANDARD["content"]["label"])
    ask_speakers = BooleanField(STANDARD["speakers"]["label"])
    ask_venue = BooleanField(_l("The venue and its facilities (asked of people on site)"))
    ask_stream = BooleanField(_l("The quality of the livestream (asked of people online)"))
    ask_suggestions = BooleanField(_l("Free-text suggestions"))
    custom_scale = TextAreaField(_l("Your own questions rated 1 to 5"), validators=[Length(max=20000)],
                                 description=LINES_HINT)
    custom_text = TextAreaField(_l("Your own free-text questions"), validators=[Length(max=20000)],
                                description=LINES_HINT)

    def validate_custom_scale(self, field):
        check_lines(field)

    def validate_custom_text(self, field):
        check_lines(field)

    def fill_from(self, target, questions):
        self.target_percent.data = target
        keys = {q.key for q in questions}
        for key in OPTIONAL_STANDARD:
            getattr(self, f"ask_{key}").data = key in keys
        for kind, field in ((SCALE, self.custom_scale), (TEXT, self.custom_text)):
            field.data = "\n".join(f"{q.label_th} | {q.label_en}" if q.label_en else q.label_th
                                   for q in questions if not q.standard and q.kind == kind)

    def service_data(self):
        custom = []
        for kind, field in ((SCALE, self.custom_scale), (TEXT, self.custom_text)):
            for line in (field.data or "").splitlines():
                th, _bar, en = line.partition("|")
                if th.strip() or en.strip():
                    custom.append({"kind": kind, "label_th": th.strip(), "label_en": en.strip()})
        return {"target_percent": self.target_percent.data,
                "standard": [key for key in OPTIONAL_STANDARD if getattr(self, f"ask_{key}").data],
                "custom": custom}


def field_name(question):
    return f"q_{question.key}"


def answer_form(questions, locale):
    """A form class with one field per question: 1-5 radios for a scale (the service checks the range, so a
    crafted value gets the same clear message), a text box for free text."""
    fields = {}
    for question in questions:
        label = question.label(locale)
        if question.kind == SCALE:
            fields[field_name(question)] = RadioField(label, choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
                                                      validate_choice=False, validators=[Optional()])
        else:
            fields[field_name(question)] = TextAreaField(label, validators=[Optional(), Length(max=TEXT_ANSWER_MAX)])
    form_class = type("SurveyForm", (AppForm,), fields)
    form_class.questions = questions
    return form_class


def answers_from(form):
    return {q.key: form[field_name(q)].data for q in form.questions}


def errors_on_fields(fields):
    return {(f"q_{name.split('.', 1)[1]}" if name.startswith("answers.") else name): messages
            for name, messages in fields.items()}
