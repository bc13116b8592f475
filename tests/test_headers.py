"""The headers on every answer: HSTS under https, no-store wherever a person is shown, Retry-After only on refusals."""
import re

import pytest

from conftest import csrf_from, person
from eventsvc import create_app

HSTS = "max-age=31536000; includeSubDomains"


def _url_for_rule(rule, values):
    """The rule's path with every argument filled in from `values` (a plausible value otherwise)."""
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+(?:\([^)]*\))?:)?{name}>", str(values.get(name, "1")), path)
    return path


def _personal_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith(("/my/", "/organizer/", "/api/v1/my/")) or rule.endpoint == "tickets.ticket"]


@pytest.mark.app_config(BASE_URL="https://hearings.example.go.th")
def test_hsts_is_sent_when_the_base_url_is_https(client, make_event):
    event = make_event()
    for path in ("/", f"/events/{event.slug}", "/api/v1/events", "/my/nothing-here-at-all"):
        assert client.get(path).headers.get("Strict-Transport-Security") == HSTS, path


def test_no_hsts_when_the_base_url_is_plain_http(client, make_event):
    event = make_event()
    for path in ("/", f"/events/{event.slug}", "/api/v1/events"):
        assert "Strict-Transport-Security" not in client.get(path).headers, path


def test_every_personal_and_organizer_route_answers_no_store(app, client, make_event, make_registration, login_as,
                                                            organizer):
    """Walks the url_map, so that a new /my/ or /organizer/ route cannot forget."""
    event = make_event()
    registration = make_registration(event, 1)
    values = {"token": registration.manage_token, "slug": event.slug, "session_id": event.sessions[0].id,
              "registration_id": registration.id, "code": registration.ticket_code, "kind": "csv",
              "action": "publish", "attachment_id": 1, "invitation_id": 1}
    rules = _personal_rules(app)
    assert len(rules) > 30  # the walk really found the routes
    login_as(user=organizer)
    for rule in rules:
        url = _url_for_rule(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.headers.get("Cache-Control") == "no-store", (method, url, response.status_code)


def test_pages_that_show_a_person_are_not_stored(client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, 1)
    token = registration.manage_token
    assert client.get(f"/my/{token}").headers["Cache-Control"] == "no-store"
    assert client.get(f"/my/{token}/calendar.ics").headers["Cache-Control"] == "no-store"
    assert client.get(f"/t/{registration.ticket_code}").headers["Cache-Control"] == "no-store"
    # The answer to a registration shows the personal link.
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert client.get(f"/events/{event.slug}/register").headers["Cache-Control"] == "no-store"
    answer = client.post(f"/events/{event.slug}/register", data={"csrf_token": csrf_from(html)})
    assert answer.headers["Cache-Control"] == "no-store"
    # The API's registration answer carries manage_url; the organizer API carries names and e-mails.
    api = client.post(f"/api/v1/events/{event.slug}/registrations", json=person(5))
    assert api.status_code == 201 and api.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/events", headers={"Authorization": "Bearer x"}).headers["Cache-Control"] == "no-store"


def test_public_pages_stay_cacheable(client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, 1)
    for path in ("/", f"/events/{event.slug}", f"/events/{event.slug}/calendar.ics", "/calendar.ics",
                 "/api/v1/events", f"/t/{registration.ticket_code}/qr.svg"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") != "no-store", path
        # The language (and the organizer's "manage" link) come from the session cookie: caches must key on it.
        assert "Cookie" in response.headers.get("Vary", ""), path


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_REGISTER="3 per minute")
def test_retry_after_only_on_a_refusal(client, make_event):
    event = make_event()
    answers = [client.post(f"/api/v1/events/{event.slug}/registrations", json=person(n)) for n in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    for answer in answers[:3]:
        assert "Retry-After" not in answer.headers
        assert "X-RateLimit-Limit" in answer.headers  # the limit itself is still told
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60
    assert "Retry-After" not in client.get("/api/v1/events").headers


def test_a_503_tells_when_to_come_back(app, client):
    @app.route("/unavailable-for-the-test")
    def unavailable():
        return "down", 503

    assert int(client.get("/unavailable-for-the-test").headers["Retry-After"]) > 0


def test_api_answers_vary_with_the_language(client, make_event):
    event = make_event()
    thai = client.get(f"/api/v1/events/{event.slug}/nope")
    assert "Accept-Language" in thai.headers.get("Vary", "")
    assert "Accept-Language" in client.get("/api/v1/events").headers.get("Vary", "")


def test_making_another_app_does_not_count_each_api_call_once_more():
    """The limiter is one object for the process: an app made later must not add its API limit again."""
    from eventsvc.extensions import limiter

    apps = [create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
            for _ in range(3)]
    with apps[-1].test_request_context("/api/v1/events"):
        limits = limiter.limit_manager.blueprint_limits(apps[-1], "api")
    assert [str(limit.limit) for limit in limits] == ["600 per 1 minute"]
