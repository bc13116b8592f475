"""Registrants managed by hand by the event's team: the record, corrections, cancelling with a reason, resending,
moving up from the waitlist, adding a walk-in; services, pages, the API, and races between two organizers."""
import json
import re
import threading
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from conftest import add_member, csrf_from, field_errors, person, reload
from eventsvc.accounts.models import Role
from eventsvc.accounts.services import issue_api_token
from eventsvc.audit.models import AuditEntry
from eventsvc.errors import CapacityReached, Conflict, RegistrationClosed, ValidationFailed
from eventsvc.events.models import Event, EventSession
from eventsvc.mail.models import OutboxMessage
from eventsvc.mail.render import render
from eventsvc.models_base import utcnow
from eventsvc.registration import management, services
from eventsvc.registration.models import Registration, RegistrationStatus
from eventsvc.registration import privacy


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def close_registration(db, event):
    """Registration for `event` closed an hour ago (as an organizer may set it once the list is full)."""
    event.registration_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert services.window_state(event) == services.WindowState.closed


def entries(db, registration, action=None):
    """The registration's audit entries since it was made (the factory's registration.created left out)."""
    db.session.rollback()
    query = sa.select(AuditEntry).where(AuditEntry.registration_id == registration.id,
                                        AuditEntry.action != "registration.created")
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query.order_by(AuditEntry.id)).all()


def messages(db, registration, kind=None):
    db.session.rollback()
    query = sa.select(OutboxMessage).where(OutboxMessage.registration_id == registration.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query.order_by(OutboxMessage.id)).all()


def count(db, model=Registration):
    db.session.rollback()  # what is committed now (SQLite keeps the test's read snapshot otherwise)
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def registration_entries(db):
    """How many audit entries are about a registration (the event's own, its creation and publishing, left out)."""
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.registration_id.is_not(None)))


def seats(db, event):
    db.session.rollback()
    return db.session.get(Event, event.id).seats_taken


# ---- services: adding by hand -----------------------------------------------------------

def test_a_walk_in_after_registration_closed_is_added_and_capacity_still_held(db, make_event, make_registration,
                                                                              organizer):
    event = make_event(capacity=2, waitlist=False)
    make_registration(event, 1)
    close_registration(db, event)
    with pytest.raises(RegistrationClosed):
        services.register(event, person(2))
    db.session.rollback()

    result = management.add_registration(event, person(2), organizer, consent_confirmed=True)
    db.session.commit()
    walk_in = result.registration
    assert result.created and walk_in.status == RegistrationStatus.confirmed and walk_in.added_by_organizer
    assert seats(db, event) == 2

    with pytest.raises(CapacityReached):
        management.add_registration(event, person(3), organizer, consent_confirmed=True)
    db.session.rollback()
    assert seats(db, event) == 2 and count(db) == 2
    assert db.session.get(Event, event.id).capacity == 2
    [added] = entries(db, walk_in, "registration.added")
    assert added.actor_user_id == organizer.id and added.changes == {"status": [None, "confirmed"]}
    # The confirmation with the ticket goes out as for anyone.
    assert [m.kind for m in messages(db, walk_in)] == ["registration_confirmed"]


def test_a_registration_by_phone_before_registration_opens_and_on_an_invite_only_event(db, make_event, organizer):
    event = make_event(registration_mode="invite_only", registration_opens_at=utcnow() + timedelta(days=3))
    assert services.window_state(event) == services.WindowState.not_yet_open

    result = management.add_registration(event, person(1), organizer, consent_confirmed=True)
    db.session.commit()

    assert result.created and reload(db, result.registration).added_by_organizer
    assert result.registration.invitation_id is None


def test_a_full_event_with_a_waitlist_puts_the_walk_in_on_it(db, make_event, make_registration, organizer):
    event = make_event(capacity=1)
    make_registration(event, 1)
    result = management.add_registration(event, person(2), organizer, consent_confirmed=True)
    db.session.commit()
    assert result.registration.status == RegistrationStatus.waitlisted and seats(db, event) == 1


@pytest.mark.parametrize("status", ["cancelled", "draft"])
def test_nobody_is_added_to_a_cancelled_or_unpublished_event(db, make_event, organizer, status):
    event = make_event(status="draft")
    if status == "cancelled":
        event.status = "published"
        db.session.commit()
        from eventsvc.events.services import cancel_event
        cancel_event(event, "เลื่อนการประชุม", actor=organizer)
        db.session.commit()
    with pytest.raises(RegistrationClosed):
        management.add_registration(event, person(1), organizer, consent_confirmed=True)
    db.session.rollback()
    assert count(db) == 0


def test_adding_someone_needs_the_organizer_to_confirm_their_consent(db, make_event, organizer):
    event = make_event(capacity=5)
    with pytest.raises(ValidationFailed) as error:
        management.add_registration(event, person(1), organizer, consent_confirmed=False)
    assert "consent_processing" in error.value.fields
    db.session.rollback()
    assert count(db) == 0 and registration_entries(db) == 0


def test_override_raises_the_full_capacity_by_one_and_records_it(db, make_event, make_registration, organizer):
    event = make_event(capacity=1, waitlist=False)
    make_registration(event, 1)

    result = management.add_registration(event, person(2), organizer, consent_confirmed=True, override_capacity=True)
    db.session.commit()

    db.session.rollback()
    event = db.session.get(Event, event.id)
    assert result.registration.status == RegistrationStatus.confirmed
    assert (event.capacity, event.seats_taken) == (2, 2)  # the database's seats_taken <= capacity still holds
    [raised] = entries(db, result.registration, "event.capacity_raised")
    assert raised.changes == {"capacity": [1, 2]} and raised.event_id == event.id
    [added] = entries(db, result.registration, "registration.added")
    assert added.data["override_capacity"] is True


def test_override_raises_a_full_session_and_nothing_when_there_is_room(db, make_event, make_registration, organizer):
    event = make_event(capacity=10, session_capacity=1, waitlist=False)
    make_registration(event, 1, sessions=[event.sessions[0].id])
    morning, afternoon = event.sessions

    management.add_registration(event, person(2, sessions=[morning.id, afternoon.id]), organizer,
                                consent_confirmed=True, override_capacity=True)
    db.session.commit()

    db.session.rollback()
    assert db.session.get(EventSession, morning.id).capacity == 2
    assert db.session.get(EventSession, afternoon.id).capacity == 1  # had room: untouched
    assert db.session.get(Event, event.id).capacity == 10


def test_override_for_an_address_already_registered_raises_nothing(db, make_event, make_registration, organizer):
    event = make_event(capacity=1, waitlist=False)
    make_registration(event, 1)
    result = management.add_registration(event, person(1), organizer, consent_confirmed=True, override_capacity=True)
    db.session.commit()
    assert not result.created
    db.session.rollback()
    assert db.session.get(Event, event.id).capacity == 1 and count(db) == 1
    assert registration_entries(db) == 1  # the first registration's own, nothing for the second try


# ---- services: corrections ---------------------------------------------------------------

def test_the_organizer_corrects_details_after_registration_closed_and_the_record_keeps_no_values(
        db, make_event, make_registration, organizer):
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    close_registration(db, event)
    with pytest.raises(RegistrationClosed):
        services.update_registration(registration, {**person(1), "first_name": "สมศักดิ์"})
    db.session.rollback()

    management.update_registration(registration, {"first_name": "สมศักดิ์", "sector": "academic"}, organizer)
    db.session.commit()

    registration = reload(db, registration)
    assert registration.first_name == "สมศักดิ์" and registration.sector.value == "academic"
    assert registration.last_name == "ใจดี" and registration.phone == "0812345678"  # the others kept
    [changed] = entries(db, registration, "registration.changed")
    assert changed.changes == {"first_name": [None, None], "sector": ["government", "academic"]}
    assert "สมศักดิ์" not in json.dumps(changed.changes, ensure_ascii=False) + json.dumps(changed.data, ensure_ascii=False)


def test_a_correction_that_changes_nothing_records_nothing(db, make_event, make_registration, organizer):
    registration = make_registration(make_event(capacity=5), 1)
    management.update_registration(registration, {"first_name": registration.first_name}, organizer)
    db.session.commit()
    assert entries(db, registration) == []


def test_a_session_of_another_event_is_a_field_error(db, make_event, make_registration, organizer):
    event, other = make_event(capacity=5), make_event(capacity=5)
    registration = make_registration(event, 1)
    with pytest.raises(ValidationFailed) as error:
        management.update_registration(registration, {"sessions": [other.sessions[0].id]}, organizer)
    assert list(error.value.fields) == ["sessions"]
    db.session.rollback()
    assert [s.id for s in reload(db, registration).sessions] == [s.id for s in event.sessions]


def test_a_correction_cannot_add_a_full_session(db, make_event, make_registration, organizer):
    event = make_event(session_capacity=1)
    morning, afternoon = event.sessions
    make_registration(event, 1, sessions=[afternoon.id])
    registration = make_registration(event, 2, sessions=[morning.id])
    with pytest.raises(ValidationFailed) as error:
        management.update_registration(registration, {"sessions": [morning.id, afternoon.id]}, organizer)
    assert "sessions" in error.value.fields
    db.session.rollback()
    db.session.rollback()
    assert db.session.get(EventSession, afternoon.id).seats_taken == 1
    assert entries(db, registration) == []


def test_a_correction_to_an_address_registered_by_someone_else_is_a_field_error(db, make_event, make_registration,
                                                                                organizer):
    event = make_event(capacity=5)
    make_registration(event, 1)
    registration = make_registration(event, 2)
    with pytest.raises(ValidationFailed) as error:
        management.update_registration(registration, {"email": "Somchai1@example.org"}, organizer)
    assert "email" in error.value.fields


# ---- services: cancel, resend, promote ---------------------------------------------------------

def test_cancelling_with_a_reason_puts_it_in_the_mail_and_moves_the_waitlist_up(db, make_event, make_registration,
                                                                                organizer):
    event = make_event(capacity=1)
    registration = make_registration(event, 1)
    waiting = make_registration(event, 2)
    reason = "ที่นั่งสงวนสำหรับผู้แทนหน่วยงาน\nกรุณาติดต่อผู้จัด"

    promoted = management.cancel_registration(registration, organizer, reason=reason)
    db.session.commit()

    assert [p.id for p in promoted] == [waiting.id]
    assert reload(db, registration).status == RegistrationStatus.cancelled
    [mail] = messages(db, registration, "registration_cancelled")
    rendered = render(mail)
    assert "ที่นั่งสงวนสำหรับผู้แทนหน่วยงาน" in rendered.text and "ที่นั่งสงวนสำหรับผู้แทนหน่วยงาน" in rendered.html
    [cancelled] = entries(db, registration, "registration.cancelled")
    assert cancelled.data == {"reason": reason, "promoted": [waiting.id]}
    assert cancelled.changes == {"status": ["confirmed", "cancelled"]}


def test_the_registrant_cancelling_themself_gets_no_reason_line(db, make_event, make_registration):
    registration = make_registration(make_event(capacity=5), 1)
    services.cancel_registration(registration)
    db.session.commit()
    [mail] = messages(db, registration, "registration_cancelled")
    assert "cancel-reason" not in render(mail).html


def test_cancelling_twice_records_once(db, make_event, make_registration, organizer):
    registration = make_registration(make_event(capacity=5), 1)
    management.cancel_registration(registration, organizer, reason="ซ้ำ")
    management.cancel_registration(registration, organizer, reason="ซ้ำ")
    db.session.commit()
    assert len(entries(db, registration, "registration.cancelled")) == 1
    assert len(messages(db, registration, "registration_cancelled")) == 1


@pytest.mark.parametrize("reason", ["ok\x00no", "x" * 1001, "bell\x07"])
def test_a_reason_with_control_characters_or_too_long_is_a_field_error(db, make_event, make_registration, organizer,
                                                                       reason):
    registration = make_registration(make_event(capacity=5), 1)
    with pytest.raises(ValidationFailed) as error:
        management.cancel_registration(registration, organizer, reason=reason)
    assert list(error.value.fields) == ["reason"]
    db.session.rollback()
    assert reload(db, registration).status == RegistrationStatus.confirmed


def test_resending_writes_the_confirmation_with_the_ticket_again(db, make_event, make_registration, organizer):
    registration = make_registration(make_event(capacity=5), 1)
    assert management.resend_confirmation(registration, organizer) == "registration_confirmed"
    db.session.commit()
    sent = messages(db, registration, "registration_confirmed")
    assert len(sent) == 2
    assert "ticket-qr.png" in [name for name, _type, _data in render(sent[-1]).attachments]
    assert len(entries(db, registration, "registration.resent")) == 1


def test_resending_to_a_cancelled_registration_is_refused(db, make_event, make_registration, organizer):
    registration = make_registration(make_event(capacity=5), 1)
    services.cancel_registration(registration)
    db.session.commit()
    with pytest.raises(Conflict):
        management.resend_confirmation(registration, organizer)


def waitlisted_with_a_free_seat(db, make_event, make_registration, people=1, **fields):
    """An event with one seat free and people on its waitlist (e.g. their session was full when one left)."""
    event = make_event(capacity=1, **fields)
    make_registration(event, 0)
    waiting = [make_registration(event, n) for n in range(1, people + 1)]
    db.session.execute(sa.update(Event).where(Event.id == event.id).values(capacity=2))  # no promotion ran
    db.session.commit()
    return event, waiting


def test_moving_up_from_the_waitlist_takes_a_seat_and_tells_the_person(db, make_event, make_registration, organizer):
    event, [first, second] = waitlisted_with_a_free_seat(db, make_event, make_registration, people=2)

    management.promote(second, organizer)  # ahead of the first in the queue: the organizer's choice
    db.session.commit()

    assert reload(db, second).status == RegistrationStatus.confirmed and second.confirmed_at is not None
    assert reload(db, first).status == RegistrationStatus.waitlisted
    assert seats(db, event) == 2
    assert [m.kind for m in messages(db, second)] == ["registration_waitlisted", "registration_promoted"]
    [promoted] = entries(db, second, "registration.promoted")
    assert promoted.changes == {"status": ["waitlisted", "confirmed"]}

    with pytest.raises(CapacityReached):  # the event is full again
        management.promote(first, organizer)
    db.session.rollback()
    assert reload(db, first).status == RegistrationStatus.waitlisted and seats(db, event) == 2


def test_moving_up_is_refused_when_a_session_of_theirs_is_full(db, make_event, make_registration, organizer):
    event = make_event(capacity=10, session_capacity=1)
    morning = event.sessions[0]
    make_registration(event, 1, sessions=[morning.id])
    waiting = make_registration(event, 2, sessions=[morning.id])
    assert waiting.status == RegistrationStatus.waitlisted
    with pytest.raises(CapacityReached):
        management.promote(waiting, organizer)
    db.session.rollback()
    assert seats(db, event) == 1


def test_only_a_waitlisted_person_can_be_moved_up(db, make_event, make_registration, organizer):
    registration = make_registration(make_event(capacity=5), 1)
    with pytest.raises(Conflict):
        management.promote(registration, organizer)


def test_the_record_lists_history_newest_first_and_the_messages(db, make_event, make_registration, organizer):
    registration = make_registration(make_event(capacity=5), 1)
    management.update_registration(registration, {"organization": "กรมใหม่"}, organizer)
    management.resend_confirmation(registration, organizer)
    db.session.commit()
    record = management.registrant_record(registration)
    assert [e.action for e in record.history] == ["registration.resent", "registration.changed", "registration.created"]
    assert [m.kind for m in record.messages] == ["registration_confirmed", "registration_confirmed"]
    assert record.invitation is None and record.checkins == [] and record.online_joins == []


def test_an_erased_registration_cannot_be_acted_on(db, make_event, make_registration, organizer):
    registration = make_registration(make_event(capacity=5), 1)
    privacy.erase_registration(registration)
    db.session.commit()
    for action in (lambda: management.resend_confirmation(registration, organizer),
                   lambda: management.update_registration(registration, {"first_name": "x"}, organizer)):
        with pytest.raises(Conflict):
            action()


def test_the_record_shows_check_ins_their_undo_and_online_joins(client, db, make_event, make_registration, organizer,
                                                               login_as):
    from eventsvc.checkin.models import CheckinMethod
    from eventsvc.checkin.services import check_in, undo_check_in
    from eventsvc.livestream.services import record_join

    event = make_event(capacity=5, starts_in=timedelta(minutes=30))
    morning, afternoon = event.sessions
    registration = make_registration(event, 1)
    check_in(registration, morning, organizer, CheckinMethod.search)
    undo_check_in(registration, morning, organizer)
    record_join(registration, afternoon, utcnow())
    db.session.commit()

    record = management.registrant_record(registration)
    assert [c.action.value for c in record.checkins] == ["check_in", "undo"]
    assert [j.session_id for j in record.online_joins] == [afternoon.id]
    login_as(user=organizer)
    page = client.get(record_url(event, registration)).get_data(as_text=True)
    assert 'data-checkin="check_in"' in page and 'data-checkin="undo"' in page
    assert f'data-join="{afternoon.id}"' in page


# ---- HTML pages ----------------------------------------------------------------------------

def record_url(event, registration):
    return f"/organizer/events/{event.slug}/registrations/{registration.id}"


def test_the_record_page_shows_the_person_their_history_and_the_actions(client, db, make_event, make_registration,
                                                                        organizer, login_as):
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    management.resend_confirmation(registration, organizer)
    db.session.commit()
    login_as(user=organizer)

    page = client.get(record_url(event, registration)).get_data(as_text=True)

    assert "สมชาย1" in page and "somchai1@example.org" in page and "0812345678" in page
    assert 'data-action="registration.resent"' in page
    management.update_registration(registration, {"sessions": [event.sessions[1].id]}, organizer)
    db.session.commit()
    page = client.get(record_url(event, registration)).get_data(as_text=True)
    assert "ช่วงการประชุม: ช่วงเช้า, ช่วงบ่าย → ช่วงบ่าย" in page
    assert page.count('data-kind="registration_confirmed"') == 2
    assert 'id="registrant-actions"' in page and 'id="cancel-form"' in page
    listing = client.get(f"/organizer/events/{event.slug}/registrations").get_data(as_text=True)
    assert f'href="{record_url(event, registration)}"' in listing and 'id="add-registration"' in listing


def test_a_viewer_sees_the_record_without_actions_and_may_not_act(client, db, make_event, make_registration,
                                                                  make_user, login_as):
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    viewer = make_user(Role.organizer)
    add_member(db, event, viewer, "viewer")
    login_as(user=viewer)

    page = client.get(record_url(event, registration))
    assert page.status_code == 200 and 'id="registrant-actions"' not in page.get_data(as_text=True)
    listing = client.get(f"/organizer/events/{event.slug}/registrations").get_data(as_text=True)
    assert 'id="add-registration"' not in listing
    token = csrf_from(page.get_data(as_text=True))
    for path in ("/resend", "/promote", "/cancel"):
        assert client.post(record_url(event, registration) + path, data={"csrf_token": token}).status_code == 403
    assert client.get(record_url(event, registration) + "/edit").status_code == 403
    assert client.get(f"/organizer/events/{event.slug}/registrations/new").status_code == 403
    assert entries(db, registration) == [] and reload(db, registration).is_active


def test_door_staff_and_strangers_cannot_open_a_record(client, db, make_event, make_registration, make_user, login_as):
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    door = make_user(Role.checkin)
    add_member(db, event, door, "checkin")
    login_as(user=door)
    assert client.get(record_url(event, registration)).status_code == 403


def test_a_registration_of_another_event_is_404(client, db, make_event, make_registration, organizer, login_as):
    event, other = make_event(capacity=5), make_event(capacity=5)
    theirs = make_registration(other, 1)
    login_as(user=organizer)
    assert client.get(record_url(event, theirs)).status_code == 404
    assert client.get(f"/organizer/events/{event.slug}/registrations/999999").status_code == 404
    page = client.get(record_url(other, theirs)).get_data(as_text=True)
    response = client.post(record_url(event, theirs) + "/cancel", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404 and reload(db, theirs).is_active


def test_correcting_on_the_page_saves_and_a_full_session_is_a_field_error(client, db, make_event, make_registration,
                                                                          organizer, login_as):
    event = make_event(session_capacity=1)
    morning, afternoon = event.sessions
    make_registration(event, 1, sessions=[afternoon.id])
    registration = make_registration(event, 2, sessions=[morning.id])
    login_as(user=organizer)
    url = record_url(event, registration) + "/edit"
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), **{k: v for k, v in person(2).items()
                                              if k not in ("consent_processing", "consent_listing", "sessions")}}

    refused = client.post(url, data={**data, "sessions": [morning.id, afternoon.id]})
    assert refused.status_code == 422
    assert any("ช่วงบ่าย" in message for message in field_errors(refused.get_data(as_text=True), "sessions-0"))

    saved = client.post(url, data={**data, "sessions": [morning.id], "organization": "สำนักงาน ก.พ."})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(record_url(event, registration))
    assert reload(db, registration).organization == "สำนักงาน ก.พ."


def test_cancelling_from_the_record_with_a_reason(client, db, make_event, make_registration, organizer, login_as):
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    login_as(user=organizer)
    page = client.get(record_url(event, registration)).get_data(as_text=True)

    response = client.post(record_url(event, registration) + "/cancel",
                           data={"csrf_token": csrf_from(page), "back": "record", "reason": "แจ้งยกเลิกทางโทรศัพท์"})

    assert response.status_code == 302 and response.headers["Location"].endswith(record_url(event, registration))
    assert reload(db, registration).status == RegistrationStatus.cancelled
    assert "แจ้งยกเลิกทางโทรศัพท์" in render(messages(db, registration, "registration_cancelled")[0]).text
    page = client.get(record_url(event, registration)).get_data(as_text=True)
    assert "แจ้งยกเลิกทางโทรศัพท์" in page and 'data-action="registration.cancelled"' in page


def test_resend_and_promote_buttons(client, db, make_event, make_registration, organizer, login_as):
    event, [waiting] = waitlisted_with_a_free_seat(db, make_event, make_registration)
    login_as(user=organizer)
    page = client.get(record_url(event, waiting)).get_data(as_text=True)
    assert "/promote" in page
    token = csrf_from(page)
    assert client.post(record_url(event, waiting) + "/promote", data={"csrf_token": token}).status_code == 302
    assert reload(db, waiting).status == RegistrationStatus.confirmed
    assert client.post(record_url(event, waiting) + "/resend", data={"csrf_token": token}).status_code == 302
    assert [m.kind for m in messages(db, waiting)][-1] == "registration_confirmed"


def add_form(client, event, **overrides):
    html = client.get(f"/organizer/events/{event.slug}/registrations/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html),
            "submission_key": re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1),
            **{k: v for k, v in person(5).items() if k not in ("consent_processing", "consent_listing")},
            "consent_processing": "y", "locale": "th"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_adding_a_walk_in_on_the_page_after_registration_closed(client, db, make_event, organizer, login_as):
    event = make_event(capacity=5)
    close_registration(db, event)
    login_as(user=organizer)

    response = client.post(f"/organizer/events/{event.slug}/registrations/new", data=add_form(client, event))

    assert response.status_code == 302
    registration = db.session.scalar(sa.select(Registration))
    assert registration.added_by_organizer and registration.status == RegistrationStatus.confirmed
    assert response.headers["Location"].endswith(record_url(event, registration))
    listing = client.get(f"/organizer/events/{event.slug}/registrations").get_data(as_text=True)
    assert 'class="badge added"' in listing
    export = client.get(f"/organizer/events/{event.slug}/registrations.csv?codes=1")
    header, row = export.get_data(as_text=True).lstrip("\ufeff").splitlines()[:2]
    assert header.split(",")[-1] == "added_by_organizer" and row.split(",")[-1] in ("true", "1", "True")


def test_the_add_form_needs_the_consent_box_and_says_an_address_is_registered(client, db, make_event,
                                                                             make_registration, organizer, login_as):
    event = make_event(capacity=5)
    existing = make_registration(event, 5)
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/registrations/new"

    no_consent = client.post(url, data=add_form(client, event, consent_processing=None, email="new@example.org"))
    assert no_consent.status_code == 422
    assert field_errors(no_consent.get_data(as_text=True), "consent_processing")

    twice = client.post(url, data=add_form(client, event))
    assert twice.status_code == 422 and f'href="{record_url(event, existing)}"' in twice.get_data(as_text=True)
    assert count(db) == 1


def test_the_add_form_with_override_on_a_full_event(client, db, make_event, make_registration, organizer, login_as):
    event = make_event(capacity=1, waitlist=False)
    make_registration(event, 1)
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/registrations/new"

    full = client.post(url, data=add_form(client, event))
    assert full.status_code == 409 and 'id="refusal"' in full.get_data(as_text=True)
    assert count(db) == 1

    over = client.post(url, data=add_form(client, event, override_capacity="y"))
    assert over.status_code == 302 and count(db) == 2
    db.session.rollback()
    assert db.session.get(Event, event.id).capacity == 2


# ---- API ----------------------------------------------------------------------------------

def api_url(event, registration, action=""):
    return f"/api/v1/events/{event.slug}/registrations/{registration.id}{action}"


def test_api_reads_one_registrant_with_their_record(client, db, make_event, make_registration, organizer, api_token):
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    management.resend_confirmation(registration, organizer)
    db.session.commit()

    body = client.get(api_url(event, registration), headers=auth(api_token)).get_json()

    assert body["id"] == registration.id and body["email"] == "somchai1@example.org"
    assert body["added_by_organizer"] is False and body["status"] == "confirmed"
    assert [h["action"] for h in body["history"]] == ["registration.resent", "registration.created"]
    assert body["history"][0]["actor"] == organizer.email
    assert [m["kind"] for m in body["messages"]] == ["registration_confirmed"] * 2
    assert body["checkins"] == [] and body["invitation"] is None


def test_api_viewer_reads_but_may_not_change(client, db, make_event, make_registration, make_user):
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    viewer = make_user(Role.organizer)
    add_member(db, event, viewer, "viewer")
    token = issue_api_token(viewer)
    db.session.commit()
    assert client.get(api_url(event, registration), headers=auth(token)).status_code == 200
    assert client.patch(api_url(event, registration), json={"first_name": "x"}, headers=auth(token)).status_code == 403
    assert client.post(api_url(event, registration, "/cancel"), json={}, headers=auth(token)).status_code == 403
    assert client.post(api_url(event, registration, "/resend"), headers=auth(token)).status_code == 403
    assert client.get(api_url(event, registration)).status_code == 401
    assert entries(db, registration) == []


ROUTES = [("get", ""), ("patch", ""), ("post", "/cancel"), ("post", "/resend"), ("post", "/promote")]
ALLOWED = {"owner": {r for r in ROUTES}, "organizer": {r for r in ROUTES}, "viewer": {("get", "")},
           "checkin": set(), "stranger": set()}


@pytest.mark.parametrize("role", ALLOWED)
def test_api_every_role_on_every_registrant_route(client, db, make_event, make_registration, make_user, organizer,
                                                  role):
    """Allowed: the answer is not 403 (409 is fine: a rule, not a right); refused: 403 and nothing recorded."""
    event = make_event(capacity=5)
    registration = make_registration(event, 1)
    user = organizer if role == "owner" else make_user(Role.checkin if role == "checkin" else Role.organizer)
    if role not in ("owner", "stranger"):
        add_member(db, event, user, role)
    token = issue_api_token(user)
    db.session.commit()
    bodies = {"patch": {"organization": "กรมตรวจสอบ"}, "post": {"reason": "ตรวจสิทธิ์"}}
    for method, action in ROUTES:
        kwargs = {"json": bodies[method]} if method in bodies and action in ("", "/cancel") else {}
        response = getattr(client, method)(api_url(event, registration, action), headers=auth(token), **kwargs)
        if (method, action) in ALLOWED[role]:
            assert response.status_code != 403, (role, method, action, response.get_json())
        else:
            assert response.status_code == 403, (role, method, action, response.status_code)
    if not ALLOWED[role] - {("get", "")}:
        assert entries(db, registration) == [] and reload(db, registration).is_active


def test_api_another_events_registration_is_404(client, db, make_event, make_registration, api_token):
    event, other = make_event(capacity=5), make_event(capacity=5)
    theirs = make_registration(other, 1)
    for call in (client.get(api_url(event, theirs), headers=auth(api_token)),
                 client.patch(api_url(event, theirs), json={"first_name": "x"}, headers=auth(api_token)),
                 client.post(api_url(event, theirs, "/cancel"), json={"reason": "x"}, headers=auth(api_token))):
        assert call.status_code == 404 and call.get_json()["error"]["code"] == "not_found"
    assert reload(db, theirs).is_active and reload(db, theirs).first_name == "สมชาย1"


def test_api_patch_corrects_and_refuses_a_session_of_another_event(client, db, make_event, make_registration,
                                                                   api_token):
    event, other = make_event(capacity=5), make_event(capacity=5)
    registration = make_registration(event, 1)

    refused = client.patch(api_url(event, registration), json={"sessions": [other.sessions[0].id]},
                           headers=auth(api_token))
    assert refused.status_code == 422 and "sessions" in refused.get_json()["error"]["fields"]

    patched = client.patch(api_url(event, registration), json={"sessions": [event.sessions[1].id], "phone": "021234567"},
                           headers=auth(api_token))
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["sessions"] == [event.sessions[1].id] and patched.get_json()["phone"] == "021234567"
    [changed] = entries(db, registration, "registration.changed")
    assert changed.actor_kind.value == "token"
    assert changed.changes == {"phone": [None, None],
                               "sessions": [sorted(s.id for s in event.sessions), [event.sessions[1].id]]}


def test_api_cancel_with_a_reason_resend_and_promote(client, db, make_event, make_registration, api_token):
    event = make_event(capacity=1)
    registration = make_registration(event, 1)
    waiting = make_registration(event, 2)
    waiting_too = make_registration(event, 3)

    full = client.post(api_url(event, waiting, "/promote"), headers=auth(api_token))
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "full"

    resent = client.post(api_url(event, registration, "/resend"), headers=auth(api_token))
    assert resent.status_code == 202 and resent.get_json()["kind"] == "registration_confirmed"

    cancelled = client.post(api_url(event, registration, "/cancel"), json={"reason": "ผู้จัดขอยกเลิก"},
                            headers=auth(api_token))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert "ผู้จัดขอยกเลิก" in render(messages(db, registration, "registration_cancelled")[0]).text
    assert reload(db, waiting).status == RegistrationStatus.confirmed  # the queue moved up
    assert reload(db, waiting_too).status == RegistrationStatus.waitlisted

    assert client.post(api_url(event, registration, "/resend"), headers=auth(api_token)).status_code == 409
    bad = client.post(api_url(event, waiting, "/cancel"), json={"reason": "a\u0007b"}, headers=auth(api_token))
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]


def test_api_an_organizer_adds_a_walk_in_after_registration_closed(client, db, make_event, make_registration,
                                                                   api_token):
    event = make_event(capacity=1, waitlist=False)
    close_registration(db, event)
    url = f"/api/v1/events/{event.slug}/registrations"

    assert client.post(url, json=person(1)).status_code == 409  # the public: closed
    added = client.post(url, json={**person(1), "added_by_organizer": True}, headers=auth(api_token))
    assert added.status_code == 201 and added.get_json()["status"] == "confirmed"
    assert db.session.scalar(sa.select(Registration)).added_by_organizer

    full = client.post(url, json={**person(2), "added_by_organizer": True}, headers=auth(api_token))
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "full"
    over = client.post(url, json={**person(2), "override_capacity": True}, headers=auth(api_token))
    assert over.status_code == 201 and over.get_json()["status"] == "confirmed"
    db.session.rollback()
    assert (db.session.get(Event, event.id).capacity, db.session.get(Event, event.id).seats_taken) == (2, 2)
    listed = client.get(url, headers=auth(api_token)).get_json()
    assert [r["added_by_organizer"] for r in listed] == [True, True]


@pytest.mark.parametrize("flag", ["added_by_organizer", "override_capacity"])
def test_api_the_organizer_flags_without_the_manage_right_are_403(client, db, make_event, make_user, flag):
    event = make_event(capacity=5)
    close_registration(db, event)
    door = make_user(Role.checkin)
    add_member(db, event, door, "checkin")
    door_token = issue_api_token(door)
    db.session.commit()
    url = f"/api/v1/events/{event.slug}/registrations"
    for headers in ({}, auth(door_token), auth("not-a-token")):
        response = client.post(url, json={**person(1), flag: True}, headers=headers)
        assert response.status_code == 403, response.get_json()
    assert count(db) == 0


# ---- races: two organizers at once (gunicorn, 4 workers, SQLite and PostgreSQL) ----------------------------

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    from conftest import PG_URL
    from servers import eventsvc_server, scratch_postgres_database

    folder = tmp_path_factory.mktemp(f"registrants-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'eventsvc.sqlite3'}"
        with eventsvc_server(url, folder, workers=4) as (base_url, token):
            yield base_url, token, url
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need EVENTSVC_TEST_DATABASE_URL (CI sets it)")
    with scratch_postgres_database(PG_URL, prefix="evs_regs") as url:
        with eventsvc_server(url, folder, workers=4) as (base_url, token):
            yield base_url, token, url


def _fire_together(calls):
    """Run every (url, json) POST at once, released by a barrier; [(status, body)] in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def post(index, url, body, headers):
        barrier.wait(timeout=30)
        response = requests.post(url, json=body, headers=headers, timeout=90)
        results[index] = (response.status_code, response.json())

    threads = [threading.Thread(target=post, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(150)
    return results


def _sql(url, statement, **params):
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def _event_with_waitlist(base_url, token, people):
    start = utcnow().replace(microsecond=0) + timedelta(days=30)
    event = requests.post(f"{base_url}/api/v1/events", headers=auth(token), timeout=90, json={
        "slug": f"race-{people}-{start.timestamp():.0f}-{threading.get_ident() % 1000}",
        "title_th": "ประชุมทดสอบการแข่งกัน", "kind": "workshop", "format": "onsite", "capacity": 1,
        "waitlist": True, "status": "published",
        "sessions": [{"name_th": "ช่วงเช้า", "starts_at": start.isoformat(),
                      "ends_at": (start + timedelta(hours=3)).isoformat()}]}).json()
    ids = []
    for n in range(people):
        requests.post(f"{base_url}/api/v1/events/{event['slug']}/registrations", timeout=90,
                      json={**person(n), "email": f"race{n}@example.org"}).raise_for_status()
    for row in requests.get(f"{base_url}/api/v1/events/{event['slug']}/registrations", headers=auth(token),
                            timeout=90).json():
        ids.append((row["id"], row["status"]))
    return event, ids


@pytest.mark.server
def test_two_organizers_moving_up_two_people_for_the_last_seat_one_wins(server):
    base_url, token, url = server
    event, registrations = _event_with_waitlist(base_url, token, 3)
    waiting = [rid for rid, status in registrations if status == "waitlisted"]
    assert len(waiting) == 2
    # One seat frees without the waitlist moving (as when the waiting people's session was full).
    _sql(url, "UPDATE events SET capacity = 2 WHERE slug = :slug", slug=event["slug"])
    second = "second.organizer@example.org"
    from servers import flask_cli, service_env
    flask_cli(service_env(url), "user", "create", second, "--role", "organizer", "--password", "pass word 1234")
    second_token = flask_cli(service_env(url), "user", "token", second).strip().splitlines()[-1]
    _sql(url, "INSERT INTO event_members (event_id, user_id, role, created_at) "
              "SELECT e.id, u.id, 'organizer', CURRENT_TIMESTAMP FROM events e, users u "
              "WHERE e.slug = :slug AND u.email = :email", slug=event["slug"], email=second)

    results = _fire_together([
        (f"{base_url}/api/v1/events/{event['slug']}/registrations/{waiting[0]}/promote", None, auth(token)),
        (f"{base_url}/api/v1/events/{event['slug']}/registrations/{waiting[1]}/promote", None, auth(second_token)),
    ])

    assert sorted(status for status, _body in results) == [200, 409], results
    assert [body["error"]["code"] for status, body in results if status == 409] == ["full"]
    [(seats_taken, capacity)] = _sql(url, "SELECT seats_taken, capacity FROM events WHERE slug = :slug",
                                     slug=event["slug"])
    assert (seats_taken, capacity) == (2, 2)
    [(promoted,)] = _sql(url, "SELECT count(*) FROM audit_entries WHERE action = 'registration.promoted' "
                              "AND registration_id IN (:a, :b)", a=waiting[0], b=waiting[1])
    assert promoted == 1


@pytest.mark.server
def test_two_walk_ins_at_once_for_the_last_seat_one_is_refused(server):
    base_url, token, url = server
    event, _ = _event_with_waitlist(base_url, token, 0)
    _sql(url, "UPDATE events SET waitlist = false WHERE slug = :slug", slug=event["slug"])
    registrations = f"{base_url}/api/v1/events/{event['slug']}/registrations"
    results = _fire_together([
        (registrations, {**person(n), "email": f"walkin{n}@example.org", "added_by_organizer": True}, auth(token))
        for n in range(2)])
    assert sorted(status for status, _body in results) == [201, 409], results
    [(seats_taken,)] = _sql(url, "SELECT seats_taken FROM events WHERE slug = :slug", slug=event["slug"])
    assert seats_taken == 1


def test_api_a_person_added_by_hand_is_named_by_their_email_not_an_invitation(client, db, make_event, api_token):
    event = make_event(capacity=5)
    body = {k: v for k, v in person(7).items() if k != "email"}
    body.update(invite="a" * 43, added_by_organizer=True)

    response = client.post(f"/api/v1/events/{event.slug}/registrations", json=body,
                           headers={**auth(api_token), "Accept-Language": "en"})

    assert response.status_code == 422
    assert "an invitation is not used then" in response.get_json()["error"]["fields"]["email"][0]
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0
