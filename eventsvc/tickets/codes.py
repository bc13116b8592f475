"""Ticket codes (eventsvc/signed_codes.py, purpose "ticket"): a forged or altered code is refused before any
database work.

The QR holds <BASE_URL>/t/<code>. The ticket id is not the registrant's
personal link: a QR seen over a shoulder lets nobody change or cancel anything.
"""
from .. import signed_codes

PURPOSE = "ticket"


def new_ticket_id():
    return signed_codes.new_id()


def code_for(ticket_id):
    return signed_codes.code_for(PURPOSE, ticket_id)


def ticket_id_from(code):
    """The ticket id a genuine code carries, or None: no database is asked."""
    return signed_codes.id_from(PURPOSE, code)
