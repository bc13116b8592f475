"""The mail with the link to comment (CommentAccess.email), rendered by the worker from the commenter as it is then."""
from ..extensions import db
from ..mail.kinds import message_kind
from ..mail.render import external_url
from .models import Commenter
from .services import commenter_token


def link_context(message):
    commenter = db.session.get(Commenter, message.params.get("commenter_id") or 0, populate_existing=True)
    if commenter is None or commenter.erased_at is not None or commenter.seed is None:
        return None
    return {"commenter": commenter, "event": commenter.event,
            "comment_url": external_url("comments.commenter_page", token=commenter_token(commenter))}


message_kind("comment_link", "comments/link")(link_context)
