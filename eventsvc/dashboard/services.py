"""The dashboard's numbers: read only, a few GROUP BY queries per page, days in Bangkok time."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa

from ..accounts.models import Role
from ..attendees.services import attendance_report
from ..checkin.models import Checkin, active_condition
from ..events.models import DailyTraffic, Event
from ..extensions import db
from ..livestream.models import OnlineAttendance
from ..registration.models import Attendance, Registration, RegistrationStatus, Sector
from ..teams.models import ROLE_PERMISSIONS, EventMember, Permission
from ..teams.services import visible_events_condition


def bangkok_day(column):
    """SQL: the Bangkok date of a UTC timestamp column (Bangkok is UTC+7 all year, no daylight saving)."""
    # Literals, not parameters: the same expression is selected and grouped by, and PostgreSQL
    # compares the two as written.
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone(sa.literal_column("'Asia/Bangkok'"), column))
    return sa.func.date(column, sa.literal_column("'+7 hours'"))  # SQLite keeps UTC as text


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _days(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _per_day(column, *conditions):
    """{Bangkok day of `column`: rows} among the rows of Registration matching `conditions`."""
    day = bangkok_day(column)
    query = sa.select(day, sa.func.count()).where(*conditions).group_by(day)
    return {_as_date(value): n for value, n in db.session.execute(query).all()}


@dataclass
class RegistrationDay:
    day: date
    new: int          # registrations made that day (whatever became of them later)
    cancelled: int    # registrations cancelled that day
    total: int        # active registrations (confirmed or waitlisted) at the end of the day


@dataclass
class TrafficDay:
    day: date
    page_views: int
    downloads: int


@dataclass
class SessionNumbers:
    id: int
    name_th: str
    name_en: str
    starts_at: object
    cancelled: bool
    capacity: Optional[int]
    seats_taken: int
    registered: int      # confirmed registrations for the session
    checked_in: int
    joined_online: int
    took_part: int       # checked in or joined (a person counts once)

    def name(self, locale):
        return self.name_en if locale == "en" and self.name_en else self.name_th

    @property
    def take_up(self):
        """Took part against registered, in percent; None when nobody is registered (nothing to divide by)."""
        return round(100 * self.took_part / self.registered) if self.registered else None


@dataclass
class EventDashboard:
    registrations_by_day: list
    by_sector: list        # [(Sector, confirmed registrations)], every sector
    by_attendance: list    # [(Attendance, confirmed registrations)]
    traffic_by_day: list
    sessions: list
    counts: dict           # registrations per status
    registered: int        # confirmed
    took_part: int
    page_views: int        # the totals kept on the event and its documents
    downloads: int
    waitlisted: int = field(init=False)

    def __post_init__(self):
        self.waitlisted = self.counts[RegistrationStatus.waitlisted.value]


def registrations_by_day(event):
    """Every day from the first registration (or cancellation) to the last, with no gaps."""
    created = _per_day(Registration.created_at, Registration.event_id == event.id)
    cancelled = _per_day(Registration.cancelled_at, Registration.event_id == event.id,
                         Registration.status == RegistrationStatus.cancelled, Registration.cancelled_at.is_not(None))
    known = set(created) | set(cancelled)
    if not known:
        return []
    total, days = 0, []
    for day in _days(min(known), max(known)):
        total += created.get(day, 0) - cancelled.get(day, 0)
        days.append(RegistrationDay(day, created.get(day, 0), cancelled.get(day, 0), total))
    return days


def traffic_by_day(event):
    """Page views and downloads per day, from the first day counted to the last, with no gaps."""
    rows = {row.day: row for row in db.session.scalars(
        sa.select(DailyTraffic).where(DailyTraffic.event_id == event.id).order_by(DailyTraffic.day))}
    if not rows:
        return []
    return [TrafficDay(day, rows[day].page_views if day in rows else 0, rows[day].downloads if day in rows else 0)
            for day in _days(min(rows), max(rows))]


def _confirmed_counts(event, column, values):
    """[(value, confirmed registrations)] for every value of the enum, zeros included, in the enum's order."""
    counts = dict(db.session.execute(
        sa.select(column, sa.func.count())
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.confirmed)
        .group_by(column)).all())
    return [(value, counts.get(value, 0)) for value in values]


def event_dashboard(event):
    """Everything the event's dashboard shows (the event's sessions and documents loaded by the caller or lazily)."""
    report = attendance_report(event)
    by_session = {s["id"]: s for s in report["sessions"]}
    sessions = [SessionNumbers(
        id=s.id, name_th=s.name_th, name_en=s.name_en, starts_at=s.starts_at, cancelled=s.is_cancelled,
        capacity=s.capacity, seats_taken=s.seats_taken, registered=by_session[s.id]["registered"],
        checked_in=by_session[s.id]["checked_in"], joined_online=by_session[s.id]["joined_online"],
        took_part=by_session[s.id]["took_part"]) for s in event.sessions]
    counts = {status.value: 0 for status in RegistrationStatus}
    counts.update({status.value: n for status, n in db.session.execute(
        sa.select(Registration.status, sa.func.count()).where(Registration.event_id == event.id)
        .group_by(Registration.status)).all()})
    return EventDashboard(
        registrations_by_day=registrations_by_day(event),
        by_sector=_confirmed_counts(event, Registration.sector, list(Sector)),
        by_attendance=_confirmed_counts(event, Registration.attendance, list(Attendance)),
        traffic_by_day=traffic_by_day(event),
        sessions=sessions,
        counts=counts,
        registered=report["registered"],
        took_part=report["took_part"],
        page_views=event.view_count,
        downloads=sum(a.download_count for a in event.attachments),
    )


# ---- across events: the organizer's home ----------------------------------------------------

@dataclass
class EventSummary:
    event: Event
    role: Optional[str]    # the person's TeamRole on the event; None for an admin who is not on the team
    permissions: frozenset  # what the person may do on it (teams.models.Permission)
    registered: int        # confirmed
    waitlisted: int
    took_part: int         # checked in or joined online, a person once

    @property
    def seats_left(self):
        return self.event.seats_left

    @property
    def may_view(self):
        return Permission.view in self.permissions

    @property
    def may_check_in(self):
        return Permission.door in self.permissions


@dataclass
class Overview:
    upcoming: list
    past: list


def overview(user, now):
    """The events `user` works on (every one for an admin), upcoming first (soonest first), then past ones
    (latest first), each with its numbers and the person's role: five queries whatever the number of events."""
    events = db.session.scalars(sa.select(Event).where(visible_events_condition(user))).all()
    ids = [event.id for event in events]
    roles = dict(db.session.execute(
        sa.select(EventMember.event_id, EventMember.role).where(EventMember.user_id == user.id)).all())
    per_status = {}
    took_part = {}
    if ids:
        for event_id, status, n in db.session.execute(
                sa.select(Registration.event_id, Registration.status, sa.func.count())
                .where(Registration.event_id.in_(ids)).group_by(Registration.event_id, Registration.status)):
            per_status[event_id, status] = n
        took = sa.union(
            sa.select(Checkin.event_id.label("event_id"), Checkin.registration_id.label("registration_id"))
            .where(Checkin.event_id.in_(ids), active_condition()),
            sa.select(OnlineAttendance.event_id, OnlineAttendance.registration_id)
            .where(OnlineAttendance.event_id.in_(ids)),
        ).subquery()
        took_part = dict(db.session.execute(
            sa.select(took.c.event_id, sa.func.count()).group_by(took.c.event_id)).all())
    summaries = [EventSummary(
        event=event, role=roles[event.id].value if event.id in roles else None,
        permissions=frozenset(Permission) if user.role == Role.admin else ROLE_PERMISSIONS.get(roles.get(event.id), frozenset()),
        registered=per_status.get((event.id, RegistrationStatus.confirmed), 0),
        waitlisted=per_status.get((event.id, RegistrationStatus.waitlisted), 0),
        took_part=took_part.get(event.id, 0)) for event in events]
    # An event without sessions yet has no end: it is still to come.
    upcoming = [s for s in summaries if s.event.ends_at is None or s.event.ends_at >= now]
    past = [s for s in summaries if s.event.ends_at is not None and s.event.ends_at < now]
    far = now + timedelta(days=365 * 200)
    upcoming.sort(key=lambda s: (s.event.starts_at or far, s.event.id))
    past.sort(key=lambda s: (s.event.ends_at, s.event.id), reverse=True)
    return Overview(upcoming, past)
