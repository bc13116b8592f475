"""Hostile JSON bodies (huge, long lists, deep, malformed) get a quick 4xx, write nothing, and free the worker at once."""
import statistics
import socket
import threading
import time

import pytest
import sqlalchemy as sa

from eventsvc.registration.models import Registration
from test_api import assert_error, auth, event_body

DEEP = "[" * 1000 + "]" * 1000


def registrations(db):
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def registration_body(**overrides):
    return {"first_name": "สมชาย", "last_name": "ใจดี", "email": "somchai@example.org", "sector": "public",
            "consent_processing": True, **overrides}


def test_a_json_body_over_the_limit_is_413_before_it_is_read(app, client, db, make_event):
    event = make_event()
    body = '{"sessions": [' + ",".join(["1"] * 600_000) + "]}"  # 1.2 MB, over the default 1 MB
    assert len(body) > app.config["MAX_JSON_BYTES"]
    response = client.post(f"/api/v1/events/{event.slug}/registrations", data=body, content_type="application/json",
                           headers={"Accept-Language": "en"})
    error = assert_error(response, 413, "too_large")
    assert "large" in error["message"]
    assert registrations(db) == 0


def test_the_413_speaks_thai_by_default(client, make_event):
    event = make_event()
    response = client.post(f"/api/v1/events/{event.slug}/registrations", data=" " * (1024 * 1024 + 1),
                           content_type="application/json")
    error = assert_error(response, 413, "too_large")
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in error["message"])


@pytest.mark.app_config(MAX_JSON_BYTES=2048)
def test_the_json_limit_is_a_setting(client, make_event):
    event = make_event()
    body = registration_body(organization="x" * 3000)
    assert_error(client.post(f"/api/v1/events/{event.slug}/registrations", json=body), 413, "too_large")


@pytest.mark.app_config(MAX_JSON_BYTES=1024, INVITATION_IMPORT_MAX_MB=1)
def test_the_invitation_call_keeps_its_own_larger_limit(client, db, make_event, api_token):
    event = make_event()
    invitees = [{"email": f"person{n}@example.org", "name": "ก" * 20} for n in range(40)]  # about 3 KB
    response = client.post(f"/api/v1/events/{event.slug}/invitations", json={"invitees": invitees, "send": False},
                           headers=auth(api_token))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["invited"] == 40


def test_a_list_too_long_is_refused_before_its_items_are_converted(client, db, make_event, monkeypatch):
    from marshmallow import fields

    event = make_event()
    converted = []
    original = fields.Integer._deserialize
    monkeypatch.setattr(fields.Integer, "_deserialize",
                        lambda self, *args, **kwargs: converted.append(1) or original(self, *args, **kwargs))
    body = registration_body(sessions=list(range(1, 5000)))
    error = assert_error(client.post(f"/api/v1/events/{event.slug}/registrations", json=body), 422, "invalid")
    assert "sessions" in error["fields"]
    assert converted == []
    assert registrations(db) == 0


def test_long_lists_are_documented_with_their_bound(client):
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert spec["RegistrationIn"]["properties"]["sessions"]["maxItems"] == 100
    assert spec["EventCreate"]["properties"]["sessions"]["maxItems"] == 100
    assert spec["InvitationsIn"]["properties"]["invitees"]["maxItems"] == 20000


ANONYMOUS_ROUTES = [("post", "/api/v1/events/{slug}/registrations"), ("get", "/api/v1/events/{slug}"),
                    ("get", "/api/v1/events"), ("get", "/events/{slug}/register"), ("post", "/events/{slug}/register"),
                    ("get", "/events/{slug}")]


@pytest.mark.parametrize("method, path", ANONYMOUS_ROUTES)
@pytest.mark.parametrize("body", [DEEP, '{"sessions": ' + DEEP + "}", '{"a": ' * 990 + "1" + "}" * 990])
def test_deep_json_is_400_on_every_route(client, db, make_event, method, path, body):
    event = make_event()
    response = getattr(client, method)(path.format(slug=event.slug), data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    if path.startswith("/api/"):
        assert_error(response, 400, "bad_request")
    assert registrations(db) == 0


@pytest.mark.parametrize("method, path", ANONYMOUS_ROUTES)
def test_malformed_json_is_400_on_every_route(client, make_event, method, path):
    event = make_event()
    response = getattr(client, method)(path.format(slug=event.slug), data='{"first_name": ',
                                       content_type="application/json", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert assert_error(response, 400, "bad_request")["message"] == "The request body is not valid JSON."


def test_deep_json_after_the_token_is_400(client, make_event, api_token):
    event = make_event()
    for method, path in [("post", "/api/v1/events"), ("patch", f"/api/v1/events/{event.slug}"),
                         ("get", f"/api/v1/events/{event.slug}/registrations")]:
        response = getattr(client, method)(path, data=DEEP, content_type="application/json", headers=auth(api_token))
        assert_error(response, 400, "bad_request")


def test_without_a_token_the_body_is_not_judged(client, make_event):
    # 401 first: a stranger learns nothing from how the body would have been taken.
    assert_error(client.post("/api/v1/events", data=DEEP, content_type="application/json"), 401, "unauthorized")


# ---- against gunicorn --------------------------------------------------------------------


def raw_request(base_url, path, body, headers=(), chunked=False):
    """Send `body` while reading the answer, as a browser does: (status, seconds to the status line).

    The server may answer (413) before the body is sent and then close the
    connection; the rest of the body is then refused by the network, which is
    the point. Timing starts once the request line and headers are out.
    """
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json", "Connection: close",
            *headers]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    started = time.perf_counter()

    def send_body():
        try:
            if chunked:
                for at in range(0, len(body), 65536):
                    piece = body[at:at + 65536]
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            else:
                sock.sendall(body)
        except OSError:
            pass  # the server answered and closed: it did not want the rest

    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n" not in answer:
            piece = sock.recv(4096)
            if not piece:
                break
            answer += piece
    finally:
        elapsed = time.perf_counter() - started
        sock.close()
        sender.join(timeout=10)
    status = int(answer.split(b" ", 2)[1])
    return status, elapsed


@pytest.fixture(scope="module")
def one_worker_server(tmp_path_factory):
    """One gunicorn worker: if a hostile request held it, the next request would wait."""
    from servers import eventsvc_server

    folder = tmp_path_factory.mktemp("hostile")
    with eventsvc_server(f"sqlite:///{folder / 'server.sqlite3'}", folder, workers=1) as (base_url, token):
        import requests

        response = requests.post(f"{base_url}/api/v1/events", json=event_body(slug="hostile"),
                                 headers=auth(token), timeout=10)
        assert response.status_code == 201, response.text
        yield base_url


def _median_answer(base_url, path, body, expected, **kwargs):
    timings = []
    for _try in range(5):
        status, elapsed = raw_request(base_url, path, body, **kwargs)
        assert status == expected
        timings.append(elapsed)
    return statistics.median(timings)


def huge_sessions(megabytes):
    """{"sessions": [1, 1, ...]}: what the issue saw holding a worker for 30 s."""
    count = megabytes * 1024 * 1024 // 2
    return b'{"first_name": "a", "last_name": "b", "email": "a@example.org", "sector": "public", ' \
           b'"consent_processing": true, "sessions": [' + b",".join([b"1"] * count) + b"]}"


@pytest.mark.server
@pytest.mark.parametrize("name, body, expected, chunked", [
    ("21 MB", huge_sessions(21), 413, False),
    ("10 MB", huge_sessions(10), 413, False),
    ("10 MB chunked", huge_sessions(10), 413, True),
    ("1,000 deep", DEEP.encode(), 400, False),
    ("1,000 deep in a field", b'{"sessions": ' + DEEP.encode() + b"}", 400, False),
    ("a list of 100,000 items under the size limit", b'{"sessions": [' + b",".join([b"1"] * 100_000) + b"]}",
     422, False),
])
def test_hostile_bodies_are_answered_at_once_and_the_worker_is_free(one_worker_server, name, body, expected,
                                                                   chunked):
    import requests

    base_url = one_worker_server
    median = _median_answer(base_url, "/api/v1/events/hostile/registrations", body, expected, chunked=chunked)
    assert median < 0.1, f"{name}: {median * 1000:.0f} ms"
    # One worker: an ordinary request right after is served at once only if nothing holds it.
    started = time.perf_counter()
    response = requests.get(f"{base_url}/api/v1/events/hostile", timeout=5)
    assert response.status_code == 200
    assert time.perf_counter() - started < 0.5
    print(f"{name}: median {median * 1000:.1f} ms")


@pytest.mark.server
def test_deep_json_on_the_registration_page_is_answered_at_once(one_worker_server):
    status, elapsed = raw_request(one_worker_server, "/events/hostile/register", DEEP.encode())
    assert status == 400
    assert elapsed < 0.1
