"""Organizer accounts: login, logout, the next URL, rate limits, password hashing, API tokens, CLI, the admins' page."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import PASSWORD, csrf_from, reload
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
    # Not signed in: the form comes back to be submitted again (tests/test_resubmit.py).
    assert response.status_code == 422 and 'id="resubmit"' in response.get_data(as_text=True)


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
    from eventsvc.registration.models import Registration

    assert runner.invoke(args=["demo"]).exit_code == 0
    first = db.session.scalars(sa.select(Event.slug).order_by(Event.slug)).all()
    assert runner.invoke(args=["demo"]).exit_code == 0
    db.session.rollback()
    assert db.session.scalars(sa.select(Event.slug).order_by(Event.slug)).all() == first
    assert len(first) == 4
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
    # The hearing that already took place was loaded once: its registrants are not made again.
    past = db.session.scalar(sa.select(Event).where(Event.slug == "open-government-data-standard-hearing"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == past.id)) == 30


# ---- API tokens: revoked, expired, last use ----------------------------------------

def call_api(client, token):
    """An organizer call that needs a working token: 404 (no such event) when it works, 401 when not."""
    return client.get("/api/v1/events/nothing/registrations", headers={"Authorization": f"Bearer {token}"})


def test_a_revoked_api_token_gets_401(client, runner, db, organizer, api_token):
    assert call_api(client, api_token).status_code == 404
    result = runner.invoke(args=["user", "revoke-tokens", "organizer@example.org"])
    assert result.exit_code == 0, result.output
    assert "1 API token(s)" in result.output
    response = call_api(client, api_token)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    assert user_for_token(api_token) is None


def test_an_api_token_expires(client, runner, clock, db, organizer):
    result = runner.invoke(args=["user", "token", "organizer@example.org", "--expires-days", "2"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.expires_at - stored.created_at == timedelta(days=2)
    clock.move(timedelta(days=1, hours=23))
    assert call_api(client, token).status_code == 404
    clock.move(timedelta(hours=2))
    assert call_api(client, token).status_code == 401


def test_a_token_lasts_365_days_by_default(runner, db, organizer):
    runner.invoke(args=["user", "token", "organizer@example.org"])
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.expires_at - stored.created_at == timedelta(days=365)
    assert runner.invoke(args=["user", "token", "organizer@example.org", "--expires-days", "0"]).exit_code != 0


def test_a_tokens_last_use_is_written_at_most_once_a_minute(client, clock, db, organizer, api_token):
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is None
    call_api(client, api_token)
    first = reload_token(db)
    assert first is not None and abs(first - clock.now) < timedelta(seconds=1)
    clock.move(timedelta(seconds=30))
    call_api(client, api_token)
    assert reload_token(db) == first
    clock.move(timedelta(seconds=31))
    call_api(client, api_token)
    assert reload_token(db) > first


def reload_token(db):
    db.session.rollback()
    return db.session.scalar(sa.select(ApiToken.last_used_at))


# ---- the user commands ------------------------------------------------------------------

def test_cli_lists_the_accounts(runner, db, organizer, make_user, api_token):
    make_user(Role.checkin, "door@example.org")
    result = runner.invoke(args=["user", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["EMAIL", "ROLE", "ACTIVE", "LAST", "SIGN-IN", "TOKENS"]
    assert lines[1].split() == ["door@example.org", "checkin", "yes", "-", "0"]
    assert lines[2].split() == ["organizer@example.org", "organizer", "yes", "-", "1"]


def test_cli_sets_a_password_asking_it_twice(runner, db, organizer):
    result = runner.invoke(args=["user", "password", "Organizer@example.org"],
                           input="a new long password\na new long password\n")
    assert result.exit_code == 0, result.output
    assert authenticate("organizer@example.org", "a new long password") is not None
    assert authenticate("organizer@example.org", PASSWORD) is None


def test_cli_password_refuses_a_mismatch_or_a_short_one(runner, db, organizer):
    result = runner.invoke(args=["user", "password", "organizer@example.org"], input="a new long password\nother\n"
                                                                                     "short\nshort\n")
    assert result.exit_code != 0
    assert authenticate("organizer@example.org", PASSWORD) is not None


@pytest.mark.parametrize("command", [["password"], ["deactivate"], ["activate"], ["revoke-tokens"], ["token"]])
def test_cli_commands_refuse_an_unknown_email(runner, db, command):
    result = runner.invoke(args=["user", *command, "nobody@example.org"], input="a long password\na long password\n")
    assert result.exit_code != 0
    assert "No account for nobody@example.org" in result.output


def test_cli_deactivates_and_activates(runner, db, organizer):
    assert runner.invoke(args=["user", "deactivate", "organizer@example.org"]).exit_code == 0
    assert authenticate("organizer@example.org", PASSWORD) is None
    assert "no" in runner.invoke(args=["user", "list"]).output.splitlines()[1].split()
    assert runner.invoke(args=["user", "activate", "organizer@example.org"]).exit_code == 0
    assert authenticate("organizer@example.org", PASSWORD) is not None


# ---- the admins' page -------------------------------------------------------------------

def admin_post(client, url, **data):
    page = client.get("/organizer/users")
    return client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **data})


@pytest.mark.parametrize("role", [Role.organizer, Role.checkin])
def test_only_admins_see_the_accounts_page(client, login_as, organizer, role):
    login_as(role)
    assert client.get("/organizer/users").status_code == 403
    assert client.get("/organizer/users/new").status_code == 403
    assert client.get(f"/organizer/users/{organizer.id}/password").status_code == 403
    assert client.post(f"/organizer/users/{organizer.id}/deactivate").status_code in (400, 403)
    assert 'id="nav-users"' not in client.get("/organizer/").get_data(as_text=True)


def test_an_admin_deactivates_activates_and_revokes_tokens(client, db, login_as, organizer, api_token):
    login_as(Role.admin)
    page = client.get("/organizer/users").get_data(as_text=True)
    assert "organizer@example.org" in page and f'id="user-{organizer.id}" data-active="yes"' in page
    assert 'id="nav-users"' in client.get("/organizer/").get_data(as_text=True)

    response = admin_post(client, f"/organizer/users/{organizer.id}/deactivate")
    assert response.status_code == 302
    assert f'id="user-{organizer.id}" data-active="no"' in client.get("/organizer/users").get_data(as_text=True)
    db.session.rollback()
    assert user_for_token(api_token) is None

    admin_post(client, f"/organizer/users/{organizer.id}/activate")
    db.session.rollback()
    assert user_for_token(api_token).id == organizer.id

    admin_post(client, f"/organizer/users/{organizer.id}/revoke-tokens")
    db.session.rollback()
    assert user_for_token(api_token) is None


def test_an_action_without_csrf_is_refused(client, db, login_as, organizer):
    login_as(Role.admin)
    assert client.post(f"/organizer/users/{organizer.id}/deactivate").status_code == 303  # back, "try again"
    assert reload(db, organizer).active


def test_an_admin_cannot_deactivate_themself(client, db, login_as):
    admin = login_as(Role.admin)
    response = admin_post(client, f"/organizer/users/{admin.id}/deactivate")
    assert response.status_code == 302
    page = client.get("/organizer/users").get_data(as_text=True)
    assert "flash error" in page
    assert reload(db, admin).active
    assert client.get("/organizer/").status_code == 200


def test_an_admin_sets_a_password(client, db, login_as, organizer):
    login_as(Role.admin)
    url = f"/organizer/users/{organizer.id}/password"
    page = client.get(url)
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert response.status_code == 422
    response = client.post(url, data={"csrf_token": token, "password": "a new long password",
                                      "confirm": "a new long password!"})
    assert response.status_code == 422
    response = client.post(url, data={"csrf_token": token, "password": "a new long password",
                                      "confirm": "a new long password"})
    assert response.status_code == 302
    reload(db, organizer)
    assert authenticate("organizer@example.org", "a new long password").id == organizer.id


def test_an_admin_creates_an_account(client, db, login_as, organizer):
    login_as(Role.admin)
    page = client.get("/organizer/users/new")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    data = {"csrf_token": token, "email": "New.Person@Example.org", "name": "สมศรี มีสุข", "role": "checkin",
            "password": "a new long password", "confirm": "a new long password"}
    taken = client.post("/organizer/users/new", data={**data, "email": "organizer@example.org"})
    assert taken.status_code == 422 and "has-error" in taken.get_data(as_text=True)
    assert client.post("/organizer/users/new", data={**data, "role": "emperor"}).status_code == 422
    assert client.post("/organizer/users/new", data=data).status_code == 302
    db.session.rollback()
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert user.role == Role.checkin and user.name == "สมศรี มีสุข"
    assert authenticate("new.person@example.org", "a new long password").id == user.id


def test_migration_gives_existing_tokens_365_days_and_keeps_them_working(backend, tmp_path):
    from flask_migrate import upgrade

    from conftest import database_url, reset_postgres
    from eventsvc import create_app
    from eventsvc.extensions import db as database
    from eventsvc.models_base import utcnow

    url = database_url(backend, tmp_path)
    if backend == "postgresql":
        reset_postgres(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade(revision="0004_online_attendance")
        now = "2026-11-01 00:00:00+00:00"
        with database.engine.begin() as c:
            c.exec_driver_sql("INSERT INTO users (id, email, name, password_hash, role, active, created_at) "
                              f"VALUES (1, 'o@example.org', '', 'x', 'organizer', true, '{now}')")
            c.exec_driver_sql("INSERT INTO api_tokens (id, user_id, token_hash, created_at) "
                              f"VALUES (1, 1, '{ApiToken.hash('evs_old')}', '{now}')")
        upgrade()
        stored = database.session.get(ApiToken, 1)
        assert timedelta(days=364) < stored.expires_at - utcnow() <= timedelta(days=365)
        assert stored.last_used_at is None
        assert user_for_token("evs_old").email == "o@example.org"
        database.session.remove()
        database.engine.dispose()
