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
# sender: the new Event, a copy of `source` (a draft with its sessions moved); kwargs: source, actor.
# What the copy takes from the source beyond the events capability's own (e.g. its questions) is the listeners'.
event_duplicated = _signals.signal("event-duplicated")
