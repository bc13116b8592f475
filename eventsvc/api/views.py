"""JSON API v1. It calls the same services as the HTML pages; the schemas validate and document it."""
import json
import re
from functools import wraps

import sqlalchemy as sa
from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint, Page
from sqlalchemy.orm import joinedload, selectinload
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..access import Permission, event_for
from ..audit.services import REGISTRANT
from ..accounts.services import find_api_token, record_token_use, token_use_is_stale
from ..teams.services import can, can_check_in
from ..checkin import services as checkin_services
from ..checkin.models import CheckinMethod
from ..emails import normalize_email
from ..events.models import EventSession
from ..errors import DomainError, InvitationInvalid, MalformedJSON, NotFound, PermissionDenied
from ..events import services as event_services
from ..events.models import EventStatus
from ..extensions import db, limiter
from ..invitations import services as invitation_services
from ..jsonbody import refuse_malformed_json
from ..invitations.links import forgive_wrong_invitation, limit_wrong_invitations, load_invitation
from ..registration import management as registration_management
from ..registration import services as registration_services
from ..registration.models import Registration
from ..registration.personal_links import may_mail_link_to
from . import schemas
from .. import clock
from ..attendees.services import attendance_report, list_is_public, public_attendees

# How a surrogate gets into JSON text (as raw bytes it is not UTF-8, which the parser refuses anyway).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(text, value):
    """Whether the parsed JSON `value` of `text` holds a lone UTF-16 surrogate ("\\ud800"): text no database can store.

    Only a body that escapes a surrogate is checked, and in C (UTF-8 refuses a
    lone one): a walk in Python over a list of 100,000 items takes 150 ms.
    """
    if not _SURROGATE_ESCAPE.search(text):
        return False
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class JSONParser(FlaskParser):
    """webargs' parser; JSON nested too deeply for Python, or whose text is not Unicode, is malformed (400)."""

    def _raw_load_json(self, req):
        text = req.get_data(cache=True) if is_json_request(req) else b""
        if not text:
            # Every body of this API is required (and documented so): none at all is not "no changes".
            if req.mimetype and not is_json_request(req):
                raise UnsupportedMediaType()
            raise MalformedJSON(_("Send a JSON object."))
        try:
            data = req.get_json()  # parsed once, by jsonbody's guard (too deep is malformed there too)
        except BadRequest:
            raise json.JSONDecodeError("not JSON", "?", 0) from None
        # json.loads accepts "\\ud800" alone; UTF-8 cannot encode it (the database, or our own answer).
        try:
            lone_surrogate = _has_lone_surrogate(text, data)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", "[", 0) from None
        if lone_surrogate:
            raise json.JSONDecodeError("a lone surrogate is not text", "\\ud800", 0)
        return data


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JSONParser()

    def _document_pagination_metadata(self, spec, resp_doc):
        # Sent as JSON text in one header: documented as the string it is.
        resp_doc.setdefault("headers", {})[self.PAGINATION_HEADER_NAME] = {
            "description": 'JSON text: {"total", "total_pages", "first_page", "last_page", "page", '
                           '"previous_page", "next_page"}, the pages absent where there is none',
            "schema": {"type": "string"},
        }


blp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="eventsvc API v1")
# Any API call per address. Declared once with the blueprint: the limiter is one object for the process,
# and a limit added in create_app() was added again by every app made (the tests make hundreds), each
# one counting every call once more, until a few calls exhausted EVENTSVC_RATELIMIT_API.
limiter.limit(lambda: current_app.config["RATELIMIT_API"])(blp)

ERRORS = {
    400: "Malformed JSON, or no body", 401: "Missing or unknown token", 403: "Not allowed", 404: "Not found",
    409: "Conflict: closed, full or cancelled", 413: "Body larger than EVENTSVC_MAX_JSON_KB (1 MB by default)",
    415: "Not JSON: send Content-Type: application/json", 422: "Invalid fields",
    429: "Rate limited (see Retry-After)",
}
# What every call with a JSON body may answer, whatever it does.
BODY_ERRORS = (400, 413, 415, 422)


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


def _bearer_user():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    api_token = find_api_token(token.strip())
    if api_token is None:
        return None
    user = api_token.user
    g.api_token_id = api_token.id  # the audit trail records which token acted
    if token_use_is_stale(api_token):
        _note_use(api_token)
    return user


def _note_use(api_token):
    """Write the token's last use (at most once a minute) in its own short transaction, before the call's work.

    The read that found the token ends first: on SQLite a transaction that
    read cannot wait for the write lock. The time of last use is bookkeeping,
    so a busy database skips it rather than failing the call.
    """
    db.session.commit()
    try:
        record_token_use(api_token)
        db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()


def token_required(view=None):
    """Any active account identified by `Authorization: Bearer <token>`; what it may do is checked per event."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = _bearer_user()
            if user is None:
                raise Unauthorized(_("Send a valid token: Authorization: Bearer <token>."))
            g.api_user = user
            refuse_malformed_json()
            return view(*args, **kwargs)

        wrapped.checks_token_first = True  # see jsonbody.guard_json_body
        return wrapped

    return decorate(view) if view is not None else decorate


def _event_or_404(slug, **load):
    event = event_services.get_event(slug, **load)
    if event is None:
        raise NotFound(_("No such event."))
    return event


def _managed_event(slug, permission=Permission.manage):
    """The event, when the token's user has `permission` on it (the access layer: 404, then 403)."""
    return event_for(slug, permission)


def _documented(*statuses, descriptions=None):
    def decorate(view):
        # Any call may be malformed (a NUL byte, a body that is not JSON) or rate limited.
        for status in sorted({400, 429, *statuses}):
            description = (descriptions or {}).get(status, ERRORS[status])
            headers = None
            if status == 429:
                headers = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}
            view = blp.alt_response(status, schema=schemas.ErrorOut, description=description, headers=headers)(view)
        return view

    return decorate


def _tag(*names):
    return blp.doc(tags=list(names))


@blp.route("/events")
@blp.response(200, schemas.EventOut(many=True))
@_documented()
@_tag("events")
def list_events():
    """Published events, upcoming first."""
    return db.session.scalars(event_services.published_events()).all()


@blp.route("/events", methods=["POST"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.EventCreate, example=schemas.EXAMPLE_EVENT)
@blp.response(201, schemas.EventOutForOrganizer)
@_documented(400, 401, 403, 422, *BODY_ERRORS)
@_tag("events")
def create_event(data):
    """Create an event with its sessions in one body (organizers and admins; the caller becomes its owner)."""
    if not g.api_user.can_organize:
        raise PermissionDenied(_("Only organizers create events."))
    sessions = data.pop("sessions", [])
    event = event_services.create_event(g.api_user, data, sessions, actor=g.api_user)
    db.session.commit()
    return event


@blp.route("/events/<slug>")
@blp.response(200, schemas.EventDetailOut)
@_documented(404)
@_tag("events")
def get_event(slug):
    """One event with its sessions; drafts only to their organizer."""
    event = _event_or_404(slug)
    if event.status == EventStatus.draft:
        user = _bearer_user()
        if user is None or not can(user, event, Permission.view):
            raise NotFound(_("No such event."))
    return event


@blp.route("/events/<slug>", methods=["PATCH"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.EventPatch)
@blp.response(200, schemas.EventOutForOrganizer)
@_documented(400, 401, 403, 404, 409, 422, *BODY_ERRORS)
@_tag("events")
def patch_event(data, slug):
    """Change fields of an event, e.g. `status` or `attendee_list_published`."""
    event = _managed_event(slug)
    event_services.update_event(event, data, actor=g.api_user)
    db.session.commit()
    return event


@blp.route("/events/<slug>/sessions", methods=["POST"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.SessionIn)
@blp.response(201, schemas.SessionOutForOrganizer)
@_documented(400, 401, 403, 404, 422, *BODY_ERRORS)
@_tag("events")
def add_session(data, slug):
    """Add a session to an event."""
    event = _managed_event(slug)
    session = event_services.add_session(event, data, actor=g.api_user)
    db.session.commit()
    return session


@blp.route("/events/<slug>/sessions/<id:session_id>", methods=["PATCH"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.SessionPatch(partial=True))
@blp.response(200, schemas.SessionOutForOrganizer)
@_documented(400, 401, 403, 404, 422, *BODY_ERRORS)
@_tag("events")
def patch_session(data, slug, session_id):
    """Change a session: its time, capacity or stream link."""
    event = _managed_event(slug)
    session = next((s for s in event.sessions if s.id == session_id), None)
    if session is None:
        raise NotFound(_("No such session."))
    event_services.update_session(session, data, actor=g.api_user)
    db.session.commit()
    return session


@blp.route("/events/<slug>/registrations", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTER"])
@limit_wrong_invitations
@blp.arguments(schemas.RegistrationIn, example=schemas.EXAMPLE_REGISTRATION)
@blp.response(201, schemas.RegistrationCreated, example=schemas.EXAMPLE_REGISTERED)
@blp.alt_response(200, schema=schemas.RegistrationCreated, description="Already registered: the existing registration")
@_documented(400, 403, 404, 409, 422, 429, *BODY_ERRORS)
@_tag("registrations")
def register(data, slug):
    """Register a person; with `invite`, through their invitation (the only way into an invite-only event).

    Send an `Idempotency-Key` header to get the personal link back on a
    retry. A wrong `invite` (unknown, used, withdrawn or expired: one
    answer for all) is 403, and counts against a per-address limit.

    With a token of the event's team that may manage it, `added_by_organizer`
    enters someone by hand, also before registration opens and after it
    closed (`consent_processing` is then the organizer confirming the
    person's consent); the capacity holds unless `override_capacity`.
    """
    event = _event_or_404(slug, with_sessions=True)
    if event.status == EventStatus.draft:
        raise NotFound(_("No such event."))
    token = data.pop("invite", None)
    override_capacity = data.pop("override_capacity")
    by_organizer = data.pop("added_by_organizer") or override_capacity
    invitation = load_invitation(event, token)
    data.setdefault("locale", str(request.accept_languages.best_match(["th", "en"], default="th")))
    key = request.headers.get("Idempotency-Key", "")[:200] or None
    if by_organizer:
        organizer = _bearer_user()
        if organizer is None or not can(organizer, event, Permission.manage):
            raise PermissionDenied(_("Only the event's organizers may add a registration by hand."))
        result = registration_management.add_registration(
            event, data, organizer, consent_confirmed=data.pop("consent_processing"),
            override_capacity=override_capacity, submission_key=key)
        db.session.commit()
    elif token is not None and invitation is None:
        result = registration_services.replayed_through_invitation(event, token, key)
        if result is None:
            raise InvitationInvalid()
        forgive_wrong_invitation()
    else:
        try:
            result = registration_services.register(event, data, invitation=invitation, submission_key=key,
                                                    actor=REGISTRANT)
        except InvitationInvalid:
            # Used up a moment ago by a concurrent request: a retry of this one, or a wrong link.
            db.session.rollback()
            result = registration_services.replayed_through_invitation(event, token, key)
            if result is None:
                g.wrong_invitation = True
                raise
        db.session.commit()
    registration = result.registration
    if not result.manage_token:
        # The e-mail is registered already, and nothing proves this caller is
        # that person: say so, and tell nothing about the registration (PDPA).
        return {"status": None, "created": False, "event": event.slug, "sessions": [], "attendance": None,
                "manage_url": None, "ticket_url": None, "qr_url": None, "calendar_url": None,
                "message": _("This e-mail address is already registered for this event.")}, 200
    base = current_app.config["BASE_URL"]
    code = registration.ticket_code
    body = {
        "status": registration.status.value,
        "created": result.created,
        "event": event.slug,
        "sessions": [s.id for s in registration.sessions],
        "attendance": registration.attendance.value,
        "manage_url": base + url_for("registration.my_registration", token=result.manage_token),
        "ticket_url": base + url_for("tickets.ticket", code=code) if code else None,
        "qr_url": base + url_for("tickets.qr_image", code=code, kind="png") if code else None,
        "calendar_url": base + url_for("tickets.my_calendar", token=result.manage_token),
        "message": _("You are registered.") if registration.status.value == "confirmed"
        else _("The event is full: you are on the waitlist."),
    }
    return body, 201 if result.created else 200


class SelectPage(Page):
    """Pages of a SELECT: LIMIT/OFFSET in the database, the total from COUNT(*)."""

    @property
    def items(self):
        params = self.page_params
        if params.first_item >= 2**31:  # past any real list; also keeps OFFSET within the database's integers
            return []
        statement = self.collection.limit(params.page_size).offset(params.first_item)
        return db.session.scalars(statement).unique().all()

    @property
    def item_count(self):
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery()))


@blp.route("/events/<slug>/registrations")
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.RegistrationQuery, location="query")
@blp.response(200, schemas.RegistrationOut(many=True))
@blp.paginate(SelectPage, page_size=100, max_page_size=1000)
@_documented(401, 403, 404, 422)
@_tag("registrations")
def list_registrations(query, slug):
    """The registrations of an event (organizer), in order of registration, 100 a page.

    `page` and `page_size` (at most 1000) choose the page; the `X-Pagination`
    header gives the total and the links to the other pages.
    """
    event = _managed_event(slug, Permission.view)
    return registration_services.registrations_for(event, query.get("status")).options(
        selectinload(Registration.sessions), joinedload(Registration.event),
    )


@blp.route("/events/<slug>/registrations/resend-link", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MY_LINK"])
@blp.arguments(schemas.ResendLinkIn)
@blp.response(202, schemas.ResendLinkOut)
@_documented(400, 404, 422, 429)
@_tag("registrations")
def resend_link(data, slug):
    """"Lost your link?": 202 whatever the address; its personal link is mailed when it is registered for the event.

    The answer never tells whether the address is registered. At most
    EVENTSVC_RATELIMIT_MY_LINK_ADDRESS mails go to one address; beyond it the answer is the same.
    """
    event = _event_or_404(slug)
    if event.status == EventStatus.draft:
        raise NotFound(_("No such event."))
    if may_mail_link_to(normalize_email(data["email"])):
        registration_services.send_personal_link(event, data["email"])
        db.session.commit()
    return {"message": _("If this address is registered for this event, its personal link has been sent to it.")}, 202


# ---- invitations ---------------------------------------------------------------------

@blp.route("/events/<slug>/invitations", methods=["POST"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.InvitationsIn)
@blp.response(201, schemas.InvitationsCreatedOut)
@blp.alt_response(200, schema=schemas.InvitationsCreatedOut, description="Nobody new was invited")
@_documented(400, 401, 403, 404, 409, 422, *BODY_ERRORS, descriptions={
    413: "Body larger than EVENTSVC_INVITATION_IMPORT_MAX_MB (5 MB by default): this call's own limit"})
@_tag("invitations")
def create_invitations(data, slug):
    """Invite people. The answer lists every invitee in the order given, with their personal link: shown only here.

    People invited already, duplicates and invalid rows are reported one by
    one (`status` "rejected" and an `error`); the others are invited. With
    `send` (the default) each gets the invitation by e-mail.
    """
    event = _managed_event(slug)
    result = invitation_services.invite(event, data["invitees"], actor=g.api_user, send=data["send"],
                                        expires_at=data["expires_at"])
    db.session.commit()
    results = [None] * len(data["invitees"])
    for invited in result.invited:
        results[invited.position] = {"index": invited.position, "email": invited.email, "status": "pending",
                                     "id": invited.id, "invite_url": invitation_services.invite_url(invited.token, event),
                                     "error": None}
    for rejected in result.rejected:
        results[rejected.position] = {"index": rejected.position, "email": rejected.email, "status": "rejected",
                                      "id": None, "invite_url": None,
                                      "error": {"code": rejected.code, "message": str(rejected.reason)}}
    body = {"invited": len(result.invited), "rejected": len(result.rejected), "results": results}
    return body, 201 if result.invited else 200


@blp.route("/events/<slug>/invitations")
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.InvitationQuery, location="query")
@blp.response(200, schemas.InvitationOut(many=True))
@blp.paginate(SelectPage, page_size=100, max_page_size=1000)
@_documented(401, 403, 404, 422)
@_tag("invitations")
def list_invitations(query, slug):
    """The invitations of an event, newest first, with their state (no personal links); `status` and `q` filter."""
    event = _managed_event(slug, Permission.view)
    return invitation_services.invitations_for(event, query.get("status"), query.get("q"))


def _invitation_action(slug, invitation_id, service):
    event = _managed_event(slug)
    invitation = invitation_services.find_for_event(event, invitation_id)
    if invitation is None:
        raise NotFound(_("No such invitation."))
    service(invitation, actor=g.api_user)
    db.session.commit()
    return invitation


@blp.route("/events/<slug>/invitations/<id:invitation_id>/revoke", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, schemas.InvitationOut)
@_documented(401, 403, 404, 409)
@_tag("invitations")
def revoke_invitation(slug, invitation_id):
    """Withdraw an invitation: its link stops working at once."""
    return _invitation_action(slug, invitation_id, invitation_services.revoke)


@blp.route("/events/<slug>/invitations/<id:invitation_id>/resend", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, schemas.InvitationOut)
@_documented(401, 403, 404, 409)
@_tag("invitations")
def resend_invitation(slug, invitation_id):
    """Send the invitation e-mail again, with the same link."""
    return _invitation_action(slug, invitation_id, invitation_services.resend)


# ---- check-in ----------------------------------------------------------------------------

@blp.route("/checkins", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(schemas.CheckinIn)
@blp.response(200, schemas.CheckinOut)
@_documented(400, 401, 403, 404, 409, 422, *BODY_ERRORS)
@_tag("check-in")
def check_in(data):
    """Check a ticket in for a session (scanner apps). The same `nonce` again is the same check-in.

    `result` is `checked_in` the first time (and for a repeated nonce),
    then `already_checked_in` with the first check-in's time and staff.
    A forged code is 404 `ticket_invalid` before any database work; a
    ticket that does not admit its holder is 409 with the reason as `code`
    (`wrong_event`, `cancelled`, `waitlisted`, `not_registered_for_session`,
    `event_cancelled`); outside the session's check-in window (from
    EVENTSVC_CHECKIN_OPENS_MINUTES before it starts to the end of its day,
    Bangkok time) it is 409 `checkin_not_open` or `checkin_closed`, and
    nothing is recorded.
    """
    registration = checkin_services.registration_for_code(checkin_services.code_from_input(data["code"]))
    session = db.session.get(EventSession, data["session_id"])
    if session is None:
        raise NotFound(_("No such session."))
    if not can_check_in(g.api_user, session.event):
        raise PermissionDenied(_("You may not check people in for this event."))
    result = checkin_services.check_in(registration, session, g.api_user, CheckinMethod.api, nonce=data.get("nonce"))
    db.session.commit()
    checkin = result.checkin
    return {
        "result": result.result, "session_id": session.id, "checked_in_at": checkin.created_at,
        "checked_in_by": (checkin.staff.name or checkin.staff.email) if checkin.staff else None,
        "method": checkin.method.value,
        "registration": {"name": registration.full_name, "organization": registration.organization,
                         "status": registration.status.value},
    }


# ---- attendance and the published list ----------------------------------------------------

@blp.route("/events/<slug>/attendance")
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, schemas.AttendanceOut)
@_documented(401, 403, 404)
@_tag("attendance")
def attendance(slug):
    """Per session: registered, checked in on site, joined online, took part; and by sector and organization."""
    event = _managed_event(slug, Permission.view)
    return attendance_report(event)


@blp.route("/events/<slug>/attendees")
@blp.response(200, schemas.AttendeeListOut)
@_documented(404)
@_tag("attendance")
def attendees(slug):
    """The published list of participants: only people who agreed to be listed, name and organization.

    404 while the organizer has not published it, and after it unpublished
    itself (EVENTSVC_ATTENDEE_LIST_DAYS after the event).
    """
    event = _event_or_404(slug)
    if not list_is_public(event, clock.now()):
        raise NotFound(_("The list of participants is not published."))
    groups, shown, registered = public_attendees(event, request.args.get("q", ""), "sector")
    return {"event": event.slug, "registered": registered, "listed": shown,
            "attendees": [dict(person, sector=sector) for sector, people in groups for person in people]}


# Routes of other capabilities on this blueprint, each in its own module (imported last: they import this one).
from . import teams as _teams  # noqa: E402,F401  (the team's routes, on this blueprint)
from . import messaging  # noqa: E402,F401  (its routes register on blp)
from . import registrants  # noqa: E402,F401  (one registrant, managed by the event's team)
from . import webhooks as _webhooks  # noqa: E402,F401  (registers its routes on blp)
from . import reuse as _reuse  # noqa: E402,F401  (duplicating events)
from . import audit as _audit  # noqa: E402,F401  (GET /events/<slug>/audit: registers on this blueprint)
from . import surveys as _surveys  # noqa: E402,F401  (GET /events/<slug>/survey/results: registers on blp)
from . import comments as _comments  # noqa: E402,F401  (comments on the draft: registers its routes on blp)
from . import reports as _reports  # noqa: E402,F401  (GET /events/<slug>/report.pdf and .docx)
