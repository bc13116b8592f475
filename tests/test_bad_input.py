"""Odd and hostile input gets a clear 4xx, never a 500, and changes nothing."""
import io

import pytest
import sqlalchemy as sa

from conftest import csrf_from, field_errors, person, reload
from eventsvc.events.models import Attachment, Event
from test_api import assert_error, auth, event_body


@pytest.mark.parametrize("path", ["/events/a%00b", "/api/v1/events/a%00b", "/events/x?lang=%00"])
def test_nul_bytes_are_refused(client, path):
    assert client.get(path).status_code == 400


def test_nul_byte_in_a_login_is_refused(client, organizer):
    token = csrf_from(client.get("/organizer/login").get_data(as_text=True))
    response = client.post("/organizer/login", data={"csrf_token": token, "email": "a\x00@x.org", "password": "x"})
    assert response.status_code == 400


def test_control_characters_in_event_fields_are_refused(client, api_token):
    error = assert_error(client.post("/api/v1/events", json=event_body(title_th="a\u0000b"), headers=auth(api_token)),
                         422, "invalid")
    assert "title_th" in error["fields"]


@pytest.mark.parametrize("path", [
    "/events/{slug}/documents/99999999999999999999999/x.pdf",
    "/organizer/events/{slug}/sessions/99999999999999999999/edit",
])
def test_huge_ids_are_404(client, make_event, login_as, organizer, path):
    event = make_event()
    login_as(user=organizer)
    assert client.get(path.format(slug=event.slug)).status_code == 404


def test_huge_page_numbers_are_answered(client, make_event, login_as, organizer, api_token):
    event = make_event()
    login_as(user=organizer)
    assert client.get(f"/organizer/events/{event.slug}/registrations?page=99999999999999999999").status_code == 404
    response = client.get(f"/api/v1/events/{event.slug}/registrations?page=9999999999999999", headers=auth(api_token))
    assert response.status_code == 200 and response.get_json() == []


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-12:00"])
def test_dates_out_of_range_are_field_errors(client, db, api_token, when):
    body = event_body()
    body["sessions"][0]["starts_at"] = when
    error = assert_error(client.post("/api/v1/events", json=body, headers=auth(api_token)), 422, "invalid")
    assert "sessions.0.starts_at" in error["fields"]
    client.post("/api/v1/events", json=event_body(slug="fine"), headers=auth(api_token))
    error = assert_error(client.patch("/api/v1/events/fine", json={"registration_closes_at": when}, headers=auth(api_token)),
                         422, "invalid")
    assert "registration_closes_at" in error["fields"]


def test_dates_out_of_range_in_the_organizer_form(client, make_event, login_as, organizer):
    event = make_event()
    login_as(user=organizer)
    token = csrf_from(client.get(f"/organizer/events/{event.slug}").get_data(as_text=True))
    response = client.post(f"/organizer/events/{event.slug}/sessions", data={
        "csrf_token": token, "name_th": "x", "starts_at": "0001-01-01T00:00", "ends_at": "0001-01-01T03:00",
        "stream_visibility": "public"})
    assert response.status_code == 422


def test_deeply_nested_json_is_400(client, make_event):
    event = make_event()
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(f"/api/v1/events/{event.slug}/registrations", data=body, content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_the_token_is_checked_before_the_body(client, make_event):
    assert_error(client.post("/api/v1/events", json={"slug": 1}), 401, "unauthorized")
    assert_error(client.post("/api/v1/events", data="{", content_type="application/json"), 401, "unauthorized")
    event = make_event()
    assert_error(client.patch(f"/api/v1/events/{event.slug}", json={"capacity": -5}), 401, "unauthorized")


def test_published_address_cannot_change(client, db, api_token):
    client.post("/api/v1/events", json=event_body(slug="printed-in-letters"), headers=auth(api_token))
    error = assert_error(client.patch("/api/v1/events/printed-in-letters", json={"slug": "renamed"}, headers=auth(api_token)),
                         422, "invalid")
    assert "slug" in error["fields"]
    assert client.get("/events/printed-in-letters").status_code == 200


def test_a_draft_may_still_change_its_address(client, api_token):
    client.post("/api/v1/events", json=event_body(slug="draft-one", status="draft"), headers=auth(api_token))
    assert client.patch("/api/v1/events/draft-one", json={"slug": "draft-two"}, headers=auth(api_token)).status_code == 200


def test_a_document_with_a_thai_only_name_can_be_uploaded(client, db, make_event, login_as, organizer):
    event = make_event()
    login_as(user=organizer)
    token = csrf_from(client.get(f"/organizer/events/{event.slug}").get_data(as_text=True))
    response = client.post(f"/organizer/events/{event.slug}/attachments", data={
        "csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4"), "ร่างแผนพัฒนารัฐบาลดิจิทัล.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.filename == "ร่างแผนพัฒนารัฐบาลดิจิทัล.pdf" and attachment.content_type == "application/pdf"


def test_form_errors_are_in_thai(client, make_event):
    event = make_event()
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), **person(1), "consent_processing": "y", "last_name": "ก" * 101,
            "sector": "martians"}
    page = client.post(f"/events/{event.slug}/register", data=data).get_data(as_text=True)
    # Each message beside its own field, in Thai (WTForms' English defaults never reach the page).
    assert field_errors(page, "last_name") == ["ต้องมีความยาวไม่เกิน 100 ตัวอักษร"]
    assert field_errors(page, "sector") == ["ตัวเลือกไม่ถูกต้อง"]
    assert field_errors(page, "first_name") == []


def test_the_event_list_does_not_query_per_event(app, client, db, make_event, queries):
    """The events, then their sessions (for "live now") in one more query: the same for 1 event as for 6."""
    def selects():
        with queries() as statements:
            assert client.get("/").status_code == 200
        return [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    make_event()
    one = selects()
    for n in range(5):
        make_event()
    six = selects()
    assert len(one) == len(six) == 2, six


def test_capacity_cannot_drop_below_seats_taken(client, db, make_event, make_registration, api_token):
    from eventsvc.accounts.services import user_for_token

    event = make_event(owner=user_for_token(api_token), capacity=5)
    for n in range(3):
        make_registration(event, n)
    error = assert_error(client.patch(f"/api/v1/events/{event.slug}", json={"capacity": 2}, headers=auth(api_token)),
                         422, "invalid")
    assert "capacity" in error["fields"]
    assert reload(db, event).capacity == 5
    assert db.session.scalar(sa.select(Event.seats_taken).where(Event.id == event.id)) == 3
