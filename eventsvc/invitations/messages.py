"""The invitation and the receipt of a decline, rendered by the mail worker from the invitation as it is then."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..events.models import Event
from ..extensions import db
from ..mail.kinds import message_kind
from .models import Invitation, InvitationStatus
from .services import invite_url, is_usable


def _context(message):
    # Read again (the batch preloaded it): a withdrawal since then must stop the message.
    invitation = db.session.get(Invitation, message.invitation_id, populate_existing=True) \
        if message.invitation_id else None
    # A withdrawn invitation is not sent, even if its message was written before.
    if invitation is None or invitation.status == InvitationStatus.revoked:
        return None
    usable = is_usable(invitation)
    url = invite_url(invitation) if usable else None
    return {
        "invitation": invitation,
        "event": invitation.event,
        "invite_url": url,
        # The form's own "I cannot attend" part: a link in a mail must not change anything
        # by itself (mail scanners open links), so declining is a button there.
        "decline_url": f"{url}#decline" if url else None,
        "expires_at": invitation.effective_expiry(),
    }


def _preload(messages):
    """The batch's invitations with their event and its sessions, in a few queries."""
    ids = {m.invitation_id for m in messages if m.invitation_id}
    if not ids:
        return []
    return db.session.scalars(sa.select(Invitation).where(Invitation.id.in_(ids))
                              .options(joinedload(Invitation.event).selectinload(Event.sessions))).unique().all()


def _invitation_context(message):
    context = _context(message)
    # An invitation that was used or expired before its message left says nothing useful: drop it;
    # so does one to an event cancelled meanwhile (the invitee gets the cancellation instead).
    if context is None or not context["invite_url"] or context["event"].is_cancelled:
        return None
    return context


def _cancelled_context(message):
    context = _context(message)
    return dict(context, invite_url=None, decline_url=None) if context is not None else None


def _mark_sent(message, now):
    table = Invitation.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == message.invitation_id)
        .values(sent_at=now, status=sa.case((table.c.status == InvitationStatus.pending.value,
                                              InvitationStatus.sent.value), else_=table.c.status))
    )


message_kind("invitation", "invitations/invitation", delivered=_mark_sent, preload=_preload)(_invitation_context)
message_kind("invitation_event_cancelled", "invitations/event_cancelled", preload=_preload)(_cancelled_context)
message_kind("invitation_declined", "invitations/declined", preload=_preload)(_context)
