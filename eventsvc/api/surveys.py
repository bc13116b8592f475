"""API v1: the satisfaction survey's results (`GET /api/v1/events/<slug>/survey/results`), for the event's team."""
from marshmallow import Schema, fields

from ..access import Permission
from ..surveys import services
from .views import _documented, _managed_event, _tag, blp, token_required


class SurveyShareOut(Schema):
    answers = fields.Integer()
    satisfied = fields.Integer(metadata={"description": "answers with 4 or 5 on the overall question"})
    satisfied_share = fields.Float(allow_none=True, metadata={"description": "percent, one decimal; null with no answers"})


class SurveySessionResultOut(SurveyShareOut):
    session_id = fields.Integer()
    name_th = fields.String()
    name_en = fields.String()
    starts_at = fields.String()
    took_part = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    met = fields.Boolean()
    averages = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class SurveyQuestionOut(Schema):
    key = fields.String()
    kind = fields.String(metadata={"enum": [services.SCALE, services.TEXT]})
    label_th = fields.String(metadata={"description": "empty for a standard question (overall, content, ...)"})
    label_en = fields.String()


class SurveyFreeTextOut(Schema):
    session_id = fields.Integer()
    key = fields.String()
    text = fields.String()


class SurveyResultsOut(Schema):
    target_percent = fields.Integer()
    answers = fields.Integer()
    took_part = fields.Integer(metadata={"description": "people times sessions they took part in (checked in or online)"})
    response_rate = fields.Float(allow_none=True)
    satisfied = fields.Integer()
    satisfied_share = fields.Float(allow_none=True)
    met = fields.Boolean(metadata={"description": "satisfied_share reaches target_percent"})
    by_sector = fields.Dict(keys=fields.String(), values=fields.Nested(SurveyShareOut))
    by_mode = fields.Dict(keys=fields.String(), values=fields.Nested(SurveyShareOut),
                          metadata={"description": "onsite, online"})
    per_session = fields.List(fields.Nested(SurveySessionResultOut))
    questions = fields.List(fields.Nested(SurveyQuestionOut))
    averages = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    free_texts = fields.List(fields.Nested(SurveyFreeTextOut), metadata={"description": "what people wrote; no names"})


@blp.route("/events/<slug>/survey/results")
@token_required
@blp.doc(security=[{"bearer": []}])
@blp.response(200, SurveyResultsOut)
@_documented(401, 403, 404)
@_tag("surveys")
def survey_results(slug):
    """The satisfaction survey's results: the share satisfied (4 or 5 overall) against the event's target, by
    sector, by on site or online, per session; average ratings; the free-text answers (the event's team)."""
    return services.survey_results(_managed_event(slug, Permission.view))
