"""Sign-ins the server can end: logout, a password change and a deactivation end every cookie of the user."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import PASSWORD, IsolatedClient, csrf_from
from eventsvc.accounts.models import LoginSession, Role
from eventsvc.accounts.services import issue_api_token, set_password
from eventsvc.models_base import utcnow

NEW_PASSWORD = "a brand new passphrase"


def sign_in(client, email, password=PASSWORD, remember=True):
    page = client.get("/organizer/login")
    data = {"email": email, "password": password, "csrf_token": csrf_from(page.get_data(as_text=True))}
    if remember:
        data["remember"] = "y"
    response = client.post("/organizer/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def other_browser(app, client, *names, user_agent="Mozilla/5.0 (X11; Linux x86_64) Other/1.0"):
    """A second client holding copies of `client`'s cookies (e.g. stolen, or the same person's other browser)."""
    app.test_client_class = IsolatedClient
    other = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        other.set_cookie(name, cookie.value)
    other.environ_base["HTTP_USER_AGENT"] = user_agent
    return other


def signed_in(client):
    response = client.get("/organizer/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/organizer/login" in response.headers["Location"]
    return False


def post_button(client, url, page="/organizer/"):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


@pytest.mark.parametrize("cookies", [("session",), ("remember_token",), ("session", "remember_token")])
def test_logout_ends_the_copied_session_and_remember_cookies(app, client, organizer, cookies):
    sign_in(client, organizer.email)
    copy = other_browser(app, client, *cookies)
    assert signed_in(copy)

    post_button(client, "/organizer/logout")

    assert not signed_in(client)
    assert not signed_in(copy)


def test_logout_ends_every_sign_in_of_that_person(app, client, organizer):
    sign_in(client, organizer.email)
    app.test_client_class = IsolatedClient
    laptop = app.test_client()
    sign_in(laptop, organizer.email)
    post_button(client, "/organizer/logout")
    assert not signed_in(laptop)


def test_a_cookie_with_a_bare_user_id_is_refused(app, client, organizer):
    """The cookies made before sign-ins were rows carried the user id; they (and forged ones) open nothing."""
    with client.session_transaction() as session:
        session["_user_id"] = str(organizer.id)
        session["_fresh"] = True
    assert not signed_in(client)


def test_remember_cookies_are_made_per_sign_in_lax_httponly_and_last_30_days(app, client, organizer, db):
    response = sign_in(client, organizer.email)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in header and "HttpOnly" in header
    first = client.get_cookie("remember_token")
    lifetime = first.expires - utcnow() if first.expires else None
    assert lifetime is not None and timedelta(days=29, hours=23) < lifetime <= timedelta(days=30, minutes=1)

    app.test_client_class = IsolatedClient
    again = app.test_client()
    sign_in(again, organizer.email)
    assert again.get_cookie("remember_token").value != first.value
    rows = db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == organizer.id)).all()
    assert len(rows) == 2 and all(row.remember for row in rows)
    # Only hashes at rest: the cookie's token is not in the table.
    assert not any(row.token_hash in first.value for row in rows)


@pytest.mark.app_config(REMEMBER_DAYS=2.0)
def test_a_remembered_sign_in_ends_on_the_server_when_it_expires(app, client, clock, organizer):
    sign_in(client, organizer.email)
    copy = other_browser(app, client, "remember_token")
    clock.move(timedelta(days=1, hours=23))
    assert signed_in(copy)
    clock.move(timedelta(hours=2))
    assert not signed_in(copy)


@pytest.mark.app_config(LOGIN_HOURS=12.0)
def test_a_sign_in_without_keep_me_signed_in_ends_after_the_login_hours(client, clock, organizer):
    sign_in(client, organizer.email, remember=False)
    assert client.get_cookie("remember_token") is None
    clock.move(timedelta(hours=11))
    assert signed_in(client)
    clock.move(timedelta(hours=2))
    assert not signed_in(client)


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, client, organizer):
    sign_in(client, organizer.email)
    copy = other_browser(app, client, "session", "remember_token")
    page = client.get("/organizer/password")
    assert page.status_code == 200
    response = client.post("/organizer/password", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "current_password": PASSWORD,
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(copy)
    # The browser that changed it still has a working remember cookie (a new one).
    fresh = other_browser(app, client, "remember_token")
    assert signed_in(fresh)


def test_changing_ones_password_needs_the_current_one(client, organizer):
    sign_in(client, organizer.email)
    page = client.get("/organizer/password")
    response = client.post("/organizer/password", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "current_password": "not my password",
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert response.status_code == 422
    assert signed_in(client)


def test_a_password_set_by_the_service_ends_every_session(app, client, db, organizer):
    """The same rule for the CLI and the admin page: they call set_password."""
    sign_in(client, organizer.email)
    set_password(organizer, NEW_PASSWORD)
    db.session.commit()
    assert not signed_in(client)


def test_deactivation_ends_sessions_and_api_tokens_at_once(app, client, runner, db, organizer):
    token = issue_api_token(organizer)
    db.session.commit()
    sign_in(client, organizer.email)
    copy = other_browser(app, client, "remember_token")
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/events/nothing/registrations", headers=api).status_code == 404

    result = runner.invoke(args=["user", "deactivate", organizer.email])
    assert result.exit_code == 0, result.output

    assert not signed_in(client)
    assert not signed_in(copy)
    response = client.get("/api/v1/events/nothing/registrations", headers=api)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"

    # Activated again: the token works again, the old cookies do not (they were ended, not paused).
    assert runner.invoke(args=["user", "activate", organizer.email]).exit_code == 0
    assert client.get("/api/v1/events/nothing/registrations", headers=api).status_code == 404
    assert not signed_in(copy)


def test_reactivation_needs_a_new_sign_in(client, runner, organizer):
    runner.invoke(args=["user", "deactivate", organizer.email])
    page = client.get("/organizer/login")
    response = client.post("/organizer/login", data={
        "email": organizer.email, "password": PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 401
    runner.invoke(args=["user", "activate", organizer.email])
    sign_in(client, organizer.email)
    assert signed_in(client)


def test_an_inactive_account_is_signed_out_even_when_its_sign_ins_were_not_ended(client, db, organizer):
    """Belt and braces: the loader checks `active` too (a row changed by hand, a service that forgot)."""
    sign_in(client, organizer.email)
    organizer.active = False
    db.session.commit()
    assert not signed_in(client)


def test_ended_sign_ins_are_dropped_at_the_next_sign_in(client, db, organizer):
    for _ in range(3):
        sign_in(client, organizer.email)
        post_button(client, "/organizer/logout")
    sign_in(client, organizer.email)
    db.session.rollback()
    rows = db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == organizer.id)).all()
    assert len(rows) == 1 and rows[0].revoked_at is None
