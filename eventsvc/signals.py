"""Signals by which one capability tells the others what happened, without importing them (blinker).

Receivers run inside the sender's transaction (they add rows and flush, never
commit), so the change and everything that reacts to it are one. Every signal
carries the `actor` (a User, audit.REGISTRANT, or None for the system).
"""
from blinker import Namespace

_signals = Namespace()

# Someone asked, on the "lost your link?" form or the API, for the personal link of an address on an event.
# Sent by registration with sender=event and email_normalized=..., registration=<the active one or None>;
# invitations answers an invitee who has not registered yet by sending their invitation again.
personal_link_requested = _signals.signal("personal-link-requested")

# sender: the Registration just made (confirmed or waitlisted); kwargs: actor
registration_created = _signals.signal("registration-created")
# sender: the Registration just cancelled; kwargs: actor, reason ("" when none was given)
registration_cancelled = _signals.signal("registration-cancelled")
# sender: the Checkin row just written (action check_in); kwargs: actor
checkin_created = _signals.signal("checkin-created")

# A person's data, capability by capability. sender: the Registration.
# personal_data_requested: each receiver returns (key, JSON-able value) for the download, or None.
personal_data_requested = _signals.signal("personal-data-requested")
# personal_data_erased: each receiver blanks its own rows of that person (flush, no commit); kwargs: actor
personal_data_erased = _signals.signal("personal-data-erased")
