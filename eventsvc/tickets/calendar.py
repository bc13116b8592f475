"""Calendar files (RFC 5545) and "add to calendar" links.

Three files: one event with all its sessions, the feed of all published
events, and a registrant's own sessions. Every session is one VEVENT whose
UID never changes (session-<id>@<host>; a registrant's own entry adds their
ticket) and whose SEQUENCE grows each time its time or place changes, so
that calendars update the entry instead of adding a second one. Times are in Asia/Bangkok, with its VTIMEZONE built
once per process; icalendar escapes and folds the Thai text.
"""
from datetime import timezone
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

import icalendar
from flask import current_app
from flask_babel import force_locale, gettext as _

from .. import clock
from ..livestream.services import public_recording_url
from ..timefmt import BANGKOK
from ..events.venue import venue_line
from ..mail.render import external_url

PRODID = "-//eventsvc//Public consultations//TH"


@lru_cache(maxsize=1)
def bangkok_timezone():
    """The VTIMEZONE of Asia/Bangkok (about 20 ms to build): once per process, then shared by every file."""
    return icalendar.Timezone.from_tzinfo(BANGKOK)


def _host():
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def uid(session):
    return f"session-{session.id}@{_host()}"


def venue_text(event):
    """Room, floor, building, address: one line, as on the event page, in the current language."""
    return venue_line(event)


def _summary(event, session, locale):
    title = event.title(locale)
    return f"{title} ({session.name(locale)})" if len(event.sessions) > 1 else title


def _calendar(name, locale):
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Bangkok")
    calendar.add_component(bangkok_timezone())
    return calendar


def personal_uid(registration, session):
    """A registrant's own entry for a session: its own UID, so that registering again after a
    cancellation makes a new entry instead of one that calendars would drop as an older SEQUENCE."""
    return f"session-{session.id}-ticket-{registration.ticket_id or registration.id}@{_host()}"


def _entry(event, session, locale, *, url, location, description, cancelled=False, stamp=None, uid_value=None):
    entry = icalendar.Event()
    entry.add("uid", uid_value or uid(session))
    entry.add("dtstamp", (stamp or clock.now()).astimezone(timezone.utc))
    entry.add("dtstart", session.starts_at.astimezone(BANGKOK))
    entry.add("dtend", session.ends_at.astimezone(BANGKOK))
    entry.add("summary", _summary(event, session, locale))
    entry.add("description", description)
    if location:
        entry.add("location", location)
    entry.add("url", url)
    # A cancellation is a change too: calendars take it only with a higher SEQUENCE.
    entry.add("sequence", session.sequence + (1 if cancelled else 0))
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if event.contact_email:
        organizer = icalendar.vCalAddress(f"mailto:{event.contact_email}")
        if event.contact_name:
            organizer.params["cn"] = icalendar.vText(event.contact_name)
        entry.add("organizer", organizer)
    return entry


def _event_location(event):
    if event.format.value == "online":
        return _("Online")
    return venue_text(event)


def _event_description(event, session, locale, url):
    lines = [event.title(locale), session.name(locale)]
    if event.organizer_name(locale):
        lines.append(event.organizer_name(locale))
    if event.contact_name:
        contact = " · ".join(p for p in (event.contact_name, event.contact_phone, event.contact_email) if p)
        lines.append(_("Questions: %(name)s", name=contact))
    lines.append(url)
    lines.append(_recording_line(session))
    return "\n".join(filter(None, lines))


def _recording_line(session):
    """The recording, by the same rule as the event page and the API (after the session has ended)."""
    recording = public_recording_url(session, clock.now())
    return _("Recording: %(url)s", url=recording) if recording else ""


def event_ics(event, locale):
    """All sessions of one event, for anyone (no registrants-only link in it)."""
    with force_locale(locale):
        calendar = _calendar(event.title(locale), locale)
        _add_event(calendar, event, locale, external_url("events.event_page", slug=event.slug))
        return calendar.to_ical()


def _add_event(calendar, event, locale, url):
    for session in event.sessions:
        calendar.add_component(_entry(
            event, session, locale, url=url, location=_event_location(event),
            description=_event_description(event, session, locale, url), cancelled=session.is_cancelled,
        ))


def feed_ics(events, locale):
    """Every published event's sessions: a calendar to subscribe to."""
    with force_locale(locale):
        calendar = _calendar(_("Public consultations"), locale)
        for event in events:
            _add_event(calendar, event, locale, external_url("events.event_page", slug=event.slug))
        return calendar.to_ical()


def registration_ics(registration, locale):
    """The registrant's own sessions, with their page as URL and, online, the way to join."""
    with force_locale(locale):
        event = registration.event
        calendar = _calendar(event.title(locale), locale)
        cancelled = event.is_cancelled or registration.status.value == "cancelled"
        for session in registration.sessions:
            location, how = personal_location(registration, session, locale)
            url = personal_url(registration)
            description = "\n".join(filter(None, [event.title(locale), session.name(locale), how,
                                                  _("Your registration: %(url)s", url=url), _recording_line(session)]))
            calendar.add_component(_entry(event, session, locale, url=url, location=location,
                                          description=description, cancelled=cancelled or session.is_cancelled,
                                          uid_value=personal_uid(registration, session)))
        return calendar.to_ical()


def personal_url(registration):
    token = registration.manage_token
    return external_url("registration.my_registration", token=token) if token else \
        external_url("events.event_page", slug=registration.event.slug)


def personal_location(registration, session, locale):
    """(LOCATION, a line on how to attend) for one of the registrant's sessions."""
    event = registration.event
    if registration.attendance.value == "online":
        link = join_url(registration, session)
        return link, _("Join online: %(url)s", url=link)
    return venue_text(event), ""


def join_url(registration, session):
    """Where a registrant joins the session online: their stable join link (it records the attendance)."""
    token = registration.manage_token
    if token:
        return external_url("livestream.join", token=token, session_id=session.id)
    return session.public_stream_url or personal_url(registration)


def _google_time(value):
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def third_party_add_links(registration, session, locale):
    """Google's and Outlook's "new event" links for one of the registrant's sessions.

    They hand the entry to a third party: it carries the public event page, never the personal link
    or the join link made from it (those stay in the registrant's own .ics).
    """
    event = registration.event
    page = external_url("events.event_page", slug=event.slug)
    if registration.attendance.value == "online":
        location, how = session.public_stream_url or page, _("Registrants join through the link on their registration page.")
    else:
        location, how = venue_text(event), ""
    details = "\n".join(filter(None, [event.title(locale), session.name(locale), how, page]))
    return add_links(event, session, locale, location=location, details=details)


def add_links(event, session, locale, *, location, details):
    """Links that open Google Calendar's and Outlook's "new event" pages filled in with the session."""
    title = _summary(event, session, locale)
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": title, "dates": f"{_google_time(session.starts_at)}/{_google_time(session.ends_at)}",
        "details": details, "location": location, "ctz": "Asia/Bangkok",
    })
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": title,
        "startdt": session.starts_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
        "enddt": session.ends_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
        "body": details, "location": location,
    })
    return {"google": google, "outlook": outlook}
