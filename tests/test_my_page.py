"""The registrant's own page: the ticket and calendar, changing details and sessions, cancelling, their data (PDPA)."""
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, person, reload
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import CheckinMethod
from eventsvc.errors import ValidationFailed
from eventsvc.mail.models import MessageStatus, OutboxMessage
from eventsvc.models_base import utcnow
from eventsvc.registration import services
from eventsvc.registration.models import Registration, RegistrationStatus
from eventsvc.registration import privacy


def register(db, event, n=1, **overrides):
    result = services.register(event, person(n, **overrides))
    db.session.commit()
    return result.registration, result.manage_token


def edit_form(registration, **changes):
    data = {"title_prefix": registration.title_prefix, "first_name": registration.first_name,
            "last_name": registration.last_name, "organization": registration.organization,
            "position": registration.position, "sector": registration.sector.value, "email": registration.email,
            "phone": registration.phone, "attendance": registration.attendance.value,
            "sessions": [s.id for s in registration.sessions]}
    data.update(changes)
    return data


def test_the_page_shows_the_ticket_the_sessions_and_the_calendar(db, client, make_event):
    event = make_event(venue_name="ศูนย์ราชการ", format="hybrid")
    registration, token = register(db, event)
    html = client.get(f"/my/{token}").get_data(as_text=True)
    assert f'src="/t/{registration.ticket_code}/qr.svg"' in html
    assert f'href="/my/{token}/calendar.ics"' in html
    assert "calendar.google.com" in html and "outlook.live.com" in html
    assert 'id="my-session-' in html and "ช่วงเช้า" in html and "ศูนย์ราชการ" in html
    assert 'id="edit-link"' in html and 'id="my-data"' in html and "somchai1@example.org" in html


def test_a_person_changes_their_details_and_sessions(db, client, make_event):
    event = make_event(format="hybrid")
    registration, token = register(db, event)
    morning, afternoon = event.sessions
    page = client.get(f"/my/{token}/edit")
    assert page.status_code == 200 and 'value="สมชาย1"' in page.get_data(as_text=True)
    response = client.post(f"/my/{token}/edit", data={**edit_form(registration, first_name="สมชัย", organization="กรมบัญชีกลาง",
                                                                  attendance="online", sessions=[afternoon.id]),
                                                      "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    registration = reload(db, registration)
    assert (registration.first_name, registration.organization, registration.attendance.value) == ("สมชัย", "กรมบัญชีกลาง", "online")
    assert [s.id for s in registration.sessions] == [afternoon.id]
    assert (reload(db, morning).seats_taken, reload(db, afternoon).seats_taken) == (0, 1)


def test_a_full_session_cannot_be_added_and_nothing_changes(db, make_event):
    event = make_event(session_capacity=1)
    morning, afternoon = event.sessions
    taken, _ = register(db, event, 1, sessions=[afternoon.id])
    mine, _ = register(db, event, 2, sessions=[morning.id])
    with pytest.raises(ValidationFailed) as refused:
        services.update_registration(mine, edit_form(mine, sessions=[morning.id, afternoon.id]))
    assert "sessions" in refused.value.fields
    db.session.rollback()
    assert [s.id for s in reload(db, mine).sessions] == [morning.id]
    assert (reload(db, morning).seats_taken, reload(db, afternoon).seats_taken) == (1, 1)


def test_dropping_a_session_lets_the_next_person_in(db, make_event):
    event = make_event(session_capacity=1, capacity=10)
    morning, afternoon = event.sessions
    first, _ = register(db, event, 1)            # both sessions: full
    waiting, _ = register(db, event, 2, sessions=[afternoon.id])
    assert waiting.status == RegistrationStatus.waitlisted
    services.update_registration(first, edit_form(first, sessions=[morning.id]))
    db.session.commit()
    assert reload(db, waiting).status == RegistrationStatus.confirmed


def test_an_invited_person_cannot_change_the_email(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, _ = make_invitation(event)
    result = services.register(event, person(1, email=None), invitation=invitation)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        services.update_registration(result.registration, edit_form(result.registration, email="other@example.org"))


def test_another_registrants_email_is_refused(db, make_event):
    event = make_event()
    register(db, event, 1)
    second, _ = register(db, event, 2)
    with pytest.raises(ValidationFailed) as refused:
        services.update_registration(second, edit_form(second, email="SOMCHAI1@example.org"))
    assert "email" in refused.value.fields


def test_after_registration_closes_nothing_can_be_changed(db, client, make_event):
    event = make_event()
    registration, token = register(db, event)
    event.registration_closes_at = utcnow() - timedelta(minutes=1)
    event.registration_opens_at = None
    db.session.commit()
    page = client.get(f"/my/{token}/edit")
    assert page.status_code == 409 and 'id="closed"' in page.get_data(as_text=True)
    assert 'id="edit-link"' not in client.get(f"/my/{token}").get_data(as_text=True)
    # A form kept open from before the close (or a hand-made POST) changes nothing either.
    morning, afternoon = event.sessions
    token_field = csrf_from(client.get(f"/my/{token}").get_data(as_text=True))
    response = client.post(f"/my/{token}/edit", data={**edit_form(registration, first_name="สมชัย",
                                                                  sessions=[afternoon.id]),
                                                      "csrf_token": token_field})
    assert response.status_code == 409
    registration = reload(db, registration)
    assert registration.first_name == "สมชาย1"
    assert sorted(s.id for s in registration.sessions) == sorted([morning.id, afternoon.id])


def test_cancelling_frees_the_seat_for_the_first_on_the_waitlist_who_is_told(db, client, make_event):
    event = make_event(capacity=1)
    first, token = register(db, event, 1)
    second, _ = register(db, event, 2)
    third, _ = register(db, event, 3)
    html = client.get(f"/my/{token}").get_data(as_text=True)
    assert client.post(f"/my/{token}/cancel", data={"csrf_token": csrf_from(html)}).status_code == 302
    assert reload(db, first).status == RegistrationStatus.cancelled
    assert reload(db, second).status == RegistrationStatus.confirmed
    assert reload(db, third).status == RegistrationStatus.waitlisted
    promoted = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration_promoted")).all()
    assert [m.to_address for m in promoted] == ["somchai2@example.org"]


def test_a_cancel_after_the_event_is_refused_clearly_and_changes_nothing(db, client, make_event):
    event = make_event(starts_in=timedelta(hours=1))
    registration, token = register(db, event)
    event.ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/my/{token}").get_data(as_text=True)
    assert "cancel_my_registration" not in html and f"/my/{token}/cancel" not in html
    response = client.post(f"/my/{token}/cancel", data={"csrf_token": csrf_from(html)}, follow_redirects=True)
    assert response.status_code == 200 and 'class="flash error"' in response.get_data(as_text=True)
    assert reload(db, registration).status == RegistrationStatus.confirmed


def test_the_person_downloads_everything_kept_about_them(db, client, make_event, staff):
    event = make_event(starts_in=timedelta(minutes=30))
    registration, token = register(db, event, consent_listing=True)
    checkin_services.check_in(registration, event.sessions[0], staff, CheckinMethod.search)
    db.session.commit()
    response = client.get(f"/my/{token}/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    assert data["registration"]["email"] == "somchai1@example.org" and data["registration"]["phone"] == "0812345678"
    assert data["consents"]["listed_publicly"] is True and data["consents"]["processing_given_at"]
    assert len(data["check_ins"]) == 1 and data["check_ins"][0]["method"] == "search"
    assert [m["kind"] for m in data["messages"]] == ["registration_confirmed"]


def _personal_columns(db, registration_id):
    row = db.session.execute(sa.text("SELECT * FROM registrations WHERE id = :id"), {"id": registration_id}).mappings().one()
    return {k: row[k] for k in ("title_prefix", "first_name", "last_name", "email", "phone", "organization", "position",
                                "manage_seed", "ticket_id", "submission_key_hash")}


def test_erasure_leaves_no_personal_data_and_the_counts_stay_right(app, db, client, make_event, staff):
    event = make_event(starts_in=timedelta(hours=1))
    registration, token = register(db, event, 1)
    register(db, event, 2)
    checkin_services.check_in(registration, event.sessions[0], staff, CheckinMethod.qr)
    db.session.commit()
    event.ends_at = utcnow() - timedelta(minutes=1)  # the event took place
    db.session.commit()
    before_counts = services.counts_by_status(event)
    before_door = checkin_services.counts_by_session(event)
    html = client.get(f"/my/{token}").get_data(as_text=True)

    response = client.post(f"/my/{token}/erase", data={"csrf_token": csrf_from(html)})

    assert response.status_code == 200 and 'data-status="erased"' in response.get_data(as_text=True)
    db.session.rollback()
    assert set(_personal_columns(db, registration.id).values()) <= {"", None}
    row = db.session.execute(sa.text("SELECT * FROM registrations WHERE id = :id"), {"id": registration.id}).mappings().one()
    assert "somchai1" not in json.dumps({k: str(v) for k, v in row.items()})
    messages = db.session.execute(sa.text("SELECT to_address FROM outbox_messages WHERE registration_id = :id"),
                                  {"id": registration.id}).scalars().all()
    assert messages and set(messages) == {""}
    assert services.counts_by_status(event) == before_counts and checkin_services.counts_by_session(event) == before_door
    assert client.get(f"/my/{token}").status_code == 404  # the link is gone too


def test_erasing_before_the_event_cancels_and_lets_the_waitlist_in(db, client, make_event):
    event = make_event(capacity=1)
    first, token = register(db, event, 1)
    second, _ = register(db, event, 2)
    privacy.erase_registration(first)
    db.session.commit()
    assert reload(db, first).status == RegistrationStatus.cancelled and reload(db, first).erased_at
    assert reload(db, second).status == RegistrationStatus.confirmed
    cancelled_mail = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.registration_id == first.id,
                                                                       OutboxMessage.kind == "registration_cancelled")).one()
    assert cancelled_mail.status == MessageStatus.cancelled  # nothing goes to an erased address


def test_an_invited_persons_invitation_is_erased_too(db, make_event, make_invitation):
    from eventsvc.invitations.models import Invitation

    event = make_event(registration_mode="invite_only")
    invitation, _ = make_invitation(event, name="นางสาวลบ ข้อมูล")
    result = services.register(event, person(1, email=None), invitation=invitation)
    privacy.erase_registration(result.registration)
    db.session.commit()
    invitation = reload(db, invitation)
    assert (invitation.email, invitation.name, invitation.organization) == ("", "", "")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1


@pytest.mark.parametrize("path", ["", "/edit", "/calendar.ics", "/data.json"])
def test_a_tampered_personal_link_is_a_plain_404(db, client, make_event, path):
    _, token = register(db, make_event())
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], "x" * 43):
        response = client.get(f"/my/{bad}{path}")
        assert response.status_code == 404
        assert "somchai" not in response.get_data(as_text=True)
