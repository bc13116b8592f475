"""The registration form, the registrant's own page, and the organizer's list of registrations."""
import secrets

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice
from wtforms.widgets import RadioInput

from ..audit.services import REGISTRANT, record_export
from ..emails import normalize_email
from ..errors import CapacityReached, InvitationInvalid, InvitationRequired, RegistrationClosed, ValidationFailed
from ..attendees.filters import list_filters
from ..attendees.services import filtered_registrations
from ..checkin.services import checked_in_among, checkins_of
from ..tickets import calendar
from ..timefmt import format_short_day, format_time_range
from ..access import Permission, can, event_for, public_event, staff_required
from ..extensions import db, limiter
from ..forms_common import ActionForm, apply_field_errors, button_action, save_form
from ..headers import personal
from ..invitations import services as invitation_services
from ..invitations.forms import DeclineForm
from ..invitations.services import registration_defaults
from ..invitations.links import forgive_wrong_invitation, limit_wrong_invitations, load_invitation
from ..questions import services as question_services
from ..questions.forms import answer_errors_on_fields, answers_from, fill_answers, on_form_fields, with_questions
from ..templating import current_locale
from . import management, privacy, services
from .forms import EditRegistrationForm, MyLinkForm, RegistrationForm
from .models import Registration
from .personal_links import may_mail_link_to, registration_by_token_or_404

bp = Blueprint("registration", __name__)


def _prepare_sessions(form, event):
    """The sessions' choices; parallel groups of which one may be chosen are radio buttons."""
    form.sessions.choices = _session_choices(event)
    if services.one_session_only(event.sessions):
        form.sessions.option_widget = RadioInput()


def _session_choices(event):
    locale = current_locale()
    return [
        SelectChoice(s.id, f"{s.name(locale)} — {format_short_day(s.starts_at, locale)} {format_time_range(s.starts_at, s.ends_at, locale)}")
        for s in event.sessions if s.cancelled_at is None
    ]


def _registration_form(event, invitation=None, questions=(), form_class=RegistrationForm):
    """The form, with one more field per question of the event's organizer."""
    form = with_questions(form_class, questions, current_locale())()
    _prepare_sessions(form, event)
    if request.method == "GET":
        form.submission_key.data = secrets.token_urlsafe(16)
        # Parallel sessions (topic groups) are a choice; otherwise all are ticked.
        open_sessions = [s for s in event.sessions if s.cancelled_at is None]
        form.sessions.data = [] if services.sessions_overlap(open_sessions) else [s.id for s in open_sessions]
        if event.format.value != "hybrid":
            form.attendance.data = "online" if event.format.value == "online" else "onsite"
        if invitation is not None:
            for name, value in registration_defaults(invitation).items():
                getattr(form, name).data = value
    if invitation is not None:
        # Fixed by the invitation (the service refuses another one anyway).
        form.email.render_kw = {"readonly": True}
    return form


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@personal  # an invitee's form is filled in with their name and e-mail
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"], methods=["POST"])
@limit_wrong_invitations
def register(slug):
    event = public_event(slug, with_sessions=True)
    token = request.args.get("invite")
    invitation = load_invitation(event, token)
    state = services.window_state(event)
    questions = question_services.questions_of(event)
    form = _registration_form(event, invitation, questions)

    def page(status, **extra):
        return render_template("registration/form.html", event=event, form=form, state=state,
                               invitation=invitation, invite_token=token if invitation else None,
                               decline_form=DeclineForm(formdata=None), my_link_form=my_link_form(), **extra), status

    if token is not None and invitation is None and request.method == "POST":
        replay = services.replayed_through_invitation(event, token, request.form.get("submission_key"))
        if replay is not None:
            forgive_wrong_invitation()
            return _result_page(event, replay)
    if token is not None and invitation is None and event.is_invite_only:
        # The same answer for an unknown, used, withdrawn or expired link.
        return page(403, invitation_invalid=True, invitation_required=True)
    if event.is_invite_only and invitation is None:
        return page(403 if request.method == "POST" else 200, invitation_required=True)
    # On an open event a link that does not work is said so, and the open form follows.
    notice = {"invitation_invalid": True} if token is not None and invitation is None else {}
    if state != services.WindowState.open:
        return page(409 if request.method == "POST" else 200, **notice)
    if not form.validate_on_submit():
        if request.method == "POST":
            # Check the service's rules too, so that one round shows every error.
            try:
                services.clean_registration_data(event, _service_data(form, questions))
            except ValidationFailed as error:
                fresh = {name: messages for name, messages in answer_errors_on_fields(error.fields).items()
                         if not getattr(getattr(form, name, None), "errors", None)}
                apply_field_errors(form, fresh, default_field=form.email)
        return page(422 if request.method == "POST" else 200, **notice)
    try:
        result = services.register(
            event, _service_data(form, questions), invitation=invitation,
            submission_key=form.submission_key.data or None,
            actor=current_user if current_user.is_authenticated else REGISTRANT,
        )
    except ValidationFailed as error:
        db.session.rollback()
        apply_field_errors(form, answer_errors_on_fields(error.fields), default_field=form.email)
        return page(422, **notice)
    except CapacityReached:
        db.session.rollback()
        return page(409, full=True)
    except InvitationInvalid:
        # Used up a moment ago by a concurrent request: this person's own double click, or the
        # same answer as any other link that cannot be used.
        db.session.rollback()
        replay = services.replayed_through_invitation(event, token, form.submission_key.data)
        if replay is not None:
            return _result_page(event, replay)
        g.wrong_invitation = True
        return page(403, invitation_invalid=True, invitation_required=event.is_invite_only)
    except (RegistrationClosed, InvitationRequired) as error:
        db.session.rollback()
        return page(error.status, refusal=error.message)
    db.session.commit()
    return _result_page(event, result)


def _service_data(form, questions):
    return {**form.service_data(current_locale()), "answers": answers_from(form, questions)}


def _result_page(event, result):
    manage_url = url_for("registration.my_registration", token=result.manage_token) if result.manage_token else None
    # Someone typed an e-mail that is registered already: the "lost your link?" form, filled in with it.
    lost = my_link_form(email=result.registration.email) if not manage_url else None
    return render_template(
        "registration/result.html", event=event, registration=result.registration,
        created=result.created, manage_url=manage_url, my_link_form=lost,
    ), 201 if result.created else 200


def my_link_form(**data):
    """The "lost your link?" form as other pages show it (prefixed: it sits beside the registration form)."""
    return MyLinkForm(formdata=None, prefix="lost", data=data)


@bp.route("/events/<slug>/my-link", methods=["GET", "POST"])
@personal  # the answer repeats the address typed
@limiter.limit(lambda: current_app.config["RATELIMIT_MY_LINK"], methods=["POST"])
def my_link(slug):
    """"Lost your link?": an address in, the same answer out; its personal link is mailed when it is registered."""
    event = public_event(slug)
    form = MyLinkForm(prefix="lost")
    if not form.validate_on_submit():
        return render_template("registration/my_link.html", event=event, my_link_form=form, sent=False), \
            422 if request.method == "POST" else 200
    email = form.email.data.strip()
    if may_mail_link_to(normalize_email(email)):
        services.send_personal_link(event, email)
        db.session.commit()
    return render_template("registration/my_link.html", event=event, my_link_form=my_link_form(), sent=True,
                           email=email)


@bp.route("/events/<slug>/register/decline", methods=["POST"])
@limit_wrong_invitations
def decline(slug):
    """The invitee cannot come (the button on their invitation's form)."""
    event = public_event(slug, with_sessions=True)
    token = request.args.get("invite")
    invitation = load_invitation(event, token)
    if invitation is None:
        return render_template("registration/form.html", event=event, form=_registration_form(event),
                               state=services.window_state(event), invitation=None, invitation_invalid=True,
                               invitation_required=event.is_invite_only, my_link_form=my_link_form()), 403
    form = DeclineForm()
    if not form.validate_on_submit():
        abort(400)
    return button_action(lambda: invitation_services.decline(invitation, form.reason.data),
                         message=_("Thank you for letting us know. If your plans change, you can still register "
                                   "with the same link."),
                         next_url=url_for("registration.register", slug=slug, invite=token))


def _my_page(registration, token, form=None, status=200):
    event = registration.event
    locale = current_locale()
    links = {session.id: calendar.third_party_add_links(registration, session, locale)
             for session in registration.sessions}
    return render_template(
        "registration/my.html", registration=registration, event=event, token=token, add_links=links,
        editable=services.can_change(registration), cancellable=services.can_cancel(registration),
        checkins=checkins_of(registration), form=form, data=privacy.personal_data(registration),
        join_url=lambda session: calendar.join_url(registration, session),
    ), status


@bp.route("/my/<token>")
def my_registration(token):
    registration = registration_by_token_or_404(token)
    return _my_page(registration, token)


@bp.route("/my/<token>/edit", methods=["GET", "POST"])
def edit_my_registration(token):
    registration = registration_by_token_or_404(token)
    event = registration.event
    questions = question_services.questions_of(event)
    form = with_questions(EditRegistrationForm, questions, current_locale())(
        obj=registration if request.method == "GET" else None)
    _prepare_sessions(form, event)
    if request.method == "GET":
        form.sessions.data = [s.id for s in registration.sessions]
        form.sector.data = registration.sector.value
        form.attendance.data = registration.attendance.value
        fill_answers(form, questions, question_services.answers_of(registration))
    if registration.invitation_id is not None:
        form.email.render_kw = {"readonly": True}
    done = save_form(form, on_form_fields(lambda: services.update_registration(
                         registration, {**form.service_data(registration.locale), "answers": answers_from(form, questions)},
                         actor=REGISTRANT)),
                     message=_("Your registration is updated."),
                     next_url=url_for("registration.my_registration", token=token), default_field=form.email)
    if done:
        return done
    closed = not services.can_change(registration)
    return render_template("registration/edit.html", registration=registration, event=event, form=form,
                           token=token, closed=closed), 422 if form.errors else (409 if closed else 200)


@bp.route("/my/<token>/cancel", methods=["POST"])
def cancel_my_registration(token):
    registration = registration_by_token_or_404(token)
    return button_action(lambda: services.cancel_registration(registration, actor=REGISTRANT),
                         message=_("Your registration is cancelled."),
                         next_url=url_for("registration.my_registration", token=token))


@bp.route("/my/<token>/data.json")
def my_data(token):
    registration = registration_by_token_or_404(token)
    data = privacy.personal_data(registration)
    record_export("personal_data", actor=REGISTRANT, registration=registration)
    db.session.commit()
    response = jsonify(data)
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{registration.event.slug}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/my/<token>/erase", methods=["POST"])
def erase_my_data(token):
    registration = registration_by_token_or_404(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    event = registration.event
    privacy.erase_registration(registration, actor=REGISTRANT)
    db.session.commit()
    return render_template("registration/erased.html", event=event)


@bp.route("/organizer/events/<slug>/registrations")
@staff_required
def event_registrations(slug):
    event = event_for(slug, Permission.view, with_sessions=True)
    if not 1 <= request.args.get("page", 1, type=int) <= 1_000_000:
        abort(404)
    filters = list_filters(event)
    page = db.paginate(filtered_registrations(event, **filters), per_page=100, max_per_page=500)
    checked = checked_in_among(page.items)
    return render_template(
        "registration/organizer_list.html", event=event, page=page, filters=filters, checked=checked,
        counts=services.counts_by_status(event), active={k: v for k, v in filters.items() if v},
        may_manage=can(current_user, event, Permission.manage),
    )


@bp.route("/organizer/events/<slug>/registrations/<id:registration_id>/cancel", methods=["POST"])
@staff_required
def organizer_cancel(slug, registration_id):
    event = event_for(slug)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)

    def message(promoted):
        text = _("The registration is cancelled.")
        if not promoted:
            return text
        moved = _("%(n)d moved up from the waitlist.", n=len(promoted))
        return f"{text} {moved}"

    # From the registrant's record, with the reason that goes into their mail; from the list, without one.
    back = (url_for("registration.registrant", slug=slug, registration_id=registration.id)
            if request.form.get("back") == "record" else url_for("registration.event_registrations", slug=slug))
    return button_action(lambda: management.cancel_registration(registration, current_user,
                                                                reason=request.form.get("reason", "")),
                         message=message, next_url=back)


from . import organizer_views  # noqa: E402,F401  (the team's pages for one registrant, on this blueprint)
