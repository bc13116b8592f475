"""Who took part: the published attendee list (consenting people only), the organizer's lists, numbers and exports."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import labels

from ..audit.services import record
from ..checkin.models import Checkin, active_condition
from ..collation import thai_order
from ..extensions import db
from ..livestream.models import OnlineAttendance
from ..models_base import contains_any, search_text
from ..questions import services as question_services
from ..events.models import EventFormat
from ..spreadsheets import Column, table
from ..registration.models import Attendance, Registration, RegistrationStatus, Sector, format_name, registration_sessions
from ..checkin.services import counts_by_session

GROUPINGS = ("organization", "sector")


# ---- the public list ---------------------------------------------------------------------

def list_closes_at(event):
    """When a published list unpublishes itself: EVENTSVC_ATTENDEE_LIST_DAYS after the event."""
    if event.ends_at is None:
        return None
    return event.ends_at + timedelta(days=current_app.config["ATTENDEE_LIST_DAYS"])


def list_is_public(event, now):
    """Published by the organizer, the event not a draft, and not yet past its closing day."""
    if not event.attendee_list_published or not event.is_published:
        return False
    closes = list_closes_at(event)
    return closes is None or now < closes


def _listed(event):
    """The registrations that appear on the public list: confirmed, consenting, not erased."""
    return sa.and_(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed,
                   Registration.consent_listing.is_(True), Registration.erased_at.is_(None))


def public_attendees(event, search="", group_by="organization"):
    """(groups, shown, registered): [(group name, [(name, organization)])], how many are listed, how many registered.

    `shown` counts everyone listed whatever the search: a search narrows the
    groups, not the number of people who agreed to be listed.

    Only what a listed person agreed to show: title, name, organization
    (and the sector the group is named after). Never an e-mail or a phone.
    """
    columns = (Registration.title_prefix, Registration.first_name, Registration.last_name,
               Registration.organization, Registration.sector)
    query = sa.select(*columns).where(_listed(event))
    search = search_text(search)
    if search:
        query = query.where(contains_any((*Registration.searchable_names(), Registration.organization), search))
    key = Registration.sector if group_by == "sector" else Registration.organization
    rows = db.session.execute(query.order_by(
        *thai_order(key, Registration.first_name, Registration.last_name), Registration.id)).all()
    groups, current = [], None
    for prefix, first, last, organization, sector in rows:
        group = sector.value if group_by == "sector" else organization
        if current is None or current[0] != group:
            current = (group, [])
            groups.append(current)
        current[1].append({"name": format_name(prefix, first, last), "organization": organization})
    registered = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed))
    shown = len(rows) if not search else db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration).where(_listed(event)))
    return groups, shown, registered


def list_version(event):
    """What the public list depends on, in one aggregate query: it changes whenever the list may change."""
    count, last = db.session.execute(sa.select(sa.func.count(), sa.func.max(Registration.updated_at))
                                     .where(Registration.event_id == event.id)).one()
    return f"{event.id}:{event.updated_at.timestamp() if event.updated_at else 0}:{count}:{last.timestamp() if last else 0}"


def set_list_published(event, published, actor=None):
    if event.attendee_list_published != bool(published):
        record("list.published" if published else "list.withdrawn", actor=actor, event=event)
    event.attendee_list_published = bool(published)
    db.session.flush()
    return event


def stop_listing_me(registration, actor=None):
    """The person withdraws their consent to be listed: gone from the public list at once."""
    if registration.consent_listing:
        record("registration.unlisted", actor=actor, registration=registration,
               changes={"consent_listing": [True, False]})
    registration.consent_listing = False
    db.session.flush()
    return registration


# ---- the numbers -----------------------------------------------------------------------------

def attendance_report(event):
    """Per session: registered, checked in on site, joined online, took part (either); by sector and organization."""
    confirmed = sa.and_(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)
    door = counts_by_session(event)  # registered and checked in, as the door shows them
    online = dict(db.session.execute(
        sa.select(OnlineAttendance.session_id, sa.func.count()).where(OnlineAttendance.event_id == event.id)
        .group_by(OnlineAttendance.session_id)).all())
    # Who took part at all, per session: a check-in or a join (one person counts once).
    took_part = sa.union(
        sa.select(Checkin.registration_id.label("registration_id"), Checkin.session_id.label("session_id"))
        .where(Checkin.event_id == event.id, active_condition()),
        sa.select(OnlineAttendance.registration_id, OnlineAttendance.session_id).where(OnlineAttendance.event_id == event.id),
    ).subquery()
    participants = dict(db.session.execute(
        sa.select(took_part.c.session_id, sa.func.count()).group_by(took_part.c.session_id)).all())
    sessions = [{"id": s.id, "name_th": s.name_th, "name_en": s.name_en, "starts_at": s.starts_at,
                 **door[s.id],
                 "joined_online": online.get(s.id, 0), "took_part": participants.get(s.id, 0)}
                for s in event.sessions]
    anyone = sa.select(took_part.c.registration_id).distinct().subquery()
    part = sa.case((Registration.id.in_(sa.select(anyone.c.registration_id)), 1), else_=0)

    def breakdown(column):
        return [{"key": key.value if hasattr(key, "value") else key, "registered": n, "took_part": int(took or 0)}
                for key, n, took in db.session.execute(
                    sa.select(column, sa.func.count(), sa.func.sum(part)).where(confirmed)
                    .group_by(column).order_by(sa.func.count().desc(), *thai_order(column))).all()]

    return {
        "sessions": sessions,
        "by_sector": breakdown(Registration.sector),
        "by_organization": breakdown(Registration.organization),
        "registered": db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(confirmed)),
        "took_part": db.session.scalar(sa.select(sa.func.count()).select_from(anyone)),
    }


# ---- the organizer's list and its exports ------------------------------------------------

FILTERS = ("status", "session", "sector", "attendance", "checked_in", "q", "sort")
SORTS = ("name",)


def filtered_registrations(event, status=None, session=None, sector=None, attendance=None, checked_in=None, q=None,
                           sort=None):
    """The event's registrations as the organizer filters them, in order of registration or by name (`sort="name"`,
    Thai dictionary order). Exports take the same filters and page by id (export_rows)."""
    query = sa.select(Registration).where(Registration.event_id == event.id)
    if status:
        query = query.where(Registration.status == RegistrationStatus(status))
    if session:
        query = query.where(Registration.id.in_(sa.select(registration_sessions.c.registration_id)
                                                .where(registration_sessions.c.session_id == session)))
    if sector:
        query = query.where(Registration.sector == Sector(sector))
    if attendance:
        query = query.where(Registration.attendance == attendance)
    if checked_in in ("yes", "no"):
        came = sa.select(Checkin.registration_id).where(Checkin.event_id == event.id, active_condition())
        if session:
            came = came.where(Checkin.session_id == session)
        query = query.where(Registration.id.in_(came) if checked_in == "yes" else Registration.id.not_in(came))
    q = search_text(q)
    if q:
        query = query.where(contains_any((Registration.searchable_names()[1], Registration.email,
                                          Registration.organization, Registration.phone), q))
    if sort == "name":
        return query.order_by(*thai_order(Registration.first_name, Registration.last_name), Registration.id)
    return query.order_by(Registration.created_at, Registration.id)


EXPORT_COLUMNS = (
    Column("no", _l("No."), "number", width=7),
    Column("status", _l("Status"), "enum", labels.REGISTRATION_STATUS, width=14),
    Column("title_prefix", _l("Name prefix"), width=12),
    Column("first_name", _l("First name"), width=18),
    Column("last_name", _l("Last name"), width=20),
    Column("organization", _l("Organization"), width=30),
    Column("position", _l("Position"), width=22),
    Column("sector", _l("Sector"), "enum", labels.SECTOR, width=20),
    Column("email", _l("E-mail"), width=28),
    Column("phone", _l("Phone"), width=14),
    Column("attendance", _l("Attendance"), "enum", labels.ATTENDANCE, width=12),
    Column("sessions", _l("Sessions"), width=30),
    Column("checked_in", _l("Checked in"), width=24),
    Column("joined_online", _l("Joined online"), width=24),
    Column("consent_listing", _l("Listed publicly"), "bool", width=12),
    Column("registered_at", _l("Registered at"), "datetime", width=20),
    Column("invited", _l("Invited"), "bool", width=10),
    Column("added_by_organizer", _l("Added by the organizer"), "bool", width=12),
)
EXPORT_WIDTHS = [column.width for column in EXPORT_COLUMNS]


_EXPORTED = (Registration.id, Registration.status, Registration.title_prefix, Registration.first_name,
             Registration.last_name, Registration.organization, Registration.position, Registration.sector,
             Registration.email, Registration.phone, Registration.attendance, Registration.consent_listing,
             Registration.created_at, Registration.invitation_id, Registration.added_by_organizer)


def export_rows(event, query, batch=1000, language=None):
    """The header, then one row per registration of `query`: read `batch` at a time, memory stays flat.

    `language` "th" or "en": headers, statuses, sectors and dates as the
    organizer reads them (Buddhist-era dates in Thai); None: the codes (see
    spreadsheets.table). Rows come in order of registration, numbered: pages
    are taken by id, and a spreadsheet sorts and filters by itself.

    Pages are taken by id (keyset, not OFFSET) as plain rows (no ORM
    objects to build and let go), each with its sessions, check-ins and
    online joins in three more queries. Those ask for the page's id range
    within the event, not for a list of a thousand ids: one bound pair
    instead of a thousand parameters to render, send and plan.

    Then one column per registration question (a question removed after
    people answered it too: its answers were given), with the answers.
    """
    questions = question_services.questions_of(event, with_removed=True)
    columns = EXPORT_COLUMNS + tuple(question_services.export_columns(questions))
    return table(columns, _export_records(event, query, batch, language, questions), language)


def _export_records(event, query, batch, language, questions=()):
    names = {s.id: s.name(language or "th") for s in event.sessions}
    rows = query.with_only_columns(*_EXPORTED).order_by(None).order_by(Registration.id).limit(batch)
    lo, hi = sa.bindparam("lo"), sa.bindparam("hi")
    chosen_in_range = (sa.select(registration_sessions.c.registration_id, registration_sessions.c.session_id)
                       .where(registration_sessions.c.registration_id.between(lo, hi),
                              registration_sessions.c.session_id.in_(list(names) or [0]))
                       .order_by(registration_sessions.c.session_id))
    checked_in_range = sa.select(Checkin.registration_id, Checkin.session_id).where(
        Checkin.event_id == event.id, Checkin.registration_id.between(lo, hi), active_condition())
    joined_in_range = sa.select(OnlineAttendance.registration_id, OnlineAttendance.session_id).where(
        OnlineAttendance.event_id == event.id, OnlineAttendance.registration_id.between(lo, hi))
    number, last_id = 0, 0
    while True:
        page = db.session.execute(rows.where(Registration.id > last_id)).all()
        if not page:
            return
        bounds = {"lo": page[0].id, "hi": page[-1].id}
        chosen = {}
        for registration_id, session_id in db.session.execute(chosen_in_range, bounds):
            chosen.setdefault(registration_id, []).append(session_id)
        checked = _pairs(checked_in_range, bounds)
        joined = _pairs(joined_in_range, bounds)
        answers = question_services.export_cells(questions, bounds["lo"], bounds["hi"], language)
        no_answers = ("",) * len(questions)
        for row in page:
            number += 1
            mine = chosen.get(row.id, [])
            yield (number, row.status, row.title_prefix, row.first_name, row.last_name, row.organization,
                   row.position, row.sector, row.email, row.phone, row.attendance,
                   "; ".join(names.get(i, str(i)) for i in mine),
                   "; ".join(names.get(i, str(i)) for i in mine if (row.id, i) in checked),
                   "; ".join(names.get(i, str(i)) for i in mine if (row.id, i) in joined),
                   row.consent_listing, row.created_at, row.invitation_id is not None, row.added_by_organizer,
                   *answers.get(row.id, no_answers))
        last_id = page[-1].id


def _pairs(statement, params):
    return {(registration_id, session_id) for registration_id, session_id in db.session.execute(statement, params)}


def sign_in_sheet_onsite_only(event, everyone=False):
    """Whether the sheet lists on-site people only: by default for a hybrid event (online people sign nothing)."""
    return event.format == EventFormat.hybrid and not everyone


def sign_in_sheet(event, session, everyone=False):
    """The confirmed people of one session, in Thai dictionary order: the paper list at the door (ใบลงทะเบียน).

    For a hybrid event only those coming on site, unless `everyone`.
    """
    query = (sa.select(Registration)
             .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed,
                    Registration.id.in_(sa.select(registration_sessions.c.registration_id)
                                        .where(registration_sessions.c.session_id == session.id))))
    if sign_in_sheet_onsite_only(event, everyone):
        query = query.where(Registration.attendance == Attendance.onsite)
    return db.session.scalars(
        query.order_by(*thai_order(Registration.first_name, Registration.last_name), Registration.id)).all()
