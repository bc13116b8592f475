"""Teams: who works on an event, in which role (owner, organizer, check-in, viewer), and what each role may do."""
