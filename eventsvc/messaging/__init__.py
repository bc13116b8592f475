"""Messages from an event's organizers to a filtered set of its registrants or invitees."""
