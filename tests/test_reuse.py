"""Duplicating an event: its details and sessions on a new date, its questions, its documents when asked, never its people."""
import io
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from conftest import add_member, csrf_from, field_errors
from eventsvc.audit.models import AuditEntry
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import Checkin, CheckinMethod
from eventsvc.errors import ValidationFailed
from eventsvc.events import services
from eventsvc.events.models import Event, EventStatus
from eventsvc.invitations.models import Invitation
from eventsvc.livestream.models import OnlineAttendance
from eventsvc.mail.models import OutboxMessage
from eventsvc.questions import services as question_services
from eventsvc.registration.models import Registration
from eventsvc.teams.models import EventMember, TeamRole
from eventsvc.timefmt import to_local
from test_api import assert_error, auth

DRAFT_PDF = b"%PDF-1.4 \x00\xff draft plan " + bytes(range(256))


@pytest.fixture
def source(db, make_event, make_registration, make_invitation, organizer, make_user, staff):
    """A published event that took people in: registrations, an invitation, a check-in, a colleague, messages,
    a question and a document; its registration window set."""
    event = make_event(starts_in=timedelta(minutes=30), venue_name="ศูนย์ราชการ", contact_email="contact@example.org",
                       capacity=100, description_th="รายละเอียด")
    services.update_event(event, {"registration_opens_at": event.starts_at - timedelta(days=10),
                                  "registration_closes_at": event.starts_at - timedelta(minutes=1)})
    event.sessions[1].stream_url = "https://www.youtube.com/watch?v=old"
    services.add_attachment(event, FileStorage(io.BytesIO(DRAFT_PDF), filename="ร่างแผน.pdf"), "ร่างแผน")
    question_services.add_question(event, {"kind": "short_text", "label_th": "หน่วยงานย่อย", "required": True},
                                   actor=organizer)
    db.session.commit()
    services.update_event(event, {"registration_closes_at": None})
    db.session.commit()
    registration = make_registration(event, answers={str(question_services.questions_of(event)[0].id): "กองแผน"})
    make_invitation(event, 2)
    checkin_services.check_in(registration, event.sessions[0], staff, CheckinMethod.search)
    add_member(db, event, make_user("organizer"), "organizer")
    db.session.commit()
    return event


def rows(db, model, event):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.event_id == event.id))


def test_a_copy_takes_the_event_and_nothing_of_its_people(db, source, organizer, make_user):
    colleague = make_user("organizer")
    add_member(db, source, colleague, "organizer")
    copy = services.duplicate_event(source, colleague, {"starts_on": date(2031, 3, 4), "slug": "copy-1"},
                                    actor=colleague)
    db.session.commit()
    assert (copy.status, copy.owner_id, copy.seats_taken, copy.view_count) == (EventStatus.draft, colleague.id, 0, 0)
    assert (copy.title_th, copy.venue_name, copy.contact_email, copy.capacity, copy.description_th) == (
        source.title_th, "ศูนย์ราชการ", "contact@example.org", 100, "รายละเอียด")
    for model in (Registration, Invitation, Checkin, OnlineAttendance, OutboxMessage):
        assert rows(db, model, copy) == 0, model
    assert rows(db, Registration, source) == 1 and rows(db, Checkin, source) == 1
    team = db.session.execute(sa.select(EventMember.user_id, EventMember.role).where(EventMember.event_id == copy.id)).all()
    assert team == [(colleague.id, TeamRole.owner)]
    assert [s.seats_taken for s in copy.sessions] == [0, 0] and not any(s.stream_url for s in copy.sessions)
    assert copy.attachments == []  # not asked for
    [question] = question_services.questions_of(copy)
    assert (question.label_th, question.required) == ("หน่วยงานย่อย", True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.text("registration_answers"))) == 1


def test_the_sessions_move_to_the_new_day_keeping_their_time_offsets_and_lengths(db, source, organizer):
    copy = services.duplicate_event(source, organizer, {"starts_on": date(2031, 3, 4)}, actor=organizer)
    db.session.commit()
    first = to_local(copy.sessions[0].starts_at)
    assert first.date() == date(2031, 3, 4) and first.time() == to_local(source.sessions[0].starts_at).time()
    shift = copy.sessions[0].starts_at - source.sessions[0].starts_at
    assert [(s.starts_at - shift, s.ends_at - shift) for s in copy.sessions] == [
        (s.starts_at, s.ends_at) for s in source.sessions]
    assert copy.registration_opens_at == source.registration_opens_at + shift
    assert copy.registration_closes_at is None and (copy.starts_at, copy.ends_at) == (
        source.starts_at + shift, source.ends_at + shift)
    assert copy.slug == f"{source.slug}-2"  # the suggestion


def test_the_documents_are_copied_byte_for_byte_when_asked(db, source, organizer):
    copy = services.duplicate_event(source, organizer, {"starts_on": date(2031, 3, 4), "with_documents": True},
                                    actor=organizer)
    db.session.commit()
    [original], [copied] = source.attachments, copy.attachments
    assert copied.stored_name != original.stored_name and copied.download_count == 0
    assert (copied.title, copied.filename, copied.size) == ("ร่างแผน", "ร่างแผน.pdf", len(DRAFT_PDF))
    assert services.attachment_path(copied).read_bytes() == DRAFT_PDF
    services.delete_attachment(copied)  # the copy's own file: the source keeps its own
    db.session.commit()
    assert services.attachment_path(original).read_bytes() == DRAFT_PDF


@pytest.mark.parametrize("data, field", [
    ({"starts_on": date(2031, 3, 4), "slug": "TAKEN"}, "slug"),
    ({"starts_on": None}, "starts_on"),
    ({"starts_on": "2031-03-04"}, "starts_on"),
    ({"starts_on": date(2200, 1, 1)}, "starts_on"),
    ({"starts_on": date(2031, 3, 4), "slug": "Not a slug"}, "slug"),
    ({"starts_on": date(2031, 3, 4), "with_documents": "yes"}, "with_documents"),
])
def test_bad_input_is_a_field_error_and_nothing_is_written(db, source, organizer, data, field):
    data = {**data, "slug": source.slug} if data.get("slug") == "TAKEN" else data
    events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    with pytest.raises(ValidationFailed) as refused:
        services.duplicate_event(source, organizer, data, actor=organizer)
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events


def test_the_back_office_page_duplicates_with_a_suggested_address_and_a_taken_one_is_a_field_error(
        db, client, login_as, organizer, source):
    login_as(user=organizer)
    manage = client.get(f"/organizer/events/{source.slug}").get_data(as_text=True)
    assert f"/organizer/events/{source.slug}/duplicate" in manage
    url = f"/organizer/events/{source.slug}/duplicate"
    html = client.get(url).get_data(as_text=True)
    assert f'value="{source.slug}-2"' in html
    response = client.post(url, data={"csrf_token": csrf_from(html), "slug": source.slug, "starts_on": "2031-03-04"})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "slug") == [
        "ที่อยู่เว็บนี้มีผู้ใช้แล้ว"]
    response = client.post(url, data={"csrf_token": csrf_from(html), "slug": "hearing-again", "starts_on": "2031-03-04",
                                      "with_documents": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/organizer/events/hearing-again")
    db.session.rollback()
    copy = services.get_event("hearing-again")
    assert copy.owner_id == organizer.id and len(copy.attachments) == 1


@pytest.mark.parametrize("role", ["viewer", "checkin"])
def test_team_members_who_may_not_manage_the_source_cannot_duplicate_it(db, client, login_as, source, make_user, role):
    user = login_as("organizer")
    add_member(db, source, user, role)
    assert client.get(f"/organizer/events/{source.slug}/duplicate").status_code == 403


def test_the_door_staff_account_cannot_make_a_copy_even_as_an_organizer_of_the_event(db, client, login_as, source):
    user = login_as("checkin")
    add_member(db, source, user, "organizer")
    assert client.get(f"/organizer/events/{source.slug}/duplicate").status_code == 403


def test_the_api_duplicates_and_the_audit_trail_records_it_on_both_events(db, client, source, api_token, organizer):
    response = client.post(f"/api/v1/events/{source.slug}/duplicate", headers=auth(api_token),
                           json={"slug": "api-copy", "starts_on": "2031-03-04", "with_documents": True})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["slug"] == "api-copy" and body["status"] == "draft" and body["seats_taken"] == 0
    # starts_on is a day in Bangkok: the API's UTC time may still be the day before (a session soon after midnight).
    first = to_local(datetime.fromisoformat(body["sessions"][0]["starts_at"]))
    assert len(body["sessions"]) == 2 and first.date() == date(2031, 3, 4)
    assert [q["label_th"] for q in body["questions"]] == ["หน่วยงานย่อย"]
    db.session.rollback()
    copy = services.get_event("api-copy")
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "event.duplicated")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.event_id, e.actor_user_id) for e in entries] == [(source.id, organizer.id), (copy.id, organizer.id)]
    assert entries[0].data["copy"] == "api-copy" and entries[1].data["source"] == source.slug

    taken = assert_error(client.post(f"/api/v1/events/{source.slug}/duplicate", headers=auth(api_token),
                                     json={"slug": "api-copy", "starts_on": "2031-03-04"}), 422, "invalid")
    assert list(taken["fields"]) == ["slug"]
    assert_error(client.post(f"/api/v1/events/{source.slug}/duplicate", json={"starts_on": "2031-03-04"}),
                 401, "unauthorized")
    assert_error(client.post("/api/v1/events/no-such-event/duplicate", headers=auth(api_token),
                             json={"starts_on": "2031-03-04"}), 404, "not_found")


def test_the_api_refuses_a_caller_who_may_not_manage_the_source(db, client, source, make_user):
    from eventsvc.accounts.services import issue_api_token

    stranger = make_user("organizer")
    token = issue_api_token(stranger)
    db.session.commit()
    assert_error(client.post(f"/api/v1/events/{source.slug}/duplicate", headers=auth(token),
                             json={"starts_on": "2031-03-04"}), 403, "forbidden")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1


@pytest.mark.parametrize("starts_on", ["2200-01-01", "1999-12-31", "2031-02-30", "04/03/2031", 20310304])
def test_the_api_refuses_a_day_it_cannot_keep_on_its_field(db, client, source, api_token, starts_on):
    error = assert_error(client.post(f"/api/v1/events/{source.slug}/duplicate", headers=auth(api_token),
                                     json={"starts_on": starts_on}), 422, "invalid")
    assert list(error["fields"]) == ["starts_on"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1
