"""API v1: organizers write to a filtered set of an event's people, list what they wrote, cancel a scheduled one."""
from flask import g
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from .. import clock
from ..access import Permission, event_for
from ..errors import NotFound
from ..extensions import db
from ..messaging import services
from ..registration.models import Attendance, RegistrationStatus, Sector
from ..richtext import MAX_LENGTH as BODY_MAX_LENGTH
from .schemas import NO_CONTROL_MULTILINE, NOT_BLANK, AwareDateTime, StrictBoolean, text
from .views import BODY_ERRORS, _documented, _tag, blp, token_required


class MessageFilterIn(Schema):
    """Who gets it. Every key given must hold (AND); a key left out does not filter.

    People come from the registrations (without `status`: confirmed and
    waitlisted ones), or from the invitations with `invitation_status`,
    which takes no other key.
    """

    status = fields.String(validate=validate.OneOf([s.value for s in RegistrationStatus]))
    session_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "registered for this session, which must be one of this event's (422 otherwise)"})
    attendance = fields.String(validate=validate.OneOf([a.value for a in Attendance]))
    sector = fields.String(validate=validate.OneOf([s.value for s in Sector]))
    checked_in = StrictBoolean(metadata={"description": "checked in at the door (on session_id when given, else on any)"})
    joined = StrictBoolean(metadata={"description": "joined the livestream through their link (on session_id, else any)"})
    invitation_status = fields.String(validate=validate.OneOf(list(services.INVITATION_FILTERS)), metadata={
        "description": "invitees instead of registrants: unanswered (delivered, not registered, not declined), "
                       "declined, expired (not answered before the link expired); alone (422 with other keys)"})


class MessageIn(Schema):
    subject = text(pattern=NOT_BLANK, required=True, max_length=services.SUBJECT_MAX_LENGTH)
    body = text(pattern=NO_CONTROL_MULTILINE, required=True, min_length=1, max_length=BODY_MAX_LENGTH, metadata={
        "description": "plain text with paragraphs, or Markdown (lists, links); raw HTML is shown as text"})
    filter = fields.Nested(MessageFilterIn, load_default=dict)
    send_at = AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "when it goes, in the future (422 otherwise); left out or null: now"})


class CopyCountsOut(Schema):
    pending = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer()
    cancelled = fields.Integer()


class LanguageCountsOut(Schema):
    th = fields.Integer()
    en = fields.Integer()


class MessageOut(Schema):
    id = fields.Integer()
    subject = fields.String()
    body = fields.String()
    filter = fields.Dict(keys=fields.String())
    recipients = fields.Integer(attribute="recipient_count", metadata={"description": "fixed when it was written"})
    recipients_by_language = fields.Nested(LanguageCountsOut)
    state = fields.Function(lambda m: m.state(clock.now()).value,
                            metadata={"enum": ["scheduled", "sent", "cancelled"]})
    send_at = fields.AwareDateTime()
    scheduled = fields.Boolean()
    created_at = fields.AwareDateTime()
    cancelled_at = fields.AwareDateTime(allow_none=True)
    copies = fields.Method("_copies", metadata={"description": "each recipient's copy by its state in the outbox"})

    def _copies(self, message):
        # The list counts every message's copies in one query beforehand (see list_messages).
        counts = getattr(message, "copy_counts", None) or services.state_counts([message])[message.id]
        return CopyCountsOut().dump(counts)


@blp.route("/events/<slug>/messages", methods=["POST"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(MessageIn, example={"subject": "เอกสารประกอบการประชุม", "body": "เรียนผู้ลงทะเบียน\n\nเอกสารพร้อมแล้ว",
                                   "filter": {"status": "confirmed", "attendance": "online"}, "send_at": None})
@blp.response(202, MessageOut)
@_documented(400, 401, 403, 404, 422, *BODY_ERRORS)
@_tag("messages")
def send_message(data, slug):
    """Write to the people the filter picks; one copy per person goes through the outbox, now or at `send_at`.

    The recipients are fixed by this call (a scheduled message does not
    reach people who register later); `recipients` says how many.
    """
    event = event_for(slug, Permission.manage)
    message = services.send(event, data, actor=g.api_user, now=clock.now())
    db.session.commit()
    return message


@blp.route("/events/<slug>/messages")
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, MessageOut(many=True))
@_documented(401, 403, 404)
@_tag("messages")
def list_messages(slug):
    """The messages written to the event's people, newest first, with their copies counted by state."""
    event = event_for(slug, Permission.view)
    messages = db.session.scalars(services.messages_for(event)).all()
    counts = services.state_counts(messages)
    for message in messages:
        message.copy_counts = counts[message.id]
    return messages


@blp.route("/events/<slug>/messages/<id:message_id>/cancel", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, MessageOut)
@_documented(401, 403, 404, 409)
@_tag("messages")
def cancel_message(slug, message_id):
    """Cancel a scheduled message before its time: none of its copies leaves (409 once it has gone)."""
    event = event_for(slug, Permission.manage)
    message = services.find_for_event(event, message_id)
    if message is None:
        raise NotFound(_("No such message."))
    services.cancel(message, actor=g.api_user, now=clock.now())
    db.session.commit()
    return message
