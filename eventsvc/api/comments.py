"""API v1: a registrant comments on the draft through their personal link; the public and the organizers read them;
organizers publish, hide and reply."""
from flask import g, request
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from ..access import Permission, can, event_for, public_event
from ..audit.services import REGISTRANT
from ..comments import services
from ..comments.models import CommentStatus
from ..comments.views import comment_limit, comment_written
from ..extensions import db
from ..registration.models import Sector
from ..registration.personal_links import registration_by_token_or_404
from .schemas import NO_CONTROL_MULTILINE, StrictBoolean, text
from .views import BODY_ERRORS, SelectPage, Unauthorized, _bearer_user, _documented, _tag, blp, token_required

class CommentIn(Schema):
    body = text(pattern=NO_CONTROL_MULTILINE, required=True, max_length=1_000_000, metadata={
        "description": "the comment; at most EVENTSVC_COMMENT_MAX_CHARS characters (5000 by default: 422 beyond)"})
    document_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                 validate=validate.Range(min=1, max=2**31 - 1),
                                 metadata={"description": "one of the event's documents; null: the event as a whole"})
    section = fields.Raw(allow_none=True, load_default=None, metadata={
        "description": "one section of a document: its id (an integer), or its heading as the organizer wrote it "
                       "(a string; then document_id is required). A string of digits is read as an id.",
        "oneOf": [{"type": "integer"}, {"type": "string", "maxLength": 300}]})
    show_name = StrictBoolean(load_default=False, metadata={
        "description": "true: the registrant's name is shown with the comment once published; false: anonymous"})
    sector = fields.String(load_default=None, allow_none=True, validate=validate.OneOf([s.value for s in Sector]),
                           metadata={"description": "left out: the sector of the registration"})


class ReasonIn(Schema):
    reason = text(pattern=NO_CONTROL_MULTILINE, required=True, max_length=services.REASON_MAX)


class ReplyIn(Schema):
    body = text(pattern=NO_CONTROL_MULTILINE, required=True, max_length=1_000_000, metadata={
        "description": "the agency's reply (คำชี้แจง); it replaces the previous one; \"\" removes it"})


class CommentQuery(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in CommentStatus]), metadata={
        "description": "organizers only; anonymous callers get the published comments whatever they ask"})


class CommentOut(Schema):
    id = fields.Integer()
    body = fields.String()
    document_id = fields.Integer(attribute="attachment_id", allow_none=True)
    section_id = fields.Integer(allow_none=True)
    section = fields.Function(lambda c: c.section.heading if c.section else None, allow_none=True)
    name = fields.String(attribute="display_name", metadata={"description": "\"\": anonymous"})
    sector = fields.Function(lambda c: c.sector.value if c.sector else None, allow_none=True)
    status = fields.Function(lambda c: c.status.value, metadata={"enum": [s.value for s in CommentStatus]})
    reply = fields.String(attribute="reply_body")
    replied_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class ModeratedCommentOut(CommentOut):
    """What the event's team sees beside it."""

    hidden_reason = fields.String()
    moderated_at = fields.AwareDateTime(allow_none=True)


@blp.route("/my/<token>/comments", methods=["POST"])
@comment_limit
@blp.arguments(CommentIn, example={"body": "ควรเพิ่มตัวชี้วัดด้านการเข้าถึงบริการของผู้สูงอายุ", "document_id": 1,
                                   "section": "ยุทธศาสตร์ที่ 1"})
@blp.response(201, CommentOut)
@_documented(404, 409, 422, *BODY_ERRORS, descriptions={
    409: "The comment period is not open, the event or the registration is cancelled"})
@_tag("comments")
def post_my_comment(data, token):
    """The registrant of this personal link comments on the event, one of its documents or a section.

    The comment awaits moderation (`status` "pending"). The same text on the
    same place within a minute is the comment already written: answered 200
    with its `id` (a retry, a double click), not written twice.
    """
    registration = registration_by_token_or_404(token)
    posted = services.post_comment(services.Author(registration=registration), data, actor=REGISTRANT)
    db.session.commit()
    if posted.created:
        comment_written()
    return posted.comment, 201 if posted.created else 200


@blp.route("/events/<slug>/comments")
@blp.doc(security=[{}, {"bearer": []}])
@blp.arguments(CommentQuery, location="query")
@blp.response(200, ModeratedCommentOut(many=True))
@blp.paginate(SelectPage, page_size=100, max_page_size=1000)
@_documented(401, 404, 422)
@_tag("comments")
def list_comments(query, slug):
    """The event's comments, oldest first, 100 a page. With a token of its team: all of them (filter by `status`),
    with the reasons for hiding; without one: the published ones, without them."""
    user = None
    if request.headers.get("Authorization"):
        user = _bearer_user()
        if user is None:
            raise Unauthorized(_("Send a valid token: Authorization: Bearer <token>."))
        g.api_user = user
    event = public_event(slug)
    if user is not None and can(user, event, Permission.view):
        status = CommentStatus(query["status"]) if query.get("status") else None
        return services.organizer_query(event, status).order_by(None).order_by(services.Comment.id)
    return services.organizer_query(event, CommentStatus.published).order_by(None).order_by(services.Comment.id)


def _moderate(slug, comment_id, action):
    event = event_for(slug, Permission.manage)
    comment = services.comment_of(event, comment_id)
    action(comment)
    db.session.commit()
    return comment


@blp.route("/events/<slug>/comments/<id:comment_id>/publish", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, ModeratedCommentOut)
@_documented(401, 403, 404)
@_tag("comments")
def publish_comment(slug, comment_id):
    """Publish a comment: it appears on the public page."""
    return _moderate(slug, comment_id, lambda c: services.publish(c, actor=g.api_user))


@blp.route("/events/<slug>/comments/<id:comment_id>/hide", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(ReasonIn, example={"reason": "มีข้อความหมิ่นประมาทบุคคลอื่น"})
@blp.response(200, ModeratedCommentOut)
@_documented(401, 403, 404, 422, *BODY_ERRORS)
@_tag("comments")
def hide_comment(data, slug, comment_id):
    """Hide a comment from the public page, with a reason (required; kept for the team, not shown publicly)."""
    return _moderate(slug, comment_id, lambda c: services.hide(c, data["reason"], actor=g.api_user))


@blp.route("/events/<slug>/comments/<id:comment_id>/reply", methods=["POST"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(ReplyIn, example={"body": "หน่วยงานจะนำข้อเสนอไปปรับปรุงตัวชี้วัดในยุทธศาสตร์ที่ 1"})
@blp.response(200, ModeratedCommentOut)
@_documented(401, 403, 404, 422, *BODY_ERRORS)
@_tag("comments")
def reply_to_comment(data, slug, comment_id):
    """The agency's reply (คำชี้แจง) to a comment, shown under it once it is published; sent again, it replaces it."""
    return _moderate(slug, comment_id, lambda c: services.reply(c, data["body"], actor=g.api_user))
