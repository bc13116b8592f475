"""Certificate codes (eventsvc/signed_codes.py, purpose "certificate"), as tickets': a forged or altered
code is refused before any database work, and a ticket's code never passes for a certificate's.

The code is printed in groups of four separated by spaces, for reading only: '-' and '_' belong to the
code itself (base64url), so only white space is dropped from a typed or pasted code before its signature
is checked.
"""
import re

from .. import signed_codes

PURPOSE = "certificate"
GROUP = 4
TYPED_MAX = 200  # a longer input is not a code; not worth cleaning
_SPACE = re.compile(r"\s+")


def new_code_id():
    return signed_codes.new_id()


def code_for(code_id):
    return signed_codes.code_for(PURPOSE, code_id)


def normalise(code):
    """`code` without the white space a reader may have typed or pasted (the printed groups), or None."""
    if not isinstance(code, str) or len(code) > TYPED_MAX:
        return None
    return _SPACE.sub("", code)


def grouped(code):
    """The code as printed: groups of four characters separated by spaces."""
    return " ".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def code_id_from(code):
    """The certificate id a genuine code carries (white space ignored), or None: no database is asked."""
    return signed_codes.id_from(PURPOSE, normalise(code))
