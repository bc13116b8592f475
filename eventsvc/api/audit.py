"""API v1: an event's audit trail (`GET /api/v1/events/<slug>/audit`), for its owner and organizers."""
from marshmallow import Schema, fields, validate

from ..access import Permission
from ..audit import services as audit_services
from ..audit.models import ActorKind
from .views import SelectPage, _documented, _managed_event, _tag, blp, token_required


class AuditQuery(Schema):
    family = fields.String(validate=validate.OneOf(audit_services.FAMILIES),
                           metadata={"description": "the part of `action` before the dot: event, registration, export..."})
    actor = fields.String(validate=validate.Regexp(r"^(registrant|system|[1-9][0-9]{0,8})$"),
                          metadata={"description": "`registrant`, `system`, or a user's id"})
    since = fields.Date(metadata={"description": "from this day (Bangkok time), included"})
    until = fields.Date(metadata={"description": "to this day (Bangkok time), included"})
    registration_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class AuditEntryOut(Schema):
    id = fields.Integer()
    created_at = fields.AwareDateTime()
    action = fields.String(metadata={"description": "dotted: event.updated, registration.cancelled, export.downloaded..."})
    actor_kind = fields.Function(lambda entry: entry.actor_kind.value, metadata={"enum": [k.value for k in ActorKind]})
    actor_user_id = fields.Integer(allow_none=True)
    actor = fields.String(attribute="actor_label", metadata={"description": "the staff account's e-mail at the time"})
    api_token_id = fields.Integer(allow_none=True)
    registration_id = fields.Integer(allow_none=True)
    target_type = fields.String(metadata={"description": "the table of the object acted on, when it is not the event"})
    target_id = fields.Integer(allow_none=True)
    changes = fields.Dict(metadata={"description": '{"field": [before, after]}; a registrant\'s personal field as '
                                                   '[null, null] (changed; its values are never kept)'})
    data = fields.Dict(metadata={"description": "a reason, a count, an export's kind and filters"})
    description = fields.Function(audit_services.describe, metadata={"description": "the entry as a sentence"})


@blp.route("/events/<slug>/audit")
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.arguments(AuditQuery, location="query")
@blp.response(200, AuditEntryOut(many=True))
@blp.paginate(SelectPage, page_size=100, max_page_size=1000)
@_documented(401, 403, 404, 422)
@_tag("audit")
def event_audit(query, slug):
    """Who did what on the event, newest first, 100 a page (owner, organizers, admins; the same as the page).

    Filters: `family`, `actor`, `since` and `until` (days in Bangkok time),
    `registration_id`. A registrant's names and contacts are never in it.
    """
    event = _managed_event(slug, Permission.manage)
    filters = audit_services.AuditFilters(
        family=query.get("family"), actor=query.get("actor"), since=query.get("since"), until=query.get("until"),
        registration_id=query.get("registration_id"))
    return audit_services.entries_for(event, filters=filters)
