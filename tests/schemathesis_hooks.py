"""schemathesis hooks for tests/test_openapi_contract.py (loaded through SCHEMATHESIS_HOOKS).

JSON Schema cannot compare two fields, nor a time with "now". The document
states these rules in words (a session ends after it starts; registration
closes after it opens; an invitation's expiry and a message's send_at are in the future), and the API
refuses with a documented 422. Nor can it say that `attendance` is required
for an event that is both on site and online. Here, generated bodies are made to keep them,
so that "valid data is accepted" is checked on everything else.
"""
import re
from datetime import datetime, timedelta, timezone

import schemathesis

from eventsvc.api.schemas import DATE_TIME

BANGKOK = timezone(timedelta(hours=7))
PAIRS = (("starts_at", "ends_at"), ("registration_opens_at", "registration_closes_at"))
LATER = "2190-01-01T00:00:00+07:00"


def _when(value):
    if not isinstance(value, str) or not re.match(DATE_TIME, value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BANGKOK)


def _leap_day_in_a_leap_year(value):
    """JSON Schema cannot tell leap years: 29 February of another year becomes the 28th (the API refuses it, 422)."""
    if isinstance(value, str) and value[4:10] == "-02-29" and value[:4].isdigit():
        year = int(value[:4])
        if not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            return value[:8] + "28" + value[10:]
    return value


def _keep_documented_rules(body):
    if not isinstance(body, dict):
        return body
    body = {key: _leap_day_in_a_leap_year(value) for key, value in body.items()}
    for first, then in PAIRS:
        start, end = _when(body.get(first)), _when(body.get(then))
        if start and end and end <= start:
            if start.year < 2198:
                body[then] = (start + timedelta(hours=1)).isoformat()
            else:
                body[first] = (end - timedelta(hours=1)).isoformat()
    for key in ("expires_at", "send_at"):  # in the future
        when = _when(body.get(key))
        if when and when <= datetime.now(timezone.utc):
            body[key] = LATER
    if isinstance(body.get("sessions"), list):
        body["sessions"] = [_keep_documented_rules(item) for item in body["sessions"]]
    return body


# Rules that depend on what is stored (the seats taken, the slugs in use, the
# event's sessions, a time already saved that a PATCH changes only half of):
# no document can say them; the API answers them with a documented 422.
STATE_RULES = (
    "This address is already taken.",
    "The address cannot change once the event is published.",
    "seat is already taken.",
    "seats are already taken.",
    "Please choose the session you will attend.",
    "These sessions take place at the same time; please choose one of them.",
    "Registration must close after it opens.",
    "The session must end after it starts.",
    "Add at least one session before publishing.",
    "Unknown session: ",  # ids of sessions of another event, or of none
    # A message's filter that picks nobody (the event's people), or invitees with a registrant's key.
    "Nobody matches these filters: there is no one to send it to.",
    "Invitees are chosen by their answer alone: leave the registrations' filters empty.",
    # Answers: which questions an event asks, and their choices, are stored; an id or key made up is refused.
    "Not a question of this event.",
    "Not one of the choices.",
    "This question needs an answer.",
    # A copy's sessions keep their offsets from the first: a first day near 2199 can push the last past it.
    "Choose a date between the years 2000 and 2199.",
    # Not state, but beyond `format: email`: e-mail addresses are checked by
    # email-validator (RFC 6761 special-use domains, top-level domain rules).
    # The fields' descriptions say so.
    "Not a valid e-mail address.",
    # Beyond what a schema says of one field: a person added by hand is named by their e-mail, not an invitation.
    "Give the e-mail of the person you add by hand",
    # The team: a colleague added twice, or an account an admin deactivated.
    "already on the event's team.",
    "This account is deactivated.",
    # A webhook URL's host, as the DNS answers today: unknown, or private addresses (documented on `url`).
    "The host name of this URL cannot be found.",
    "The URL leads to a private, local or reserved address",
    "This is not a valid URL.",
    "The URL has no host name.",
    "The URL may not carry a user name or password.",
)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but "valid data rejected" by one of the STATE_RULES above."""
    if response.status_code != 422 or type(failure).__name__ != "RejectedPositiveData":
        return True
    try:
        fields = response.json()["error"]["fields"]
    except (ValueError, KeyError, TypeError):
        return True
    messages = [message for field_messages in fields.values() for message in field_messages]
    return not messages or not all(any(rule in message for rule in STATE_RULES) for message in messages)


@schemathesis.hook
def before_call(context, case, kwargs):
    # Here rather than in map_body: the coverage phase builds its cases without the map hooks.
    case.body = _keep_documented_rules(case.body)
    if case.operation.path.endswith("/registrations") and case.method.upper() == "POST" and isinstance(case.body, dict):
        # Documented: required when the event is both on site and online (which the example event is).
        case.body.setdefault("attendance", "onsite")
