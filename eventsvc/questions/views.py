"""The organizer's page of an event's registration questions: add, change, reorder, remove."""
from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import event_for, staff_required
from ..extensions import db
from ..forms_common import button_action, save_form
from . import services
from .forms import KIND_LABELS, QuestionForm
from .models import RegistrationQuestion

bp = Blueprint("questions", __name__)


def _question_or_404(event, question_id):
    question = db.session.get(RegistrationQuestion, question_id)
    if question is None or question.event_id != event.id or question.removed_at is not None:
        abort(404)
    return question


def _list_url(slug):
    return url_for("questions.event_questions", slug=slug)


@bp.route("/organizer/events/<slug>/questions", methods=["GET", "POST"])
@staff_required
def event_questions(slug):
    event = event_for(slug)
    form = QuestionForm()
    done = save_form(form, lambda: services.add_question(event, form.service_data(), actor=current_user),
                     message=_("The question was added."), next_url=_list_url(slug), default_field=form.choices)
    if done:
        return done
    return render_template("questions/organizer.html", event=event, form=form, kinds=KIND_LABELS,
                           questions=services.questions_of(event)), 422 if form.errors else 200


@bp.route("/organizer/events/<slug>/questions/<id:question_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_question(slug, question_id):
    event = event_for(slug)
    question = _question_or_404(event, question_id)
    form = QuestionForm()
    if not form.is_submitted():
        form.fill_from(question)
    done = save_form(form, lambda: services.update_question(question, form.service_data(), actor=current_user),
                     message=_("Saved."), next_url=_list_url(slug), default_field=form.choices)
    if done:
        return done
    return render_template("questions/edit.html", event=event, question=question, form=form), \
        422 if form.errors else 200


@bp.route("/organizer/events/<slug>/questions/<id:question_id>/<any(up, down):direction>", methods=["POST"])
@staff_required
def move_question(slug, question_id, direction):
    event = event_for(slug)
    question = _question_or_404(event, question_id)
    return button_action(lambda: services.move_question(question, -1 if direction == "up" else 1, actor=current_user),
                         message=_("The order is saved."), next_url=_list_url(slug))


@bp.route("/organizer/events/<slug>/questions/<id:question_id>/remove", methods=["POST"])
@staff_required
def remove_question(slug, question_id):
    event = event_for(slug)
    question = _question_or_404(event, question_id)
    return button_action(
        lambda: services.remove_question(question, actor=current_user),
        message=lambda hidden: _("The question is no longer asked; the answers already given are kept.") if hidden
        else _("The question was removed."),
        next_url=_list_url(slug))
