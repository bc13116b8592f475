"""What the events capability tells the others: they listen, it never imports them.

Receivers run inside the organizer's transaction (they write outbox rows,
flush, never commit), so the cancellation and everyone's message are one.
"""
from blinker import Namespace

_signals = Namespace()

# sender: the Event, just cancelled (event.cancel_reason holds the organizer's words); kwargs: actor
event_cancelled = _signals.signal("event-cancelled")
# sender: the EventSession, just cancelled on its own (session.cancel_reason); kwargs: actor
session_cancelled = _signals.signal("session-cancelled")
# sender: the Event whose capacity or waitlist setting just changed; kwargs: actor (seats may open to the waitlist)
seats_changed = _signals.signal("seats-changed")
# sender: the Event; kwargs: sessions, those whose time or place just changed (their registrants get the new entry)
schedule_changed = _signals.signal("schedule-changed")
# sender: an EventSession about to be deleted; each receiver returns True when rows of its own name the session
session_in_use = _signals.signal("session-in-use")
# sender: an Event about to be cancelled (or one of its sessions: kwargs session, else None); each receiver
# returns (who, count) of the people it would tell: ("registrants", 12), ("invitees", 3). The dialog shows them.
cancellation_audience = _signals.signal("cancellation-audience")
# sender: the new Event, a copy of `source` (a draft with its sessions moved); kwargs: source, actor.
# What the copy takes from the source beyond the events capability's own (e.g. its questions) is the listeners'.
event_duplicated = _signals.signal("event-duplicated")
