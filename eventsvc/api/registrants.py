"""API v1: the event's team managing one registrant (read, correct, cancel with a reason, resend, move up)."""
from flask import g
from flask_babel import gettext as _
from marshmallow import Schema, fields, pre_dump, validate

from ..access import Permission, event_for
from ..extensions import db
from ..registration import management
from ..registration.models import Attendance, Sector
from .schemas import NO_CONTROL_MULTILINE, NOT_BLANK, BoundedList, RegistrationOut, _choice, text
from .views import _documented, _tag, blp, token_required


class RegistrantPatch(Schema):
    """The fields to correct; those left out keep their values. The seat rules hold (a full session is 422)."""

    title_prefix = text(max_length=50)
    first_name = text(pattern=NOT_BLANK, min_length=1, max_length=100)
    last_name = text(pattern=NOT_BLANK, min_length=1, max_length=100)
    email = fields.String(validate=validate.Length(min=3, max=254), metadata={
        "format": "email", "description": "checked as a deliverable address (special-use domains such as .test are "
        "refused, 422); another active registration of the event with it is 422"})
    phone = text(max_length=30)
    organization = text(max_length=300)
    position = text(max_length=200)
    sector = fields.String(validate=_choice(Sector))
    attendance = fields.String(validate=_choice(Attendance))
    sessions = BoundedList(fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1)),
                           validate=validate.Length(min=1, max=100), metadata={
                               "description": "ids of this event's sessions: the whole new choice"})


class CancelIn(Schema):
    reason = text(pattern=NO_CONTROL_MULTILINE, max_length=management.REASON_MAX, load_default="", metadata={
        "description": "why; it goes into the cancellation e-mail to the person"})


class HistoryOut(Schema):
    at = fields.AwareDateTime()
    action = fields.String(metadata={"description": "registration.added, .changed, .cancelled, .resent, .promoted..."})
    actor_kind = fields.String(metadata={"enum": ["user", "token", "registrant", "system"]})
    actor = fields.String(metadata={"description": "the staff account's e-mail, when a person of the team acted"})
    changes = fields.Dict(metadata={"description": '{"field": [before, after]}; personal fields as [null, null]'})
    data = fields.Dict()


class MessageOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String(metadata={"enum": ["pending", "sent", "failed", "cancelled"]})
    attempts = fields.Integer()
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)


class CheckinLogOut(Schema):
    session_id = fields.Integer()
    at = fields.AwareDateTime()
    action = fields.String(metadata={"enum": ["check_in", "undo"]})
    method = fields.String()


class OnlineJoinOut(Schema):
    session_id = fields.Integer()
    first_joined_at = fields.AwareDateTime()
    last_joined_at = fields.AwareDateTime()
    joins = fields.Integer()


class InvitationRefOut(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    status = fields.String()


class RegistrantOut(RegistrationOut):
    """One registrant as the event's team sees them: every field, and what happened to them."""

    added_by_organizer = fields.Boolean()
    locale = fields.String()
    updated_at = fields.AwareDateTime()
    erased = fields.Function(lambda r: r.erased_at is not None)
    history = fields.Method("_history", metadata={"description": "newest first"})
    messages = fields.Method("_messages", metadata={"description": "the e-mails about them and their state, newest first"})
    checkins = fields.Method("_checkins", metadata={"description": "check-ins and their undos, oldest first"})
    online_joins = fields.Method("_joins")
    invitation = fields.Method("_invitation", allow_none=True)

    @pre_dump
    def _with_record(self, registration, **kwargs):
        return _Registrant(management.registrant_record(registration))

    def _history(self, registrant):
        return HistoryOut(many=True).dump([
            {"at": e.created_at, "action": e.action, "actor_kind": e.actor_kind.value, "actor": e.actor_label,
             "changes": e.changes, "data": e.data} for e in registrant.record.history])

    def _messages(self, registrant):
        return MessageOut(many=True).dump([
            {"id": m.id, "kind": m.kind, "status": m.status.value, "attempts": m.attempts,
             "created_at": m.created_at, "sent_at": m.sent_at} for m in registrant.record.messages])

    def _checkins(self, registrant):
        return CheckinLogOut(many=True).dump([
            {"session_id": c.session_id, "at": c.created_at, "action": c.action.value, "method": c.method.value}
            for c in registrant.record.checkins])

    def _joins(self, registrant):
        return OnlineJoinOut(many=True).dump(registrant.record.online_joins)

    def _invitation(self, registrant):
        invitation = registrant.record.invitation
        if invitation is None:
            return None
        return InvitationRefOut().dump({"id": invitation.id, "email": invitation.email, "name": invitation.name,
                                        "status": invitation.state().value})


class _Registrant:
    """The registration's own attributes, and its record (loaded once for the whole answer)."""

    def __init__(self, record):
        self.record = record

    def __getattr__(self, name):
        return getattr(self.record.registration, name)


class ResentOut(Schema):
    kind = fields.String(metadata={"enum": ["registration_confirmed", "registration_waitlisted"]})
    message = fields.String()


def _registrant(slug, registration_id, permission=Permission.manage):
    event = event_for(slug, permission, with_sessions=True)
    return management.find_registration(event, registration_id)


_ONE = "/events/<slug>/registrations/<id:registration_id>"


@blp.route(_ONE)
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, RegistrantOut)
@_documented(401, 403, 404)
@_tag("registrations")
def get_registrant(slug, registration_id):
    """One registrant (team members who may view the event): every field, their history, messages, check-ins and
    online joins, their invitation."""
    return _registrant(slug, registration_id, Permission.view)


@blp.route(_ONE, methods=["PATCH"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(RegistrantPatch)
@blp.response(200, RegistrantOut)
@_documented(400, 401, 403, 404, 409, 422)
@_tag("registrations")
def patch_registrant(data, slug, registration_id):
    """Correct details and sessions, also after registration closed. A session with no seat left, an e-mail
    registered by someone else, a session of another event: 422. A cancelled registration: 409."""
    registration = _registrant(slug, registration_id)
    management.update_registration(registration, data, g.api_user)
    db.session.commit()
    return registration


@blp.route(_ONE + "/cancel", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(CancelIn)
@blp.response(200, RegistrantOut)
@_documented(400, 401, 403, 404, 409, 422)
@_tag("registrations")
def cancel_registrant(data, slug, registration_id):
    """Cancel, with a `reason` that goes into the e-mail to the person; a seat freed goes to the waitlist.
    Already cancelled: 200, nothing more happens. The event over: 409."""
    registration = _registrant(slug, registration_id)
    management.cancel_registration(registration, g.api_user, reason=data["reason"])
    db.session.commit()
    return registration


@blp.route(_ONE + "/resend", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(202, ResentOut)
@_documented(401, 403, 404, 409)
@_tag("registrations")
def resend_registrant(slug, registration_id):
    """Mail the confirmation again with the ticket (the waitlist message to someone waiting). Cancelled: 409."""
    registration = _registrant(slug, registration_id)
    kind = management.resend_confirmation(registration, g.api_user)
    db.session.commit()
    return {"kind": kind, "message": _("The message is on its way.")}, 202


@blp.route(_ONE + "/promote", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, RegistrantOut)
@_documented(401, 403, 404, 409)
@_tag("registrations")
def promote_registrant(slug, registration_id):
    """Move a waitlisted person up, ahead of the queue: they take a seat, or 409 `full` when the event or one of
    their sessions has none left; 409 too when they are not on the waitlist."""
    registration = _registrant(slug, registration_id)
    management.promote(registration, g.api_user)
    db.session.commit()
    return registration
