"""Issue 12: a cancelled event or session is cancelled everywhere, and online attendees know what to do."""
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from conftest import csrf_from, person, reload
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import CheckinMethod
from eventsvc.errors import Conflict, ValidationFailed
from eventsvc.events import services as event_services
from eventsvc.livestream.reminders import send_reminders
from eventsvc.mail.models import OutboxMessage
from eventsvc.mail.render import NothingToSend, render
from eventsvc.registration import services as registration_services

STREAM = "https://www.youtube.com/watch?v=morning0001"
REASON = "ห้องประชุมไม่พร้อมใช้งานเนื่องจากน้ำท่วม"


def register(db, event, n=1, **overrides):
    result = registration_services.register(event, person(n, **overrides))
    db.session.commit()
    return result.registration, result.manage_token


def outbox(db, kind):
    db.session.rollback()
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id)).all()


def entries(data):
    return {str(e["uid"]): (str(e["status"]), int(e["sequence"]), str(e["summary"]))
            for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


@pytest.fixture
def hearing(db, make_event):
    """Published, hybrid, 10 seats; the morning has a stream link, the afternoon none yet."""
    event = make_event(capacity=10, venue_name="ศูนย์ราชการ")
    event_services.update_session(event.sessions[0], {"stream_url": STREAM, "stream_visibility": "registrants"})
    db.session.commit()
    return event


def delivered(db, invitation):
    """The invitation mail has reached the invitee (what the mail worker's delivery records)."""
    from eventsvc.invitations.models import InvitationStatus
    from eventsvc.models_base import utcnow

    invitation.status, invitation.sent_at = InvitationStatus.sent, utcnow()
    db.session.commit()
    return invitation


def cancel(db, event, reason=REASON):
    event_services.cancel_event(event, reason, required=True)
    db.session.commit()


# ---- the whole event -----------------------------------------------------------------------

def test_registrants_and_the_invitees_who_have_not_answered_are_told_with_the_reason(
        db, hearing, make_invitation):
    register(db, hearing, 1)
    register(db, hearing, 2, attendance="online")
    delivered(db, make_invitation(hearing, 1)[0])                 # received, not answered: told
    answered, _ = make_invitation(hearing, 2)
    registration_services.register(hearing, person(3, email=answered.email), invitation=answered)  # registered
    make_invitation(hearing, 4)                                   # its mail has not left yet
    db.session.commit()
    cancel(db, hearing)

    told = outbox(db, "event_cancelled")
    assert sorted(m.to_address for m in told) == ["invitee2@example.org", "somchai1@example.org", "somchai2@example.org"]
    [invitee] = outbox(db, "invitation_event_cancelled")
    assert invitee.to_address == "invitee1@example.org"
    for message in (told[0], invitee):
        rendered = render(message)
        assert REASON in rendered.text and REASON in rendered.html
    # The invitation mail not delivered yet is not sent any more: nobody is invited to a cancelled event.
    [invitation] = [m for m in outbox(db, "invitation") if m.to_address == "invitee4@example.org"]
    with pytest.raises(NothingToSend):
        render(invitation)


def test_the_reason_is_required_in_the_dialog_and_kept_to_what_a_mail_can_carry(db, hearing):
    with pytest.raises(ValidationFailed) as missing:
        event_services.cancel_event(hearing, "   ", required=True)
    assert "cancel_reason" in missing.value.fields
    with pytest.raises(ValidationFailed):
        event_services.cancel_event(hearing, "x" * 2001)
    with pytest.raises(ValidationFailed):
        event_services.cancel_event(hearing, "bad\x00reason")
    db.session.rollback()
    assert reload(db, hearing).status.value == "published" and outbox(db, "event_cancelled") == []


def test_the_cancel_dialog_says_who_will_be_told_and_takes_the_reason(db, client, hearing, login_as, organizer,
                                                                      make_invitation):
    register(db, hearing, 1)
    register(db, hearing, 2)
    delivered(db, make_invitation(hearing, 1)[0])
    make_invitation(hearing, 2)  # not delivered yet: its mail is dropped, nobody to tell
    login_as(user=organizer)
    url = f"/organizer/events/{hearing.slug}/cancel"
    dialog = client.get(url)
    html = dialog.get_data(as_text=True)
    assert dialog.status_code == 200
    assert 'data-registrants="2"' in html and 'data-invitees="1"' in html

    empty = client.post(url, data={"csrf_token": csrf_from(html), "reason": "  "})
    assert empty.status_code == 422 and 'id="reason"' in empty.get_data(as_text=True)
    assert reload(db, hearing).status.value == "published" and outbox(db, "event_cancelled") == []

    done = client.post(url, data={"csrf_token": csrf_from(html), "reason": REASON})
    assert done.status_code == 302
    event = reload(db, hearing)
    assert event.status.value == "cancelled" and event.cancel_reason == REASON
    assert len(outbox(db, "event_cancelled")) == 2

    # Sent twice (a second tab, a double click): no second round of messages.
    again = client.post(url, data={"csrf_token": csrf_from(html), "reason": "อีกครั้ง"})
    assert again.status_code == 302 and len(outbox(db, "event_cancelled")) == 2
    assert reload(db, hearing).cancel_reason == REASON
    assert client.get(url).status_code == 302  # the dialog is not offered again


def test_cancelling_twice_is_refused_and_tells_nobody_twice(db, hearing):
    register(db, hearing, 1)
    cancel(db, hearing)
    with pytest.raises(Conflict):
        event_services.cancel_event(reload(db, hearing), "อีกครั้ง")
    db.session.rollback()
    assert len(outbox(db, "event_cancelled")) == 1 and reload(db, hearing).cancel_reason == REASON


def test_the_registrants_page_shows_the_notice_and_no_ticket_join_or_calendar(db, client, hearing):
    onsite, onsite_token = register(db, hearing, 1)
    online, online_token = register(db, hearing, 2, attendance="online")
    cancel(db, hearing)
    for registration, token in ((onsite, onsite_token), (online, online_token)):
        html = client.get(f"/my/{token}").get_data(as_text=True)
        assert 'id="cancelled-notice"' in html and REASON in html
        assert 'id="ticket-qr"' not in html and "/qr.svg" not in html
        assert "/join" not in html and 'class="button primary join"' not in html
        assert 'id="calendar-download"' not in html and "calendar.google.com" not in html
        assert 'data-status="confirmed"' not in html
        ticket = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
        assert 'data-valid="no"' in ticket and "qr.svg" not in ticket and REASON in ticket


def test_the_join_link_answers_410_with_the_reason(db, client, clock, hearing):
    _, token = register(db, hearing, 1, attendance="online")
    cancel(db, hearing)
    clock.set(hearing.sessions[0].starts_at)  # the stream would be live now
    response = client.get(f"/my/{token}/sessions/{hearing.sessions[0].id}/join")
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert 'data-state="event_cancelled"' in html and REASON in html and STREAM not in html


def test_every_calendar_marks_every_entry_cancelled(db, client, hearing):
    _, token = register(db, hearing, 1)
    cancel(db, hearing)
    for url in (f"/events/{hearing.slug}/calendar.ics", f"/my/{token}/calendar.ics", "/calendar.ics"):
        found = entries(client.get(url).get_data())
        assert len(found) == 2 and {status for status, _, _ in found.values()} == {"CANCELLED"}, url


def test_the_public_page_shows_the_banner_and_no_countdown_seats_register_or_calendar(db, client, clock, hearing):
    clock.set(hearing.sessions[0].starts_at - timedelta(hours=1))  # the countdown would show
    before = client.get(f"/events/{hearing.slug}").get_data(as_text=True)
    assert 'id="register-link"' in before and 'id="event-calendar"' in before and "countdown" in before
    cancel(db, hearing)
    html = client.get(f"/events/{hearing.slug}").get_data(as_text=True)
    assert 'id="cancelled-banner"' in html and REASON in html
    for gone in ('id="register-link"', 'id="event-calendar"', 'class="countdown"', "10 ที่"):
        assert gone not in html, gone
    assert hearing.sessions[0].name_th in html  # what it was stays readable


def test_check_in_and_session_changes_are_refused_after_the_cancellation(db, hearing, staff):
    registration, _ = register(db, hearing, 1)
    cancel(db, hearing)
    with pytest.raises(checkin_services.CheckinRefused) as refused:
        checkin_services.check_in(reload(db, registration), hearing.sessions[0], staff, CheckinMethod.qr)
    assert refused.value.reason == "event_cancelled"
    with pytest.raises(Conflict):
        event_services.update_session(hearing.sessions[0], {"name_th": "ช่วงเช้า (เลื่อน)"})
    with pytest.raises(Conflict):
        event_services.add_session(hearing, {"name_th": "ช่วงเย็น", "starts_at": hearing.ends_at,
                                             "ends_at": hearing.ends_at + timedelta(hours=1)})


def test_no_reminders_for_a_cancelled_event(db, hearing):
    register(db, hearing, 1)
    cancel(db, hearing)
    assert send_reminders(hearing.sessions[0].starts_at - timedelta(minutes=30)) == 0


def test_the_invitation_link_shows_the_cancelled_notice(db, client, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    _, token = make_invitation(event, 1)
    cancel(db, event)
    html = client.get(f"/events/{event.slug}/register?invite={token}").get_data(as_text=True)
    assert 'data-state="cancelled"' in html and REASON in html and 'name="first_name"' not in html


def test_the_api_takes_the_reason_with_the_status(db, client, hearing, api_token):
    register(db, hearing, 1)
    response = client.patch(f"/api/v1/events/{hearing.slug}", json={"status": "cancelled", "cancel_reason": REASON},
                            headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200, response.get_json()
    assert reload(db, hearing).cancel_reason == REASON
    assert REASON in render(outbox(db, "event_cancelled")[0]).text


# ---- one session -----------------------------------------------------------------------------

def test_one_session_cancelled_alone_is_cancelled_everywhere(db, client, clock, hearing, staff):
    morning, afternoon = hearing.sessions
    both, both_token = register(db, hearing, 1, attendance="online")
    only_afternoon, _ = register(db, hearing, 2, sessions=[afternoon.id])
    before = entries(client.get(f"/events/{hearing.slug}/calendar.ics").get_data())
    event_services.cancel_session(morning, "วิทยากรติดภารกิจ")
    db.session.commit()

    [told] = outbox(db, "session_cancelled")
    assert told.to_address == both.email and "วิทยากรติดภารกิจ" in render(told).text
    assert reload(db, hearing).status.value == "published" and outbox(db, "event_cancelled") == []

    after = entries(client.get(f"/events/{hearing.slug}/calendar.ics").get_data())
    morning_uid = next(uid for uid in after if f"session-{morning.id}@" in uid)
    assert after[morning_uid][:2] == ("CANCELLED", before[morning_uid][1] + 1)   # same UID, higher SEQUENCE
    assert {s for uid, (s, _, _) in after.items() if uid != morning_uid} == {"CONFIRMED"}
    mine = entries(client.get(f"/my/{both_token}/calendar.ics").get_data())
    assert sorted(s for s, _, _ in mine.values()) == ["CANCELLED", "CONFIRMED"]

    form = client.get(f"/events/{hearing.slug}/register").get_data(as_text=True)
    assert f'value="{morning.id}"' not in form and f'value="{afternoon.id}"' in form
    with pytest.raises(ValidationFailed):
        registration_services.register(hearing, person(3, sessions=[morning.id]))
    db.session.rollback()

    my = client.get(f"/my/{both_token}").get_data(as_text=True)
    assert f'id="join-{morning.id}"' not in my and 'data-cancelled="yes"' in my and "วิทยากรติดภารกิจ" in my
    clock.set(morning.starts_at)
    assert client.get(f"/my/{both_token}/sessions/{morning.id}/join").status_code == 410
    send_reminders(morning.starts_at - timedelta(minutes=30))
    db.session.commit()
    assert [m for m in outbox(db, "reminder") if m.params["session_id"] == morning.id] == []
    with pytest.raises(checkin_services.CheckinRefused) as refused:
        checkin_services.check_in(reload(db, both), morning, staff, CheckinMethod.qr)
    assert refused.value.reason == "session_cancelled"
    with pytest.raises(Conflict):
        event_services.update_session(morning, {"name_th": "ใหม่"})
    with pytest.raises(Conflict):
        event_services.cancel_session(morning, "อีกครั้ง")
    db.session.rollback()
    assert len(outbox(db, "session_cancelled")) == 1
    assert reload(db, only_afternoon).status.value == "confirmed"


def test_the_last_session_cannot_be_cancelled_alone(db, make_event):
    event = make_event(sessions=1)
    with pytest.raises(Conflict):
        event_services.cancel_session(event.sessions[0], "เหตุผล")


def test_the_session_dialog_counts_its_registrants_only(db, client, hearing, login_as, organizer):
    morning, afternoon = hearing.sessions
    register(db, hearing, 1, sessions=[morning.id])
    register(db, hearing, 2, sessions=[afternoon.id])
    register(db, hearing, 3, sessions=[afternoon.id])
    login_as(user=organizer)
    url = f"/organizer/events/{hearing.slug}/sessions/{afternoon.id}/cancel"
    html = client.get(url).get_data(as_text=True)
    assert 'data-registrants="2"' in html
    assert client.post(url, data={"csrf_token": csrf_from(html), "reason": ""}).status_code == 422
    assert client.post(url, data={"csrf_token": csrf_from(html), "reason": "ย้ายไปรวมกับช่วงเช้า"}).status_code == 302
    assert reload(db, afternoon).cancel_reason == "ย้ายไปรวมกับช่วงเช้า"
    assert len(outbox(db, "session_cancelled")) == 2


# ---- online attendees (item 5) --------------------------------------------------------------

def test_an_online_attendee_reads_join_links_never_the_qr_instruction(db, client, hearing):
    morning, afternoon = hearing.sessions
    registration, token = register(db, hearing, 1, attendance="online")
    ticket = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    assert 'id="online-info"' in ticket and 'data-valid="yes"' in ticket
    html = client.get(f"/my/{token}").get_data(as_text=True)
    assert 'id="online-info"' in html and 'id="ticket"' not in html and 'id="ticket-qr"' not in html
    assert f'id="join-{morning.id}"' in html
    assert f'id="no-stream-{afternoon.id}"' in html and f'id="join-{afternoon.id}"' not in html


def test_the_confirmation_carries_the_join_links_in_its_body(db, hearing):
    morning, afternoon = hearing.sessions
    registration, token = register(db, hearing, 1, attendance="online")
    [confirmed] = outbox(db, "registration_confirmed")
    rendered = render(confirmed)
    for session in (morning, afternoon):
        assert f"/my/{token}/sessions/{session.id}/join" in rendered.text
        assert f"/my/{token}/sessions/{session.id}/join" in rendered.html
    assert "ticket-qr.png" not in rendered.text and "ticket-qr.png" not in [f[0] for f in rendered.attachments]
    assert rendered.text.count("\n") > 0 and "ยังไม่" in rendered.text  # the afternoon's link is not set yet


def test_the_reminder_says_the_link_will_come_when_the_session_has_none(db, hearing):
    afternoon = hearing.sessions[1]
    _, token = register(db, hearing, 1, attendance="online", sessions=[afternoon.id])
    assert send_reminders(afternoon.starts_at - timedelta(minutes=30)) == 1
    db.session.commit()
    [reminder] = outbox(db, "reminder")
    rendered = render(reminder)
    assert f"/my/{token}/sessions/{afternoon.id}/join" in rendered.text and 'id="no-stream-yet"' in rendered.html


def test_the_organizer_is_warned_of_online_attendees_without_a_stream_link(db, client, hearing, login_as, organizer):
    morning, afternoon = hearing.sessions
    register(db, hearing, 1, attendance="online")
    register(db, hearing, 2, attendance="online", sessions=[afternoon.id])
    register(db, hearing, 3, attendance="onsite")
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{hearing.slug}").get_data(as_text=True)
    assert f'id="no-stream-warning-{afternoon.id}" data-online="2"' in html
    assert f'id="no-stream-warning-{morning.id}"' not in html
    event_services.update_session(reload(db, afternoon), {"stream_url": STREAM})
    db.session.commit()
    assert "no-stream-warning" not in client.get(f"/organizer/events/{hearing.slug}").get_data(as_text=True)
