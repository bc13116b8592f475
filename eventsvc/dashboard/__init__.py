"""The dashboard: an event's numbers per day, per category and per session, and the organizer's events at a glance."""
