"""/api/v1/openapi.json is the contract: the errors, headers and rules it states are what the API does."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from eventsvc.events.models import Event
from test_api import assert_error, auth, event_body

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield f"{method.upper()} {path}", operation


def resolve(spec, node):
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def test_every_error_is_documented_with_the_real_shape(spec):
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["error"]
    body = spec["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"code", "message"} and "fields" in body["properties"]
    for name, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status == "default" or int(status) >= 400:
                schema = resolve(spec, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (name, status)
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's own shape, which we never send


def test_the_pagination_header_is_documented_as_the_json_text_it_is(spec, client, make_event, api_token):
    from eventsvc.accounts.services import user_for_token

    for name, operation in operations(spec):
        header = operation["responses"].get("200", {}).get("headers", {}).get("X-Pagination")
        if header:
            assert header["schema"] == {"type": "string"}, name
    event = make_event(owner=user_for_token(api_token))
    response = client.get(f"/api/v1/events/{event.slug}/registrations", headers=auth(api_token))
    assert isinstance(response.headers["X-Pagination"], str) and response.headers["X-Pagination"].startswith("{")


@pytest.mark.parametrize("method, path", [("post", "/api/v1/events"), ("patch", "/api/v1/events/{slug}"),
                                          ("patch", "/api/v1/events/{slug}/sessions/{session}")])
def test_a_call_without_its_required_body_is_400(spec, client, db, make_event, api_token, method, path):
    from eventsvc.accounts.services import user_for_token

    event = make_event(owner=user_for_token(api_token))
    url = path.format(slug=event.slug, session=event.sessions[0].id)
    assert_error(getattr(client, method)(url, headers=auth(api_token)), 400, "bad_request")
    assert_error(getattr(client, method)(url, data="", content_type="application/json", headers=auth(api_token)),
                 400, "bad_request")
    assert_error(getattr(client, method)(url, data="title_th=x", content_type="application/x-www-form-urlencoded",
                                         headers=auth(api_token)), 415, "unsupported_media_type")
    documented = spec["paths"][path.replace("{session}", "{session_id}")][method]
    assert documented["requestBody"]["required"] is True
    assert {"400", "415"} <= set(documented["responses"])


def test_the_rules_are_stated_by_the_schemas(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["RegistrationIn"]["properties"]["consent_processing"]["enum"] == [True]
    assert schemas["RegistrationIn"]["anyOf"] == [{"required": ["email"]}, {"required": ["invite"]}]
    link = schemas["SessionIn"]["properties"]["stream_url"]["pattern"]
    assert link.startswith("^(https://(") and "youtube" in link
    assert schemas["SessionIn"]["properties"]["recording_url"]["pattern"] == link
    assert schemas["EventCreate"]["properties"]["title_th"]["pattern"].startswith("^[^\\x00-\\x1f")
    assert schemas["EventCreate"]["properties"]["contact_name"]["pattern"] == "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
    assert schemas["EventCreate"]["properties"]["slug"]["pattern"].startswith("^[a-z0-9]")
    assert "after registration_opens_at" in schemas["EventCreate"]["properties"]["registration_closes_at"]["description"]
    assert "published" in schemas["EventPatch"]["properties"]["slug"]["description"]
    starts = schemas["SessionIn"]["properties"]["starts_at"]
    assert "format" not in starts and "Bangkok" in starts["description"] and starts["pattern"].startswith("^(200")
    assert "in the future" in schemas["InvitationsIn"]["properties"]["expires_at"]["description"]


def test_operations_are_tagged_by_capability_and_the_main_calls_have_examples(spec):
    assert [t["name"] for t in spec["tags"]] == ["events", "registrations", "invitations", "check-in", "attendance",
                                                   "team", "messages", "webhooks", "audit", "surveys", "comments", "report"]
    for name, operation in operations(spec):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in {t["name"] for t in spec["tags"]}, name
    for path in ("/api/v1/events", "/api/v1/events/{slug}/registrations"):
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body["example"]


def test_the_examples_are_accepted(client, db, api_token):
    from eventsvc.api.schemas import EXAMPLE_EVENT, EXAMPLE_REGISTRATION

    response = client.post("/api/v1/events", json=EXAMPLE_EVENT, headers=auth(api_token))
    assert response.status_code == 201, response.get_data(as_text=True)
    response = client.post(f"/api/v1/events/{EXAMPLE_EVENT['slug']}/registrations", json=EXAMPLE_REGISTRATION)
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize("change, field", [
    ({"consent_processing": False}, "consent_processing"),
    ({"first_name": "a\u0007b"}, "first_name"),
])
def test_registration_rules_refused_by_the_schema(client, db, make_event, change, field):
    event = make_event()
    body = {"first_name": "สมชาย", "last_name": "ใจดี", "email": "s@example.org", "sector": "public",
            "attendance": "onsite", "consent_processing": True, **change}
    error = assert_error(client.post(f"/api/v1/events/{event.slug}/registrations", json=body,
                                     headers={"Accept-Language": "en"}), 422, "invalid")
    assert list(error["fields"]) == [field]


@pytest.mark.parametrize("change, field, message", [
    ({"registration_opens_at": "2027-02-20T10:00:00", "registration_closes_at": "2027-02-20T10:00:00"},
     "registration_closes_at", "Registration must close after it opens."),
    ({"contact_name": "a\x1bb"}, "contact_name", "Control characters are not allowed."),
    ({"title_th": "   "}, "title_th", "This field is required."),
    ({"slug": "Not A Slug"}, "slug", "Use 1–80 lower-case letters, digits and dashes."),
    ({"waitlist": 1}, "waitlist", "Must be true or false."),
    ({"registration_opens_at": "2027-02-20"}, "registration_opens_at",
     "A date and time (ISO 8601) between the years 2001 and 2198."),
])
def test_event_rules_refused_by_the_schema(client, db, api_token, change, field, message):
    body = event_body(**change)
    error = assert_error(client.post("/api/v1/events", json=body, headers={**auth(api_token), "Accept-Language": "en"}),
                         422, "invalid")
    assert error["fields"] == {field: [message]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


@pytest.mark.parametrize("url, message", [
    ("http://www.youtube.com/watch?v=x", "The link must start with https://."),
    ("https://www.youtube.com/watch?v=a b", "Not a valid link."),
])
def test_session_links_refused_by_the_schema(client, db, api_token, url, message):
    body = event_body()
    body["sessions"][0]["recording_url"] = url
    error = assert_error(client.post("/api/v1/events", json=body, headers={**auth(api_token), "Accept-Language": "en"}),
                         422, "invalid")
    assert error["fields"] == {"sessions.0.recording_url": [message]}


def test_a_session_ending_before_it_starts_is_refused_by_the_schema(client, db, api_token):
    body = event_body()
    body["sessions"][0]["ends_at"] = body["sessions"][0]["starts_at"]
    error = assert_error(client.post("/api/v1/events", json=body, headers={**auth(api_token), "Accept-Language": "en"}),
                         422, "invalid")
    assert error["fields"] == {"sessions.0.ends_at": ["The session must end after it starts."]}


def test_the_rule_messages_speak_thai_by_default(client, db, api_token):
    error = assert_error(client.post("/api/v1/events", json=event_body(contact_name="a\x1bb"), headers=auth(api_token)),
                         422, "invalid")
    assert all("\u0e00" <= ch <= "\u0e7f" or not ch.isalpha() for ch in error["fields"]["contact_name"][0])


def test_documented_statuses_of_the_service_rules(spec):
    patch = spec["paths"]["/api/v1/events/{slug}"]["patch"]
    assert {"409", "422"} <= set(patch["responses"])
    invite = spec["paths"]["/api/v1/events/{slug}/invitations"]["post"]
    assert "422" in invite["responses"] and "INVITATION_IMPORT_MAX_MB" in invite["responses"]["413"]["description"]
    register = spec["paths"]["/api/v1/events/{slug}/registrations"]["post"]
    assert register["responses"]["429"]["headers"]["Retry-After"]


# ---- schemathesis against gunicorn ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from servers import eventsvc_server

    folder = tmp_path_factory.mktemp("contract")
    with eventsvc_server(f"sqlite:///{folder / 'server.sqlite3'}", folder, workers=2) as (base_url, token):
        yield base_url, token, folder


@pytest.mark.server
@pytest.mark.parametrize("who", ["anonymous", "organizer"])
def test_schemathesis_finds_nothing_wrong(server, who):
    """Every check of schemathesis (pinned in requirements-test.txt), in every phase, deterministic: no failure."""
    base_url, token, folder = server
    headers = ["-H", "Accept-Language: en"]  # tests/schemathesis_hooks.py knows the state rules by their English
    if who == "organizer":
        headers += ["-H", f"Authorization: Bearer {token}"]
    env = dict(os.environ, SCHEMATHESIS_HOOKS="schemathesis_hooks",
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), str(ROOT)]))
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/api/v1/openapi.json", "--url", base_url,
         "--checks", "all", "--max-examples", os.environ.get("EVENTSVC_SCHEMATHESIS_EXAMPLES", "5"),
         "--generation-deterministic", "--no-shrink", "--workers", "1", "--request-timeout", "10",
         "--report-dir", str(folder / f"schemathesis-{who}"), *headers],
        cwd=folder, env=env, capture_output=True, text=True, timeout=170,
    )
    assert result.returncode == 0, result.stdout[-15000:] + result.stderr[-3000:]
    operations = sum(1 for path in requests.get(f"{base_url}/api/v1/openapi.json", timeout=10).json()["paths"].values()
                     for method in path if method in ("get", "post", "put", "patch", "delete"))
    assert f"Tested: {operations}" in result.stdout, result.stdout[-3000:]  # every operation, none skipped
