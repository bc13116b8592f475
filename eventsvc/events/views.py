"""Public event pages and the organizer's pages for events, sessions and documents."""

from sqlalchemy.orm import selectinload
from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import clock
from ..attendees.services import list_is_public
from ..access import Permission, event_for, organizer_required, public_event, staff_required
from ..teams.services import can_manage
from ..dashboard.services import overview
from ..livestream.services import embed_url, live_sessions, opens_at, public_recording_url, stream_state
from ..extensions import db
from ..errors import Conflict, ValidationFailed
from ..forms_common import apply_field_errors, button_action, save_form
from ..mail.services import counts_for_event as message_counts
from ..registration.services import counts_by_status, online_counts_by_session, window_state
from . import services
from .forms import AttachmentForm, CancelForm, DuplicateForm, EventForm, SessionForm
from .models import Attachment, Event, EventSession
from .signals import cancellation_audience

bp = Blueprint("events", __name__)


# ---- public ---------------------------------------------------------------

@bp.route("/")
def index():
    events = db.session.scalars(services.published_events().options(selectinload(Event.sessions))).all()
    now = clock.now()
    live = {event.id: sessions for event in events if (sessions := live_sessions(event, now))}
    return render_template("events/index.html", events=events, window_state=window_state, live=live)


@bp.route("/events/<slug>")
def event_page(slug):
    event = public_event(slug, with_sessions=True, with_attachments=True)
    now = clock.now()
    streams = {s.id: {"state": stream_state(s, now), "opens_at": opens_at(s),
                      "embed": embed_url(s.public_stream_url), "recording": public_recording_url(s, now)}
               for s in event.sessions}
    html = render_template(
        "events/event.html",
        event=event,
        state=window_state(event),
        can_manage=can_manage(current_user, event),
        streams=streams,
        list_public=list_is_public(event, now),
    )
    services.record_page_view(event)
    return html


@bp.route("/events/<slug>/documents/<id:attachment_id>/<path:filename>")
def download_attachment(slug, attachment_id, filename):
    event = public_event(slug)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.event_id != event.id:
        abort(404)
    path = services.attachment_path(attachment)
    if not path.exists():
        abort(404)
    services.record_download(attachment)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True, download_name=attachment.filename)


# ---- organizer ------------------------------------------------------------

@bp.route("/organizer/")
@login_required
def dashboard():
    # Every event the person is on the team of (every event for an admin), with its numbers.
    return render_template("events/organizer/dashboard.html", overview=overview(current_user, clock.now()))


@bp.route("/organizer/events/new", methods=["GET", "POST"])
@organizer_required
def create_event():
    form = EventForm()
    done = save_form(
        form, lambda: services.create_event(current_user, form.service_data(), actor=current_user),
        message=_("The event was created. Add its sessions, then publish it."),
        next_url=lambda event: url_for("events.manage_event", slug=event.slug), default_field=form.slug,
        check=lambda: services.event_errors(form.checked_data()),
    )
    return done or (render_template("events/organizer/event_form.html", form=form, event=None), 422 if form.errors else 200)


def _manage_page(event, session_form=None, attachment_form=None, status=200):
    return render_template(
        "events/organizer/event.html",
        event=event,
        session_form=session_form or SessionForm(formdata=None),
        attachment_form=attachment_form or AttachmentForm(formdata=None),
        counts=counts_by_status(event),
        messages=message_counts(event),
        state=window_state(event),
        online_counts=online_counts_by_session(event),
    ), status


@bp.route("/organizer/events/<slug>")
@staff_required
def manage_event(slug):
    # Door staff open it too: the template shows each person only the buttons their role may use.
    return _manage_page(event_for(slug, (Permission.view, Permission.door), with_sessions=True, with_attachments=True))


@bp.route("/organizer/events/<slug>/edit", methods=["GET", "POST"])
@staff_required
def edit_event(slug):
    event = event_for(slug)
    form = EventForm(obj=event)
    done = save_form(
        form, lambda: services.update_event(event, form.service_data(), actor=current_user),
        message=_("Saved."), next_url=lambda event: url_for("events.manage_event", slug=event.slug),
        default_field=form.slug, check=lambda: services.event_errors(form.checked_data(), event),
    )
    return done or (render_template("events/organizer/event_form.html", form=form, event=event), 422 if form.errors else 200)


@bp.route("/organizer/events/<slug>/duplicate", methods=["GET", "POST"])
@organizer_required  # the copy is a new event: only those who may create events make one
def duplicate_event(slug):
    source = event_for(slug, Permission.manage, with_sessions=True, with_attachments=True)
    form = DuplicateForm()
    if not form.is_submitted():
        form.slug.data = services.suggest_copy_slug(source)
    done = save_form(
        form, lambda: services.duplicate_event(source, current_user, form.service_data(), actor=current_user),
        message=_("The copy is made, as a draft. Check its sessions and documents, then publish it."),
        next_url=lambda event: url_for("events.manage_event", slug=event.slug), default_field=form.starts_on,
    )
    return done or (render_template("events/organizer/duplicate.html", form=form, event=source),
                    422 if form.errors else 200)


@bp.route("/organizer/events/<slug>/publish", methods=["POST"])
@staff_required
def publish_event(slug):
    event = event_for(slug)
    return button_action(lambda: services.publish_event(event, actor=current_user),
                         message=_("The event is published."), next_url=url_for("events.manage_event", slug=slug))


def _cancel_dialog(event, session=None):
    """The cancel dialog (GET) and its answer (POST): it says who will be told and takes the reason."""
    back = url_for("events.manage_event", slug=event.slug)
    if event.is_cancelled or (session is not None and session.cancelled_at is not None):
        # Opened twice, or in two tabs: nothing more to do, and no second round of messages.
        flash(_("This has already been cancelled."), "info")
        return redirect(back)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            if session is None:
                services.cancel_event(event, form.reason.data, actor=current_user, required=True)
            else:
                services.cancel_session(session, form.reason.data, actor=current_user)
        except ValidationFailed as error:
            db.session.rollback()
            apply_field_errors(form, {"reason": [m for ms in error.fields.values() for m in ms]})
        except Conflict as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(back)
        else:
            db.session.commit()
            flash(_("The event is cancelled; registration is closed and everyone affected will be told.")
                  if session is None else _("The session is cancelled; its registrants will be told."), "success")
            return redirect(back)
    audience = {"registrants": 0, "invitees": 0}
    audience.update(answer for _receiver, answer in cancellation_audience.send(event, session=session) if answer)
    return render_template("events/organizer/cancel.html", event=event, session=session, form=form,
                           **audience), 422 if form.errors else 200


@bp.route("/organizer/events/<slug>/cancel", methods=["GET", "POST"])
@staff_required
def cancel_event(slug):
    return _cancel_dialog(event_for(slug, with_sessions=True))


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel_session(slug, session_id):
    event = event_for(slug, with_sessions=True)
    return _cancel_dialog(event, _managed_session_or_404(event, session_id))


@bp.route("/organizer/events/<slug>/sessions", methods=["POST"])
@staff_required
def add_session(slug):
    event = event_for(slug)
    form = SessionForm()
    done = save_form(
        form, lambda: services.add_session(event, form.service_data(), actor=current_user),
        message=_("The session was added."), next_url=url_for("events.manage_event", slug=slug),
        default_field=form.name_th,
    )
    return done or _manage_page(event, session_form=form, status=422)


def _managed_session_or_404(event, session_id):
    session = db.session.get(EventSession, session_id)
    if session is None or session.event_id != event.id:
        abort(404)
    return session


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_session(slug, session_id):
    event = event_for(slug)
    session = _managed_session_or_404(event, session_id)
    form = SessionForm(obj=session)
    done = save_form(
        form, lambda: services.update_session(session, form.service_data(), actor=current_user),
        message=_("Saved."), next_url=url_for("events.manage_event", slug=slug), default_field=form.name_th,
    )
    if done:
        return done
    return render_template("events/organizer/session_form.html", form=form, event=event, session=session), 422 if form.errors else 200


@bp.route("/organizer/events/<slug>/sessions/<id:session_id>/delete", methods=["POST"])
@staff_required
def delete_session(slug, session_id):
    event = event_for(slug)
    session = _managed_session_or_404(event, session_id)
    return button_action(lambda: services.delete_session(session, actor=current_user),
                         message=_("The session was deleted."), next_url=url_for("events.manage_event", slug=slug))


@bp.route("/organizer/events/<slug>/attachments", methods=["POST"])
@staff_required
def add_attachment(slug):
    event = event_for(slug)
    form = AttachmentForm()
    done = save_form(
        form, lambda: services.add_attachment(event, form.file.data, form.title.data, actor=current_user),
        message=_("The document was added."), next_url=url_for("events.manage_event", slug=slug),
        default_field=form.file,
    )
    return done or _manage_page(event, attachment_form=form, status=422)


@bp.route("/organizer/events/<slug>/attachments/<id:attachment_id>/delete", methods=["POST"])
@staff_required
def delete_attachment(slug, attachment_id):
    event = event_for(slug)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.event_id != event.id:
        abort(404)
    return button_action(lambda: services.delete_attachment(attachment, actor=current_user),
                         message=_("The document was removed."), next_url=url_for("events.manage_event", slug=slug))
