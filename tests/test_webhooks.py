"""Webhooks: registered URLs, signed deliveries through a durable queue, against a real local https receiver."""
import subprocess
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import PASSWORD, add_member, csrf_from, field_errors, person
from servers import PYTHON, ROOT, service_env
from webhook_receiver import Receiver, verify

from eventsvc import signals
from eventsvc.accounts.models import Role
from eventsvc.audit.models import AuditEntry
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import CheckinMethod
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from eventsvc.webhooks import services, transport
from eventsvc.webhooks.delivery import deliver_due
from eventsvc.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

TYPES = ["registration.created", "registration.cancelled", "checkin.created"]


@pytest.fixture
def receiver(app, tmp_path):
    server = Receiver(tmp_path).start()
    app.config.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_CA_BUNDLE=str(server.ca_file), WEBHOOK_TIMEOUT=5,
                      WEBHOOK_RETRY_BASE_SECONDS=60, WEBHOOK_MAX_ATTEMPTS=10)
    yield server
    server.stop()


def hook(db, receiver, event, organizer, path="/hook", types=None):
    """An endpoint of `event` at the receiver's `path`, whose secret the receiver checks signatures with."""
    endpoint, secret = services.create_endpoint(event, {"url": receiver.url(path), "event_types": types},
                                                actor=organizer)
    db.session.commit()
    receiver.secrets[path] = secret
    return endpoint


def deliveries(db):
    db.session.rollback()
    db.session.expire_all()  # the session keeps objects after a commit (expire_on_commit=False): read them anew
    return db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def audit(db, action):
    db.session.rollback()
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def register(db, event, n, **overrides):
    registration = registration_services.register(event, person(n, **overrides)).registration
    db.session.commit()
    return registration


# ---- delivery ---------------------------------------------------------------------------

def test_a_registration_reaches_the_receiver_signed_with_the_endpoint_secret(app, db, make_event, organizer,
                                                                             receiver):
    event = make_event()
    hook(db, receiver, event, organizer)
    registration = register(db, event, 1)

    report = deliver_due(app)

    assert report.sent == 1
    [got] = receiver.received
    assert got.valid, "the signature does not verify with the endpoint's secret"
    assert got.json["type"] == "registration.created" and got.json["event"] == event.slug
    assert got.headers["X-Eventsvc-Delivery"] == got.json["id"] == deliveries(db)[0].delivery_id
    assert got.headers["X-Eventsvc-Event"] == "registration.created"
    person_sent = got.json["data"]["registration"]
    assert person_sent["id"] == registration.id and person_sent["status"] == "confirmed"
    assert person_sent["email"] == "somchai1@example.org" and person_sent["sessions"] == [
        s.id for s in event.sessions]
    # Never the personal link, the ticket code or the phone.
    text = got.body.decode()
    assert registration.manage_token not in text and "/my/" not in text and "0812345678" not in text
    assert registration.ticket_code not in text
    assert deliveries(db)[0].status == DeliveryStatus.sent


def test_a_signature_made_with_another_secret_or_over_another_body_does_not_verify(app, db, make_event, organizer,
                                                                                   receiver):
    event = make_event()
    hook(db, receiver, event, organizer)
    register(db, event, 1)
    deliver_due(app)
    [got] = receiver.received
    header = got.headers["X-Eventsvc-Signature"]
    assert verify(receiver.secrets["/hook"], header, got.body)
    assert not verify("whsec_another", header, got.body)
    assert not verify(receiver.secrets["/hook"], header, got.body.replace(b"somchai1", b"somchai2"))


def test_the_receiver_down_then_back_gets_every_delivery_once_in_order(app, db, make_event, organizer, receiver):
    event = make_event()
    hook(db, receiver, event, organizer)
    first = register(db, event, 1)
    register(db, event, 2)
    registration_services.cancel_registration(first, reason="ติดภารกิจ")
    db.session.commit()
    register(db, event, 3)
    now = utcnow()

    receiver.stop()  # connection refused
    report = deliver_due(app, now=now)
    assert (report.sent, report.retried) == (0, 1)
    head = deliveries(db)[0]
    assert head.status == DeliveryStatus.pending and head.attempts == 1
    assert head.due_at - now == timedelta(seconds=60) and "Connection" in head.last_error
    assert deliver_due(app, now=now + timedelta(seconds=30)).retried == 0  # not due yet

    receiver.start()
    receiver.status = 500
    report = deliver_due(app, now=now + timedelta(seconds=61))
    assert (report.sent, report.retried) == (0, 1), report
    head = deliveries(db)[0]
    assert head.attempts == 2 and head.last_status_code == 500 and "HTTP 500" in head.last_error
    assert head.due_at - (now + timedelta(seconds=61)) == timedelta(seconds=120)

    receiver.status = 200
    report = deliver_due(app, now=now + timedelta(seconds=182))
    assert report.sent == 4
    assert [(r.json["type"], r.json["data"]["registration"]["email"]) for r in receiver.received] == [
        ("registration.created", "somchai1@example.org"), ("registration.created", "somchai2@example.org"),
        ("registration.cancelled", "somchai1@example.org"), ("registration.created", "somchai3@example.org"),
    ]
    assert receiver.received[2].json["data"]["reason"] == "ติดภารกิจ"
    assert all(r.valid for r in receiver.received)
    assert sorted(Counter(r.json["id"] for r in receiver.received).values()) == [1] * 4
    assert {d.status for d in deliveries(db)} == {DeliveryStatus.sent}
    assert deliver_due(app, now=now + timedelta(hours=8)).sent == 0
    assert len(receiver.received) == 4


def test_a_delivery_failing_every_try_is_marked_failed_and_an_organizer_sends_it_again(
        app, db, client, make_event, organizer, receiver, login_as):
    app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
    event = make_event()
    hook(db, receiver, event, organizer)
    register(db, event, 1)
    receiver.status = 503
    now = utcnow()
    deliver_due(app, now=now)
    report = deliver_due(app, now=now + timedelta(seconds=61))
    assert report.failed == 1
    [failed] = deliveries(db)
    assert failed.status == DeliveryStatus.failed and failed.attempts == 2 and "HTTP 503" in failed.last_error

    login_as(user=organizer)
    page = client.get(f"/organizer/events/{event.slug}/webhooks").get_data(as_text=True)
    assert "HTTP 503" in page and "delivery-failed" in page
    response = client.post(f"/organizer/events/{event.slug}/webhooks/deliveries/{failed.id}/resend",
                           data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    receiver.status = 200
    db.session.rollback()  # the test's read ends before the worker writes (as a worker's own session would)
    assert deliver_due(app).sent == 1
    [got] = receiver.received
    assert got.json["id"] == failed.delivery_id  # the same delivery, the same id
    assert len(audit(db, "webhook.delivery_resent")) == 1


def test_a_redirect_is_not_followed_and_counts_as_a_failure(app, db, make_event, organizer, receiver):
    event = make_event()
    hook(db, receiver, event, organizer)
    register(db, event, 1)
    receiver.status = 302  # Location: /elsewhere on the same receiver

    report = deliver_due(app)

    assert report.retried == 1 and receiver.paths == ["/hook"]  # never /elsewhere
    [delivery] = deliveries(db)
    assert delivery.status == DeliveryStatus.pending and delivery.last_status_code == 302


def test_a_receiver_slower_than_the_timeout_is_tried_again_later(app, db, make_event, organizer, receiver):
    app.config["WEBHOOK_TIMEOUT"] = 0.5
    receiver.delay = 2
    event = make_event()
    hook(db, receiver, event, organizer)
    register(db, event, 1)

    report = deliver_due(app)

    assert report.retried == 1
    [delivery] = deliveries(db)
    assert delivery.status == DeliveryStatus.pending and "timed out" in delivery.last_error


def test_only_the_start_of_a_receiver_s_answer_is_read(app, db, make_event, organizer, receiver):
    app.config.update(WEBHOOK_MAX_RESPONSE_KB=4, WEBHOOK_TIMEOUT=3)
    receiver.status = 500
    receiver.answer_size = 50 * 1024 * 1024  # 50 MB, a kilobyte a millisecond: 50 s to read whole
    event = make_event()
    hook(db, receiver, event, organizer)
    register(db, event, 1)

    report = deliver_due(app)

    assert report.retried == 1
    [delivery] = deliveries(db)
    assert delivery.last_status_code == 500 and delivery.last_error.startswith("HTTP 500: xxx")  # not "timed out"


def test_two_workers_at_once_never_send_one_delivery_twice(app, db, make_event, organizer, receiver):
    receiver.delay = 0.01  # a slow receiver: the two workers surely overlap
    event = make_event()
    paths = [f"/hook/{n}" for n in range(4)]
    for path in paths:
        hook(db, receiver, event, organizer, path)
    for n in range(30):
        registration_services.register(event, person(n))
    db.session.commit()
    db.session.remove()
    env = service_env(app.config["SQLALCHEMY_DATABASE_URI"], EVENTSVC_WEBHOOK_ALLOW_PRIVATE=1,
                      EVENTSVC_WEBHOOK_CA_BUNDLE=receiver.ca_file, EVENTSVC_WEBHOOK_BATCH_SIZE=1)
    workers = [subprocess.Popen([PYTHON, "-m", "flask", "--app", "wsgi", "webhooks", "deliver"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    assert len(receiver.received) == 120 and all(r.valid for r in receiver.received)
    assert sorted(Counter(r.json["id"] for r in receiver.received).values()) == [1] * 120
    for path in paths:  # each URL got its registrations in the order they happened
        emails = [r.json["data"]["registration"]["email"] for r in receiver.received if r.path == path]
        assert emails == [f"somchai{n}@example.org" for n in range(30)]
    assert {d.status for d in deliveries(db)} == {DeliveryStatus.sent}
    sent_by = [int(out.split()[0]) for out, _ in outputs]
    assert sum(sent_by) == 120
    assert min(sent_by) > 0, "one worker sent everything: the test proved nothing about two at once"


def test_a_check_in_is_sent_only_to_the_urls_that_asked_for_it(app, db, make_event, organizer, staff, receiver):
    event = make_event(starts_in=timedelta(minutes=30))
    hook(db, receiver, event, organizer, "/door", types=["checkin.created"])
    registration = register(db, event, 1)
    result = checkin_services.check_in(registration, event.sessions[0], staff, CheckinMethod.qr)
    db.session.commit()

    assert deliver_due(app).sent == 1
    [got] = receiver.received
    assert got.json["type"] == "checkin.created" and got.valid
    assert got.json["data"]["checkin"]["session_id"] == event.sessions[0].id
    assert got.json["data"]["checkin"]["id"] == result.checkin.id


def test_nothing_is_written_when_the_registration_is_rolled_back(app, db, make_event, organizer, receiver):
    event = make_event()
    hook(db, receiver, event, organizer)
    registration_services.register(event, person(1))
    db.session.rollback()
    assert deliveries(db) == []


def test_a_paused_url_gets_nothing_new_and_what_waited_goes_once_it_is_on_again(app, db, make_event, organizer,
                                                                              receiver):
    event = make_event()
    endpoint = hook(db, receiver, event, organizer)
    register(db, event, 1)
    services.set_active(endpoint, False, actor=organizer)
    db.session.commit()
    register(db, event, 2)
    assert deliver_due(app).sent == 0 and len(deliveries(db)) == 1

    services.set_active(db.session.get(WebhookEndpoint, endpoint.id), True, actor=organizer)
    db.session.commit()
    assert deliver_due(app).sent == 1
    assert [r.json["data"]["registration"]["email"] for r in receiver.received] == ["somchai1@example.org"]
    assert [e.action for e in audit(db, "webhook.disabled") + audit(db, "webhook.enabled")] == [
        "webhook.disabled", "webhook.enabled"]


def test_a_person_s_data_download_lists_what_was_sent_about_them_and_where(app, db, make_event, organizer,
                                                                          receiver):
    event = make_event()
    endpoint = hook(db, receiver, event, organizer)
    registration = register(db, event, 1)
    register(db, event, 2)
    deliver_due(app)

    parts = dict(answer for _receiver, answer in signals.personal_data_requested.send(registration) if answer)

    [sent] = parts["webhook_deliveries"]
    assert sent["url"] == endpoint.url and sent["status"] == "sent" and sent["type"] == "registration.created"
    assert sent["payload"]["data"]["registration"]["email"] == "somchai1@example.org"


def test_an_erased_person_leaves_the_stored_payloads_and_what_waited_is_not_sent(app, db, make_event, organizer,
                                                                                receiver):
    event = make_event()
    hook(db, receiver, event, organizer)
    registration = register(db, event, 1)
    signals.personal_data_erased.send(registration, actor=None)
    db.session.commit()

    [delivery] = deliveries(db)
    assert delivery.status == DeliveryStatus.cancelled
    assert "somchai1" not in str(delivery.payload) and delivery.payload["data"]["registration"]["email"] is None
    assert deliver_due(app).sent == 0 and receiver.received == []


def test_a_name_that_resolves_to_a_private_address_at_delivery_time_is_not_called(app, db, make_event, organizer,
                                                                                  receiver, monkeypatch):
    """DNS rebinding: public when registered, 127.0.0.1 when the worker comes."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    event = make_event()
    answers = {"hooks.example.org": ["93.184.216.34"]}
    monkeypatch.setattr(transport, "resolve", lambda host, port: answers[host])
    endpoint, _secret = services.create_endpoint(
        event, {"url": f"https://hooks.example.org:{receiver.port}/hook"}, actor=organizer)
    db.session.commit()
    register(db, event, 1)

    answers["hooks.example.org"] = ["127.0.0.1"]
    report = deliver_due(app)

    assert report.sent == 0 and report.retried == 1 and receiver.received == []
    [delivery] = deliveries(db)
    assert delivery.status == DeliveryStatus.pending and "private" in delivery.last_error


# ---- registering URLs -------------------------------------------------------------------

BAD_URLS = [
    ("http://hooks.example.org/x", "https://"),
    ("https://127.0.0.1/x", "private"),
    ("https://10.1.2.3/x", "private"),
    ("https://169.254.169.254/latest/meta-data", "private"),
    ("https://[::1]/x", "private"),
    ("https://[::ffff:8.8.8.8]/x", "private"),  # IPv4-mapped IPv6: refused whatever it wraps
    ("https://224.0.0.1/x", "private"),
    ("https://inside.example.org/x", "private"),  # a name resolving to 10.0.0.5
    ("https://localhost/x", "private"),
    ("https://loop.example.org/x", "private"),  # names resolving to 127.0.0.1, 169.254.x, ::1
    ("https://metadata.example.org/x", "private"),
    ("https://six.example.org/x", "private"),
    ("https://user:secret@hooks.example.org/x", "user name"),
    ("https:///nohost", "not a valid URL"),
    ("https://nowhere.invalid/x", "cannot be found"),
]


def fake_dns(host, port):
    names = {"hooks.example.org": ["93.184.216.34"], "inside.example.org": ["93.184.216.34", "10.0.0.5"],
             "localhost": ["127.0.0.1", "::1"], "loop.example.org": ["127.0.0.1"],
             "metadata.example.org": ["169.254.169.254"], "six.example.org": ["::1"]}
    if host in names:
        return names[host]
    if host.replace(".", "").isdigit() or ":" in host:
        return [host]
    raise OSError("Name or service not known")


@pytest.mark.parametrize("url, says", BAD_URLS)
def test_the_api_refuses_a_bad_url_with_a_field_error_and_writes_nothing(app, db, client, make_event, api_token,
                                                                      monkeypatch, url, says):
    monkeypatch.setattr(transport, "resolve", fake_dns)
    event = make_event()
    response = client.post(f"/api/v1/events/{event.slug}/webhooks", json={"url": url},
                           headers={"Authorization": f"Bearer {api_token}", "Accept-Language": "en"})
    assert response.status_code == 422, response.get_json()
    assert says in response.get_json()["error"]["fields"]["url"][0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0
    assert audit(db, "webhook.created") == []


def test_the_same_urls_are_accepted_when_private_addresses_are_allowed(app, db, make_event, organizer, monkeypatch):
    monkeypatch.setattr(transport, "resolve", fake_dns)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    event = make_event()
    for url in ("https://127.0.0.1/x", "https://inside.example.org/x", "https://[::1]/x"):
        services.create_endpoint(event, {"url": url}, actor=organizer)
    with pytest.raises(services.ValidationFailed):  # https stays required
        services.create_endpoint(event, {"url": "http://127.0.0.1/x"}, actor=organizer)


def test_the_form_shows_a_bad_url_as_a_field_error_in_thai(app, db, client, make_event, organizer, login_as,
                                                           monkeypatch):
    monkeypatch.setattr(transport, "resolve", fake_dns)
    event = make_event()
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{event.slug}/webhooks").get_data(as_text=True)
    response = client.post(f"/organizer/events/{event.slug}/webhooks", data={
        "csrf_token": csrf_from(page), "url": "https://10.1.2.3/x", "event_types": TYPES})
    assert response.status_code == 422
    [error] = field_errors(response.get_data(as_text=True), "url")
    assert "ส่วนตัว" in error or "ภายใน" in error
    # With no event chosen as well: both fields say what is wrong, in one round.
    response = client.post(f"/organizer/events/{event.slug}/webhooks", data={
        "csrf_token": csrf_from(page), "url": "http://hooks.example.org/x"})
    assert field_errors(response.get_data(as_text=True), "url") == ["URL ต้องขึ้นต้นด้วย https://"]
    assert field_errors(response.get_data(as_text=True), "event_types-0") == ["กรุณาเลือกอย่างน้อยหนึ่งเหตุการณ์"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_the_page_shows_a_new_secret_once_and_a_new_one_replaces_it(app, db, client, make_event, organizer,
                                                                    login_as, monkeypatch):
    monkeypatch.setattr(transport, "resolve", fake_dns)
    event = make_event()
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/webhooks"
    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(page), "url": "https://hooks.example.org/in",
                                      "event_types": ["registration.created"]})
    assert response.status_code == 200
    db.session.rollback()
    [endpoint] = db.session.scalars(sa.select(WebhookEndpoint)).all()
    assert endpoint.secret in response.get_data(as_text=True) and endpoint.event_types == ["registration.created"]
    assert endpoint.secret not in client.get(url).get_data(as_text=True)

    old = endpoint.secret
    rotated = client.post(f"{url}/{endpoint.id}/rotate", data={"csrf_token": csrf_from(page)})
    db.session.rollback()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.secret != old and endpoint.secret in rotated.get_data(as_text=True)
    [entry] = audit(db, "webhook.secret_rotated")
    assert endpoint.secret not in str(entry.data) and old not in str(entry.data)

    removed = client.post(f"{url}/{endpoint.id}/remove", data={"csrf_token": csrf_from(page)})
    assert removed.status_code == 302
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0
    assert len(audit(db, "webhook.removed")) == 1


def test_the_api_registers_lists_and_removes_a_webhook_with_audit_entries(app, db, client, make_event, organizer,
                                                                          api_token, monkeypatch):
    monkeypatch.setattr(transport, "resolve", fake_dns)
    event = make_event()
    headers = {"Authorization": f"Bearer {api_token}"}
    base = f"/api/v1/events/{event.slug}/webhooks"

    created = client.post(base, json={"url": "https://hooks.example.org/in"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["events"] == TYPES and body["secret"].startswith("whsec_")
    listed = client.get(base, headers=headers).get_json()
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]

    [entry] = audit(db, "webhook.created")
    assert entry.actor_user_id == organizer.id and entry.event_id == event.id
    assert entry.data["url"] == "https://hooks.example.org/in" and body["secret"] not in str(entry.data)

    assert client.delete(f"{base}/{body['id']}", headers=headers).status_code == 204
    assert client.get(base, headers=headers).get_json() == []
    [removed] = audit(db, "webhook.removed")
    assert removed.target_id == body["id"] and removed.actor_user_id == organizer.id
    assert client.delete(f"{base}/{body['id']}", headers=headers).status_code == 404


def test_an_unknown_event_type_is_refused(app, db, client, make_event, api_token, monkeypatch):
    monkeypatch.setattr(transport, "resolve", fake_dns)
    event = make_event()
    response = client.post(f"/api/v1/events/{event.slug}/webhooks", headers={"Authorization": f"Bearer {api_token}"},
                           json={"url": "https://hooks.example.org/in", "events": ["registration.updated"]})
    assert response.status_code == 422 and "events.0" in response.get_json()["error"]["fields"]


# ---- who may -----------------------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [("owner", True), ("organizer", True), ("checkin", False),
                                           ("viewer", False), (None, False)])
def test_only_the_event_s_owner_and_organizers_manage_its_webhooks(app, db, client, make_event, make_user,
                                                                   monkeypatch, role, allowed):
    from eventsvc.accounts.services import issue_api_token

    monkeypatch.setattr(transport, "resolve", fake_dns)
    owner = make_user(Role.organizer)
    event = make_event(owner=owner)
    user = owner if role == "owner" else make_user(Role.organizer)
    if role not in ("owner", None):
        add_member(db, event, user, role)
    token = issue_api_token(user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    base = f"/api/v1/events/{event.slug}/webhooks"
    expected = 200 if allowed else 403

    assert client.get(base, headers=headers).status_code == expected
    created = client.post(base, headers=headers, json={"url": "https://hooks.example.org/in"})
    assert created.status_code == (201 if allowed else 403)
    other = services.create_endpoint(event, {"url": "https://hooks.example.org/2"}, actor=owner)[0]
    db.session.commit()
    assert client.delete(f"{base}/{other.id}", headers=headers).status_code == (204 if allowed else 403)

    page = client.get("/organizer/login")
    client.post("/organizer/login", data={"email": user.email, "password": PASSWORD,
                                          "csrf_token": csrf_from(page.get_data(as_text=True))})
    html = f"/organizer/events/{event.slug}/webhooks"
    assert client.get(html).status_code == expected
    csrf = csrf_from(client.get("/organizer/").get_data(as_text=True))
    db.session.rollback()
    db.session.expunge_all()  # the API removed a row this session still holds (SQLite may reuse its id)
    owner = db.session.get(type(owner), owner.id)
    event = db.session.get(type(event), event.id)
    endpoint = services.create_endpoint(event, {"url": "https://hooks.example.org/3"}, actor=owner)[0]
    failed = services.enqueue(event.id, event.slug, "registration.created", {})[0]
    failed.status = DeliveryStatus.failed
    db.session.commit()
    for path, allowed_status in [
        (html, 200), (f"{html}/{endpoint.id}/disable", 302), (f"{html}/{endpoint.id}/enable", 302),
        (f"{html}/{endpoint.id}/rotate", 200), (f"{html}/deliveries/{failed.id}/resend", 302),
        (f"{html}/{endpoint.id}/remove", 302),
    ]:
        response = client.post(path, data={"csrf_token": csrf, "url": "https://hooks.example.org/4",
                                           "event_types": TYPES})
        assert response.status_code == (allowed_status if allowed else 403), path
    db.session.rollback()
    urls = set(db.session.scalars(sa.select(WebhookEndpoint.url)))
    assert urls == ({"https://hooks.example.org/in", "https://hooks.example.org/4"} if allowed
                    else {"https://hooks.example.org/2", "https://hooks.example.org/3"})


def test_a_webhook_of_another_event_is_not_found_there(app, db, client, make_event, organizer, api_token,
                                                       monkeypatch):
    monkeypatch.setattr(transport, "resolve", fake_dns)
    mine, other = make_event(), make_event()
    endpoint, _ = services.create_endpoint(other, {"url": "https://hooks.example.org/in"}, actor=organizer)
    db.session.commit()
    response = client.delete(f"/api/v1/events/{mine.slug}/webhooks/{endpoint.id}",
                             headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 404
    assert db.session.get(WebhookEndpoint, endpoint.id) is not None
