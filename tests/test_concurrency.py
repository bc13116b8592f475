"""Capacity and one-registration-per-person under real concurrency: gunicorn with 4 workers, SQLite and PostgreSQL."""
import threading
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa

from conftest import PG_URL
from servers import eventsvc_server, scratch_postgres_database

pytestmark = pytest.mark.server

WORKERS = 4
CAPACITY = 30
REQUEST_TIMEOUT = 90  # seconds; generous, so that a slow queue shows up as a wrong status, not a hang


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    """(base_url, organizer token, database URL) of a gunicorn on a database of its own."""
    folder = tmp_path_factory.mktemp(f"server-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'eventsvc.sqlite3'}"
        with eventsvc_server(url, folder, workers=WORKERS) as (base_url, token):
            yield base_url, token, url
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need EVENTSVC_TEST_DATABASE_URL (CI sets it)")
    # A database of our own: other test runs reset the shared one's schema at any time.
    with scratch_postgres_database(PG_URL) as url:
        with eventsvc_server(url, folder, workers=WORKERS) as (base_url, token):
            yield base_url, token, url


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def create_event(base_url, token, starts_in=timedelta(days=30), **fields):
    start = datetime.now(timezone.utc).replace(microsecond=0) + starts_in
    body = {
        "slug": f"load-{uuid.uuid4().hex[:10]}",
        "title_th": "ประชาพิจารณ์ (ร่าง) แผนทดสอบภาระ",
        "title_en": "Load-test hearing",
        "kind": "public_hearing",
        "format": "hybrid",
        "registration_mode": "open",
        "capacity": CAPACITY,
        "waitlist": True,
        "status": "published",
        "sessions": [
            {"name_th": "ช่วงเช้า", "starts_at": start.isoformat(),
             "ends_at": (start + timedelta(hours=3)).isoformat()},
            {"name_th": "ช่วงบ่าย", "starts_at": (start + timedelta(hours=4)).isoformat(),
             "ends_at": (start + timedelta(hours=7)).isoformat()},
        ],
        **fields,
    }
    response = requests.post(f"{base_url}/api/v1/events", json=body, headers=auth(token), timeout=REQUEST_TIMEOUT)
    assert response.status_code == 201, response.text
    return response.json()


def person(n, **overrides):
    return {
        "first_name": f"ผู้ทดสอบ{n}", "last_name": "พร้อมกัน", "email": f"load{n}@example.org",
        "organization": "สำนักงานทดสอบ", "sector": "public", "attendance": "onsite",
        "consent_processing": True, "consent_listing": False, **overrides,
    }


def fire_together(url, bodies, headers=None):
    """POST every body at once (one thread each, released by a barrier); returns [(status, json or text)] in order."""
    barrier = threading.Barrier(len(bodies))
    results = [None] * len(bodies)

    def post(index, body):
        barrier.wait(timeout=30)
        try:
            response = requests.post(url, json=body, headers=headers, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            results[index] = (None, repr(error))
            return
        try:
            results[index] = (response.status_code, response.json())
        except ValueError:
            results[index] = (response.status_code, response.text[:500])

    threads = [threading.Thread(target=post, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT + 60)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def assert_no_server_errors(results):
    broken = [(status, body) for status, body in results if status is None or status >= 500]
    assert not broken, f"{len(broken)} of {len(results)} requests failed on the server side, e.g. {broken[:3]}"


def database_counts(url, slug):
    """What the database itself holds: seat counters of the event and its sessions, registrations by status."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            event_id, seats = connection.execute(
                sa.text("SELECT id, seats_taken FROM events WHERE slug = :slug"), {"slug": slug}
            ).one()
            session_seats = connection.execute(
                sa.text("SELECT seats_taken FROM event_sessions WHERE event_id = :id ORDER BY id"), {"id": event_id}
            ).scalars().all()
            statuses = dict(connection.execute(
                sa.text("SELECT status, count(*) FROM registrations WHERE event_id = :id GROUP BY status"), {"id": event_id}
            ).all())
            emails = connection.execute(
                sa.text("SELECT email_normalized FROM registrations WHERE event_id = :id"), {"id": event_id}
            ).scalars().all()
    finally:
        engine.dispose()
    return seats, session_seats, statuses, emails


def test_capacity_is_never_oversold_under_100_simultaneous_registrations(server):
    base_url, token, database_url = server
    event = create_event(base_url, token)
    slug = event["slug"]
    total = 100

    results = fire_together(f"{base_url}/api/v1/events/{slug}/registrations", [person(n) for n in range(total)])

    assert_no_server_errors(results)
    assert Counter(status for status, _body in results) == {201: total}, results
    answered = Counter(body["status"] for _status, body in results)
    assert answered == {"confirmed": CAPACITY, "waitlisted": total - CAPACITY}

    listed = requests.get(f"{base_url}/api/v1/events/{slug}/registrations?page_size=1000", headers=auth(token),
                          timeout=REQUEST_TIMEOUT)
    assert listed.status_code == 200, listed.text
    rows = listed.json()
    assert len(rows) == total
    assert len({row["email"] for row in rows}) == total
    assert Counter(row["status"] for row in rows) == {"confirmed": CAPACITY, "waitlisted": total - CAPACITY}

    public = requests.get(f"{base_url}/api/v1/events/{slug}", timeout=REQUEST_TIMEOUT).json()
    assert public["seats_left"] == 0
    seats, session_seats, statuses, _emails = database_counts(database_url, slug)
    assert seats == CAPACITY
    # Every confirmed person holds a seat in both sessions; waitlisted people hold none.
    assert session_seats == [CAPACITY, CAPACITY]
    assert statuses == {"confirmed": CAPACITY, "waitlisted": total - CAPACITY}


def test_the_same_person_twenty_times_at_once_gets_one_registration(server):
    base_url, token, database_url = server
    event = create_event(base_url, token)
    slug = event["slug"]
    spellings = ["same.person@example.org", "Same.Person@Example.org", "  same.person@example.org  ",
                 "SAME.PERSON@EXAMPLE.ORG", " Same.Person@EXAMPLE.org"]
    bodies = [person(0, email=spellings[n % len(spellings)]) for n in range(20)]

    results = fire_together(f"{base_url}/api/v1/events/{slug}/registrations", bodies)

    assert_no_server_errors(results)
    assert Counter(status for status, _body in results) == {201: 1, 200: 19}, results
    created = [body for status, body in results if status == 201]
    assert created[0]["created"] is True and created[0]["manage_url"]
    # The repeats carry no personal link: they did not prove to be the same submission.
    assert all(body["created"] is False and body["manage_url"] is None for status, body in results if status == 200)
    seats, session_seats, statuses, emails = database_counts(database_url, slug)
    assert emails == ["same.person@example.org"]
    assert statuses == {"confirmed": 1}
    assert seats == 1 and session_seats == [1, 1]


def test_one_invitation_link_used_ten_times_at_once_registers_once(server):
    base_url, token, database_url = server
    event = create_event(base_url, token, registration_mode="invite_only")
    slug = event["slug"]
    invited = requests.post(f"{base_url}/api/v1/events/{slug}/invitations", headers=auth(token),
                            json={"invitees": [{"email": "invited@example.org", "name": "นางสาวเชิญ มาแน่"}]},
                            timeout=REQUEST_TIMEOUT)
    assert invited.status_code == 201, invited.text
    link = invited.json()["results"][0]["invite_url"].split("invite=", 1)[1]
    body = {k: v for k, v in person(0).items() if k != "email"}

    results = fire_together(f"{base_url}/api/v1/events/{slug}/registrations", [{**body, "invite": link}] * 10)

    assert_no_server_errors(results)
    assert Counter(status for status, _body in results) == {201: 1, 403: 9}, results
    assert {body["error"]["code"] for status, body in results if status == 403} == {"invitation_invalid"}
    seats, _session_seats, statuses, emails = database_counts(database_url, slug)
    assert emails == ["invited@example.org"] and statuses == {"confirmed": 1} and seats == 1



def checkin_rows(url, ticket_session):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM checkins WHERE session_id = :s"),
                                      {"s": ticket_session}).scalar()
    finally:
        engine.dispose()


def ticket_code_of_new_registration(base_url, event, n):
    """Register person `n` through the API; the code their QR carries."""
    registered = requests.post(f"{base_url}/api/v1/events/{event['slug']}/registrations", json=person(n),
                               timeout=REQUEST_TIMEOUT).json()
    return registered["ticket_url"].rsplit("/", 1)[1]


def test_twenty_simultaneous_scans_of_one_ticket_make_one_check_in(server):
    base_url, token, database_url = server
    event = create_event(base_url, token, starts_in=timedelta(minutes=30))  # check-in is open
    code = ticket_code_of_new_registration(base_url, event, 1)
    session_id = event["sessions"][0]["id"]

    results = fire_together(f"{base_url}/api/v1/checkins",
                            [{"code": code, "session_id": session_id, "nonce": f"scanner-{n}"} for n in range(20)],
                            headers=auth(token))

    assert_no_server_errors(results)
    assert Counter(body["result"] for _status, body in results) == {"checked_in": 1, "already_checked_in": 19}, results
    assert len({body["checked_in_at"] for _status, body in results}) == 1  # all name the one check-in
    assert checkin_rows(database_url, session_id) == 1


def test_one_nonce_sent_ten_times_at_once_is_one_check_in(server):
    base_url, token, database_url = server
    event = create_event(base_url, token, starts_in=timedelta(minutes=30))  # check-in is open
    code = ticket_code_of_new_registration(base_url, event, 2)
    session_id = event["sessions"][0]["id"]

    results = fire_together(f"{base_url}/api/v1/checkins",
                            [{"code": code, "session_id": session_id, "nonce": "one-scan"}] * 10, headers=auth(token))

    assert_no_server_errors(results)
    # A retried request is the same check-in: every answer says "checked_in", one row.
    assert Counter(body["result"] for _status, body in results) == {"checked_in": 10}, results
    assert checkin_rows(database_url, session_id) == 1
