"""API v1: duplicating an event (its sessions moved to a new date, its questions, its documents when asked)."""
import re

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from ..access import Permission, event_for
from ..errors import PermissionDenied
from ..events import services as event_services
from ..extensions import db
from . import schemas
from .views import BODY_ERRORS, _documented, _tag, blp, token_required


# A day of the years 2000-2199, as the services keep them; the day of the month fits the month (29 February in
# any year: marshmallow refuses it in the others).
DAY = (r"^(20[0-9][0-9]|21[0-9][0-9])-"
       r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-9]))$")


class Day(fields.Date):
    """An ISO 8601 day (YYYY-MM-DD) whose year the services accept: the document's pattern says which."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not re.match(DAY, value):
            raise ValidationError([_l("Choose a date between the years 2000 and 2199.")])
        return super()._deserialize(value, attr, data, **kwargs)


class DuplicateIn(Schema):
    slug = fields.String(validate=[validate.Length(max=80), schemas.Pattern(schemas.SLUG)], metadata={
        "description": "the copy's web address; left out: the source's with the next free number (e.g. `hearing-2`); "
                       "a taken one is a 422"})
    starts_on = Day(required=True, metadata={
        "pattern": DAY, "description": "the day of the copy's first session (Bangkok), at the source's time of day; "
        "every session keeps its offset and length, the registration window moves by as much; years 2000 to 2199"})
    with_documents = schemas.StrictBoolean(load_default=False, metadata={
        "description": "copy the documents' files too"})


EXAMPLE_DUPLICATE = {"slug": "focus-group-2", "starts_on": "2027-03-04", "with_documents": True}


@blp.route("/events/<slug>/duplicate", methods=["POST"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(DuplicateIn, example=EXAMPLE_DUPLICATE)
@blp.response(201, schemas.EventOutForOrganizer)
@_documented(400, 401, 403, 404, 422, *BODY_ERRORS)
@_tag("events")
def duplicate_event(data, slug):
    """A new draft from an event (organizers who may manage it): its details, sessions moved to `starts_on`, its
    registration questions, its documents with `with_documents`; never its people. The caller owns the copy."""
    source = event_for(slug, Permission.manage, with_sessions=True, with_attachments=True)
    if not g.api_user.can_organize:
        raise PermissionDenied(_("Only organizers create events."))
    event = event_services.duplicate_event(source, g.api_user, data, actor=g.api_user)
    db.session.commit()
    return event
