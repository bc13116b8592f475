"""Check-in: one per person and session, clear refusals, an append-only log; the phone, the scanner, the search, the API."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, person, reload
from eventsvc.accounts.models import Role
from eventsvc.accounts.services import issue_api_token
from eventsvc.checkin import services
from eventsvc.checkin.models import Checkin, CheckinMethod
from eventsvc.registration import services as registration_services
from eventsvc.tickets import codes
from eventsvc.registration import privacy as registration_privacy


# Check-in opens EVENTSVC_CHECKIN_OPENS_MINUTES (120) before a session: the door tests use sessions starting soon.
SOON = timedelta(minutes=30)


def registered(db, event, n=1, **overrides):
    registration = registration_services.register(event, person(n, **overrides)).registration
    db.session.commit()
    return registration


def rows(db):
    db.session.rollback()
    return db.session.scalars(sa.select(Checkin).order_by(Checkin.id)).all()


# ---- the rules ---------------------------------------------------------------------

def test_the_first_scan_checks_in_and_the_second_says_when_and_by_whom(db, make_event, staff, make_user):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    morning = event.sessions[0]
    first = services.check_in(registration, morning, staff, CheckinMethod.qr)
    db.session.commit()
    other_staff = make_user(Role.checkin)
    again = services.check_in(registration, morning, other_staff, CheckinMethod.scanner)
    assert (first.result, again.result) == ("checked_in", "already_checked_in")
    assert again.checkin.id == first.checkin.id and again.checkin.staff.id == staff.id
    assert again.checkin.method == CheckinMethod.qr
    assert len(rows(db)) == 1
    # Another session is another check-in.
    afternoon = services.check_in(reload(db, registration), event.sessions[1], staff, CheckinMethod.qr,
                               now=event.sessions[1].starts_at)
    assert afternoon.result == "checked_in"


@pytest.mark.parametrize("case, reason", [
    ("other event", "wrong_event"), ("cancelled", "cancelled"), ("waitlisted", "waitlisted"),
    ("other session", "not_registered_for_session"), ("event cancelled", "event_cancelled"),
])
def test_a_ticket_that_does_not_admit_its_holder_is_refused_with_the_reason(db, make_event, staff, case, reason):
    from eventsvc.events.services import cancel_event

    event = make_event(capacity=1)
    other = make_event(starts_in=SOON)
    registration = registered(db, event, 1, sessions=[event.sessions[0].id])
    waiting = registered(db, event, 2)
    session = event.sessions[0]
    if case == "other event":
        session = other.sessions[0]
    elif case == "cancelled":
        registration_services.cancel_registration(registration)
    elif case == "waitlisted":
        registration = waiting
    elif case == "other session":
        session = event.sessions[1]
    elif case == "event cancelled":
        cancel_event(event)
    db.session.commit()
    if case == "waitlisted":
        assert reload(db, waiting).status.value == "waitlisted"
    with pytest.raises(services.CheckinRefused) as refused:
        services.check_in(reload(db, registration), session, staff, CheckinMethod.qr)
    assert refused.value.reason == reason and str(refused.value.message)
    assert rows(db) == []


def test_the_same_nonce_twice_records_one_check_in_and_answers_alike(db, make_event, staff):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    session = event.sessions[0]
    first = services.check_in(registration, session, staff, CheckinMethod.api, nonce="scan-0001")
    db.session.commit()
    again = services.check_in(registration, session, staff, CheckinMethod.api, nonce="scan-0001")
    db.session.commit()
    assert (first.result, again.result) == ("checked_in", "checked_in") and again.checkin.id == first.checkin.id
    assert len(rows(db)) == 1
    other = registered(db, event, 2)
    from eventsvc.errors import ValidationFailed

    with pytest.raises(ValidationFailed):  # a nonce names one check-in only
        services.check_in(other, session, staff, CheckinMethod.api, nonce="scan-0001")


def test_the_log_is_append_only_in_the_database_itself(db, make_event, staff):
    event = make_event(starts_in=SOON)
    services.check_in(registered(db, event), event.sessions[0], staff, CheckinMethod.qr)
    db.session.commit()
    for statement in ("UPDATE checkins SET method = 'api'", "DELETE FROM checkins"):
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert len(rows(db)) == 1 and rows(db)[0].method == CheckinMethod.qr


def test_the_current_session_is_the_one_on_now(db, make_event):
    event = make_event(starts_in=timedelta(minutes=30))
    registration = registered(db, event)
    morning, afternoon = event.sessions
    assert services.current_session(registration).id == morning.id  # opens 90 minutes before
    assert services.current_session(registration, now=afternoon.starts_at - timedelta(minutes=5)).id == afternoon.id


def test_codes_are_found_in_what_a_scanner_types():
    code = "A" * 22 + "b" * 22
    for typed in (code, f"https://events.example.go.th/t/{code}", f" http://x/t/{code}/ \n", code + "\r"):
        assert services.code_from_input(typed) == code
    assert services.code_from_input("hello") is None and services.code_from_input(None) is None


def test_counts_per_session_and_search(db, make_event, staff):
    event = make_event(starts_in=SOON)
    somchai = registered(db, event, 1)
    registered(db, event, 2, first_name="มาลี", last_name="บุญมา", organization="สำนักงานจังหวัดภูเก็ต",
               email="malee@phuket.go.th")
    services.check_in(somchai, event.sessions[0], staff, CheckinMethod.qr)
    db.session.commit()
    counts = services.counts_by_session(event)
    assert counts[event.sessions[0].id] == {"registered": 2, "checked_in": 1}
    assert counts[event.sessions[1].id] == {"registered": 2, "checked_in": 0}
    assert [r.email for r in services.search(event, "บุญมา")] == ["malee@phuket.go.th"]
    assert [r.email for r in services.search(event, "ภูเก็ต")] == ["malee@phuket.go.th"]
    assert [r.email for r in services.search(event, "MALEE@")] == ["malee@phuket.go.th"]
    assert [r.email for r in services.search(event, "นายสมชาย1")] == ["somchai1@example.org"]
    assert services.search(event, "x") == [] and services.search(event, "%_") == []


# ---- the phone: /t/<code> ---------------------------------------------------------

def test_staff_open_the_ticket_and_check_in_with_one_tap(db, client, make_event, staff, login_as):
    event = make_event(starts_in=timedelta(minutes=20))
    registration = registered(db, event)
    login_as(user=staff)
    page = client.get(f"/t/{registration.ticket_code}")
    html = page.get_data(as_text=True)
    assert 'id="checkin-form"' in html
    assert re.search(rf'<option value="{event.sessions[0].id}" selected>', html)  # the session on now
    response = client.post(f"/t/{registration.ticket_code}/checkin",
                           data={"csrf_token": csrf_from(html), "session_id": event.sessions[0].id})
    assert response.status_code == 200 and 'data-result="checked_in"' in response.get_data(as_text=True)
    again = client.post(f"/t/{registration.ticket_code}/checkin",
                        data={"csrf_token": csrf_from(html), "session_id": event.sessions[0].id})
    text = again.get_data(as_text=True)
    assert 'data-result="already_checked_in"' in text and "door-staff@example.org" in text
    assert re.search(r"\d\d:\d\d", text.split('id="checkin-result"', 1)[1])
    assert len(rows(db)) == 1 and rows(db)[0].method == CheckinMethod.qr


def test_a_session_of_another_event_is_a_red_answer_and_changes_nothing(db, client, make_event, staff, login_as):
    event, other = make_event(starts_in=SOON), make_event(starts_in=SOON)
    registration = registered(db, event)
    login_as(user=staff)
    html = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    response = client.post(f"/t/{registration.ticket_code}/checkin",
                           data={"csrf_token": csrf_from(html), "session_id": other.sessions[0].id})
    assert response.status_code == 409 and 'data-result="wrong_event"' in response.get_data(as_text=True)
    assert rows(db) == []


def test_only_staff_of_the_event_get_the_check_in(db, client, make_event, login_as, make_user):
    registration = registered(db, make_event(starts_in=SOON))
    csrf = csrf_from(client.get("/organizer/login").get_data(as_text=True))
    anonymous = client.post(f"/t/{registration.ticket_code}/checkin",
                            data={"csrf_token": csrf, "session_id": registration.sessions[0].id})
    assert anonymous.status_code == 302 and "/organizer/login" in anonymous.headers["Location"]
    login_as(user=make_user(Role.organizer))  # an organizer of other events
    html = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    assert 'id="checkin-form"' not in html
    csrf = csrf_from(client.get("/organizer/").get_data(as_text=True))
    assert client.post(f"/t/{registration.ticket_code}/checkin",
                       data={"csrf_token": csrf, "session_id": registration.sessions[0].id}).status_code == 403
    assert rows(db) == []


# ---- the door page: scanners and search ---------------------------------------------

def door(client, event, staff, login_as):
    login_as(user=staff)
    page = client.get(f"/organizer/events/{event.slug}/checkin")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_handheld_scanner_types_the_url_and_enter(db, client, make_event, staff, login_as):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    html = door(client, event, staff, login_as)
    assert re.search(r'<input type="text" name="code" id="code" autofocus', html)
    data = {"csrf_token": csrf_from(html), "session": event.sessions[0].id,
            "code": f"http://testserver/t/{registration.ticket_code}"}
    first = client.post(f"/organizer/events/{event.slug}/checkin", data=data)
    assert 'class="door-answer ok"' in first.get_data(as_text=True)
    second = client.post(f"/organizer/events/{event.slug}/checkin", data=data, headers={"Accept": "application/json"})
    answer = second.get_json()
    assert answer["result"] == "already_checked_in" and answer["ok"] is False and answer["name"] == "นายสมชาย1 ใจดี"
    assert answer["counts"] == {"registered": 1, "checked_in": 1}
    forged = client.post(f"/organizer/events/{event.slug}/checkin", data={**data, "code": "A" * 44},
                         headers={"Accept": "application/json"})
    assert forged.status_code == 404 and forged.get_json()["result"] == "invalid"
    nonsense = client.post(f"/organizer/events/{event.slug}/checkin", data={**data, "code": "<script>"})
    assert nonsense.status_code == 404 and 'class="door-answer bad"' in nonsense.get_data(as_text=True)


def test_a_ticket_for_another_event_at_this_door_is_red(db, client, make_event, staff, login_as):
    event, other = make_event(starts_in=SOON), make_event(starts_in=SOON)
    stranger = registered(db, other, 5)
    html = door(client, event, staff, login_as)
    response = client.post(f"/organizer/events/{event.slug}/checkin", headers={"Accept": "application/json"},
                           data={"csrf_token": csrf_from(html), "session": event.sessions[0].id, "code": stranger.ticket_code})
    assert response.status_code == 409 and response.get_json()["result"] == "wrong_event"
    assert rows(db) == []


def test_staff_find_a_person_by_name_and_check_them_in(db, client, make_event, staff, login_as):
    event = make_event(starts_in=SOON)
    registration = registered(db, event, 1, organization="กรมการปกครอง")
    door(client, event, staff, login_as)
    found = client.get(f"/organizer/events/{event.slug}/checkin?session={event.sessions[0].id}&q=การปกครอง")
    html = found.get_data(as_text=True)
    assert f'data-registration="{registration.id}"' in html
    response = client.post(f"/organizer/events/{event.slug}/checkin/registrations/{registration.id}",
                           data={"csrf_token": csrf_from(html), "session": event.sessions[0].id})
    assert 'class="door-answer ok"' in response.get_data(as_text=True)
    assert [(r.session_id, r.method) for r in rows(db)] == [(event.sessions[0].id, CheckinMethod.search)]
    counts = client.get(f"/organizer/events/{event.slug}/checkin/counts.json").get_json()
    assert counts[str(event.sessions[0].id)] == {"registered": 1, "checked_in": 1}


def test_the_door_is_for_staff_only(db, client, make_event, login_as, make_user):
    event = make_event(starts_in=SOON)
    assert client.get(f"/organizer/events/{event.slug}/checkin").status_code == 302
    login_as(user=make_user(Role.organizer))
    assert client.get(f"/organizer/events/{event.slug}/checkin").status_code == 403


# ---- the API ----------------------------------------------------------------------------

def bearer(db, user):
    token = issue_api_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_api_checks_in_and_repeats_a_nonce_safely(db, client, make_event, staff):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    headers = bearer(db, staff)
    body = {"code": registration.ticket_code, "session_id": event.sessions[0].id, "nonce": "n-1"}
    first = client.post("/api/v1/checkins", json=body, headers=headers)
    again = client.post("/api/v1/checkins", json=body, headers=headers)
    later = client.post("/api/v1/checkins", json={**body, "nonce": "n-2"}, headers=headers)
    assert first.status_code == 200 and first.get_json()["result"] == "checked_in"
    assert again.get_json()["result"] == "checked_in" and again.get_json()["checked_in_at"] == first.get_json()["checked_in_at"]
    assert later.get_json()["result"] == "already_checked_in"
    assert later.get_json()["checked_in_by"] == "door-staff@example.org"
    assert later.get_json()["registration"] == {"name": "นายสมชาย1 ใจดี", "organization": "กรมการปกครอง",
                                                "status": "confirmed"}
    assert len(rows(db)) == 1


def test_the_api_refuses_clearly(db, client, make_event, staff, queries):
    event, other = make_event(starts_in=SOON), make_event(starts_in=SOON)
    registration = registered(db, event)
    headers = bearer(db, staff)
    with queries() as statements:
        forged = client.post("/api/v1/checkins", headers=headers,
                             json={"code": codes.new_ticket_id() * 2, "session_id": event.sessions[0].id})
    assert forged.status_code == 404 and forged.get_json()["error"]["code"] == "ticket_invalid"
    assert not [s for s in statements if "registrations" in s]
    wrong = client.post("/api/v1/checkins", headers=headers,
                        json={"code": registration.ticket_code, "session_id": other.sessions[0].id})
    assert wrong.status_code == 409 and wrong.get_json()["error"]["code"] == "wrong_event"
    missing = client.post("/api/v1/checkins", headers=headers, json={"code": registration.ticket_code, "session_id": 999999})
    assert missing.status_code == 404
    invalid = client.post("/api/v1/checkins", headers=headers, json={"code": registration.ticket_code, "session_id": "1"})
    assert invalid.status_code == 422
    assert client.post("/api/v1/checkins", json={"code": "x", "session_id": 1}).status_code == 401
    assert rows(db) == []


def test_an_organizer_checks_in_only_at_their_own_events(db, client, make_event, make_user, organizer):
    event = make_event(starts_in=SOON)  # owned by `organizer`
    registration = registered(db, event)
    stranger = bearer(db, make_user(Role.organizer))
    body = {"code": registration.ticket_code, "session_id": event.sessions[0].id}
    assert client.post("/api/v1/checkins", json=body, headers=stranger).status_code == 403
    assert client.post("/api/v1/checkins", json=body, headers=bearer(db, organizer)).status_code == 200


def test_the_registration_answer_carries_the_ticket_qr_and_calendar(client, db, make_event):
    from qr_decode import decode

    event = make_event(starts_in=SOON)
    body = client.post(f"/api/v1/events/{event.slug}/registrations", json=person(1)).get_json()
    ticket = body["ticket_url"].removeprefix("http://testserver")
    assert client.get(ticket).status_code == 200
    qr = client.get(body["qr_url"].removeprefix("http://testserver"))
    assert qr.mimetype == "image/png" and decode(qr.get_data()) == body["ticket_url"]
    ics = client.get(body["calendar_url"].removeprefix("http://testserver"))
    assert ics.mimetype == "text/calendar" and b"BEGIN:VEVENT" in ics.get_data()


# ---- the door's clock: the window, the undo, dates -----------------------------------------

def test_check_in_opens_120_minutes_before_and_closes_at_the_end_of_the_day(db, make_event, staff, clock):
    from datetime import datetime, timezone

    from eventsvc.timefmt import BANGKOK

    start = datetime(2027, 2, 24, 9, 0, tzinfo=BANGKOK).astimezone(timezone.utc)
    event = make_event(starts_in=start - clock.now)
    registration = registered(db, event)
    morning = event.sessions[0]
    clock.set(morning.starts_at - timedelta(minutes=121))
    with pytest.raises(services.CheckinNotOpen) as early:
        services.check_in(registration, morning, staff, CheckinMethod.qr)
    assert early.value.code == "checkin_not_open" and early.value.status == 409
    assert early.value.opens_at == morning.starts_at - timedelta(minutes=120)
    assert "24 ก.พ. 2570" in str(early.value.message)  # Bangkok time, Buddhist era
    clock.set(datetime(2027, 2, 25, 0, 0, tzinfo=BANGKOK).astimezone(timezone.utc))  # the next day
    with pytest.raises(services.CheckinClosed) as late:
        services.check_in(registration, morning, staff, CheckinMethod.qr)
    assert late.value.code == "checkin_closed"
    assert rows(db) == []
    clock.set(datetime(2027, 2, 24, 23, 59, 59, tzinfo=BANGKOK).astimezone(timezone.utc))  # late, same day
    assert services.check_in(registration, morning, staff, CheckinMethod.qr).result == "checked_in"
    db.session.commit()
    assert len(rows(db)) == 1


def test_the_api_says_not_open_or_closed_with_409_and_records_nothing(db, client, make_event, staff, clock):
    event = make_event(starts_in=timedelta(days=3))
    registration = registered(db, event)
    headers = bearer(db, staff)
    body = {"code": registration.ticket_code, "session_id": event.sessions[0].id}
    early = client.post("/api/v1/checkins", json=body, headers=headers)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "checkin_not_open"
    clock.move(timedelta(days=5))
    late = client.post("/api/v1/checkins", json=body, headers=headers)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "checkin_closed"
    assert rows(db) == []


def test_the_door_and_the_ticket_say_when_check_in_opens(db, client, make_event, staff, login_as):
    event = make_event(starts_in=timedelta(days=3))
    registration = registered(db, event)
    html = door(client, event, staff, login_as)
    assert 'id="door-window" data-state="not_open"' in html
    response = client.post(f"/organizer/events/{event.slug}/checkin", headers={"Accept": "application/json"},
                           data={"csrf_token": csrf_from(html), "session": event.sessions[0].id,
                                 "code": registration.ticket_code})
    answer = response.get_json()
    assert response.status_code == 409 and answer["result"] == "checkin_not_open" and answer["tone"] == "warn"
    assert answer["opens_at"] and answer["counts"]["checked_in"] == 0
    tapped = client.post(f"/t/{registration.ticket_code}/checkin",
                         data={"csrf_token": csrf_from(html), "session_id": event.sessions[0].id})
    assert tapped.status_code == 409 and 'data-result="checkin_not_open"' in tapped.get_data(as_text=True)
    assert rows(db) == []


def test_undo_is_a_new_entry_and_a_person_can_be_checked_in_again(db, make_event, staff):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    morning = event.sessions[0]
    services.check_in(registration, morning, staff, CheckinMethod.qr)
    db.session.commit()
    assert services.undo_check_in(registration, morning, staff).result == "undone"
    db.session.commit()
    assert services.counts_by_session(event)[morning.id]["checked_in"] == 0
    assert services.checkins_of(registration) == {} and services.checked_in_ids(event, morning) == set()
    again = services.undo_check_in(registration, morning, staff)  # a second click: nothing more written
    db.session.commit()
    assert again.result == "undone" and len(rows(db)) == 2
    back = services.check_in(reload(db, registration), morning, staff, CheckinMethod.scanner)
    db.session.commit()
    assert back.result == "checked_in" and back.checkin.attempt == 1
    assert services.check_in(reload(db, registration), morning, staff, CheckinMethod.qr).result == "already_checked_in"
    assert [(r.action.value, r.attempt) for r in rows(db)] == [("check_in", 0), ("undo", 0), ("check_in", 1)]
    assert services.counts_by_session(event)[morning.id]["checked_in"] == 1
    # The person's own data export keeps the whole story.
    exported = registration_privacy.personal_data(reload(db, registration))["check_ins"]
    assert [entry["action"] for entry in exported] == ["check_in", "undo", "check_in"]


def test_only_the_staff_who_did_it_or_an_organizer_may_undo_and_only_that_day(db, make_event, staff, make_user,
                                                                               organizer, clock):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    morning = event.sessions[0]
    services.check_in(registration, morning, staff, CheckinMethod.qr)
    db.session.commit()
    with pytest.raises(services.UndoNotAllowed):
        services.undo_check_in(registration, morning, make_user(Role.checkin))
    with pytest.raises(services.UndoNotAllowed):
        services.undo_check_in(registration, morning, make_user(Role.organizer))  # another event's organizer
    clock.move(timedelta(days=1))
    with pytest.raises(services.UndoRefused):
        services.undo_check_in(registration, morning, staff)
    clock.move(timedelta(days=-1))
    assert services.undo_check_in(registration, morning, organizer).result == "undone"
    db.session.commit()
    with pytest.raises(services.UndoRefused):  # another person, never checked in
        services.undo_check_in(registered(db, event, 2), morning, organizer)


def test_undone_check_ins_leave_the_report_and_the_export(db, client, make_event, staff, login_as, organizer):
    from eventsvc.attendees import services as attendee_services

    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    morning = event.sessions[0]
    services.check_in(registration, morning, staff, CheckinMethod.qr)
    services.undo_check_in(registration, morning, staff)
    db.session.commit()
    report = attendee_services.attendance_report(event)
    assert [(s["checked_in"], s["took_part"]) for s in report["sessions"]][0] == (0, 0)
    rows_out = list(attendee_services.export_rows(event, attendee_services.filtered_registrations(event)))
    column = rows_out[0].index("checked_in")
    assert not rows_out[1][column]


def test_undo_at_the_door_brings_the_count_down_and_the_ticket_says_not_checked_in(db, client, make_event, staff,
                                                                                   login_as):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    html = door(client, event, staff, login_as)
    session_id = event.sessions[0].id
    data = {"csrf_token": csrf_from(html), "session": session_id, "code": registration.ticket_code}
    first = client.post(f"/organizer/events/{event.slug}/checkin", data=data, headers={"Accept": "application/json"})
    assert first.get_json()["undo_url"] and first.get_json()["counts"]["checked_in"] == 1
    second = client.post(f"/organizer/events/{event.slug}/checkin", data=data).get_data(as_text=True)
    assert 'class="door-answer warn"' in second and 'data-result="already_checked_in"' in second
    assert re.search(r"! .*\d\d:\d\d", second)  # today: the time alone, with a sign besides the colour
    undone = client.post(first.get_json()["undo_url"], data={"csrf_token": data["csrf_token"], "session": session_id})
    assert undone.status_code == 200 and 'data-result="undone"' in undone.get_data(as_text=True)
    assert client.get(f"/organizer/events/{event.slug}/checkin/counts.json").get_json()[str(session_id)]["checked_in"] == 0
    ticket = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    assert f'data-checkin="{session_id}" data-state="out"' in ticket
    assert [r.action.value for r in rows(db)] == ["check_in", "undo"]


def test_a_check_in_of_another_day_carries_its_date(db, client, make_event, staff, login_as, clock):
    event = make_event(starts_in=SOON)
    registration = registered(db, event)
    services.check_in(registration, event.sessions[0], staff, CheckinMethod.qr)
    db.session.commit()
    login_as(user=staff)
    today = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    badge = re.search(r'data-state="in">([^<]*)<', today).group(1)
    assert re.search(r"\d\d:\d\d", badge) and not re.search(r"25\d\d", badge)
    clock.move(timedelta(days=1))
    login_as(user=staff)  # a sign-in without "keep me signed in" has ended by the next day
    later = client.get(f"/t/{registration.ticket_code}").get_data(as_text=True)
    badge = re.search(r'data-state="in">([^<]*)<', later).group(1)
    assert re.search(r"\d+ \S+ 25\d\d \d\d:\d\d", badge)  # Buddhist-era date and time
    assert 'data-undo=' not in later  # no undo the next day


def test_the_undo_migration_keeps_the_log_append_only_checks_the_action_and_goes_back(backend, tmp_path):
    from flask_migrate import downgrade, upgrade

    from conftest import database_url, reset_postgres
    from eventsvc import create_app
    from eventsvc.extensions import db as _db

    url = database_url(backend, tmp_path)
    if backend == "postgresql":
        reset_postgres(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        def shape():
            inspector = sa.inspect(_db.engine)
            checks = {c["name"] for c in inspector.get_check_constraints("checkins")}
            with _db.engine.connect() as connection:
                triggers = connection.execute(sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'checkins'"
                    if backend == "sqlite" else
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'checkins'::regclass AND NOT tgisinternal")).scalars().all()
            return checks, set(triggers)

        upgrade()
        checks, triggers = shape()
        assert {"ck_checkins_checkinaction", "ck_checkins_attempt_not_negative"} <= checks and triggers
        downgrade(revision="0005_login_sessions")  # the revision before the undo's
        assert shape()[1] == triggers  # SQLite rebuilt the table: the triggers are back
        upgrade()
        assert shape() == (checks, triggers)
        _db.engine.dispose()
