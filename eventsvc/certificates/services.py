"""Certificates of participation: who may have one, issuing it once, reading a code back, drawing the PDF.

Who took part: a person with an active check-in (an undone one does not
count) or an online join for a session. A session counts once it has ended,
and only if it was not cancelled before its end: a session the organizer
called off did not take place, but a day that took place before an event was
cancelled still did. A cancelled registration that took part keeps its
certificate: the certificate states a fact of attendance, not a booking.
The certificate is issued (its row made) the first time it is downloaded.
"""
import base64
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..audit.services import record
from ..checkin.models import Checkin, active_condition
from ..errors import DomainError, NotFound
from ..extensions import db
from ..livestream.models import OnlineAttendance
from ..mail.render import external_url
from ..pdf import THAI_FONTS, render_pdf
from ..signals import personal_data_requested
from ..tickets import qr
from ..timefmt import iso
from .codes import code_id_from, grouped, new_code_id
from .models import Certificate


class NotEligible(NotFound):
    """404, not 403: nothing is forbidden to the caller, there is simply no certificate (yet) for this person."""
    code, message = "certificate_not_available", _l(
        "A certificate of participation is given to people who took part in a session (checked in on site or "
        "joined online), once that session has ended.")


class CertificateInvalid(DomainError):
    status, code, message = 404, "certificate_invalid", _l("This is not a valid certificate.")


@dataclass
class Attended:
    """One session the person took part in: on site, online, or both."""
    session: object
    onsite: bool
    online: bool


def _counts(session, event):
    """A session took place if it was not cancelled, nor its event, before its planned end."""
    for cancelled, at in ((session.cancelled_at is not None, session.cancelled_at),
                          (event.is_cancelled, event.cancelled_at)):
        if cancelled and (at is None or at < session.ends_at):
            return False
    return True


def attended(registration, now=None, ended_only=True):
    """The sessions `registration` took part in, oldest first (two small queries); by default only those ended."""
    now = now or clock.now()
    event = registration.event
    onsite = set(db.session.scalars(sa.select(Checkin.session_id).where(
        Checkin.registration_id == registration.id, active_condition())))
    online = set(db.session.scalars(sa.select(OnlineAttendance.session_id).where(
        OnlineAttendance.registration_id == registration.id)))
    return [Attended(s, s.id in onsite, s.id in online)
            for s in sorted(event.sessions, key=lambda s: s.starts_at)
            if (s.id in onsite or s.id in online) and _counts(s, event) and (not ended_only or s.ends_at <= now)]


def state(registration, now=None):
    """What the /my page says: "available", "after_session" (took part, session not over) or None."""
    if registration.erased_at is not None:
        return None
    sessions = attended(registration, now, ended_only=False)
    now = now or clock.now()
    if any(a.session.ends_at <= now for a in sessions):
        return "available"
    return "after_session" if sessions else None


def existing(registration):
    return db.session.scalar(sa.select(Certificate).where(Certificate.registration_id == registration.id))


def issue(registration, actor, now=None):
    """The person's certificate, made the first time (audited); NotEligible if they did not take part (yet).

    Two downloads at once: one INSERT wins, the other does nothing (ON CONFLICT on the unique
    registration) and reads the winner's row; only the winner records "certificate.issued".
    """
    now = now or clock.now()
    if registration.erased_at is not None or not attended(registration, now):
        raise NotEligible()
    certificate = existing(registration)
    if certificate is not None:
        return certificate
    table = Certificate.__table__
    insert = (postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)
    inserted = db.session.execute(
        insert.values(registration_id=registration.id, code_id=new_code_id(), issued_at=now)
        .on_conflict_do_nothing(index_elements=["registration_id"]).returning(table.c.id)).scalar()
    certificate = existing(registration)
    if inserted is not None:
        record("certificate.issued", actor=actor, registration=registration, target=certificate)
    return certificate


def certificate_for_code(code):
    """The certificate a code names; CertificateInvalid for a forged, altered or unknown one.

    The signature is checked first: a made-up code costs no database query.
    """
    code_id = code_id_from(code)
    if code_id is None:
        raise CertificateInvalid()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.code_id == code_id))
    if certificate is None:
        raise CertificateInvalid()
    return certificate


def verify_url(certificate):
    return external_url("certificates.verify", code=certificate.code)


def _sizes(title, name):
    """Font sizes (pt) for the title, the name and the sessions: smaller as they grow, so the page stays one."""
    title_size = 15 if len(title) <= 90 else 13.5 if len(title) <= 150 else 12 if len(title) <= 220 else 10.5
    name_size = 22 if len(name) <= 45 else 18 if len(name) <= 70 else 15
    return {"title": title_size, "name": name_size, "sessions": 11.5}


WHOLE_WORD_MAX = 40  # a longer "word" (a run without spaces) may still break inside, rather than overflow


def _title_words(title):
    """The title's words (between its spaces): (word, kept whole?)."""
    return [(word, len(word) <= WHOLE_WORD_MAX) for word in title.split()]


def _logo_data_url():
    """The agency's logo as a data: URL (the configured file, or the bundled static/logo.svg); None if unreadable."""
    from pathlib import Path

    configured = current_app.config.get("AGENCY_LOGO")
    if configured:
        path = Path(configured)
        if not path.is_absolute():
            path = Path(current_app.instance_path) / path
    else:
        path = Path(current_app.static_folder) / "logo.svg"
    types = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
             ".webp": "image/webp"}
    if path.suffix.lower() not in types or not path.is_file():
        return None
    return f"data:{types[path.suffix.lower()]};base64,{base64.b64encode(path.read_bytes()).decode()}"


def pdf(certificate, now=None):
    """The certificate as PDF bytes: A4 landscape, in the registrant's language (Thai dates in the Buddhist era)."""
    registration = certificate.registration
    locale = registration.locale if registration.locale in ("th", "en") else "th"
    url = verify_url(certificate)
    # Drawn each time (~20 ms beside a PDF's ~300): tickets' disk cache names its temporary file by process,
    # which two threads of one worker drawing the same code at once would share.
    svg = qr.draw(url, "svg")
    with force_locale(locale):
        html = render_template(
            "certificates/certificate.html", registration=registration, event=registration.event,
            certificate=certificate, sessions=attended(registration, now), locale=locale, url=url,
            form_url=external_url("certificates.verify_form"), code_grouped=grouped(certificate.code),
            title_words=_title_words(registration.event.title(locale)),
            sizes=_sizes(registration.event.title(locale), registration.full_name or ""),
            qr=f"data:image/svg+xml;base64,{base64.b64encode(svg).decode()}", logo=_logo_data_url(),
            fonts=THAI_FONTS,
            agency=current_app.config["AGENCY_NAME_EN" if locale == "en" else "AGENCY_NAME_TH"])
    return render_pdf(html)


def filename(certificate):
    return f"certificate-{certificate.registration.event.slug}.pdf"


@personal_data_requested.connect
def personal_data(registration, **_):
    """The person's certificate for their data download (kept on erasure: it names nobody once the registration is blank)."""
    certificate = existing(registration)
    if certificate is None:
        return None
    return "certificate", {"code": certificate.code, "issued_at": iso(certificate.issued_at)}
