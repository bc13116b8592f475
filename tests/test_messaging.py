"""Messages to registrants: the recipients are exactly the filter's, previewed per language, sent or scheduled through the outbox."""
import itertools
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import add_member, csrf_from, field_errors, person, reload
from eventsvc.audit.models import AuditEntry
from eventsvc.checkin.models import Checkin, CheckinAction, CheckinMethod
from eventsvc.invitations.models import InvitationStatus
from eventsvc.livestream.models import OnlineAttendance
from eventsvc.mail import render
from eventsvc.mail.delivery import deliver_due
from eventsvc.mail.models import MessageStatus, OutboxMessage
from eventsvc.mail.services import enqueue
from eventsvc.messaging import services
from eventsvc.messaging.models import EventMessage
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from eventsvc.registration.models import Registration, RegistrationStatus
from test_api import assert_error, auth


def outbox(db, **where):
    db.session.rollback()
    db.session.expire_all()
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == "event_message").order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def audit(db, action):
    db.session.rollback()
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def written(db):
    db.session.rollback()
    return (db.session.scalar(sa.select(sa.func.count()).select_from(EventMessage)),
            db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.kind == "event_message")),
            db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action.like("message.%"))))


# ---- who gets it -------------------------------------------------------------------------

@pytest.fixture
def mixed_event(db, make_event, make_invitation, organizer):
    """An event with a person for every combination, and what is true of each, kept apart from the database's answer.

    Statuses × sessions (morning, afternoon, both) × on site/online × two sectors; some checked in (one of them
    undone), some joined online; and invitees in every state.
    """
    event = make_event(capacity=None)
    morning, afternoon = event.sessions
    truth, n = {}, 0
    combos = itertools.product(("confirmed", "waitlisted", "cancelled"), ((morning,), (afternoon,), (morning, afternoon)),
                               ("onsite", "online"), ("government", "private"))
    for status, sessions, attendance, sector in combos:
        n += 1
        registration = registration_services.register(event, person(
            n, attendance=attendance, sector=sector, sessions=[s.id for s in sessions],
            email=f"p{n}@example.org")).registration
        db.session.flush()
        # Alternate who came: checked in on the first session, joined the last one, both, neither.
        checked = {sessions[0].id} if n % 2 else set()
        joined = {sessions[-1].id} if n % 3 == 0 else set()
        for session_id in checked:
            db.session.add(Checkin(event_id=event.id, session_id=session_id, registration_id=registration.id,
                                   method=CheckinMethod.search))
        for session_id in joined:
            db.session.add(OnlineAttendance(event_id=event.id, session_id=session_id, registration_id=registration.id))
        if n % 5 == 0:  # checked in and then undone: does not count as checked in
            db.session.add(Checkin(event_id=event.id, session_id=sessions[-1].id, registration_id=registration.id,
                                   method=CheckinMethod.search, attempt=1))
            db.session.add(Checkin(event_id=event.id, session_id=sessions[-1].id, registration_id=registration.id,
                                   method=CheckinMethod.search, action=CheckinAction.undo, attempt=1))
        if status != "confirmed":
            registration.status = RegistrationStatus(status)
        truth[registration.id] = dict(status=status, sessions={s.id for s in sessions}, attendance=attendance,
                                      sector=sector, checked=checked, joined=joined, email=f"p{n}@example.org")
    db.session.commit()
    invitations = {}
    for i, state in enumerate(("sent", "declined", "registered", "pending", "expired", "revoked", "sent")):
        invitation, _token = make_invitation(event, 100 + i, send=False)
        invitation.status = InvitationStatus.sent if state == "expired" else InvitationStatus(state)
        if state == "expired":
            invitation.expires_at = utcnow() - timedelta(days=1)
        invitations[invitation.id] = state
    db.session.commit()
    return event, truth, invitations


def expected(truth, f):
    """The filter's meaning, written out in Python: every key given holds; no status means not cancelled."""
    def holds(p):
        on = {f["session_id"]} if "session_id" in f else p["sessions"]
        return all((
            p["status"] == f["status"] if "status" in f else p["status"] != "cancelled",
            "session_id" not in f or f["session_id"] in p["sessions"],
            "attendance" not in f or p["attendance"] == f["attendance"],
            "sector" not in f or p["sector"] == f["sector"],
            "checked_in" not in f or bool(p["checked"] & on) == f["checked_in"],
            "joined" not in f or bool(p["joined"] & on) == f["joined"],
        ))
    return {rid for rid, p in truth.items() if holds(p)}


def test_a_messages_recipients_equal_its_filter_on_a_mixed_event(db, mixed_event):
    event, truth, invitations = mixed_event
    morning, afternoon = event.sessions
    now = utcnow()
    checked = 0
    for status, session_id, attendance, sector, checked_in, joined in itertools.product(
            (None, "confirmed", "waitlisted", "cancelled"), (None, morning.id, afternoon.id), (None, "onsite", "online"),
            (None, "government", "private"), (None, True, False), (None, True, False)):
        f = {key: value for key, value in dict(status=status, session_id=session_id, attendance=attendance,
                                               sector=sector, checked_in=checked_in, joined=joined).items()
             if value is not None}
        got = services.recipients(event, services.clean_filter(event, f), now)
        assert {p.registration_id for p in got} == expected(truth, f), f
        assert all(p.invitation_id is None and p.email == truth[p.registration_id]["email"] for p in got)
        checked += bool(got)
    assert checked > 300  # most combinations pick somebody: the comparison is not between empty sets

    by_state = {wanted: {iid for iid, state in invitations.items() if state == meaning}
                for wanted, meaning in (("unanswered", "sent"), ("declined", "declined"), ("expired", "expired"))}
    for wanted, ids in by_state.items():
        got = services.recipients(event, services.clean_filter(event, {"invitation_status": wanted}), now)
        assert {p.invitation_id for p in got} == ids and ids, wanted
        assert all(p.registration_id is None for p in got)


def test_a_cancelled_person_registered_twice_gets_a_message_to_cancelled_people_once(db, make_event):
    event = make_event(capacity=None)
    for _ in range(2):
        registration = registration_services.register(event, person(1)).registration
        registration_services.cancel_registration(registration)
        db.session.commit()
    got = services.recipients(event, {"status": "cancelled"}, utcnow())
    assert [p.email for p in got] == ["somchai1@example.org"]


# ---- sending through the API -------------------------------------------------------------------

def test_sending_writes_one_outbox_copy_per_recipient_with_the_contact_as_reply_to(app, db, client, make_event,
                                                                                      make_registration, api_token,
                                                                                      smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event(capacity=None, contact_email="contact@agency.go.th", contact_name="นายธรรณพ")
    make_registration(event, 1, attendance="online")
    make_registration(event, 2, attendance="online", locale="en")
    make_registration(event, 3, attendance="onsite")
    deliver_due(app)  # the confirmations
    smtp_server.messages.clear()

    response = client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(api_token), json={
        "subject": "ลิงก์ถ่ายทอดสด", "body": "เรียนท่านผู้เข้าร่วม\n\n- ข้อแรก\n- <b>ข้อสอง</b>",
        "filter": {"attendance": "online"}})

    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["recipients"] == 2 and body["recipients_by_language"] == {"th": 1, "en": 1}
    assert body["state"] == "sent" and body["copies"]["pending"] == 2
    copies = outbox(db)
    assert sorted(c.to_address for c in copies) == ["somchai1@example.org", "somchai2@example.org"]
    [entry] = audit(db, "message.sent")
    assert entry.data["filter"] == {"attendance": "online"} and entry.data["recipients"] == 2
    assert entry.event_id == event.id and entry.actor_label == "organizer@example.org"

    assert deliver_due(app).sent == 2
    received = {m["To"]: m for m in smtp_server.messages}
    thai, english = received["somchai1@example.org"], received["somchai2@example.org"]
    assert thai["Reply-To"] == english["Reply-To"] == "contact@agency.go.th"
    assert thai["Subject"] == "ลิงก์ถ่ายทอดสด"
    thai_text = thai.get_body(preferencelist=("plain",)).get_content()
    english_text = english.get_body(preferencelist=("plain",)).get_content()
    assert "เรียน นายสมชาย1 ใจดี" in thai_text and "http://testserver/my/" in thai_text
    assert "Dear นายสมชาย2 ใจดี" in english_text
    html = english.get_body(preferencelist=("html",)).get_content()
    assert "<li>ข้อแรก</li>" in html and "<b>" not in html and "&lt;b&gt;ข้อสอง" in html  # raw HTML is text
    listed = client.get(f"/api/v1/events/{event.slug}/messages", headers=auth(api_token)).get_json()
    assert [(m["id"], m["copies"]["sent"], m["copies"]["pending"]) for m in listed] == [(body["id"], 2, 0)]


def test_a_scheduled_message_waits_for_its_time_and_can_be_cancelled_before_it(app, db, client, make_event,
                                                                                make_registration, api_token, clock):
    event = make_event(capacity=None)
    make_registration(event, 1)
    make_registration(event, 2)
    deliver_due(app)
    send_at = (clock() + timedelta(hours=2)).replace(microsecond=0)

    response = client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(api_token), json={
        "subject": "Reminder", "body": "See you", "send_at": send_at.isoformat()})
    assert response.status_code == 202 and response.get_json()["state"] == "scheduled"
    assert [c.due_at for c in outbox(db)] == [send_at, send_at]
    assert deliver_due(app, now=clock()).sent == 0
    assert deliver_due(app, now=send_at + timedelta(seconds=1)).sent == 2
    assert {c.status for c in outbox(db)} == {MessageStatus.sent}
    assert audit(db, "message.scheduled")[0].data["recipients"] == 2

    second = client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(api_token), json={
        "subject": "Changed", "body": "Never mind", "send_at": send_at.isoformat()}).get_json()
    cancelled = client.post(f"/api/v1/events/{event.slug}/messages/{second['id']}/cancel", headers=auth(api_token))
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    assert {c.status for c in outbox(db) if c.params["message_id"] == second["id"]} == {MessageStatus.cancelled}
    assert deliver_due(app, now=send_at + timedelta(seconds=1)).sent == 0
    assert audit(db, "message.cancelled")[0].data["recipients"] == 2
    assert_error(client.post(f"/api/v1/events/{event.slug}/messages/{second['id']}/cancel", headers=auth(api_token)),
                 409, "conflict")

    # Once its time has come, it has gone: too late to cancel.
    third = client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(api_token), json={
        "subject": "Soon", "body": "Soon", "send_at": (clock() + timedelta(minutes=5)).isoformat()}).get_json()
    clock.move(timedelta(minutes=6))
    assert_error(client.post(f"/api/v1/events/{event.slug}/messages/{third['id']}/cancel", headers=auth(api_token)),
                 409, "conflict")


def test_a_copy_is_dropped_when_its_person_cancelled_after_the_message_was_scheduled(app, db, make_event,
                                                                                    make_registration, organizer):
    event = make_event(capacity=None)
    stays, leaves = make_registration(event, 1), make_registration(event, 2)
    deliver_due(app)
    later = utcnow() + timedelta(hours=1)
    services.send(event, {"subject": "s", "body": "b", "send_at": later}, actor=organizer, now=utcnow())
    db.session.commit()
    registration_services.cancel_registration(db.session.get(Registration, leaves.id))
    db.session.commit()
    deliver_due(app)  # the cancellation's own message
    report = deliver_due(app, now=later + timedelta(seconds=1))
    assert (report.sent, report.cancelled) == (1, 1)
    assert {c.to_address: c.status for c in outbox(db)} == {
        stays.email: MessageStatus.sent, leaves.email: MessageStatus.cancelled}


@pytest.mark.parametrize("body, field", [
    ({"subject": "", "body": "b"}, "subject"),
    ({"subject": "   ", "body": "b"}, "subject"),
    ({"subject": "s", "body": ""}, "body"),
    ({"subject": "s", "body": "b", "send_at": "2020-01-01T10:00:00+07:00"}, "send_at"),
    ({"subject": "s", "body": "b", "filter": {"colour": "red"}}, "filter.colour"),
    ({"subject": "s", "body": "b", "filter": {"status": "maybe"}}, "filter.status"),
    ({"subject": "s", "body": "b", "filter": {"checked_in": "yes"}}, "filter.checked_in"),
    ({"subject": "s", "body": "b", "filter": {"invitation_status": "unanswered", "status": "confirmed"}},
     "filter.invitation_status"),
    ({"subject": "s", "body": "b", "filter": {"sector": "academic"}}, "filter"),  # nobody matches
])
def test_bad_input_gets_a_field_error_and_writes_nothing(db, client, make_event, make_registration, api_token,
                                                         body, field):
    event = make_event(capacity=None)
    make_registration(event, 1)
    error = assert_error(client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(api_token), json=body),
                         422, "invalid")
    assert field in error["fields"], error
    assert written(db) == (0, 0, 0)


def test_a_filter_on_a_session_of_another_event_is_refused(db, client, make_event, make_registration, api_token):
    event, other = make_event(capacity=None), make_event(capacity=None)
    make_registration(event, 1)
    error = assert_error(client.post(f"/api/v1/events/{event.slug}/messages", headers=auth(api_token), json={
        "subject": "s", "body": "b", "filter": {"session_id": other.sessions[0].id}}), 422, "invalid")
    assert "filter.session_id" in error["fields"]
    assert written(db) == (0, 0, 0)


def test_only_the_events_organizers_write_and_its_viewers_read(db, client, make_event, make_registration, make_user):
    from eventsvc.accounts.services import issue_api_token

    event = make_event(capacity=None)
    make_registration(event, 1)
    tokens = {}
    for role in ("viewer", "checkin", "organizer"):
        user = make_user()
        add_member(db, event, user, role)
        tokens[role] = issue_api_token(user)
    stranger = issue_api_token(make_user())
    db.session.commit()
    url = f"/api/v1/events/{event.slug}/messages"
    body = {"subject": "s", "body": "b"}
    for token in (tokens["viewer"], tokens["checkin"], stranger):
        assert_error(client.post(url, headers=auth(token), json=body), 403, "forbidden")
    assert written(db) == (0, 0, 0)
    for token in (tokens["checkin"], stranger):
        assert_error(client.get(url, headers=auth(token)), 403, "forbidden")
    assert client.get(url, headers=auth(tokens["viewer"])).status_code == 200
    assert client.post(url, headers=auth(tokens["organizer"]), json=body).status_code == 202


# ---- the organizer's page ------------------------------------------------------------------

def test_the_preview_shows_each_language_and_its_count_before_anything_is_sent(db, client, make_event,
                                                                                make_registration, login_as):
    user = login_as("organizer")
    event = make_event(owner=user, capacity=None, contact_email="contact@agency.go.th")
    make_registration(event, 1)
    make_registration(event, 2)
    make_registration(event, 3, locale="en")
    page = client.get(f"/organizer/events/{event.slug}/mailings")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "subject": "เอกสาร", "body": "เอกสารพร้อมแล้ว",
            "status": "", "session_id": "", "attendance": "", "sector": "", "checked_in": "", "joined": "",
            "invitation_status": "", "when": "now", "send_at": ""}

    preview = client.post(f"/organizer/events/{event.slug}/mailings", data=dict(form, preview="1"))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="send-button"' in html
    assert "ภาษาไทย 2 คน" in html and "ภาษาอังกฤษ 1 คน" in html
    assert "เรียน นายสมชาย1 ใจดี" in html and "Dear นายสมชาย3 ใจดี" in html
    assert 'id="preview-reply-to-th">contact@agency.go.th' in html
    assert written(db) == (0, 0, 0)

    previewed = re.search(r'name="previewed" type="hidden" value="([0-9a-f]+)"', html).group(1)
    # Changed after the preview: shown again, not sent.
    again = client.post(f"/organizer/events/{event.slug}/mailings", data=dict(form, subject="อื่น", send="1",
                                                                               previewed=previewed))
    assert again.status_code == 200 and 'id="changed-since-preview"' in again.get_data(as_text=True)
    assert written(db) == (0, 0, 0)

    sent = client.post(f"/organizer/events/{event.slug}/mailings", data=dict(form, send="1", previewed=previewed))
    assert sent.status_code == 302
    assert written(db) == (1, 3, 1)
    message_page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert message_page.count('class="copy-pending"') == 3


def test_the_page_refuses_a_session_of_another_event_on_its_field(db, client, make_event, make_registration, login_as):
    user = login_as("organizer")
    event, other = make_event(owner=user, capacity=None), make_event(owner=user, capacity=None)
    make_registration(event, 1)
    page = client.get(f"/organizer/events/{event.slug}/mailings")
    response = client.post(f"/organizer/events/{event.slug}/mailings", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "subject": "s", "body": "b",
        "session_id": str(other.sessions[0].id), "when": "now", "preview": "1"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "session_id")
    assert written(db) == (0, 0, 0)


# ---- the event's own paragraph -------------------------------------------------------------

def test_the_events_paragraph_appears_in_the_confirmation_and_a_reminder(app, db, client, make_event, login_as):
    user = login_as("organizer")
    event = make_event(owner=user, capacity=None)
    page = client.get(f"/organizer/events/{event.slug}/mailings")
    response = client.post(f"/organizer/events/{event.slug}/mailings/notes", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "confirmation_note_th": "โปรดนำบัตรประชาชนมาด้วย", "confirmation_note_en": "Please bring your ID card.",
        "reminder_note_th": "ที่จอดรถมีจำกัด", "reminder_note_en": ""})
    assert response.status_code == 302
    assert audit(db, "event.mail_notes_changed")[0].changes["confirmation_note_th"] == ["", "โปรดนำบัตรประชาชนมาด้วย"]

    reload(db, event)
    thai = registration_services.register(event, person(1)).registration
    english = registration_services.register(event, person(2, locale="en")).registration
    db.session.commit()
    confirmations = {m.registration_id: render.render(m) for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "registration_confirmed"))}
    assert "โปรดนำบัตรประชาชนมาด้วย" in confirmations[thai.id].text
    assert "โปรดนำบัตรประชาชนมาด้วย" in confirmations[thai.id].html
    assert "Please bring your ID card." in confirmations[english.id].text

    session = event.sessions[0]
    for registration in (thai, english):
        enqueue("reminder", to=registration.email, locale=registration.locale, event_id=event.id,
                registration_id=registration.id, params={"session_id": session.id, "which": "soon"})
    db.session.flush()
    reminders = {m.registration_id: render.render(m) for m in db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder"))}
    assert "ที่จอดรถมีจำกัด" in reminders[thai.id].text and "ที่จอดรถมีจำกัด" in reminders[thai.id].html
    # No English paragraph: English readers get the Thai one rather than nothing.
    assert "ที่จอดรถมีจำกัด" in reminders[english.id].text
    assert "โปรดนำบัตร" not in reminders[thai.id].text  # each mail its own paragraph


def test_nobody_matching_is_said_at_the_top_of_the_form(db, client, make_event, make_registration, login_as):
    user = login_as("organizer")
    event = make_event(owner=user, capacity=None)
    make_registration(event, 1, sector="government")
    page = client.get(f"/organizer/events/{event.slug}/mailings")
    response = client.post(f"/organizer/events/{event.slug}/mailings", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "subject": "s", "body": "b", "sector": "academic",
        "when": "now", "preview": "1"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and "ไม่มีผู้ใดตรงตามเงื่อนไข" in html
    assert written(db) == (0, 0, 0)


def test_viewers_read_the_messages_page_and_only_organizers_write(app, client, db, make_event, make_registration, make_user,
                                                                  organizer):
    from conftest import PASSWORD

    event = make_event(capacity=None)
    make_registration(event, 1)
    message = services.send(event, {"subject": "s", "body": "b"}, actor=organizer, now=utcnow())
    db.session.commit()
    pages = [f"/organizer/events/{event.slug}/mailings", f"/organizer/events/{event.slug}/mailings/{message.id}"]
    posts = [f"/organizer/events/{event.slug}/mailings", f"/organizer/events/{event.slug}/mailings/notes",
             f"/organizer/events/{event.slug}/mailings/{message.id}/cancel"]
    for role, read, write in (("viewer", 200, 403), ("checkin", 403, 403), ("organizer", 200, None)):
        user = make_user()
        add_member(db, event, user, role)
        client = app.test_client()  # a new browser per role (the `client` fixture made it an IsolatedClient)
        client.post("/organizer/login", data={"email": user.email, "password": PASSWORD,
                                              "csrf_token": csrf_from(client.get("/organizer/login").get_data(as_text=True))})
        for url in pages:
            assert client.get(url).status_code == read, (role, url)
        token = csrf_from(client.get("/organizer/password").get_data(as_text=True))
        for url in posts if write else ():
            assert client.post(url, data={"csrf_token": token, "subject": "x", "body": "y", "when": "now",
                                          "send": "1"}).status_code == write, (role, url)
    assert written(db) == (1, 1, 1)


def test_a_message_of_another_event_is_not_found_through_this_one(db, client, make_event, make_registration,
                                                                  api_token, organizer, login_as):
    event, other = make_event(capacity=None), make_event(capacity=None)
    make_registration(other, 1)
    theirs = services.send(other, {"subject": "s", "body": "b", "send_at": utcnow() + timedelta(hours=1)},
                           actor=organizer, now=utcnow())
    db.session.commit()
    assert_error(client.post(f"/api/v1/events/{event.slug}/messages/{theirs.id}/cancel", headers=auth(api_token)),
                 404, "not_found")
    login_as(user=organizer)
    assert client.get(f"/organizer/events/{event.slug}/mailings/{theirs.id}").status_code == 404
    db.session.rollback()
    assert db.session.get(EventMessage, theirs.id).cancelled_at is None
