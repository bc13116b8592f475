"""Regressions found by review: races on seats, the outbox's lease and erasure, the invitee who cancels, odd input."""
import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, invitee, person, reload
from eventsvc.extensions import db as _db, write_transactions
from eventsvc.invitations import services as invitation_services
from eventsvc.invitations.models import InvitationStatus
from eventsvc.mail.delivery import deliver_due, deliver_round
from eventsvc.mail.models import MessageStatus, OutboxMessage
from eventsvc.models_base import utcnow
from eventsvc.registration import services
from eventsvc.registration.models import Registration, RegistrationStatus
from eventsvc.registration import privacy


def at_once(app, *actions, timeout=60):
    """Run each action in its own thread and app context, as two requests would; returns their outcomes.

    On PostgreSQL the actions start together and overlap; on SQLite a
    writing request holds the write lock from its first statement, so they
    are started together and run one after the other.
    """
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        with app.app_context(), write_transactions():
            try:
                barrier.wait(timeout=30)
                outcomes[index] = action()
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
                _db.session.rollback()
                outcomes[index] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    # A thread still running (a deadlock, a lock never given back) is a failure, not a silent "None" outcome.
    hung = [index for index, thread in enumerate(threads) if thread.is_alive()]
    assert not hung, f"actions {hung} did not finish within {timeout} s"
    return outcomes


def test_at_once_fails_when_an_action_hangs(app):
    release = threading.Event()
    try:
        with pytest.raises(AssertionError, match="did not finish"):
            at_once(app, lambda: None, lambda: release.wait(10), timeout=0.5)
    finally:
        release.set()


def seats_are_right(db, event_id):
    from eventsvc.events.models import Event

    db.session.rollback()
    db.session.expire_all()
    for session in db.session.get(Event, event_id).sessions:
        holders = db.session.scalar(sa.text(
            "SELECT count(*) FROM registration_sessions rs JOIN registrations r ON r.id = rs.registration_id "
            "WHERE rs.session_id = :s AND r.status = 'confirmed'"), {"s": session.id})
        assert (session.seats_taken, holders) == (holders, holders), session.name_th
        assert session.capacity is None or holders <= session.capacity


def test_changing_sessions_while_the_registration_is_cancelled_gives_no_seat_back_twice(app, db, make_event):
    event = make_event(session_capacity=2)
    morning, afternoon = event.sessions
    a = services.register(event, person(1)).registration
    services.register(event, person(2, sessions=[morning.id]))
    db.session.commit()
    a_id, afternoon_id, event_id, morning_id = a.id, afternoon.id, event.id, morning.id
    db.session.remove()

    def drop_morning():
        registration = _db.session.get(Registration, a_id)
        data = {"first_name": "ก", "last_name": "ข", "email": registration.email, "sector": "government",
                "attendance": "onsite", "sessions": [afternoon_id]}
        return services.update_registration(registration, data)

    def cancel():
        return services.cancel_registration(_db.session.get(Registration, a_id))

    outcomes = at_once(app, drop_morning, cancel)
    assert not any(isinstance(o, Exception) and not isinstance(o, services.Conflict) for o in outcomes), outcomes
    seats_are_right(db, event_id)
    # Two more people try the morning: with capacity 2, only one gets a seat.
    from eventsvc.events.models import Event

    statuses = [services.register(db.session.get(Event, event_id), person(n, sessions=[morning_id])).registration.status
                for n in (3, 4)]
    db.session.commit()
    assert statuses == [RegistrationStatus.confirmed, RegistrationStatus.waitlisted]
    seats_are_right(db, event_id)


def test_two_identical_saves_at_once_are_no_error(app, db, make_event):
    event = make_event(session_capacity=5)
    morning, afternoon = event.sessions
    a = services.register(event, person(1)).registration
    db.session.commit()
    a_id, afternoon_id, event_id = a.id, afternoon.id, event.id
    db.session.remove()

    def save():
        registration = _db.session.get(Registration, a_id)
        return services.update_registration(registration, {
            "first_name": "ก", "last_name": "ข", "email": registration.email, "sector": "government",
            "attendance": "onsite", "sessions": [afternoon_id]})

    outcomes = at_once(app, save, save)
    assert not any(isinstance(o, Exception) for o in outcomes), outcomes
    db.session.rollback()
    assert [s.id for s in db.session.get(Registration, a_id).sessions] == [afternoon_id]
    seats_are_right(db, event_id)


def test_no_one_is_promoted_into_a_cancelled_event(db, make_event):
    from eventsvc.events.services import cancel_event

    event = make_event(capacity=1)
    first = services.register(event, person(1)).registration
    waiting = services.register(event, person(2)).registration
    cancel_event(event)
    db.session.commit()
    services.cancel_registration(first)
    db.session.commit()
    assert reload(db, waiting).status == RegistrationStatus.waitlisted
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.registration_id == waiting.id)).all()
    assert "registration_promoted" not in kinds


def test_an_invitee_who_cancels_may_come_back_and_the_organizer_may_act(db, client, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)
    registration = services.register(event, person(1, email=None), invitation=invitation).registration
    db.session.commit()
    services.cancel_registration(registration)
    db.session.commit()
    invitation = reload(db, invitation)
    assert invitation.status == InvitationStatus.declined and invitation_services.find_usable(event, token)
    again = services.register(event, person(1, email=None), invitation=invitation_services.find_usable(event, token))
    db.session.commit()
    assert again.created and reload(db, invitation).status == InvitationStatus.registered
    services.cancel_registration(again.registration)
    db.session.commit()
    invitation_services.revoke(reload(db, invitation))  # no longer "registered already"
    db.session.commit()
    assert reload(db, invitation).status == InvitationStatus.revoked


def test_the_same_list_imported_twice_at_once_invites_each_person_once(app, db, make_event):
    event = make_event(registration_mode="invite_only")
    event_id = event.id
    people = [invitee(n) for n in range(40)]
    db.session.remove()

    def import_list():
        from eventsvc.events.models import Event

        return invitation_services.invite(_db.session.get(Event, event_id), people)

    first, second = at_once(app, import_list, import_list)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert len(first.invited) + len(second.invited) == 40
    assert Counter(r.code for r in first.rejected + second.rejected) == {"already_invited": 40}
    assert db.session.scalar(sa.text("SELECT count(*) FROM invitations")) == 40
    assert db.session.scalar(sa.text("SELECT count(*) FROM outbox_messages WHERE kind = 'invitation'")) == 40


@pytest.mark.app_config(MAIL_LEASE_SECONDS=1, MAIL_SMTP_TIMEOUT=1, MAIL_BATCH_SIZE=10)
def test_a_worker_past_half_its_lease_gives_the_rest_of_its_batch_back(app, db, make_event, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.handler.delay = 0.7  # a slow server: the lease (4 s: four SMTP timeouts) is half gone after 3
    event = make_event()
    for n in range(10):
        services.register(event, person(n))
    db.session.commit()

    report, claimed = deliver_round(app)

    assert claimed == 10 and 1 <= report.sent <= 4
    left = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.pending)).all()
    assert len(left) == 10 - report.sent and all(m.claim_token is None for m in left)  # free for another worker
    smtp_server.handler.delay = 0
    deliver_due(app)
    assert sorted(Counter(m["Message-ID"] for m in smtp_server.messages).values()) == [1] * 10


def test_a_person_erased_while_the_batch_is_being_sent_gets_nothing(app, db, make_event, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event()
    services.register(event, person(1))
    second = services.register(event, person(2)).registration
    db.session.commit()
    second_id = second.id

    def erase_the_second(message):
        if message["To"] == "somchai1@example.org":
            with app.app_context():
                privacy.erase_registration(_db.session.get(Registration, second_id))
                _db.session.commit()
                _db.session.remove()

    smtp_server.handler.after_each = erase_the_second
    deliver_due(app)

    assert [m["To"] for m in smtp_server.messages] == ["somchai1@example.org"]
    db.session.rollback()
    about = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.registration_id == second_id)).all()
    # The confirmation (and the cancellation the erasure wrote) were not sent, and hold no address.
    assert {m.kind for m in about} == {"registration_confirmed", "registration_cancelled"}
    assert {(m.status, m.to_address) for m in about} == {(MessageStatus.cancelled, "")}


def test_erasure_takes_the_address_out_of_the_errors_too(app, db, make_event, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.handler.refuse["somchai1@example.org"] = "550 5.1.1 <somchai1@example.org>: Recipient address rejected"
    event = make_event()
    registration = services.register(event, person(1)).registration
    db.session.commit()
    deliver_due(app)
    privacy.erase_registration(reload(db, registration))
    db.session.commit()
    rows = db.session.execute(sa.text("SELECT * FROM outbox_messages")).mappings().all()
    assert rows and not any("somchai1" in str(value) for row in rows for value in row.values())


def test_a_new_registration_after_a_cancellation_gets_a_calendar_entry_of_its_own(db, make_event):
    from eventsvc.tickets.calendar import registration_ics
    import icalendar

    event = make_event()
    first = services.register(event, person(1)).registration
    db.session.commit()
    services.cancel_registration(first)
    db.session.commit()
    again = services.register(event, person(1)).registration
    db.session.commit()

    def entries(registration):
        return {str(e["uid"]): (int(e["sequence"]), str(e["status"]))
                for e in icalendar.Calendar.from_ical(registration_ics(reload(db, registration), "th")).walk("VEVENT")}

    old, new = entries(first), entries(again)
    assert set(old.values()) == {(1, "CANCELLED")} and set(new.values()) == {(0, "CONFIRMED")}
    assert not set(old) & set(new)


def test_two_scanner_apps_may_use_the_same_nonce(db, make_event, staff, make_user):
    from eventsvc.accounts.models import Role
    from eventsvc.checkin import services as checkin
    from eventsvc.checkin.models import CheckinMethod

    event = make_event(starts_in=timedelta(minutes=30))
    one = services.register(event, person(1)).registration
    two = services.register(event, person(2)).registration
    db.session.commit()
    other_staff = make_user(Role.checkin)
    assert checkin.check_in(one, event.sessions[0], staff, CheckinMethod.api, nonce="1").is_new
    assert checkin.check_in(two, event.sessions[0], other_staff, CheckinMethod.api, nonce="1").is_new
    db.session.commit()
    assert db.session.scalar(sa.text("SELECT count(*) FROM checkins")) == 2


def test_a_nul_byte_in_json_is_a_field_error(client, db, make_event, staff):
    from eventsvc.accounts.services import issue_api_token

    event = make_event()
    registration = services.register(event, person(1)).registration
    token = issue_api_token(staff)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = '{"code": "%s", "session_id": %d, "nonce": "abc\\u0000def"}' % (registration.ticket_code, event.sessions[0].id)
    refused = client.post("/api/v1/checkins", data=body, headers=headers)
    assert refused.status_code == 422 and "nonce" in refused.get_json()["error"]["fields"]
    assert client.post("/api/v1/checkins", headers=headers, json={
        "code": registration.ticket_code, "session_id": event.sessions[0].id, "nonce": "tab\there"}).status_code == 422
    nul_name = '{"first_name": "a\\u0000", "last_name": "b", "email": "x@example.org", "sector": "public", "consent_processing": true}'
    refused = client.post(f"/api/v1/events/{event.slug}/registrations", data=nul_name,
                          headers={"Content-Type": "application/json"})
    assert refused.status_code == 422 and "first_name" in refused.get_json()["error"]["fields"]


def test_a_huge_session_id_on_the_ticket_is_400(db, client, make_event, staff, login_as):
    event = make_event()
    registration = services.register(event, person(1)).registration
    db.session.commit()
    login_as(user=staff)
    html = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    for value in ("99999999999999999999", "-1", "0", "x"):
        response = client.post(f"/t/{registration.ticket_code}/checkin",
                               data={"csrf_token": csrf_from(html), "session_id": value})
        assert response.status_code == 400, value


@pytest.mark.parametrize("body", [
    '{"first_name": "A", "last_name": "B", "email": "s@example.org", "sector": "public", "consent_processing": true, "organization": "x\\ud800"}',
    '{"\\ud800": 1}',
    '{"first_name": ["\\udfff"]}',
])
def test_text_that_is_not_unicode_is_malformed_json(client, make_event, body):
    event = make_event()
    response = client.post(f"/api/v1/events/{event.slug}/registrations", data=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_an_invitee_whose_email_is_not_unicode_is_refused(client, api_token, make_event):
    event = make_event(registration_mode="invite_only")
    response = client.post(f"/api/v1/events/{event.slug}/invitations", data='{"invitees": [{"email": "\\ud800"}]}',
                           headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_token}"})
    assert response.status_code == 400


def test_an_expiry_in_the_year_9999_is_a_field_error(client, api_token, make_event):
    event = make_event(registration_mode="invite_only")
    response = client.post(f"/api/v1/events/{event.slug}/invitations", headers={"Authorization": f"Bearer {api_token}"},
                           json={"invitees": [{"email": "a@example.org"}], "expires_at": "9999-12-31T23:59:59-12:00"})
    assert response.status_code == 422 and "expires_at" in response.get_json()["error"]["fields"]


def test_a_fractional_capacity_is_refused_not_truncated(client, api_token, make_event):
    event = make_event()
    response = client.patch(f"/api/v1/events/{event.slug}", json={"capacity": 2.7},
                            headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 422 and "capacity" in response.get_json()["error"]["fields"]
