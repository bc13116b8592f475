"""Registration questions: what an organizer asks beyond the standard fields, and each person's answers."""
