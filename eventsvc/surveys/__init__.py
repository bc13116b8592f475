"""The satisfaction survey after each session, and its results against the event's target."""
