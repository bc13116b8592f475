"""API v1: status codes and error bodies (DESIGN.md), the same services as the HTML pages."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import person
from eventsvc.accounts.models import Role
from eventsvc.accounts.services import issue_api_token
from eventsvc.models_base import utcnow
from eventsvc.registration.models import Registration


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def registration_count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def event_body(slug="api-hearing", **overrides):
    start = (utcnow() + timedelta(days=20)).replace(microsecond=0)
    body = {
        "slug": slug, "title_th": "ประชาพิจารณ์ทดสอบ", "title_en": "Test hearing", "kind": "public_hearing",
        "registration_mode": "open", "capacity": 2, "waitlist": True, "status": "published", "format": "hybrid",
        "sessions": [
            {"name_th": "ช่วงเช้า", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2, minutes=30)).isoformat(),
             "stream_url": "https://www.youtube.com/watch?v=abc", "stream_visibility": "public"},
            {"name_th": "ช่วงบ่าย", "starts_at": (start + timedelta(hours=3, minutes=30)).isoformat(),
             "ends_at": (start + timedelta(hours=6, minutes=30)).isoformat(),
             "stream_url": "https://www.youtube.com/watch?v=secret", "stream_visibility": "registrants"},
        ],
    }
    body.update(overrides)
    return body


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def test_create_event_with_sessions_and_read_it_back(client, api_token):
    response = client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert [s["name_th"] for s in created["sessions"]] == ["ช่วงเช้า", "ช่วงบ่าย"]
    public = client.get("/api/v1/events/api-hearing").get_json()
    assert public["status"] == "published" and public["registration"] == "open"
    streams = {s["name_th"]: s["stream_url"] for s in public["sessions"]}
    assert streams == {"ช่วงเช้า": "https://www.youtube.com/watch?v=abc", "ช่วงบ่าย": ""}
    assert "secret" not in client.get("/api/v1/events").get_data(as_text=True)
    assert [e["slug"] for e in client.get("/api/v1/events").get_json()] == ["api-hearing"]


def test_times_without_zone_are_bangkok_time(client, api_token):
    body = event_body()
    body["sessions"] = [{"name_th": "ช่วงเช้า", "starts_at": "2027-02-25T09:30:00", "ends_at": "2027-02-25T12:00:00"}]
    created = client.post("/api/v1/events", json=body, headers=auth(api_token)).get_json()
    assert created["sessions"][0]["starts_at"].startswith("2027-02-25T02:30:00")


def test_register_then_the_same_person_again_gets_200_and_the_existing_registration(client, db, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    first = client.post("/api/v1/events/api-hearing/registrations", json=person(1, attendance="online"))
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "confirmed" and body["manage_url"].startswith("http://testserver/my/")
    again = client.post("/api/v1/events/api-hearing/registrations", json=person(1, email="SOMCHAI1@example.org "))
    assert again.status_code == 200
    # Nothing proves the caller is that person: nothing about the registration is told (PDPA).
    assert again.get_json() == {"status": None, "created": False, "event": "api-hearing", "sessions": [],
                                "attendance": None, "manage_url": None, "ticket_url": None, "qr_url": None,
                                "calendar_url": None, "message": again.get_json()["message"]}
    assert registration_count(db) == 1


def test_idempotency_key_gives_the_personal_link_back_on_a_retry(client, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    headers = {"Idempotency-Key": "retry-123"}
    first = client.post("/api/v1/events/api-hearing/registrations", json=person(1), headers=headers)
    again = client.post("/api/v1/events/api-hearing/registrations", json=person(1), headers=headers)
    assert again.status_code == 200
    # The same link as the first answer (and the confirmation mail), still working.
    assert again.get_json()["manage_url"] == first.get_json()["manage_url"]
    assert client.get(again.get_json()["manage_url"].removeprefix("http://testserver")).status_code == 200


def test_capacity_then_waitlist(client, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    statuses = [client.post("/api/v1/events/api-hearing/registrations", json=person(n)).get_json()["status"] for n in range(4)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]


def test_list_registrations_needs_the_owner(client, db, make_user, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    client.post("/api/v1/events/api-hearing/registrations", json=person(1))
    rows = client.get("/api/v1/events/api-hearing/registrations", headers=auth(api_token)).get_json()
    assert [r["email"] for r in rows] == ["somchai1@example.org"]
    other = issue_api_token(make_user(Role.organizer))
    admin = issue_api_token(make_user(Role.admin))
    db.session.commit()
    assert_error(client.get("/api/v1/events/api-hearing/registrations", headers=auth(other)), 403, "forbidden")
    assert client.get("/api/v1/events/api-hearing/registrations", headers=auth(admin)).status_code == 200
    assert_error(client.get("/api/v1/events/api-hearing/registrations"), 401, "unauthorized")
    assert_error(client.get("/api/v1/events/api-hearing/registrations", headers=auth("evs_wrong")), 401, "unauthorized")


def test_checkin_staff_token_cannot_create_events(client, db, make_user):
    token = issue_api_token(make_user(Role.checkin))
    db.session.commit()
    assert_error(client.post("/api/v1/events", json=event_body(), headers=auth(token)), 403, "forbidden")


def test_malformed_json_is_400(client, db, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    response = client.post("/api/v1/events/api-hearing/registrations", data='{"first_name": "ส', content_type="application/json")
    assert_error(response, 400, "bad_request")
    assert registration_count(db) == 0


@pytest.mark.parametrize("change,field", [
    ({"first_name": 42}, "first_name"),
    ({"email": ["a@b.c"]}, "email"),
    ({"sessions": "all"}, "sessions"),
    ({"sessions": ["1"]}, "sessions.0"),
    ({"consent_processing": "yes"}, "consent_processing"),
    ({"first_name": "ก" * 101}, "first_name"),
    ({"email": "not an email"}, "email"),
    ({"email": "a@example.org\r\nBcc: x@example.org"}, "email"),
    ({"last_name": None}, "last_name"),
    ({"sector": "martians"}, "sector"),
    ({"sessions": [987654]}, "sessions"),
    ({"consent_processing": False}, "consent_processing"),
    ({"unexpected": 1}, "unexpected"),
])
def test_invalid_fields_are_422_with_the_field_named(client, db, api_token, change, field):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    response = client.post("/api/v1/events/api-hearing/registrations", json={**person(1), **change})
    error = assert_error(response, 422, "invalid")
    assert field in error["fields"], error
    assert registration_count(db) == 0
    assert client.post("/api/v1/events/api-hearing/registrations", json=person(2)).status_code == 201


def test_missing_required_fields_are_named(client, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    error = assert_error(client.post("/api/v1/events/api-hearing/registrations", json={}), 422, "invalid")
    assert {"first_name", "last_name", "email", "sector", "consent_processing"} <= set(error["fields"])


def test_errors_follow_accept_language(client, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    thai = client.post("/api/v1/events/api-hearing/registrations", json={**person(1), "email": "bad"})
    english = client.post("/api/v1/events/api-hearing/registrations", json={**person(1), "email": "bad"},
                          headers={"Accept-Language": "en"})
    assert english.get_json()["error"]["fields"]["email"] == ["Not a valid e-mail address."]
    assert thai.get_json()["error"]["fields"]["email"] != english.get_json()["error"]["fields"]["email"]


def test_unknown_event_is_404(client):
    assert_error(client.get("/api/v1/events/nope"), 404, "not_found")
    assert_error(client.post("/api/v1/events/nope/registrations", json=person(1)), 404, "not_found")


def test_draft_event_is_hidden_from_the_public(client, api_token):
    client.post("/api/v1/events", json=event_body(status="draft"), headers=auth(api_token))
    assert_error(client.get("/api/v1/events/api-hearing"), 404, "not_found")
    assert client.get("/api/v1/events/api-hearing", headers=auth(api_token)).status_code == 200
    assert_error(client.post("/api/v1/events/api-hearing/registrations", json=person(1)), 404, "not_found")


def test_closed_and_cancelled_events_are_409(client, db, api_token):
    past = (utcnow() - timedelta(days=1)).isoformat()
    client.post("/api/v1/events", json=event_body(registration_closes_at=past,
                registration_opens_at=(utcnow() - timedelta(days=2)).isoformat()), headers=auth(api_token))
    assert_error(client.post("/api/v1/events/api-hearing/registrations", json=person(1)), 409, "registration_closed")
    client.post("/api/v1/events", json=event_body(slug="to-cancel"), headers=auth(api_token))
    patched = client.patch("/api/v1/events/to-cancel", json={"status": "cancelled"}, headers=auth(api_token))
    assert patched.status_code == 200 and patched.get_json()["status"] == "cancelled"
    assert_error(client.post("/api/v1/events/to-cancel/registrations", json=person(1)), 409, "registration_closed")
    assert registration_count(db) == 0


def test_full_event_without_waitlist_is_409(client, api_token):
    client.post("/api/v1/events", json=event_body(capacity=1, waitlist=False), headers=auth(api_token))
    assert client.post("/api/v1/events/api-hearing/registrations", json=person(1)).status_code == 201
    assert_error(client.post("/api/v1/events/api-hearing/registrations", json=person(2)), 409, "full")


def test_invite_only_event_is_403_without_invitation(client, api_token):
    client.post("/api/v1/events", json=event_body(registration_mode="invite_only"), headers=auth(api_token))
    assert_error(client.post("/api/v1/events/api-hearing/registrations", json=person(1)), 403, "invitation_required")


def test_create_event_validation(client, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    error = assert_error(client.post("/api/v1/events", json=event_body(), headers=auth(api_token)), 422, "invalid")
    assert "slug" in error["fields"]
    bad_stream = event_body(slug="bad-stream")
    bad_stream["sessions"][0]["stream_url"] = "javascript:alert(1)"
    error = assert_error(client.post("/api/v1/events", json=bad_stream, headers=auth(api_token)), 422, "invalid")
    assert "sessions.0.stream_url" in error["fields"]
    http_stream = event_body(slug="http-stream")
    http_stream["sessions"][0]["stream_url"] = "http://www.youtube.com/watch?v=x"
    assert_error(client.post("/api/v1/events", json=http_stream, headers=auth(api_token)), 422, "invalid")
    backwards = event_body(slug="backwards")
    backwards["sessions"][0]["ends_at"] = backwards["sessions"][0]["starts_at"]
    assert_error(client.post("/api/v1/events", json=backwards, headers=auth(api_token)), 422, "invalid")
    assert_error(client.post("/api/v1/events", json=event_body(slug="Bad Slug!"), headers=auth(api_token)), 422, "invalid")
    assert_error(client.post("/api/v1/events", json=event_body(slug="no-sessions", sessions=[]), headers=auth(api_token)), 422, "invalid")


def test_patch_other_organizers_event_is_403(client, db, make_user, api_token):
    client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    other = issue_api_token(make_user(Role.organizer))
    db.session.commit()
    assert_error(client.patch("/api/v1/events/api-hearing", json={"status": "cancelled"}, headers=auth(other)), 403, "forbidden")
    assert client.get("/api/v1/events/api-hearing").get_json()["status"] == "published"


def test_patch_session_time(client, api_token):
    created = client.post("/api/v1/events", json=event_body(), headers=auth(api_token)).get_json()
    session_id = created["sessions"][0]["id"]
    response = client.patch(f"/api/v1/events/api-hearing/sessions/{session_id}",
                            json={"starts_at": "2027-02-25T10:00:00+07:00", "ends_at": "2027-02-25T12:00:00+07:00"},
                            headers=auth(api_token))
    assert response.status_code == 200
    assert response.get_json()["starts_at"].startswith("2027-02-25T03:00:00")


def test_the_api_needs_no_csrf_token_and_sets_no_cookie(client, api_token):
    response = client.post("/api/v1/events", json=event_body(), headers=auth(api_token))
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_openapi_describes_the_calls_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert {"/api/v1/events", "/api/v1/events/{slug}", "/api/v1/events/{slug}/registrations"} <= set(paths)
    register = paths["/api/v1/events/{slug}/registrations"]["post"]
    assert {"201", "200", "409", "422"} <= set(register["responses"])
    schema_ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"first_name", "last_name", "consent_processing"} <= set(schema["required"])
    # Required unless the call carries an invitation, whose e-mail then applies.
    assert "email" in schema["properties"] and "invite" in schema["properties"]["email"]["description"]
    assert schema["properties"]["sector"]["enum"] == [
        "government", "state_enterprise", "private", "academic", "civil_society", "public"]


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_REGISTER="3 per minute")
def test_registration_is_rate_limited_per_ip_with_retry_after(client, api_token):
    client.post("/api/v1/events", json=event_body(capacity=None), headers=auth(api_token))
    codes = [client.post("/api/v1/events/api-hearing/registrations", json=person(n)).status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]
    response = client.post("/api/v1/events/api-hearing/registrations", json=person(9))
    assert_error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    other_office = client.post("/api/v1/events/api-hearing/registrations", json=person(10),
                               environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_office.status_code == 201


def test_registrations_are_listed_in_pages(client, api_token):
    client.post("/api/v1/events", json=event_body(capacity=None), headers=auth(api_token))
    for n in range(7):
        client.post("/api/v1/events/api-hearing/registrations", json=person(n))
    first = client.get("/api/v1/events/api-hearing/registrations?page_size=3", headers=auth(api_token))
    last = client.get("/api/v1/events/api-hearing/registrations?page_size=3&page=3", headers=auth(api_token))
    import json

    assert json.loads(first.headers["X-Pagination"])["total"] == 7
    assert [r["email"] for r in first.get_json()] == [f"somchai{n}@example.org" for n in range(3)]
    assert [r["email"] for r in last.get_json()] == ["somchai6@example.org"]
    too_big = client.get("/api/v1/events/api-hearing/registrations?page_size=5000", headers=auth(api_token))
    assert_error(too_big, 422, "invalid")


def test_a_hearing_on_29_february_of_a_leap_year_is_taken_and_of_another_year_refused(client, api_token):
    def session_on(day):
        return [{"name_th": "ช่วงเช้า", "starts_at": f"{day}T09:30:00+07:00", "ends_at": f"{day}T12:00:00+07:00"}]

    leap = client.post("/api/v1/events", json=event_body(slug="leap-day", sessions=session_on("2028-02-29")),
                       headers=auth(api_token))
    assert leap.status_code == 201, leap.get_data(as_text=True)
    assert leap.get_json()["sessions"][0]["starts_at"].startswith("2028-02-29T02:30")
    other = client.post("/api/v1/events", json=event_body(slug="no-leap-day", sessions=session_on("2027-02-29")),
                        headers=auth(api_token))
    error = assert_error(other, 422, "invalid")
    assert "sessions.0.starts_at" in error["fields"]
