"""The registration form, its answers, the personal page, and the organizer's list."""
import re

import pytest
import sqlalchemy as sa

from conftest import csrf_from, person, reload
from eventsvc.accounts.models import Role
from eventsvc.registration.models import Registration


def form_data(html, **overrides):
    data = {
        "csrf_token": csrf_from(html),
        "submission_key": re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1),
        **{k: v for k, v in person(1).items() if k not in ("consent_processing", "consent_listing")},
        "consent_processing": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_registration_form_confirms_and_gives_the_personal_link(client, db, make_event):
    event = make_event(capacity=10)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/register", data=form_data(html))
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert 'data-status="confirmed"' in page
    my_url = re.search(r'href="(/my/[^"]+)"', page).group(1)
    my_page = client.get(my_url)
    assert my_page.status_code == 200 and "สมชาย1" in my_page.get_data(as_text=True)
    registration = db.session.scalar(sa.select(Registration))
    assert registration.consent_listing is False and registration.locale == "th"
    assert [s.id for s in registration.sessions] == [s.id for s in event.sessions]


def test_full_event_answers_waitlisted_plainly(client, db, make_event, make_registration):
    event = make_event(capacity=1)
    make_registration(event, 7)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/register", data=form_data(html))
    assert response.status_code == 201 and 'data-status="waitlisted"' in response.get_data(as_text=True)


def test_full_event_without_waitlist_says_full(client, db, make_event, make_registration):
    event = make_event(capacity=1, waitlist=False)
    make_registration(event, 7)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/register", data=form_data(html))
    assert response.status_code == 409 and 'id="full"' in response.get_data(as_text=True)
    assert count(db) == 1


def test_double_submit_gets_the_registration_back_with_a_working_link(client, db, make_event):
    event = make_event(capacity=10)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    data = form_data(html)
    first = client.post(f"/events/{event.slug}/register", data=data)
    second = client.post(f"/events/{event.slug}/register", data=data)
    assert (first.status_code, second.status_code) == (201, 200)
    link = re.search(r'href="(/my/[^"]+)"', second.get_data(as_text=True)).group(1)
    assert client.get(link).status_code == 200
    assert count(db) == 1


def test_someone_else_with_the_same_email_is_not_shown_the_link(client, db, make_event, make_registration):
    event = make_event(capacity=10)
    make_registration(event, 1)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/register",
                           data=form_data(html, email="SOMCHAI1@example.org", first_name="คนอื่น"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/my/" not in page and 'data-status="already-registered"' in page
    assert "สมชาย1" not in page and "ใจดี" not in page  # nothing of the registered person (PDPA)
    assert count(db) == 1


@pytest.mark.parametrize("field,value", [
    ("email", "not-an-email"),
    ("email", "x@example.org\r\nBcc: y@example.org"),
    ("first_name", ""),
    ("last_name", "ก" * 101),
    ("sector", "aliens"),
    ("consent_processing", None),
    ("attendance", "teleport"),
    ("sessions", "999999"),
])
def test_bad_input_gets_a_field_error_and_nothing_is_stored(client, db, make_event, field, value):
    event = make_event(capacity=10)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/register", data=form_data(html, **{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error"' in page and 'value="กรมการปกครอง"' in page  # what was typed is kept
    assert count(db) == 0
    assert client.post(f"/events/{event.slug}/register", data=form_data(html)).status_code == 201


def test_the_form_refuses_a_missing_csrf_token(client, db, make_event):
    event = make_event()
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    data = form_data(html)
    del data["csrf_token"]
    response = client.post(f"/events/{event.slug}/register", data=data)
    assert response.status_code == 422 and 'id="resubmit"' in response.get_data(as_text=True)
    assert count(db) == 0


def test_closed_registration_is_explained(client, db, make_event):
    from datetime import timedelta

    from eventsvc.models_base import utcnow

    event = make_event(registration_opens_at=utcnow() - timedelta(days=3), registration_closes_at=utcnow() - timedelta(days=1))
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'id="closed"' in html and "<form method=\"post\" class=\"registration\"" not in html
    token = csrf_from(client.get("/organizer/login").get_data(as_text=True))
    response = client.post(f"/events/{event.slug}/register", data={"csrf_token": token, **person(1)})
    assert response.status_code == 409
    assert count(db) == 0


def test_invite_only_event_shows_whom_to_contact(client, db, make_event):
    event = make_event(registration_mode="invite_only", contact_name="นายธรรณพ ศิริธรรมวิไล", contact_phone="08 1845 1459")
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'id="invitation-required"' in html and "นายธรรณพ ศิริธรรมวิไล" in html
    token = csrf_from(client.get("/organizer/login").get_data(as_text=True))
    assert client.post(f"/events/{event.slug}/register", data={"csrf_token": token, **person(1)}).status_code == 403
    assert count(db) == 0


def test_cancelling_on_the_personal_page_promotes_the_waitlist(client, db, make_event, make_registration):
    event = make_event(capacity=1)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    page = client.post(f"/events/{event.slug}/register", data=form_data(html)).get_data(as_text=True)
    my_url = re.search(r'href="(/my/[^"]+)"', page).group(1)
    waiting = make_registration(event, 2)
    assert waiting.status == "waitlisted"
    token = csrf_from(client.get(my_url).get_data(as_text=True))
    assert client.post(f"{my_url}/cancel", data={"csrf_token": token}).status_code == 302
    assert 'data-status="cancelled"' in client.get(my_url).get_data(as_text=True)
    assert reload(db, waiting).status == "confirmed"


@pytest.mark.parametrize("token", ["x", "A" * 32, "../../etc/passwd", "ก" * 40, "A" * 500])
def test_unknown_personal_links_are_404(client, token):
    assert client.get(f"/my/{token}").status_code == 404


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_TOKEN="5 per minute")
def test_guessing_personal_links_is_rate_limited(client):
    codes = [client.get(f"/my/guess{n:030d}").status_code for n in range(7)]
    assert codes[:5] == [404] * 5 and codes[5:] == [429, 429]


def test_organizer_sees_and_cancels_registrations_of_own_event(client, db, make_event, make_registration, login_as, organizer):
    event = make_event(capacity=1)
    first = make_registration(event, 1)
    second = make_registration(event, 2)
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{event.slug}/registrations").get_data(as_text=True)
    assert "somchai1@example.org" in page and "somchai2@example.org" in page
    waitlisted = client.get(f"/organizer/events/{event.slug}/registrations?status=waitlisted").get_data(as_text=True)
    assert "somchai2@example.org" in waitlisted and "somchai1@example.org" not in waitlisted
    token = csrf_from(page)
    client.post(f"/organizer/events/{event.slug}/registrations/{first.id}/cancel", data={"csrf_token": token})
    assert reload(db, first).status == "cancelled" and reload(db, second).status == "confirmed"
    assert client.get(f"/organizer/events/{event.slug}/registrations?status=bogus").status_code == 400


def test_organizer_cannot_cancel_registrations_of_another_event(client, db, make_event, make_registration, login_as):
    event = make_event()
    registration = make_registration(event, 1)
    login_as(Role.organizer)
    token = csrf_from(client.get("/organizer/").get_data(as_text=True))
    response = client.post(f"/organizer/events/{event.slug}/registrations/{registration.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 403
    assert reload(db, registration).status == "confirmed"


def test_organizer_list_is_paged(client, db, make_event, make_registration, login_as, organizer):
    event = make_event()
    for n in range(105):
        make_registration(event, n)
    login_as(user=organizer)
    first = client.get(f"/organizer/events/{event.slug}/registrations").get_data(as_text=True)
    second = client.get(f"/organizer/events/{event.slug}/registrations?page=2").get_data(as_text=True)
    assert first.count("@example.org</td>") == 100 and second.count("@example.org</td>") == 5
    assert f'href="/organizer/events/{event.slug}/registrations?page=2"' in first  # the pager's "next"
    assert f'href="/organizer/events/{event.slug}/registrations?page=1"' in second
    assert client.get(f"/organizer/events/{event.slug}/registrations?page=99").status_code == 404
