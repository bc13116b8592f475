"""API v1: an event's team (`GET/POST /events/<slug>/team`, `DELETE /events/<slug>/team/<user_id>`)."""
from flask import g
from marshmallow import Schema, fields, validate

from ..access import Permission, event_for, team_event
from ..extensions import db
from ..teams import services as team_services
from .views import BODY_ERRORS, _documented, _tag, blp, token_required

ROLES = [role.value for role in team_services.ASSIGNABLE_ROLES]


class TeamMemberIn(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254), metadata={
        "format": "email", "description": "the colleague's address (checked by email-validator, no line breaks); "
                                          "someone without an account gets one and a mail to choose a password"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES), metadata={
        "description": "one owner per event: `organizer`, `checkin` or `viewer` only"})


class TeamMemberOut(Schema):
    user_id = fields.Integer()
    email = fields.Function(lambda m: m.user.email)
    name = fields.Function(lambda m: m.user.name)
    role = fields.Function(lambda m: m.role.value, metadata={"enum": ["owner", *ROLES]})
    added_by = fields.Function(lambda m: m.added_by.email if m.added_by is not None else None,
                               metadata={"type": "string", "nullable": True})
    added_at = fields.AwareDateTime(attribute="created_at")
    awaiting_password = fields.Function(lambda m: m.user.awaits_password, metadata={"type": "boolean"})


EXAMPLE_MEMBER = {"email": "colleague@agency.go.th", "role": "organizer"}


@blp.route("/events/<slug>/team")
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, TeamMemberOut(many=True))
@_documented(401, 403, 404)
@_tag("team")
def list_team(slug):
    """The event's team, the owner first: everyone on it except check-in staff may read it."""
    return team_services.members(event_for(slug, Permission.view))


@blp.route("/events/<slug>/team", methods=["POST"])
@token_required  # first: no token, 401, before the body is even read
@blp.doc(security=[{"bearer": []}])
@blp.arguments(TeamMemberIn, example=EXAMPLE_MEMBER)
@blp.response(201, TeamMemberOut)
@_documented(401, 403, 404, *BODY_ERRORS)
@_tag("team")
def add_team_member(data, slug):
    """The owner (or an admin) adds a colleague. Someone already on the team, or a deactivated account, is a 422."""
    event = event_for(slug, Permission.team)
    member = team_services.add_member(event, data["email"], data["role"], actor=g.api_user)
    db.session.commit()
    return member


@blp.route("/events/<slug>/team/<id:user_id>", methods=["DELETE"])
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(204)
@_documented(401, 403, 404, 409)
@_tag("team")
def remove_team_member(slug, user_id):
    """The owner (or an admin) removes a member; a member other than the owner may remove themself. The owner: 409."""
    # Leaving: any member may remove themself (the service refuses the owner); anyone else: the team's right.
    event = team_event(slug) if user_id == g.api_user.id else event_for(slug, Permission.team)
    team_services.remove_member(event, user_id, actor=g.api_user)
    db.session.commit()

