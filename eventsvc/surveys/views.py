"""The survey: the organizer's settings and results, the registrant's form behind their personal link, and the
command that mails the survey after each session."""
import click
from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..access import Permission, event_for, staff_required
from ..audit.services import REGISTRANT
from ..errors import DomainError, ValidationFailed
from ..events.models import EventSession
from ..extensions import db, write_transactions
from ..forms_common import save_form
from ..registration.personal_links import registration_by_token_or_404
from ..templating import current_locale
from . import services
from .forms import SurveySettingsForm, answer_form, answers_from, errors_on_fields

bp = Blueprint("surveys", __name__, cli_group="surveys")


@bp.route("/organizer/events/<slug>/survey", methods=["GET", "POST"])
@staff_required
def settings(slug):
    event = event_for(slug, Permission.manage)
    form = SurveySettingsForm()
    if not form.is_submitted():
        form.fill_from(services.target_of(event), services.questions_of(event))
    done = save_form(form, lambda: services.save_survey(event, form.service_data(), actor=current_user),
                     message=_("The survey is saved."), next_url=url_for("surveys.settings", slug=slug),
                     default_field=form.custom_scale)
    if done:
        return done
    return render_template("surveys/settings.html", event=event, form=form,
                           questions=services.questions_of(event)), 422 if form.errors else 200


@bp.route("/organizer/events/<slug>/survey/results")
@staff_required
def results(slug):
    event = event_for(slug, Permission.view)
    return render_template("surveys/results.html", event=event, results=services.survey_results(event),
                           labels=_question_labels(event))


def _question_labels(event):
    locale = current_locale()
    return {q.key: q.label(locale) for q in services.questions_of(event)}


@bp.route("/my/<token>/sessions/<id:session_id>/survey", methods=["GET", "POST"])
def answer(token, session_id):
    registration = registration_by_token_or_404(token)
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != registration.event_id:
        abort(404)
    event = registration.event
    try:
        mode = services.check_may_answer(registration, session)
    except DomainError as refusal:
        return render_template("surveys/refused.html", event=event, registration=registration, session=session,
                               token=token, message=refusal.message), refusal.status
    form = answer_form(services.questions_for(event, mode), current_locale())()

    def submit():
        try:
            return services.submit_response(registration, session, answers_from(form), actor=REGISTRANT)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, fields=errors_on_fields(error.fields)) from error

    done = save_form(form, submit, message=_("Thank you: your answers are kept."),
                     next_url=url_for("registration.my_registration", token=token))
    if done:
        return done
    return render_template("surveys/answer.html", event=event, registration=registration, session=session,
                           token=token, form=form, scale_labels=services.SCALE_LABELS,
                           closes_at=services.closes_at(session)), 422 if form.errors else 200


@bp.app_template_global()
def survey_sessions(registration):
    """For the /my page: the sessions the person took part in, with the state of each one's survey."""
    return services.surveys_for(registration)


@bp.cli.command("send")
def send_command():
    """Mail the survey of each session that has ended to the people who took part (once each; safe to run
    every few minutes, twice at once, or on two machines); the outbox sends them."""
    with write_transactions():
        offered = services.send_invitations(clock.now())
        db.session.commit()
    click.echo(f"{offered} survey messages written to the outbox.")
