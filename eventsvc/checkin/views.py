"""The door: the one-tap check-in on /t/<code>, the page for handheld scanners, and the search by name."""
from datetime import timedelta

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Permission, event_for, staff_required
from ..teams.services import can_check_in
from ..events.models import EventSession
from ..extensions import db
from ..forms_common import ActionForm
from .. import clock
from ..registration.models import Registration
from ..tickets.views import ticket_page
from ..timefmt import format_moment
from . import services
from .models import CheckinMethod
from ..templating import current_locale

bp = Blueprint("checkin", __name__)


def door_event_or_404(slug):
    """The event (404), when the signed-in user may work its door (403)."""
    return event_for(slug, Permission.door, with_sessions=True)


def _session_of(event, session_id):
    return next((s for s in event.sessions if s.id == session_id), None)


def default_session(event, now=None):
    """The session on now (or about to open), else the next one, else the last."""
    now = now or clock.now()
    opens = timedelta(minutes=current_app.config["CHECKIN_OPENS_MINUTES"])
    sessions = sorted(event.sessions, key=lambda s: s.starts_at)
    for session in sessions:
        if session.starts_at - opens <= now <= session.ends_at:
            return session
    upcoming = [s for s in sessions if s.starts_at > now]
    return upcoming[0] if upcoming else (sessions[-1] if sessions else None)


# ---- /t/<code>: the phone's camera ---------------------------------------------------

def _ticket_for_staff(code):
    """The ticket's registration, for door staff of its event posting a valid form: else 404, 403 or 400."""
    try:
        registration = services.registration_for_code(code)
    except services.TicketInvalid:
        abort(404)
    if not can_check_in(current_user, registration.event):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    return registration


@bp.route("/t/<code>/checkin", methods=["POST"])
@staff_required
def ticket_checkin(code):
    registration = _ticket_for_staff(code)
    session_id = request.form.get("session_id", type=int) or 0
    # A session of another event is a red answer, not a 404: look it up, within the ids a database holds.
    session = db.session.get(EventSession, session_id) if 1 <= session_id < 2**31 else None
    if session is None:
        abort(400)
    try:
        result = services.check_in(registration, session, current_user, CheckinMethod.qr)
    except services.CheckinRefused as refused:
        db.session.rollback()
        return ticket_page(registration, code, refusal=refused, status=409)
    db.session.commit()
    return ticket_page(registration, code, result=result)


@bp.route("/t/<code>/undo", methods=["POST"])
@staff_required
def ticket_undo(code):
    """Undo the check-in of this ticket for one session (the staff member who did it, or an organizer; same day)."""
    registration = _ticket_for_staff(code)
    session = _session_of(registration.event, request.form.get("session_id", type=int))
    if session is None:
        abort(400)
    try:
        result = services.undo_check_in(registration, session, current_user)
    except (services.UndoRefused, services.UndoNotAllowed) as refused:
        db.session.rollback()
        return ticket_page(registration, code, refusal=refused, status=refused.status)
    db.session.commit()
    return ticket_page(registration, code, result=result)


# ---- the door page: scanners and search -------------------------------------------

def _outcome(event, session, registration=None, result=None, refusal=None, invalid=False):
    """What the door shows after a scan, for the page and as JSON for the page's script.

    `tone` is ok (green), warn (amber: already in, not open yet, closed, undone) or bad (red: not a ticket for here).
    """
    if invalid:
        return {"result": "invalid", "ok": False, "tone": "bad", "message": _("This is not a valid ticket.")}
    outcome = {"name": registration.full_name, "organization": registration.organization,
               "event": registration.event.title(_locale()), "sessions": [s.name(_locale()) for s in registration.sessions]}
    if refusal is not None:
        tone = "warn" if isinstance(refusal, (services.CheckinNotOpen, services.CheckinClosed)) else "bad"
        answer = {**outcome, "result": refusal.reason, "ok": False, "tone": tone, "message": str(refusal.message)}
        if isinstance(refusal, services.CheckinNotOpen):
            answer["opens_at"] = refusal.opens_at.isoformat()
        return answer
    checkin = result.checkin
    at = checkin.created_at
    by = checkin.staff.name or checkin.staff.email if checkin.staff else ""
    if result.result == "undone":
        message = _("Check-in undone: %(session)s. Not checked in.", session=session.name(_locale()))
        return {**outcome, "result": "undone", "ok": False, "tone": "warn", "message": message}
    if result.is_new:
        message = _("Checked in: %(session)s.", session=session.name(_locale()))
    else:
        message = _("Already checked in at %(time)s by %(staff)s.", time=format_moment(at, _locale(), clock.now()),
                    staff=by or "—")
    answer = {**outcome, "result": result.result, "ok": result.is_new, "tone": "ok" if result.is_new else "warn",
              "message": message, "checked_in_at": at.isoformat(), "checked_in_by": by}
    if services.may_undo(checkin, current_user):
        answer["undo_url"] = url_for("checkin.undo_found", slug=event.slug, registration_id=registration.id)
    return answer


def _locale():
    return current_locale()


def _door_page(event, session, outcome=None, status=200, search_text="", found=None):
    if _wants_json():
        return jsonify({**(outcome or {}), "counts": services.counts_by_session(event).get(session.id) if session else None}), status
    return render_template(
        "checkin/door.html", event=event, session=session, outcome=outcome, form=ActionForm(),
        counts=services.counts_by_session(event), search_text=search_text, found=found,
        checked=services.checked_in_ids(event, session) if found else set(), 
        window_state=services.window_state(session) if session else None,
        opens_at=services.window(session)[0] if session else None,
    ), status


def _wants_json():
    return request.accept_mimetypes.best == "application/json"


@bp.route("/organizer/events/<slug>/checkin")
@staff_required
def door(slug):
    event = door_event_or_404(slug)
    session = _session_of(event, request.args.get("session", type=int)) or default_session(event)
    search_text = request.args.get("q", "")
    found = services.search(event, search_text) if search_text else None
    return _door_page(event, session, search_text=search_text, found=found)


@bp.route("/organizer/events/<slug>/checkin", methods=["POST"])
@staff_required
def scan(slug):
    """A handheld scanner typed a code (or the whole ticket URL) and Enter."""
    event = door_event_or_404(slug)
    session = _session_of(event, request.form.get("session", type=int))
    if session is None or not ActionForm().validate_on_submit():
        abort(400)
    code = services.code_from_input(request.form.get("code"))
    try:
        registration = services.registration_for_code(code)
    except services.TicketInvalid:
        return _door_page(event, session, _outcome(event, session, invalid=True), status=404)
    return _check_in_and_show(event, session, registration, CheckinMethod.scanner)


def _found_at_door(slug, registration_id):
    """(event, session, registration) for a button beside a name found by search: 404 unless all three belong together."""
    event = door_event_or_404(slug)
    session = _session_of(event, request.form.get("session", type=int))
    registration = db.session.get(Registration, registration_id)
    if session is None or registration is None or registration.event_id != event.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return event, session, registration


@bp.route("/organizer/events/<slug>/checkin/registrations/<id:registration_id>", methods=["POST"])
@staff_required
def check_in_found(slug, registration_id):
    """The "check in" button next to a name found by search."""
    event, session, registration = _found_at_door(slug, registration_id)
    return _check_in_and_show(event, session, registration, CheckinMethod.search)


@bp.route("/organizer/events/<slug>/checkin/registrations/<id:registration_id>/undo", methods=["POST"])
@staff_required
def undo_found(slug, registration_id):
    """The "undo" button under a check-in: a new entry in the log, the count goes down."""
    event, session, registration = _found_at_door(slug, registration_id)
    try:
        result = services.undo_check_in(registration, session, current_user)
    except (services.UndoRefused, services.UndoNotAllowed) as refused:
        db.session.rollback()
        return _door_page(event, session, _outcome(event, session, registration, refusal=refused),
                          status=refused.status)
    db.session.commit()
    return _door_page(event, session, _outcome(event, session, registration, result=result))


def _check_in_and_show(event, session, registration, method):
    try:
        result = services.check_in(registration, session, current_user, method)
    except services.CheckinRefused as refused:
        db.session.rollback()
        return _door_page(event, session, _outcome(event, session, registration, refusal=refused), status=409)
    db.session.commit()
    return _door_page(event, session, _outcome(event, session, registration, result=result))


@bp.route("/organizer/events/<slug>/checkin/counts.json")
@staff_required
def counts(slug):
    event = door_event_or_404(slug)
    return jsonify({str(session_id): numbers for session_id, numbers in services.counts_by_session(event).items()})
