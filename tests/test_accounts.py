"""Organizer accounts: login, logout, the next URL, rate limits, password hashing, CLI."""
import pytest
import sqlalchemy as sa

from conftest import PASSWORD, csrf_from
from eventsvc.accounts.models import ApiToken, Role, User
from eventsvc.accounts.services import authenticate, user_for_token


def login(client, email, password, next_url=None):
    page = client.get("/organizer/login" + (f"?next={next_url}" if next_url else ""))
    html = page.get_data(as_text=True)
    data = {"email": email, "password": password, "csrf_token": csrf_from(html)}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/organizer/login", data=data)


def test_login_and_logout(client, organizer):
    response = login(client, "organizer@example.org", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/organizer/")
    assert client.get("/organizer/").status_code == 200
    token = csrf_from(client.get("/organizer/").get_data(as_text=True))
    client.post("/organizer/logout", data={"csrf_token": token})
    assert client.get("/organizer/").status_code == 302


def test_wrong_password_is_refused(client, organizer):
    response = login(client, "organizer@example.org", "wrong password!")
    assert response.status_code == 401
    assert client.get("/organizer/").status_code == 302


def test_login_without_csrf_is_refused(client, organizer):
    response = client.post("/organizer/login", data={"email": "organizer@example.org", "password": PASSWORD})
    assert response.status_code == 400


@pytest.mark.parametrize("next_url,expected", [
    ("/organizer/events/new", "/organizer/events/new"),
    ("https://evil.example/steal", "/organizer/"),
    ("//evil.example/steal", "/organizer/"),
    ("/\\evil.example", "/organizer/"),
    ("javascript:alert(1)", "/organizer/"),
])
def test_login_refuses_an_absolute_next_url(client, organizer, next_url, expected):
    response = login(client, "organizer@example.org", PASSWORD, next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_passwords_are_stored_with_a_strong_hash(db, organizer):
    assert organizer.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert PASSWORD not in organizer.password_hash
    assert authenticate("ORGANIZER@example.org ", PASSWORD).id == organizer.id
    assert authenticate("nobody@example.org", PASSWORD) is None


def test_inactive_accounts_cannot_sign_in(client, db, organizer):
    organizer.active = False
    db.session.commit()
    assert login(client, "organizer@example.org", PASSWORD).status_code == 401


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
def test_failed_logins_are_rate_limited(client, organizer):
    codes = [login(client, "organizer@example.org", "wrong password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert login(client, "organizer@example.org", PASSWORD).status_code == 429


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
def test_successful_logins_do_not_count_against_the_limit(client, organizer):
    for _ in range(5):
        assert login(client, "organizer@example.org", PASSWORD).status_code == 302
        client.post("/organizer/logout", data={"csrf_token": csrf_from(client.get("/organizer/").get_data(as_text=True))})


def test_cli_creates_a_user_asking_the_password_twice(runner, db):
    result = runner.invoke(args=["user", "create", "Staff@Example.org", "--role", "checkin"],
                           input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "staff@example.org"))
    assert user.role == Role.checkin


def test_cli_refuses_mismatched_or_short_passwords(runner, db):
    result = runner.invoke(args=["user", "create", "x@example.org"], input="a long password\nanother one!!\na\na\n")
    assert result.exit_code != 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_cli_token_prints_a_token_as_its_last_line_and_stores_only_its_hash(runner, db, organizer):
    result = runner.invoke(args=["user", "token", "organizer@example.org"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert user_for_token(token).id == organizer.id
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1
    assert runner.invoke(args=["user", "token", "nobody@example.org"]).exit_code != 0


def test_demo_loads_idempotently(runner, db, client):
    from eventsvc.events.models import Event

    assert runner.invoke(args=["demo"]).exit_code == 0
    first = db.session.scalars(sa.select(Event.slug).order_by(Event.slug)).all()
    assert runner.invoke(args=["demo"]).exit_code == 0
    db.session.rollback()
    assert db.session.scalars(sa.select(Event.slug).order_by(Event.slug)).all() == first
    assert len(first) == 3
    workshop = db.session.scalar(sa.select(Event).where(Event.slug == "provincial-egov-assessment-workshop"))
    assert workshop.registration_mode == "invite_only" and workshop.venue_room == "ห้องวิภาวดี" and workshop.venue_floor == "18"
    focus = db.session.scalar(sa.select(Event).where(Event.slug == "digital-government-plan-focus-groups"))
    assert len(focus.sessions) == 6
    # Two invitees accepted: the published list shows the one who agreed to be listed, and counts both.
    listed = client.get("/events/provincial-egov-assessment-workshop/attendees").get_data(as_text=True)
    assert "ปราณี" in listed and "วิชัย" not in listed and 'data-shown="1" data-registered="2"' in listed
    hearing = db.session.scalar(sa.select(Event).where(Event.slug == "digital-government-plan-2566-2570-hearing"))
    assert [s.name_th for s in hearing.sessions] == ["ช่วงเช้า", "ช่วงบ่าย"]
    assert all(s.public_stream_url.startswith("https://") for s in hearing.sessions)
