"""The audit trail: one entry for each kind of action, done through its real page, API call or command; the
database refusing to change or delete one; no registrant's personal value in it; the page, its filters, CSV, API."""
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Optional

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from conftest import PASSWORD, csrf_from, person
from eventsvc.accounts.models import Role
from eventsvc.audit import services as audit_services
from eventsvc.audit.models import ActorKind, AuditEntry
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import CheckinMethod
from eventsvc.events import services as event_services
from eventsvc.invitations import services as invitation_services
from eventsvc.mail.models import MessageStatus, OutboxMessage
from eventsvc.registration import services as registration_services
from eventsvc.registration.models import Registration

# Check-in opens two hours before a session: the event of these tests starts soon.
SOON = timedelta(minutes=30)


def last_id(db):
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0


def entries_after(db, since):
    db.session.rollback()
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > since).order_by(AuditEntry.id)).all()


@dataclass
class World:
    """A signed-in organizer (who also holds an API token), a published event starting soon, one registrant."""
    db: object
    app: object
    client: object
    runner: object
    organizer: object
    event: object
    registration: object
    manage_token: str
    api_token: str
    make_event: Callable
    make_invitation: Callable
    extra: dict = field(default_factory=dict)

    def csrf(self, path=None):
        return csrf_from(self.client.get(path or f"/organizer/events/{self.event.slug}").get_data(as_text=True))

    def post(self, path, data=None, status=302, **kwargs):
        response = self.client.post(path, data={"csrf_token": self.csrf(), **(data or {})}, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response

    def api(self, method, path, status=200, **kwargs):
        response = getattr(self.client, method)(path, headers={"Authorization": f"Bearer {self.api_token}"}, **kwargs)
        assert response.status_code == status, response.get_data(as_text=True)
        return response

    def get(self, path, status=200):
        response = self.client.get(path)
        assert response.status_code == status, response.get_data(as_text=True)[:2000]
        return response

    @property
    def slug(self):
        return self.event.slug

    @property
    def morning(self):
        return self.event.sessions[0]


@pytest.fixture
def world(db, app, client, runner, login_as, organizer, make_event, make_invitation, api_token):
    login_as(user=organizer)
    event = make_event(starts_in=SOON)
    result = registration_services.register(event, person(1, consent_listing=True))
    db.session.commit()
    return World(db, app, client, runner, organizer, event, result.registration, result.manage_token, api_token,
                 make_event, make_invitation)


# ---- the cases: what is done, and the one entry it must leave ------------------------------------------

@dataclass
class Case:
    do: Callable
    actions: list                       # the actions of the new entries, in order; the last one is checked
    actor: str                          # "organizer", "registrant", "system" or "token" (the organizer's token)
    event: Optional[Callable] = lambda w: w.event.id
    registration: Optional[Callable] = None
    changes: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    target: Optional[str] = None
    setup: Optional[Callable] = None


def _new_event_by_api(w):
    w.api("post", "/api/v1/events", status=201, json={"slug": "audit-new", "title_th": "การประชุมใหม่",
                                                       "kind": "workshop", "registration_mode": "open"})


def _setup_spare_session(w):
    start = w.morning.starts_at + timedelta(days=1)
    w.extra["spare"] = event_services.add_session(w.event, {"name_th": "สำรอง", "starts_at": start,
                                                             "ends_at": start + timedelta(hours=1)})
    w.db.session.commit()


def _setup_document(w):
    upload = FileStorage(io.BytesIO(b"%PDF-1.4 draft"), filename="ร่างแผน.pdf")
    w.extra["document"] = event_services.add_attachment(w.event, upload, "ร่างแผน")
    w.db.session.commit()


def _setup_draft(w):
    w.extra["draft"] = w.make_event(status="draft")


def _setup_check_in(w):
    checkin_services.check_in(w.registration, w.morning, w.organizer, CheckinMethod.search)
    w.db.session.commit()


def _setup_invitation(send=True):
    def setup(w):
        w.extra["invitation"], w.extra["invite_token"] = w.make_invitation(w.event, send=send)
    return setup


def _setup_revoked_invitation(w):
    _setup_invitation()(w)
    invitation_services.revoke(w.extra["invitation"], actor=w.organizer)
    w.db.session.commit()


def _setup_failed_message(w):
    w.db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.registration_id == w.registration.id)
                         .values(status=MessageStatus.failed))
    w.db.session.commit()


def _registration_of(email):
    def find(w):
        return w.db.session.scalar(sa.select(Registration.id).where(Registration.email == email))
    return find


def _sign_in_fresh(w, password=PASSWORD, status=302):
    fresh = w.app.test_client()
    page = fresh.get("/organizer/login").get_data(as_text=True)
    response = fresh.post("/organizer/login", data={"email": w.organizer.email, "password": password,
                                                    "csrf_token": csrf_from(page)})
    assert response.status_code == status


def _cli(*args, input=None):
    def run(w):
        result = w.runner.invoke(args=list(args), input=input)
        assert result.exit_code == 0, result.output
    return run


def _door(w, undo=False):
    path = f"/organizer/events/{w.slug}/checkin/registrations/{w.registration.id}" + ("/undo" if undo else "")
    w.post(path, {"session": w.morning.id}, status=200)


MY = "/my/{token}"
REG = lambda w: w.registration.id  # noqa: E731


CASES = {
    "event created through the API": Case(
        _new_event_by_api, ["event.created"], "token",
        event=lambda w: event_services.get_event("audit-new").id, data={"slug": "audit-new"}),
    "event edited through the API, before and after": Case(
        lambda w: w.api("patch", f"/api/v1/events/{w.slug}", json={"title_en": "Renamed", "capacity": 50}),
        ["event.updated"], "token",
        changes={"title_en": ["Hearing on the draft digital government plan", "Renamed"], "capacity": [None, 50]}),
    "event published on its page": Case(
        lambda w: w.post(f"/organizer/events/{w.extra['draft'].slug}/publish"), ["event.published"], "organizer",
        event=lambda w: w.extra["draft"].id, changes={"status": ["draft", "published"]}, setup=_setup_draft),
    "event cancelled with the reason": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/cancel", {"reason": "น้ำท่วมสถานที่จัดงาน"}),
        ["event.cancelled"], "organizer", changes={"status": ["published", "cancelled"]},
        data={"reason": "น้ำท่วมสถานที่จัดงาน"}),
    "session added through the API": Case(
        lambda w: w.api("post", f"/api/v1/events/{w.slug}/sessions", status=201, json={
            "name_th": "ช่วงค่ำ", "starts_at": (w.morning.starts_at + timedelta(days=2)).isoformat(),
            "ends_at": (w.morning.starts_at + timedelta(days=2, hours=1)).isoformat()}),
        ["session.added"], "token", target="event_sessions", data={"name_th": "ช่วงค่ำ"}),
    "session edited through the API": Case(
        lambda w: w.api("patch", f"/api/v1/events/{w.slug}/sessions/{w.morning.id}", json={"name_en": "Early"}),
        ["session.updated"], "token", target="event_sessions", changes={"name_en": ["Morning", "Early"]}),
    "session cancelled with the reason": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/sessions/{w.morning.id}/cancel", {"reason": "วิทยากรป่วย"}),
        ["session.cancelled"], "organizer", target="event_sessions", data={"reason": "วิทยากรป่วย"}),
    "session deleted": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/sessions/{w.extra['spare'].id}/delete"),
        ["session.deleted"], "organizer", target="event_sessions", data={"name_th": "สำรอง"},
        setup=_setup_spare_session),
    "document added": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/attachments", {
            "title": "เอกสารประกอบ", "file": (io.BytesIO(b"%PDF-1.4 x"), "เอกสาร.pdf")},
            content_type="multipart/form-data"),
        ["document.added"], "organizer", target="attachments", data={"title": "เอกสารประกอบ"}),
    "document deleted": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/attachments/{w.extra['document'].id}/delete"),
        ["document.deleted"], "organizer", target="attachments", data={"title": "ร่างแผน"}, setup=_setup_document),
    "registration made by the person through the API": Case(
        lambda w: w.client.post(f"/api/v1/events/{w.slug}/registrations", json=person(2)),
        ["registration.created"], "registrant", registration=_registration_of("somchai2@example.org"),
        data={"status": "confirmed"}),
    "registration changed by the registrant": Case(
        lambda w: w.post(f"/my/{w.manage_token}/edit", {
            "title_prefix": "นาง", "first_name": "สมศรี", "last_name": "ใจดี", "organization": "กรมการปกครอง",
            "position": "", "sector": "government", "email": "somchai1@example.org", "phone": "0812345678",
            "attendance": "online", "sessions": [s.id for s in w.event.sessions]}),
        ["registration.updated"], "registrant", registration=REG,
        changes={"first_name": [None, None], "title_prefix": [None, None], "attendance": ["onsite", "online"]}),
    "registration cancelled by the registrant": Case(
        lambda w: w.post(f"/my/{w.manage_token}/cancel"), ["registration.cancelled"], "registrant",
        registration=REG, changes={"status": ["confirmed", "cancelled"]}),
    "registration cancelled by an organizer": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/registrations/{w.registration.id}/cancel"),
        ["registration.cancelled"], "organizer", registration=REG, changes={"status": ["confirmed", "cancelled"]}),
    "registration erased by the registrant (cancelled first)": Case(
        lambda w: w.post(f"/my/{w.manage_token}/erase", status=200),
        ["registration.cancelled", "registration.erased"], "registrant", registration=REG),
    "registrant leaves the public list": Case(
        lambda w: w.post(f"/my/{w.manage_token}/unlist"), ["registration.unlisted"], "registrant",
        registration=REG, changes={"consent_listing": [True, False]}),
    "check-in through the API": Case(
        lambda w: w.api("post", "/api/v1/checkins", json={"code": w.registration.ticket_code,
                                                          "session_id": w.morning.id}),
        ["checkin.created"], "token", registration=REG, target="checkins", data={"method": "api"}),
    "check-in at the door": Case(
        _door, ["checkin.created"], "organizer", registration=REG, target="checkins", data={"method": "search"}),
    "check-in by one tap on the ticket": Case(
        lambda w: w.post(f"/t/{w.registration.ticket_code}/checkin", {"session_id": w.morning.id}, status=200),
        ["checkin.created"], "organizer", registration=REG, target="checkins", data={"method": "qr"}),
    "check-in undone at the door": Case(
        lambda w: _door(w, undo=True), ["checkin.undone"], "organizer", registration=REG, target="checkins",
        setup=_setup_check_in),
    "registrations exported as CSV": Case(
        lambda w: w.get(f"/organizer/events/{w.slug}/registrations.csv?status=confirmed"),
        ["export.downloaded"], "organizer",
        data={"kind": "registrations_csv", "filters": {"status": "confirmed"}}),
    "registrations exported as Excel": Case(
        lambda w: w.get(f"/organizer/events/{w.slug}/registrations.xlsx"), ["export.downloaded"], "organizer",
        data={"kind": "registrations_xlsx"}),
    "sign-in sheet printed": Case(
        lambda w: w.get(f"/organizer/events/{w.slug}/sessions/{w.morning.id}/sign-in-sheet"),
        ["export.downloaded"], "organizer", data={"kind": "sign_in_sheet"}),
    "invitations exported": Case(
        lambda w: w.get(f"/organizer/events/{w.slug}/invitations.csv"), ["export.downloaded"], "organizer",
        data={"kind": "invitations_csv"}),
    "personal data downloaded by the registrant": Case(
        lambda w: w.get(f"/my/{w.manage_token}/data.json"), ["export.downloaded"], "registrant",
        registration=REG, data={"kind": "personal_data"}),
    "list of participants published": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/attendees/publish"), ["list.published"], "organizer"),
    "people invited through the API": Case(
        lambda w: w.api("post", f"/api/v1/events/{w.slug}/invitations", status=201,
                        json={"invitees": [{"email": "a@example.org"}, {"email": "b@example.org"}]}),
        ["invitation.invited"], "token", data={"invited": 2, "rejected": 0}),
    "invitees imported from a pasted list": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/invitations/import",
                         {"text": "email,name\nc@example.org,สมศรี มีสุข\n"}, status=200),
        ["invitation.imported"], "organizer", data={"invited": 1, "sent": False}),
    "invitation withdrawn through the API": Case(
        lambda w: w.api("post", f"/api/v1/events/{w.slug}/invitations/{w.extra['invitation'].id}/revoke"),
        ["invitation.revoked"], "token", target="invitations", setup=_setup_invitation()),
    "invitation sent again through the API": Case(
        lambda w: w.api("post", f"/api/v1/events/{w.slug}/invitations/{w.extra['invitation'].id}/resend"),
        ["invitation.resent"], "token", target="invitations", setup=_setup_invitation()),
    "invitation given a new link": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/invitations/{w.extra['invitation'].id}/reissue"),
        ["invitation.reissued"], "organizer", target="invitations", setup=_setup_revoked_invitation),
    "invitations not sent yet sent": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/invitations/send-unsent"), ["invitation.sent"], "organizer",
        data={"sent": 1}, setup=_setup_invitation(send=False)),
    "invitation declined by the invitee": Case(
        lambda w: w.post(f"/events/{w.slug}/register/decline?invite={w.extra['invite_token']}", {"reason": ""}),
        ["invitation.declined"], "registrant", target="invitations", setup=_setup_invitation()),
    "failed messages tried again": Case(
        lambda w: w.post(f"/organizer/events/{w.slug}/messages/retry"), ["mail.retried"], "organizer",
        data={"messages": 1}, setup=_setup_failed_message),
    "sign-in": Case(_sign_in_fresh, ["account.signed_in"], "organizer", event=None, target="users"),
    "failed sign-in to an account": Case(
        lambda w: _sign_in_fresh(w, "wrong password", status=401), ["account.sign_in_failed"], "system", event=None,
        target="users", data={"reason": "wrong_password"}),
    "sign-out": Case(lambda w: w.post("/organizer/logout"), ["account.signed_out"], "organizer", event=None,
                     target="users"),
    "own password changed (and signed in again)": Case(
        lambda w: w.post("/organizer/password", {"current_password": PASSWORD, "password": "a new long password",
                                                 "confirm": "a new long password"}),
        ["account.password_changed", "account.signed_in"], "organizer", event=None, target="users"),
    "account created on the command line": Case(
        _cli("user", "create", "new@example.org", "--password", "a long password"), ["account.created"], "system",
        event=None, target="users", data={"email": "new@example.org"}),
    "account deactivated on the command line": Case(
        _cli("user", "deactivate", "organizer@example.org"), ["account.deactivated"], "system", event=None,
        target="users"),
    "API token issued on the command line": Case(
        _cli("user", "token", "organizer@example.org"), ["token.issued"], "system", event=None, target="api_tokens"),
    "API tokens revoked on the command line": Case(
        _cli("user", "revoke-tokens", "organizer@example.org"), ["token.revoked"], "system", event=None,
        target="users", data={"tokens": 1}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_audit_row_for_each_kind_of_action(world, name):
    case = CASES[name]
    w = world
    if case.setup:
        case.setup(w)
    before = last_id(w.db)
    case.do(w)
    new = entries_after(w.db, before)
    assert [e.action for e in new] == case.actions
    entry = new[-1]
    expected_kind = {"organizer": ActorKind.user, "token": ActorKind.token, "registrant": ActorKind.registrant,
                     "system": ActorKind.system}[case.actor]
    assert entry.actor_kind == expected_kind
    if case.actor in ("organizer", "token"):
        assert (entry.actor_user_id, entry.actor_label) == (w.organizer.id, w.organizer.email)
        assert (entry.api_token_id is not None) == (case.actor == "token")
    else:
        assert entry.actor_user_id is None and entry.api_token_id is None
    assert entry.event_id == (case.event(w) if case.event else None)
    assert entry.registration_id == (case.registration(w) if case.registration else None)
    if case.target:
        assert entry.target_type == case.target and entry.target_id
    for key, value in case.changes.items():
        assert entry.changes.get(key) == value, entry.changes
    for key, value in case.data.items():
        assert entry.data.get(key) == value, entry.data


def test_an_action_that_fails_leaves_no_entry(world):
    before = last_id(world.db)
    response = world.client.post(f"/api/v1/events/{world.slug}/sessions", headers={
        "Authorization": f"Bearer {world.api_token}"}, json={"name_th": "x", "starts_at": "2030-01-01T10:00:00+07:00",
                                                            "ends_at": "2030-01-01T09:00:00+07:00"})
    assert response.status_code == 422
    world.post(f"/organizer/events/{world.slug}/publish")  # published already: nothing changes, nothing recorded
    assert entries_after(world.db, before) == []


# ---- personal values never land in the record ------------------------------------------------------------

def test_no_personal_value_of_a_registrant_is_ever_in_the_record(world):
    w = world
    w.post(f"/my/{w.manage_token}/edit", {
        "title_prefix": "ดร.", "first_name": "ประภาพรรณ", "last_name": "วงศ์สุวรรณ", "organization": "องค์กรลับ",
        "position": "ผู้เชี่ยวชาญพิเศษ", "sector": "academic", "email": "prapa.secret@example.org",
        "phone": "0899999999", "attendance": "onsite", "sessions": [s.id for s in w.event.sessions],
        "consent_listing": "y"})
    w.client.post(f"/api/v1/events/{w.slug}/registrations", json=person(7, first_name="วิไลวรรณ",
                                                                        email="wilai.secret@example.org"))
    w.post(f"/my/{w.manage_token}/erase", status=200)
    w.db.session.rollback()
    text = json.dumps([[e.changes, e.data, e.actor_label, e.target_type]
                       for e in w.db.session.scalars(sa.select(AuditEntry))], ensure_ascii=False)
    for value in ("ประภาพรรณ", "วงศ์สุวรรณ", "องค์กรลับ", "ผู้เชี่ยวชาญพิเศษ", "prapa.secret", "0899999999",
                  "วิไลวรรณ", "wilai.secret", "somchai1@example.org", "สมชาย1", "0812345678"):
        assert value not in text
    updated = w.db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "registration.updated")).one()
    # What changed is said (which fields), never the values; the non-personal ones with their values.
    assert updated.changes["first_name"] == [None, None] and updated.changes["email"] == [None, None]
    assert updated.changes["sector"] == ["government", "academic"]


# ---- append-only, by the database itself ---------------------------------------------------------------

def test_the_database_refuses_to_change_or_delete_an_entry(db, backend, world):
    entry_id = last_id(db)
    assert entry_id
    db.session.rollback()  # the test's own read would hold TRUNCATE back (it waits for every reader)
    for statement in (f"UPDATE audit_entries SET action = 'x' WHERE id = {entry_id}",
                      f"DELETE FROM audit_entries WHERE id = {entry_id}"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as connection:
                connection.exec_driver_sql(statement)
    if backend == "postgresql":
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as connection:
                connection.exec_driver_sql("TRUNCATE audit_entries")
    db.session.rollback()
    assert db.session.get(AuditEntry, entry_id).action != "x"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= entry_id


# ---- the page, its filters, the CSV, the API ------------------------------------------------------------

def _some_history(w):
    w.post(f"/organizer/events/{w.slug}/registrations/{w.registration.id}/cancel")
    w.api("patch", f"/api/v1/events/{w.slug}", json={"title_en": "Renamed"})
    w.get(f"/organizer/events/{w.slug}/registrations.csv")


def test_the_page_reads_each_entry_as_a_sentence_with_its_changes(world):
    w = world
    _some_history(w)
    html = w.get(f"/organizer/events/{w.slug}/audit").get_data(as_text=True)
    assert f"organizer@example.org cancelled registration #{w.registration.id}" in html.replace("\n", " ") or \
        f"ยกเลิกการลงทะเบียน #{w.registration.id}" in html
    english = w.get(f"/organizer/events/{w.slug}/audit?lang=en").get_data(as_text=True)
    assert f"organizer@example.org cancelled registration #{w.registration.id}" in english
    assert "organizer@example.org (API token) edited the event" in english
    assert "<del>Hearing on the draft digital government plan</del> → <ins>Renamed</ins>" in english
    assert "organizer@example.org downloaded the registrations (CSV)" in english
    assert 'href="/organizer/events/%s/audit"' % w.slug in w.get(f"/organizer/events/{w.slug}").get_data(as_text=True)


def test_the_page_speaks_thai_by_default(world):
    w = world
    _some_history(w)
    html = w.get(f"/organizer/events/{w.slug}/audit").get_data(as_text=True)
    assert "ประวัติการดำเนินการ" in html
    assert f"organizer@example.org ยกเลิกการลงทะเบียน #{w.registration.id}" in html


def test_the_filters_choose_the_entries(world):
    w = world
    _some_history(w)
    base = f"/organizer/events/{w.slug}/audit?lang=en"

    def actions(query):
        html = w.get(base + query).get_data(as_text=True)
        return [part.split('"', 1)[0] for part in html.split('data-action="')[1:]]

    assert set(actions("&family=registration")) == {"registration.created", "registration.cancelled"}
    assert actions("&family=export") == ["export.downloaded"]
    assert set(actions("&actor=registrant")) == set()  # the registration was made by the service in the fixture
    assert "registration.created" in actions("&actor=system")
    assert set(actions(f"&actor={w.organizer.id}")) >= {"registration.cancelled", "event.updated",
                                                         "export.downloaded"}
    assert set(actions(f"&registration_id={w.registration.id}")) == {"registration.created",
                                                                     "registration.cancelled"}
    assert actions("&since=2001-01-01&until=2001-01-31") == []
    today = audit_services._bangkok_midnight  # noqa: F841  (the page takes Bangkok days)
    from eventsvc.timefmt import to_local
    from eventsvc.models_base import utcnow
    day = to_local(utcnow()).date().isoformat()
    assert "event.updated" in actions(f"&since={day}&until={day}")


@pytest.mark.parametrize("query, field", [
    ("family=nonsense", "family"), ("actor=someone", "actor"), ("since=2024-02-30", "since"),
    ("until=99999-01-01", "until"), ("registration_id=abc", "registration_id"),
    ("since=2026-05-02&until=2026-05-01", "until"),
])
def test_a_bad_filter_is_a_clear_error_beside_its_field(world, query, field):
    response = world.client.get(f"/organizer/events/{world.slug}/audit?lang=en&{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="filter-{field}-error"' in html and 'aria-invalid="true"' in html
    assert world.client.get(f"/organizer/events/{world.slug}/audit.csv?{query}").status_code == 422


def test_the_csv_has_the_filtered_entries_and_no_formula(world):
    w = world
    _some_history(w)
    w.post(f"/organizer/events/{w.slug}/sessions/{w.morning.id}/cancel", {"reason": "=HYPERLINK(\"http://x\")"})
    response = w.get(f"/organizer/events/{w.slug}/audit.csv?lang=en&family=session")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Entry", "When", "Action"]
    assert [row[2] for row in body] == ["session.cancelled"]
    reason = body[0][header.index("Reason")]
    assert reason.startswith("'=")  # a cell that would be a formula is text
    codes = w.get(f"/organizer/events/{w.slug}/audit.csv?codes=1").get_data(as_text=True)
    assert codes.lstrip("\ufeff").startswith("id,created_at,action,actor_kind")


def test_the_api_gives_the_same_entries_with_filters_and_pages(world):
    w = world
    _some_history(w)
    body = w.api("get", f"/api/v1/events/{w.slug}/audit?page_size=2").get_json()
    assert len(body) == 2 and body[0]["id"] > body[1]["id"]
    everything = w.api("get", f"/api/v1/events/{w.slug}/audit?page_size=100").get_json()
    assert body == everything[:2]
    cancelled = w.api("get", f"/api/v1/events/{w.slug}/audit?family=registration&registration_id={w.registration.id}"
                             f"&actor={w.organizer.id}").get_json()
    assert [e["action"] for e in cancelled] == ["registration.cancelled"]
    assert cancelled[0]["actor_kind"] == "user" and cancelled[0]["actor"] == "organizer@example.org"
    assert cancelled[0]["changes"] == {"status": ["confirmed", "cancelled"]}
    bad = w.client.get(f"/api/v1/events/{w.slug}/audit?family=nonsense",
                       headers={"Authorization": f"Bearer {w.api_token}"})
    assert bad.status_code == 422 and "family" in bad.get_json()["error"]["fields"]


@pytest.mark.parametrize("role, status", [("owner", 200), ("organizer", 200), ("checkin", 403), ("viewer", 403),
                                          ("stranger", 403)])
def test_the_trail_is_for_the_events_managers(db, client, login_as, make_user, make_event, role, status):
    from conftest import add_member
    from eventsvc.accounts.services import issue_api_token

    event = make_event()
    user = make_user(Role.organizer)
    if role == "owner":
        user = event.owner
    elif role != "stranger":
        add_member(db, event, user, role)
    token = issue_api_token(user)
    db.session.commit()
    assert client.get(f"/api/v1/events/{event.slug}/audit",
                      headers={"Authorization": f"Bearer {token}"}).status_code == status
    login_as(user=user)
    assert client.get(f"/organizer/events/{event.slug}/audit").status_code == status
    assert client.get(f"/organizer/events/{event.slug}/audit.csv").status_code == status


def test_the_partial_shows_one_registrants_entries(world, app):
    from flask import render_template

    w = world
    _some_history(w)
    w.db.session.rollback()
    with app.test_request_context("/?lang=en"):
        entries = w.db.session.scalars(audit_services.entries_for(registration=w.registration)).all()
        html = render_template("audit/_entries.html", audit_lines=audit_services.lines(entries))
    assert [e.action for e in entries] == ["registration.cancelled", "registration.created"]
    assert html.count('class="audit-entry"') == 2 and "status" in html


def test_admins_read_the_whole_trail_with_what_belongs_to_no_event(world, client, login_as, make_user):
    w = world
    w.post("/organizer/logout")
    assert client.get("/organizer/audit").status_code in (302, 401)
    login_as(user=w.organizer)
    assert client.get("/organizer/audit").status_code == 403
    w.post("/organizer/logout")
    admin = make_user(Role.admin)
    login_as(user=admin)
    html = client.get("/organizer/audit?lang=en&family=account").get_data(as_text=True)
    assert f"{admin.email} signed in" in html and "organizer@example.org signed out" in html
    assert 'id="audit-link"' in client.get("/organizer/users").get_data(as_text=True)
    rows = client.get("/organizer/audit.csv?codes=1&family=account").get_data(as_text=True)
    assert "account.signed_in" in rows and "registration." not in rows


def test_every_action_the_services_record_reads_as_a_sentence():
    """A new record("...") call without its sentence would show the raw code to a Thai reader of the trail."""
    import pathlib
    import re

    from eventsvc.audit.services import SENTENCES
    from eventsvc.events.services import STATUS_ACTIONS

    recorded = set(STATUS_ACTIONS.values())
    for path in pathlib.Path("eventsvc").rglob("*.py"):
        for call in re.findall(r'record\(\s*("[a-z_.]+"(?:\s+if\s+[^,]+?\s+else\s+"[a-z_.]+")?)', path.read_text()):
            recorded.update(re.findall(r'"([a-z_.]+)"', call))
    assert len(recorded) > 40  # the scan found the calls
    assert not recorded - set(SENTENCES), f"actions with no sentence: {sorted(recorded - set(SENTENCES))}"
