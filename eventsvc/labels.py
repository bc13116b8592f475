"""Human labels (Thai and English, through Babel) for the enumerated values."""
from flask_babel import lazy_gettext as _l
from wtforms.fields import SelectChoice

KIND = {
    "public_hearing": _l("Public hearing"),
    "hearing": _l("Hearing meeting"),
    "workshop": _l("Workshop"),
    "focus_group": _l("Focus group"),
    "seminar": _l("Seminar"),
}
FORMAT = {
    "onsite": _l("On site"),
    "online": _l("Online"),
    "hybrid": _l("On site and online"),
}
REGISTRATION_MODE = {
    "open": _l("Open to everyone"),
    "invite_only": _l("By invitation only"),
}
EVENT_STATUS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "cancelled": _l("Cancelled"),
}
STREAM_VISIBILITY = {
    "public": _l("Everyone"),
    "registrants": _l("Registrants only"),
}
ATTENDANCE = {
    "onsite": _l("On site"),
    "online": _l("Online"),
}
SECTOR = {
    "government": _l("Government agency"),
    "state_enterprise": _l("State enterprise"),
    "private": _l("Private sector"),
    "academic": _l("Academic institution"),
    "civil_society": _l("Civil society"),
    "public": _l("General public"),
}
REGISTRATION_STATUS = {
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("On the waitlist"),
    "cancelled": _l("Cancelled"),
}
ROLE = {
    "admin": _l("Administrator"),
    "organizer": _l("Organizer"),
    "checkin": _l("Check-in staff"),
}
TEAM_ROLE = {
    "owner": _l("Owner"),
    "organizer": _l("Organizer"),
    "checkin": _l("Check-in staff"),
    "viewer": _l("Viewer (read only)"),
}
MESSAGE_STATUS = {
    "pending": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Not sent"),
}
INVITATION_STATUS = {
    "pending": _l("Not sent yet"),
    "sent": _l("Sent"),
    "registered": _l("Registered"),
    "declined": _l("Declined"),
    "revoked": _l("Withdrawn"),
    "expired": _l("Expired"),
}
MESSAGE_KIND = {
    "invitation": _l("Invitation"),
    "invitation_declined": _l("Decline receipt"),
    "registration_confirmed": _l("Registration confirmed"),
    "registration_waitlisted": _l("Put on the waitlist"),
    "registration_promoted": _l("Seat from the waitlist"),
    "registration_cancelled": _l("Registration cancelled"),
    "calendar_update": _l("Updated calendar entry"),
    "event_cancelled": _l("Event cancelled"),
    "reminder": _l("Reminder"),
    "team_member_added": _l("Added to the team"),
    "team_account_created": _l("Added to the team: choose a password"),
    "event_message": _l("Message from the organizer"),
    "survey_invitation": _l("Satisfaction survey"),
}
LANGUAGE = {
    "th": _l("Thai"),
    "en": _l("English"),
}

ALL = {
    "kind": KIND, "format": FORMAT, "registration_mode": REGISTRATION_MODE,
    "event_status": EVENT_STATUS, "stream_visibility": STREAM_VISIBILITY,
    "attendance": ATTENDANCE, "sector": SECTOR, "registration_status": REGISTRATION_STATUS,
    "role": ROLE, "message_status": MESSAGE_STATUS, "message_kind": MESSAGE_KIND,
    "invitation_status": INVITATION_STATUS, "language": LANGUAGE, "team_role": TEAM_ROLE,
}


def label(group, value):
    value = getattr(value, "value", value)
    return ALL[group].get(value, value)


def choices(group):
    """The group's values as form choices (value, label)."""
    return [SelectChoice(value, text) for value, text in ALL[group].items()]
