"""Registration rules: window, capacity, waitlist order, one registration per person, cancellation."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import person, reload
from eventsvc.errors import CapacityReached, Conflict, InvitationRequired, RegistrationClosed, ValidationFailed
from eventsvc.events import services as event_services
from eventsvc.models_base import utcnow
from eventsvc.registration import services
from eventsvc.registration.models import Registration, RegistrationStatus


def register(db, event, n, **overrides):
    result = services.register(event, person(n, **overrides))
    db.session.commit()
    return result


def test_registration_within_capacity_is_confirmed(db, make_event):
    event = make_event(capacity=2)
    result = register(db, event, 1)
    assert result.created and result.manage_token
    assert result.registration.status == RegistrationStatus.confirmed
    assert result.registration.confirmed_at is not None
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_full_event_puts_the_next_person_on_the_waitlist(db, make_event):
    event = make_event(capacity=2)
    statuses = [register(db, event, n).registration.status for n in range(1, 5)]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    db.session.refresh(event)
    assert event.seats_taken == 2


def test_full_event_without_waitlist_refuses(db, make_event):
    event = make_event(capacity=1, waitlist=False)
    register(db, event, 1)
    with pytest.raises(CapacityReached):
        services.register(event, person(2))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_session_capacity_is_respected_on_its_own(db, make_event):
    event = make_event(sessions=2)
    morning, afternoon = event.sessions
    event_services.update_session(morning, {"capacity": 1})
    db.session.commit()
    assert register(db, event, 1, sessions=[morning.id]).registration.status == "confirmed"
    assert register(db, event, 2, sessions=[morning.id]).registration.status == "waitlisted"
    assert register(db, event, 3, sessions=[afternoon.id]).registration.status == "confirmed"
    db.session.refresh(event)
    assert event.seats_taken == 2  # the waitlisted person holds no seat


def test_cancellation_promotes_the_waitlist_in_order(db, make_event):
    event = make_event(capacity=1)
    first = register(db, event, 1).registration
    second = register(db, event, 2).registration
    third = register(db, event, 3).registration
    promoted = services.cancel_registration(first)
    db.session.commit()
    assert [r.id for r in promoted] == [second.id]
    db.session.refresh(second)
    db.session.refresh(third)
    assert (second.status, third.status) == ("confirmed", "waitlisted")
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_cancelling_twice_frees_one_seat_only(db, make_event):
    event = make_event(capacity=2)
    first = register(db, event, 1).registration
    register(db, event, 2)
    services.cancel_registration(first)
    services.cancel_registration(first)
    db.session.commit()
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_raising_capacity_lets_waitlisted_people_in(db, make_event):
    event = make_event(capacity=1)
    register(db, event, 1)
    waiting = register(db, event, 2).registration
    event_services.update_event(event, {"capacity": 2})
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.status == "confirmed"


def test_capacity_below_seats_taken_is_refused(db, make_event):
    event = make_event(capacity=3)
    register(db, event, 1)
    register(db, event, 2)
    with pytest.raises(ValidationFailed) as error:
        event_services.update_event(event, {"capacity": 1})
    assert "capacity" in error.value.fields


@pytest.mark.parametrize("variant", ["Somchai1@Example.org", "  somchai1@example.org ", "SOMCHAI1@EXAMPLE.ORG"])
def test_same_email_in_other_case_or_spaces_gets_the_existing_registration(db, make_event, variant):
    event = make_event(capacity=10)
    first = register(db, event, 1)
    again = register(db, event, 1, email=variant)
    assert not again.created
    assert again.registration.id == first.registration.id
    assert again.manage_token is None  # another submitter is not shown the personal link
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    db.session.refresh(event)
    assert event.seats_taken == 1


def test_the_same_submission_repeated_gets_the_same_working_personal_link(db, make_event):
    # The same link, not a new one: the confirmation mail written by the first
    # submission carries it, and must keep working after a double click.
    event = make_event()
    first = services.register(event, person(1), submission_key="form-key-1")
    db.session.commit()
    again = services.register(event, person(1), submission_key="form-key-1")
    db.session.commit()
    assert not again.created and again.manage_token == first.manage_token
    assert services.find_registration_by_token(first.manage_token).id == first.registration.id
    assert len(first.manage_token) == 43  # 256 bits of HMAC over a 128-bit random seed (eventsvc/tokens.py)


def test_after_cancelling_a_person_may_register_again(db, make_event):
    event = make_event(capacity=1)
    first = register(db, event, 1).registration
    services.cancel_registration(first)
    db.session.commit()
    again = register(db, event, 1)
    assert again.created and again.registration.id != first.id
    assert again.registration.status == "confirmed"


def test_registration_window(db, make_event):
    opens = utcnow() + timedelta(days=1)
    closes = utcnow() + timedelta(days=5)
    event = make_event(registration_opens_at=opens, registration_closes_at=closes)
    assert services.window_state(event, opens - timedelta(seconds=1)) == "not_yet_open"
    assert services.window_state(event, opens) == "open"
    assert services.window_state(event, closes - timedelta(seconds=1)) == "open"
    assert services.window_state(event, closes) == "closed"
    with pytest.raises(RegistrationClosed):
        services.register(event, person(1))
    assert services.register(event, person(1), now=opens + timedelta(hours=1)).created


def test_registration_closes_when_the_event_ends_by_default(db, make_event):
    event = make_event()
    assert services.window_state(event, event.ends_at - timedelta(minutes=1)) == "open"
    assert services.window_state(event, event.ends_at) == "closed"


def test_draft_and_cancelled_events_take_no_registration(db, make_event):
    draft = make_event(status="draft")
    with pytest.raises(RegistrationClosed):
        services.register(draft, person(1))
    event = make_event()
    register(db, event, 1)
    event_services.cancel_event(event)
    db.session.commit()
    assert services.window_state(event) == "cancelled"
    with pytest.raises(RegistrationClosed):
        services.register(event, person(2))
    with pytest.raises(Conflict):
        event_services.publish_event(event)
    db.session.rollback()
    assert reload(db, event).status.value == "cancelled"


def test_cancelled_event_keeps_its_registrations(db, make_event):
    event = make_event()
    registration = register(db, event, 1).registration
    event_services.cancel_event(event)
    db.session.commit()
    db.session.refresh(registration)
    assert registration.status == "confirmed" and event.cancelled_at is not None


def test_invite_only_event_refuses_registration_without_invitation(db, make_event):
    event = make_event(registration_mode="invite_only")
    with pytest.raises(InvitationRequired):
        services.register(event, person(1))


@pytest.mark.parametrize("field,value", [
    ("email", "not-an-email"),
    ("email", "a@example.org\nBcc: victim@example.org"),
    ("first_name", "สมชาย\r\nX-Header: 1"),
    ("first_name", "x" * 101),
    ("first_name", ""),
    ("sector", "aliens"),
    ("attendance", "by-carrier-pigeon"),
    ("consent_processing", False),
    ("sessions", [999999]),
])
def test_invalid_input_is_refused_with_a_field_error_and_nothing_stored(db, make_event, field, value):
    event = make_event(capacity=5)
    with pytest.raises(ValidationFailed) as error:
        services.register(event, person(1, **{field: value}))
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert register(db, event, 2).registration.status == "confirmed"


def test_attendance_must_match_the_format(db, make_event):
    event = make_event(format="online")
    with pytest.raises(ValidationFailed) as error:
        services.register(event, person(1, attendance="onsite"))
    assert "attendance" in error.value.fields
    result = services.register(event, person(1, attendance=None))
    assert result.registration.attendance == "online"


def test_parallel_sessions_must_be_chosen(db, make_event):
    event = make_event(sessions=1)
    first = event.sessions[0]
    event_services.add_session(event, {"name_th": "กลุ่มที่ 2", "starts_at": first.starts_at, "ends_at": first.ends_at})
    db.session.commit()
    with pytest.raises(ValidationFailed):
        services.register(event, person(1))
    with pytest.raises(ValidationFailed):
        services.register(event, person(1, sessions=[s.id for s in event.sessions]))
    assert services.register(event, person(1, sessions=[first.id])).registration.sessions == [first]


def test_cancel_after_the_event_is_refused(db, make_event):
    event = make_event()
    registration = register(db, event, 1).registration
    from eventsvc.errors import Conflict

    with pytest.raises(Conflict):
        services.cancel_registration(registration, now=event.ends_at + timedelta(minutes=1))


def test_a_new_event_holds_its_enumerated_values_as_enums(db, make_event):
    """Regression: the enum was converted, then strip()ped back to a plain str."""
    from eventsvc.events.models import EventFormat, EventKind, RegistrationMode

    event = make_event(format=" hybrid ", kind="workshop", registration_mode="invite_only")
    assert event.format is EventFormat.hybrid and event.kind is EventKind.workshop
    assert event.registration_mode is RegistrationMode.invite_only
