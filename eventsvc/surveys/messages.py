"""The mail after a session: the personal link to its survey, rendered when it leaves (see mail/kinds.py)."""
from ..events.models import EventSession
from ..extensions import db
from ..mail.kinds import message_kind
from ..mail.render import external_url
from ..registration.messages import preload_registrations, registration_context
from .services import closes_at


def survey_context(message):
    context = registration_context(message)
    if context is None:
        return None
    registration = context["registration"]
    session = db.session.get(EventSession, message.params.get("session_id") or 0)
    token = registration.manage_token
    if session is None or session.is_cancelled or not registration.is_active or not token:
        return None  # cancelled meanwhile: no survey to answer
    return dict(context, session=session, closes_at=closes_at(session),
                survey_url=external_url("surveys.answer", token=token, session_id=session.id))


message_kind("survey_invitation", "surveys/invitation", preload=preload_registrations)(survey_context)
