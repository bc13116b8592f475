"""Why a message was not delivered, said for an organizer rather than as a Python exception."""
import re

from flask_babel import lazy_gettext as _l

# (pattern on "ExceptionName: text", reason), first match wins. The raw text stays available to the organizer.
_REASONS = [
    (r"SMTPRecipientsRefused|\b55[0-3]\b.*(user|mailbox|recipient|address)|5\.1\.[0-9]|[Uu]ser unknown|[Nn]o such user",
     _l("The recipient's mail server does not know this address. Check the e-mail address.")),
    (r"\b552\b|5\.3\.4|5\.2\.2|too large|size limit|[Mm]ailbox full|quota",
     _l("The recipient's mailbox is full or the message is too large.")),
    (r"SMTPAuthenticationError|\b535\b|5\.7\.8|[Aa]uthentication",
     _l("Our mail server refused the sign-in; the system administrator must check the mail settings.")),
    (r"SMTPSenderRefused|5\.7\.1|[Rr]elay|[Ss]pam|[Bb]locked|[Rr]ejected|policy",
     _l("The recipient's mail server refused the message (spam filter or policy).")),
    (r"gaierror|Name or service not known|getaddrinfo|nodename nor servname",
     _l("Our mail server could not be found; the system administrator must check the mail settings.")),
    (r"ConnectionRefused|Connection refused|SMTPConnectError|SMTPServerDisconnected|ConnectionReset|Network is unreachable",
     _l("Our mail server could not be reached.")),
    (r"[Tt]imeout|timed out",
     _l("The mail server did not answer in time.")),
    (r"SSL|TLS|[Cc]ertificate",
     _l("A secure connection to our mail server could not be made; the system administrator must check the mail settings.")),
    (r"UnknownKind|TemplateNotFound|UndefinedError|Error",
     _l("The message could not be written because of an error in the system. The administrator has been told in the logs.")),
]


def readable_reason(last_error):
    """A short reason in the user's language for a stored delivery error; '' when there is none."""
    if not last_error:
        return ""
    for pattern, reason in _REASONS:
        if re.search(pattern, last_error):
            return reason
    return _l("The message could not be delivered.")
