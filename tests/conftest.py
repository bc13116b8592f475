"""Fixtures: app (on SQLite, and on PostgreSQL when EVENTSVC_TEST_DATABASE_URL is set), client, factories."""
import os
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient

from eventsvc import create_app
from eventsvc.accounts.models import Role
from eventsvc.accounts.services import create_user, issue_api_token
from eventsvc.events import services as event_services
from eventsvc.extensions import db as _db
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services

PG_URL = os.environ.get("EVENTSVC_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("EVENTSVC_TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "correct horse battery"


def pytest_sessionstart(session):
    if IN_CI and not (PG_URL and REDIS_URL):
        raise pytest.UsageError(
            "CI must set EVENTSVC_TEST_DATABASE_URL and EVENTSVC_TEST_REDIS_URL: those tests are required there."
        )


def database_url(backend, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    if not PG_URL:
        pytest.skip("PostgreSQL tests need EVENTSVC_TEST_DATABASE_URL (CI sets it)")
    return PG_URL


def reset_postgres(url):
    """An empty public schema in the test database."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    """The app on a fresh database; `@pytest.mark.app_config(KEY=value)` overrides settings."""
    url = database_url(backend, tmp_path)
    if backend == "postgresql":
        reset_postgres(url)
    marker = request.node.get_closest_marker("app_config")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": "http://testserver",
        "SERVER_NAME": None,
        "VIEW_COUNT_FLUSH_SECONDS": 0,
        **(marker.kwargs if marker else {}),
    })
    with app.app_context():
        _db.create_all()
        yield app
        event_services.page_views.write()  # views still in memory go to this test's database, never the next one's
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, as in production.

    The fixture keeps an app context pushed for the test body; without this,
    Flask would reuse it for requests, and views would share the test's
    database session (its identity map and, on SQLite, its read snapshot).
    """

    def open(self, *args, **kwargs):
        # A streamed response (an export) is read to its end here, inside the
        # request's own context, as a server would; its generator must not
        # resume later under the test's context.
        kwargs.setdefault("buffered", True)
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def reload(db, obj):
    """`obj` as committed now: ends the test's own read transaction (a snapshot on SQLite) first."""
    db.session.rollback()
    db.session.refresh(obj)
    return obj


# ---- factories ----------------------------------------------------------------

@pytest.fixture
def make_user(db):
    def make(role=Role.organizer, email=None):
        user = create_user(email or f"{role}-{uuid.uuid4().hex[:8]}@example.org", PASSWORD, role)
        db.session.commit()
        return user

    return make


@pytest.fixture
def organizer(make_user):
    return make_user(Role.organizer, "organizer@example.org")


@pytest.fixture
def door_staff():
    """The check-in accounts put on the team of every event the test makes (see the `staff` fixture)."""
    return []


def add_member(db, event, user, role):
    """Put `user` on the event's team in `role` (a TeamRole or its name), committed."""
    from eventsvc.teams.models import EventMember, TeamRole

    db.session.add(EventMember(event_id=event.id, user_id=user.id, role=TeamRole(role)))
    db.session.commit()


@pytest.fixture
def make_event(db, organizer, door_staff):
    """make_event(capacity=2, sessions=2, status='published', ...) -> a committed Event."""
    counter = iter(range(1, 10_000))

    def make(owner=None, sessions=2, session_capacity=None, starts_in=timedelta(days=30), **fields):
        start = utcnow().replace(microsecond=0) + starts_in
        data = {
            "slug": f"event-{next(counter)}-{uuid.uuid4().hex[:6]}",
            "title_th": "ประชาพิจารณ์ (ร่าง) แผนพัฒนารัฐบาลดิจิทัล",
            "title_en": "Hearing on the draft digital government plan",
            "kind": "public_hearing",
            "format": "hybrid",
            "status": "published",
            "waitlist": True,
        }
        data.update(fields)
        session_specs = [
            {"name_th": "ช่วงเช้า", "name_en": "Morning", "starts_at": start, "ends_at": start + timedelta(hours=2, minutes=30),
             "capacity": session_capacity},
            {"name_th": "ช่วงบ่าย", "name_en": "Afternoon", "starts_at": start + timedelta(hours=3, minutes=30),
             "ends_at": start + timedelta(hours=6, minutes=30), "capacity": session_capacity},
        ][:sessions]
        event = event_services.create_event(owner or organizer, data, session_specs)
        db.session.commit()
        for user in door_staff:
            add_member(db, event, user, "checkin")
        return event

    return make


def person(n=1, **overrides):
    data = {
        "title_prefix": "นาย",
        "first_name": f"สมชาย{n}",
        "last_name": "ใจดี",
        "email": f"somchai{n}@example.org",
        "organization": "กรมการปกครอง",
        "position": "นักวิเคราะห์นโยบายและแผน",
        "sector": "government",
        "attendance": "onsite",
        "phone": "0812345678",
        "consent_processing": True,
        "consent_listing": False,
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_registration(db):
    def make(event, n=1, **overrides):
        result = registration_services.register(event, person(n, **overrides))
        db.session.commit()
        return result.registration

    return make


def invitee(n=1, **overrides):
    data = {"email": f"invitee{n}@example.org", "name": f"นางสาวสมหญิง{n} รักไทย", "organization": "สำนักงานจังหวัดเชียงใหม่",
            "position": "นักวิชาการคอมพิวเตอร์", "language": "th"}
    data.update(overrides)
    return data


@pytest.fixture
def make_invitation(db, organizer):
    """make_invitation(event, n=1, send=True, **fields) -> (Invitation, token), committed."""
    from eventsvc.invitations import services as invitation_services
    from eventsvc.invitations.models import Invitation

    def make(event, n=1, send=True, expires_at=None, **overrides):
        result = invitation_services.invite(event, [invitee(n, **overrides)], actor=organizer, send=send,
                                            expires_at=expires_at)
        assert not result.rejected, result.rejected
        db.session.commit()
        [invited] = result.invited
        return db.session.get(Invitation, invited.id), invited.token

    return make


@pytest.fixture
def api_token(db, organizer):
    token = issue_api_token(organizer)
    db.session.commit()
    return token


@pytest.fixture
def queries(db):
    """with queries() as statements: ... -> the SQL statements the app's engine ran meanwhile (requests included)."""
    from contextlib import contextmanager

    @contextmanager
    def record():
        statements = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return record


class Clock:
    """The app's time, set by the test: clock.set(datetime), clock.move(timedelta)."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def set(self, now):
        self.now = now

    def move(self, delta):
        self.now += delta


@pytest.fixture
def clock(app):
    """The time the app sees (eventsvc/clock.py reads the CLOCK setting); starts at the real now."""
    controlled = Clock(utcnow())
    app.config["CLOCK"] = controlled
    return controlled


@pytest.fixture
def staff(db, make_user, door_staff):
    """A check-in account on the door team of every event of the test, made before it or after."""
    from eventsvc.events.models import Event

    user = make_user(Role.checkin, "door-staff@example.org")
    for event in db.session.scalars(sa.select(Event)).all():
        add_member(db, event, user, "checkin")
    door_staff.append(user)
    return user


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd): `.url` for SMTP_URL, `.messages` as received, `.stop()`/`.start()`."""
    from mailserver import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


# ---- HTML helpers ---------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def field_errors(html, field_id):
    """The error messages shown with the form field whose input has this id (in its `.field` block)."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    inputs = tree.xpath(f'//*[@id="{field_id}"]')
    assert inputs, f"no field {field_id!r} in the page"
    block = inputs[0].xpath('ancestor::*[contains(concat(" ", normalize-space(@class), " "), " field ")][1]')
    assert block, f"field {field_id!r} is not inside a .field block"
    return [" ".join(p.text_content().split()) for p in block[0].xpath('.//*[contains(@class, "error")]')]


@pytest.fixture
def login_as(client, make_user):
    """login_as('organizer') signs a new user of that role in through the login form."""

    def login(role=Role.organizer, user=None):
        user = user or make_user(Role(role))
        page = client.get("/organizer/login")
        response = client.post("/organizer/login", data={
            "email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True)),
        })
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failed run: every test there must run (the README says what may skip elsewhere)."""
    if IN_CI and _skipped and session.exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"CI: {len(_skipped)} test(s) skipped, which CI does not allow: {_skipped[:10]}",
                                red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's chromium; outside CI they skip without it, in CI they must run."""
    import shutil

    if shutil.which("chromium") or os.path.exists("/usr/bin/chromium"):
        return
    if IN_CI:
        raise pytest.UsageError("CI must have /usr/bin/chromium (.ci/run installs it).")
    skip = pytest.mark.skip(reason="needs Debian's chromium: apt-get install -y chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
