"""A form is never lost: the CSRF token lives as long as the session, and a refused token brings the form back filled in."""
import lxml.html
import sqlalchemy as sa

from conftest import PASSWORD, csrf_from
from eventsvc.accounts.models import Role
from eventsvc.events.models import Event
from eventsvc.registration.models import Registration, RegistrationStatus
from test_registration_views import form_data


def value_of(html, name):
    [element] = lxml.html.fromstring(html).xpath(f'//*[@name="{name}"]')
    return element.get("value")


def count(db, model):
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_token_of_a_form_does_not_expire_while_the_session_lasts(client, db, make_event, monkeypatch):
    event = make_event(capacity=10)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    # Three hours later: Flask-WTF's default would have refused the token after one.
    import itsdangerous.timed

    real = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + 3 * 3600)
    response = client.post(f"/events/{event.slug}/register", data=form_data(html))
    assert response.status_code == 201


def test_a_refused_token_brings_the_registration_form_back_filled_in(client, db, make_event):
    event = make_event(capacity=10)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    data = form_data(html, organization="สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ")
    client.delete_cookie("session")  # the session ended: its token is gone

    again = client.post(f"/events/{event.slug}/register", data=data)

    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert 'id="resubmit"' in page and 'role="alert"' in page
    assert value_of(page, "first_name") == "สมชาย1" and value_of(page, "email") == "somchai1@example.org"
    assert value_of(page, "organization") == "สำนักงานสภาพัฒนาการเศรษฐกิจและสังคมแห่งชาติ"
    assert value_of(page, "submission_key") == data["submission_key"]
    # Only the line asking to submit again: no field is marked wrong, no "please correct the fields".
    assert page.count('role="alert"') == 1
    assert count(db, Registration) == 0
    token = csrf_from(page)
    assert token != data["csrf_token"]

    done = client.post(f"/events/{event.slug}/register", data={**data, "csrf_token": token})
    assert done.status_code == 201
    assert count(db, Registration) == 1


def test_the_login_form_comes_back_with_the_email_and_without_the_password(client, db, make_user):
    user = make_user(Role.organizer)
    html = client.get("/organizer/login").get_data(as_text=True)
    client.delete_cookie("session")
    again = client.post("/organizer/login", data={"email": user.email, "password": PASSWORD,
                                                  "csrf_token": csrf_from(html)})
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and 'id="resubmit"' in page
    assert value_of(page, "email") == user.email
    assert PASSWORD not in page and not value_of(page, "password")
    signed_in = client.post("/organizer/login", data={"email": user.email, "password": PASSWORD,
                                                      "csrf_token": csrf_from(page)})
    assert signed_in.status_code == 302


def test_an_organizer_form_comes_back_filled_in(client, db, login_as):
    login_as(Role.organizer)
    assert client.get("/organizer/events/new").status_code == 200
    data = {"csrf_token": "a-token-from-another-session", "slug": "hearing-2570", "kind": "public_hearing",
            "title_th": "ประชาพิจารณ์ร่างแผนแม่บท", "format": "onsite", "registration_mode": "open"}
    again = client.post("/organizer/events/new", data=data)
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and 'id="resubmit"' in page
    assert value_of(page, "title_th") == "ประชาพิจารณ์ร่างแผนแม่บท" and value_of(page, "slug") == "hearing-2570"
    assert count(db, Event) == 0
    data["csrf_token"] = csrf_from(page)
    assert client.post("/organizer/events/new", data=data).status_code == 302
    assert count(db, Event) == 1


def test_a_button_with_a_refused_token_goes_back_to_its_page_and_changes_nothing(client, db, make_event,
                                                                                make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event)
    token = registration.manage_token
    client.get(f"/my/{token}")
    response = client.post(f"/my/{token}/cancel", data={"csrf_token": "stale"},
                           headers={"Referer": f"http://localhost/my/{token}"})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/my/{token}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash error" in page
    db.session.rollback()
    assert db.session.get(Registration, registration.id).status == RegistrationStatus.confirmed


def test_a_button_refused_elsewhere_goes_home_not_to_another_site(client, db, make_event, make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event)
    response = client.post(f"/my/{registration.manage_token}/erase", data={"csrf_token": "stale"},
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]
    db.session.rollback()
    assert db.session.get(Registration, registration.id).erased_at is None


def test_a_view_run_again_with_a_refused_token_can_never_commit(app, client, db):
    # A view that (wrongly) acts without validating its form: the second run must not write anything.
    from eventsvc.accounts.models import User

    def careless():
        db.session.add(User(email="careless@example.org", password_hash="x", role=Role.organizer))
        db.session.commit()
        return "done"

    app.add_url_rule("/careless", "careless", careless, methods=["POST"])
    response = client.post("/careless", data={"csrf_token": "stale"})
    assert response.status_code == 303
    assert count(db, User) == 0
