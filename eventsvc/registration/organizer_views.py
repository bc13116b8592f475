"""The team's pages for one registrant (their record, corrections, actions) and for adding someone by hand.

Routes of the registration blueprint (views.bp), kept apart from the public form and the registrant's own page.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..access import Permission, can, event_for, staff_required
from ..audit.services import readable_value
from ..errors import CapacityReached, Conflict, RegistrationClosed, ValidationFailed
from ..extensions import db
from ..labels import label
from ..forms_common import ActionForm, apply_field_errors, button_action, save_form
from ..questions import services as question_services
from ..questions.forms import answer_errors_on_fields, answers_from
from . import management, services
from .forms import AddRegistrationForm, CorrectRegistrationForm
from .views import _prepare_sessions, _registration_form, bp

# How the record names what happened to the person (audit actions; others show as recorded).
ACTION_LABELS = {
    "registration.created": _l("Registered"),
    "registration.added": _l("Added by the organizer"),
    "registration.changed": _l("Details changed"),
    "registration.updated": _l("Details changed"),
    "registration.cancelled": _l("Cancelled"),
    "registration.resent": _l("Confirmation sent again"),
    "registration.promoted": _l("Moved up from the waitlist"),
    "event.capacity_raised": _l("Capacity raised by one for this person"),
}
# The fields a history entry names, as the forms name them.
FIELD_LABELS = {
    "title_prefix": _l("Name prefix"), "first_name": _l("First name"), "last_name": _l("Last name"),
    "email": _l("E-mail"), "phone": _l("Phone"), "organization": _l("Organization"), "position": _l("Position"),
    "sector": _l("Sector"), "attendance": _l("Attendance"), "sessions": _l("Sessions"), "status": _l("Status"),
    "capacity": _l("Capacity"),
}
CHECKIN_ACTIONS = {"check_in": _l("Checked in"), "undo": _l("Check-in undone")}


def _record_url(event, registration):
    return url_for("registration.registrant", slug=event.slug, registration_id=registration.id)


def _managed_registration(slug, registration_id, permission=Permission.manage, **load):
    event = event_for(slug, permission, **load)
    return event, management.find_registration(event, registration_id)


@bp.route("/organizer/events/<slug>/registrations/<id:registration_id>")
@staff_required
def registrant(slug, registration_id):
    event, registration = _managed_registration(slug, registration_id, Permission.view, with_sessions=True)
    return render_template(
        "registration/organizer_record.html", event=event, record=management.registrant_record(registration),
        registration=registration, may_manage=can(current_user, event, Permission.manage),
        action_labels=ACTION_LABELS, field_labels=FIELD_LABELS, checkin_actions=CHECKIN_ACTIONS, private_fields=management.PERSONAL,
        sessions={s.id: s for s in event.sessions}, button=ActionForm(formdata=None),
        answer_text=question_services.answer_text, readable_value=readable_value,
    )


@bp.route("/organizer/events/<slug>/registrations/<id:registration_id>/edit", methods=["GET", "POST"])
@staff_required
def correct_registrant(slug, registration_id):
    event, registration = _managed_registration(slug, registration_id, with_sessions=True)
    form = CorrectRegistrationForm(obj=registration if request.method == "GET" else None)
    _prepare_sessions(form, event)
    if request.method == "GET":
        form.sessions.data = [s.id for s in registration.sessions]
        form.sector.data = registration.sector.value
        form.attendance.data = registration.attendance.value
    done = save_form(form, lambda: management.update_registration(registration, form.service_data(), current_user),
                     message=_("The registration is updated."), next_url=_record_url(event, registration),
                     default_field=form.email)
    if done:
        return done
    return render_template("registration/organizer_edit.html", event=event, registration=registration,
                           form=form), 422 if form.errors else 200


@bp.route("/organizer/events/<slug>/registrations/<id:registration_id>/resend", methods=["POST"])
@staff_required
def resend_confirmation(slug, registration_id):
    event, registration = _managed_registration(slug, registration_id)
    return button_action(lambda: management.resend_confirmation(registration, current_user),
                         message=_("The message is on its way."), next_url=_record_url(event, registration))


@bp.route("/organizer/events/<slug>/registrations/<id:registration_id>/promote", methods=["POST"])
@staff_required
def promote_registrant(slug, registration_id):
    event, registration = _managed_registration(slug, registration_id)
    return button_action(lambda: management.promote(registration, current_user),
                         message=_("Moved up from the waitlist: the seat is theirs and they are told."),
                         next_url=_record_url(event, registration))


def _service_data(form, questions):
    """The walk-in's details and their answers to the event's questions (required ones hold for them too)."""
    return {**form.service_data(), "answers": answers_from(form, questions)}


@bp.route("/organizer/events/<slug>/registrations/new", methods=["GET", "POST"])
@staff_required
def add_registrant(slug):
    """A walk-in at the door or a phone call: also before registration opens and after it closed."""
    event = event_for(slug, Permission.manage, with_sessions=True)
    questions = question_services.questions_of(event)
    form = _registration_form(event, questions=questions, form_class=AddRegistrationForm)
    refusal, existing = None, None
    if form.validate_on_submit():
        try:
            result = management.add_registration(
                event, _service_data(form, questions), current_user, consent_confirmed=form.consent_processing.data,
                override_capacity=form.override_capacity.data, submission_key=form.submission_key.data or None)
        except ValidationFailed as error:
            db.session.rollback()
            apply_field_errors(form, answer_errors_on_fields(error.fields), default_field=form.email)
        except (CapacityReached, RegistrationClosed, Conflict) as error:
            db.session.rollback()
            refusal = error.message
        else:
            if result.created or result.manage_token:  # new, or this very form sent twice
                db.session.commit()
                registration = result.registration
                flash(_("%(name)s is registered (%(status)s).", name=registration.full_name,
                        status=label("registration_status", registration.status)), "success")
                return redirect(_record_url(event, registration))
            db.session.rollback()
            existing = result.registration
            form.email.errors = list(form.email.errors) + [_("This e-mail address is already registered for this event.")]
    elif form.is_submitted() and "csrf_token" not in form.errors:
        try:  # the service's rules too, so that one round shows every error
            services.clean_registration_data(event, _service_data(form, questions))
        except ValidationFailed as error:
            apply_field_errors(form, {name: messages for name, messages in answer_errors_on_fields(error.fields).items()
                                      if not getattr(getattr(form, name, None), "errors", None)},
                               default_field=form.email)
    status = 200
    if request.method == "POST":
        status = 409 if refusal else 422
    return render_template("registration/organizer_add.html", event=event, form=form, refusal=refusal,
                           existing=existing, state=services.window_state(event)), status

