"""E-mail addresses as keys: one spelling for 'the same person' everywhere."""
import unicodedata


def normalize_email(value):
    """Trimmed, Unicode NFC, lower-case: the key of accounts and of 'one registration per person'."""
    return unicodedata.normalize("NFC", (value or "").strip()).lower()
