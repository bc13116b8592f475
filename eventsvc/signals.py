"""Signals by which one capability tells the others what happened, without importing them (blinker)."""
from blinker import Namespace

_signals = Namespace()

# Someone asked, on the "lost your link?" form or the API, for the personal link of an address on an event.
# Sent by registration with sender=event and email_normalized=..., registration=<the active one or None>;
# invitations answers an invitee who has not registered yet by sending their invitation again.
personal_link_requested = _signals.signal("personal-link-requested")
