"""What the QR opens (/t/<code>), the QR images, and the calendar files."""
from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from ..teams.services import can_check_in
from ..checkin import services as checkin_services
from ..events.services import feed_events
from ..access import public_event
from ..extensions import db
from ..forms_common import ActionForm
from ..headers import personal
from ..mail.render import external_url
from ..registration.personal_links import registration_by_token_or_404
from ..templating import current_locale
from . import calendar, qr
from .codes import ticket_id_from
from sqlalchemy.orm import selectinload
from ..events.models import Event

bp = Blueprint("tickets", __name__)


def ticket_page(registration, code, result=None, refusal=None, status=200):
    """The ticket, to anyone with the code; with the check-in button to staff who may work this event's door."""
    event = registration.event
    staff = can_check_in(current_user, event)
    checkins = checkin_services.checkins_of(registration) if staff else {}
    return render_template(
        "tickets/ticket.html", registration=registration, event=event, code=code,
        staff=staff, form=ActionForm(), result=result, refusal=refusal, checkins=checkins,
        undoable={sid for sid, c in checkins.items() if checkin_services.may_undo(c, current_user)},
        current=checkin_services.current_session(registration) if staff else None,
    ), status


@bp.route("/t/<code>")
@personal  # the ticket shows the person's name
def ticket(code):
    try:
        registration = checkin_services.registration_for_code(code)
    except checkin_services.TicketInvalid:
        abort(404)
    return ticket_page(registration, code)


@bp.route("/t/<code>/qr.<any(png, svg):kind>")
def qr_image(code, kind):
    # The image is drawn from the code alone: no database query, forged codes refused first.
    if ticket_id_from(code) is None:
        abort(404)
    data, mimetype = qr.image(external_url("tickets.ticket", code=code), kind)
    response = Response(data, mimetype=mimetype)
    # The same code always gives the same image; it names a person's ticket, so not shared caches.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    if kind == "png":
        response.headers["Content-Disposition"] = 'inline; filename="ticket-qr.png"'
    return response


def ics_response(data, filename):
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/events/<slug>/calendar.ics")
def event_calendar(slug):
    event = public_event(slug, with_sessions=True)
    return ics_response(calendar.event_ics(event, current_locale()), f"{event.slug}.ics")


@bp.route("/calendar.ics")
def feed():
    events = db.session.scalars(feed_events().options(selectinload(Event.sessions))).all()
    return ics_response(calendar.feed_ics(events, current_locale()), "events.ics")


@bp.route("/my/<token>/calendar.ics")
def my_calendar(token):
    registration = registration_by_token_or_404(token)
    return ics_response(calendar.registration_ics(registration, current_locale()), f"{registration.event.slug}.ics")
