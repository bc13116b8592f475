"""Certificate codes (eventsvc/signed_codes.py, purpose "certificate"), as tickets': a forged or altered
code is refused before any database work, and a ticket's code never passes for a certificate's."""
from .. import signed_codes

PURPOSE = "certificate"


def new_code_id():
    return signed_codes.new_id()


def code_for(code_id):
    return signed_codes.code_for(PURPOSE, code_id)


def code_id_from(code):
    """The certificate id a genuine code carries, or None: no database is asked."""
    return signed_codes.id_from(PURPOSE, code)
