"""Teams per event: the owner adds colleagues by e-mail in a role, changes and removes them; the set-password link."""
import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from conftest import PASSWORD, add_member, csrf_from, field_errors, reload
from eventsvc.accounts.models import Role, User
from eventsvc.accounts.services import authenticate, deactivate_user, issue_api_token
from eventsvc.audit.models import AuditEntry
from eventsvc.errors import Conflict, PermissionDenied, ValidationFailed
from eventsvc.mail.delivery import deliver_due
from eventsvc.mail.models import OutboxMessage
from eventsvc.teams import services
from eventsvc.teams.models import EventMember, TeamRole

NEW_PASSWORD = "a new long password"


def english(message):
    with force_locale("en"):
        return str(message)


def team_rows(db, event):
    db.session.rollback()
    return {(m.user.email, m.role.value) for m in services.members(event)}


def audit(db, action):
    db.session.rollback()
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def outbox(db, kind=None):
    db.session.rollback()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def mailed_link(app, to):
    """Deliver the outbox as .eml files and return the set-password link mailed to `to` (its text part)."""
    deliver_due(app)
    for path in sorted((Path(app.instance_path) / "mail").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            text = message.get_body(("plain",)).get_content()
            match = re.search(r"http://testserver(/organizer/set-password/\S+)", text)
            if match:
                return match.group(1)
    raise AssertionError(f"no set-password link mailed to {to}")


# ---- services -----------------------------------------------------------------------------------

def test_a_colleague_without_an_account_gets_an_inactive_one_and_a_mail_to_choose_a_password(app, db, make_event,
                                                                                           organizer):
    event = make_event()
    member = services.add_member(event, "  New.Colleague@Agency.go.th ", "organizer", actor=organizer)
    db.session.commit()

    user = reload(db, member.user)
    assert user.email == "new.colleague@agency.go.th"
    assert (user.active, user.awaits_password, user.role) == (False, True, Role.organizer)
    assert authenticate(user.email, "") is None
    [message] = outbox(db, "team_account_created")
    assert message.to_address == user.email and message.event_id == event.id
    assert member.added_by_id == organizer.id
    [entry] = audit(db, "team.member_added")
    assert (entry.actor_user_id, entry.event_id, entry.target_id) == (organizer.id, event.id, user.id)
    assert entry.data["role"] == "organizer" and entry.data["account_created"] is True


@pytest.mark.parametrize("role, global_role", [("checkin", Role.checkin), ("viewer", Role.checkin)])
def test_a_new_account_for_door_staff_or_a_viewer_cannot_create_events(db, make_event, organizer, role, global_role):
    event = make_event()
    member = services.add_member(event, f"{role}@agency.go.th", role, actor=organizer)
    db.session.commit()
    assert reload(db, member.user).role == global_role


def test_an_existing_account_keeps_its_password_and_is_told_it_was_added(app, db, make_event, organizer, make_user):
    colleague = make_user(Role.organizer, "colleague@example.org")
    event = make_event()
    services.add_member(event, "colleague@example.org", "viewer", actor=organizer)
    db.session.commit()

    assert authenticate("colleague@example.org", PASSWORD) is not None
    assert [m.kind for m in outbox(db) if m.to_address == colleague.email] == ["team_member_added"]
    assert services.role_on(reload(db, colleague), event) == TeamRole.viewer
    deliver_due(app)
    [path] = [p for p in (Path(app.instance_path) / "mail").glob("*team_member_added.eml")]
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert event.title_th in message["Subject"] and "set-password" not in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("email, role, field", [
    ("colleague@example.org\nBcc: someone@example.org", "organizer", "email"),
    ("colleague@example.org\n", "organizer", "email"),
    ("not an address", "organizer", "email"),
    ("", "viewer", "email"),
    ("colleague@example.org", "owner", "role"),
    ("colleague@example.org", "superuser", "role"),
    ("colleague@example.org", "", "role"),
])
def test_bad_input_is_a_field_error_and_nothing_is_written(db, make_event, organizer, email, role, field):
    event = make_event()
    before = team_rows(db, event)
    with pytest.raises(ValidationFailed) as refused:
        services.add_member(event, email, role, actor=organizer)
    db.session.rollback()
    assert field in refused.value.fields
    assert team_rows(db, event) == before
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert outbox(db) == [] and audit(db, "team.member_added") == []


def test_adding_someone_twice_is_a_field_error(db, make_event, organizer):
    event = make_event()
    services.add_member(event, "colleague@example.org", "viewer", actor=organizer)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        services.add_member(event, "COLLEAGUE@example.org", "organizer", actor=organizer)
    db.session.rollback()
    assert "already on the event" in english(refused.value.fields["email"][0])
    assert team_rows(db, event) == {("organizer@example.org", "owner"), ("colleague@example.org", "viewer")}
    with pytest.raises(ValidationFailed):  # the owner too
        services.add_member(event, "organizer@example.org", "viewer", actor=organizer)


def test_a_deactivated_account_is_refused_and_a_pending_one_gets_a_new_link(db, make_event, organizer, make_user):
    admin = make_user(Role.admin)
    gone = make_user(Role.organizer, "gone@example.org")
    deactivate_user(gone, actor=admin)
    db.session.commit()
    first, second = make_event(), make_event()
    with pytest.raises(ValidationFailed) as refused:
        services.add_member(first, "gone@example.org", "viewer", actor=organizer)
    db.session.rollback()
    assert "deactivated" in english(refused.value.fields["email"][0])

    services.add_member(first, "pending@example.org", "viewer", actor=organizer)
    db.session.commit()
    services.add_member(second, "pending@example.org", "checkin", actor=organizer)
    db.session.commit()
    assert [m.kind for m in outbox(db)] == ["team_account_created", "team_account_created"]


def test_only_the_owner_or_an_admin_changes_the_team(db, make_event, organizer, make_user):
    event = make_event()
    co_organizer, admin = make_user(Role.organizer), make_user(Role.admin)
    add_member(db, event, co_organizer, "organizer")
    with pytest.raises(PermissionDenied):
        services.add_member(event, "x@example.org", "viewer", actor=co_organizer)
    db.session.rollback()
    services.add_member(event, "x@example.org", "viewer", actor=admin)
    db.session.commit()
    assert ("x@example.org", "viewer") in team_rows(db, event)


def test_changing_a_role_is_recorded_with_before_and_after(db, make_event, organizer, make_user):
    event = make_event()
    colleague = make_user(Role.organizer)
    add_member(db, event, colleague, "viewer")
    services.change_role(event, colleague.id, "checkin", actor=organizer)
    db.session.commit()

    assert (colleague.email, "checkin") in team_rows(db, event)
    [entry] = audit(db, "team.role_changed")
    assert entry.changes == {"role": ["viewer", "checkin"]} and entry.target_id == colleague.id
    with pytest.raises(ValidationFailed):
        services.change_role(event, colleague.id, "owner", actor=organizer)
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        services.change_role(event, organizer.id, "viewer", actor=organizer)


def test_the_owner_cannot_be_removed_but_a_member_may_leave(db, make_event, organizer, make_user):
    event = make_event()
    viewer, other = make_user(Role.organizer), make_user(Role.organizer)
    add_member(db, event, viewer, "viewer")
    add_member(db, event, other, "checkin")
    with pytest.raises(Conflict):
        services.remove_member(event, organizer.id, actor=organizer)
    db.session.rollback()
    with pytest.raises(PermissionDenied):  # a viewer removes someone else
        services.remove_member(event, other.id, actor=viewer)
    db.session.rollback()

    services.remove_member(event, viewer.id, actor=viewer)
    services.remove_member(event, other.id, actor=organizer)
    db.session.commit()
    assert team_rows(db, event) == {("organizer@example.org", "owner")}
    entries = audit(db, "team.member_removed")
    assert [(e.target_id, e.data["left"]) for e in entries] == [(viewer.id, True), (other.id, False)]


def test_the_database_allows_one_owner_per_event(db, make_event, make_user):
    event = make_event()
    db.session.add(EventMember(event_id=event.id, user_id=make_user().id, role=TeamRole.owner))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_team_members_of_every_role_see_the_event_in_their_list(client, db, make_event, make_user, login_as):
    event, other = make_event(title_th="งานของทีม"), make_event(title_th="งานของคนอื่น")
    for role in ("organizer", "checkin", "viewer"):
        user = make_user(Role.checkin)
        add_member(db, event, user, role)
        with client.session_transaction() as session:
            session.clear()
        login_as(user=user)
        page = client.get("/organizer/").get_data(as_text=True)
        assert "งานของทีม" in page and "งานของคนอื่น" not in page, role


# ---- the set-password link --------------------------------------------------------------------

def test_the_mailed_link_sets_the_password_once_and_the_colleague_signs_in(app, client, db, make_event, organizer):
    event = make_event()
    services.add_member(event, "colleague@example.org", "organizer", actor=organizer)
    db.session.commit()
    link = mailed_link(app, "colleague@example.org")

    page = client.get(link)
    assert page.status_code == 200 and "colleague@example.org" in page.get_data(as_text=True)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                       "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302 and response.headers["Location"].endswith("/organizer/login")
    user = authenticate("colleague@example.org", NEW_PASSWORD)
    assert user is not None and user.active and not user.awaits_password

    assert client.get(link).status_code == 404  # used: it works once


def test_a_too_short_password_keeps_the_link_working(app, client, db, make_event, organizer):
    event = make_event()
    services.add_member(event, "colleague@example.org", "viewer", actor=organizer)
    db.session.commit()
    link = mailed_link(app, "colleague@example.org")
    page = client.get(link).get_data(as_text=True)
    response = client.post(link, data={"password": "short", "confirm": "short", "csrf_token": csrf_from(page)})
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), "password")
    assert client.get(link).status_code == 200


def test_an_expired_forged_or_deactivated_link_gets_the_same_404(app, client, db, make_event, organizer, make_user,
                                                                 clock):
    event = make_event()
    services.add_member(event, "late@example.org", "viewer", actor=organizer)
    services.add_member(event, "locked@example.org", "viewer", actor=organizer)
    db.session.commit()
    late, locked = mailed_link(app, "late@example.org"), mailed_link(app, "locked@example.org")
    deactivate_user(db.session.scalar(sa.select(User).where(User.email == "locked@example.org")),
                    actor=make_user(Role.admin))
    db.session.commit()

    assert client.get(late).status_code == 200
    clock.move(timedelta(hours=app.config["SET_PASSWORD_LINK_HOURS"], minutes=1))
    answers = [client.get(url) for url in (late, locked, late[:-2] + ("AA" if not late.endswith("AA") else "BB"),
                                            "/organizer/set-password/not-a-token")]
    assert [a.status_code for a in answers] == [404] * 4
    assert len({a.get_data(as_text=True).split("<main")[-1] for a in answers}) == 1


# ---- HTML ---------------------------------------------------------------------------------------

def team_page(client, event):
    return client.get(f"/organizer/events/{event.slug}/team")


def test_the_owner_adds_a_colleague_on_the_team_page(client, db, make_event, organizer, login_as):
    event = make_event()
    login_as(user=organizer)
    page = team_page(client, event)
    assert page.status_code == 200
    response = client.post(f"/organizer/events/{event.slug}/team", data={
        "email": "colleague@example.org", "role": "checkin", "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    html = team_page(client, event).get_data(as_text=True)
    assert 'data-email="colleague@example.org"' in html and 'data-role="checkin"' in html


@pytest.mark.parametrize("email, role, field_id", [
    ("colleague@example.org\r\nBcc: x@example.org", "organizer", "email"),
    ("colleague@example.org", "owner", "role"),
])
def test_the_team_form_shows_bad_input_beside_its_field(client, db, make_event, organizer, login_as, email, role,
                                                        field_id):
    event = make_event()
    login_as(user=organizer)
    token = csrf_from(team_page(client, event).get_data(as_text=True))
    response = client.post(f"/organizer/events/{event.slug}/team",
                           data={"email": email, "role": role, "csrf_token": token})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field_id)
    assert team_rows(db, event) == {("organizer@example.org", "owner")}


def test_the_owner_changes_a_role_and_removes_a_member_on_the_page(client, db, make_event, organizer, make_user,
                                                                   login_as):
    event = make_event()
    colleague = make_user(Role.organizer)
    add_member(db, event, colleague, "viewer")
    login_as(user=organizer)
    token = csrf_from(team_page(client, event).get_data(as_text=True))
    base = f"/organizer/events/{event.slug}/team/{colleague.id}"
    assert client.post(f"{base}/role", data={f"member-{colleague.id}-role": "organizer",
                                             "csrf_token": token}).status_code == 302
    assert (colleague.email, "organizer") in team_rows(db, event)
    client.post(f"{base}/role", data={f"member-{colleague.id}-role": "owner", "csrf_token": token})
    assert (colleague.email, "organizer") in team_rows(db, event)
    assert client.post(f"{base}/remove", data={"csrf_token": token}).status_code == 302
    assert team_rows(db, event) == {("organizer@example.org", "owner")}


def test_a_viewer_sees_the_team_but_no_form_and_may_leave(client, db, make_event, make_user, login_as):
    event = make_event()
    viewer = make_user(Role.checkin)
    add_member(db, event, viewer, "viewer")
    login_as(user=viewer)
    html = team_page(client, event).get_data(as_text=True)
    assert 'id="add-member"' not in html and "/remove" not in html and "/team/leave" in html
    assert client.post(f"/organizer/events/{event.slug}/team/leave",
                       data={"csrf_token": csrf_from(html)}).status_code == 302
    assert team_rows(db, event) == {("organizer@example.org", "owner")}


@pytest.mark.parametrize("role, shown, hidden", [
    ("viewer", {"team-link", "attendance-link"}, {"edit-link", "cancel-event-link", "door-link", "Publish"}),
    ("checkin", {"door-link"}, {"edit-link", "team-link", "attendance-link", "cancel-event-link", "message-counts"}),
    ("organizer", {"edit-link", "team-link", "door-link", "cancel-event-link"}, set()),
])
def test_the_back_office_page_shows_only_the_buttons_of_the_role(client, db, make_event, make_user, login_as, role,
                                                                 shown, hidden):
    event = make_event()
    user = make_user(Role.checkin)
    add_member(db, event, user, role)
    login_as(user=user)
    response = client.get(f"/organizer/events/{event.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert all(f'id="{name}"' in html for name in shown), role
    assert not any(f'id="{name}"' in html or f">{name}<" in html for name in hidden), role


# ---- API ----------------------------------------------------------------------------------------

def bearer(token):
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def test_the_api_lists_adds_and_removes_members(client, db, make_event, organizer, api_token):
    event = make_event()
    url = f"/api/v1/events/{event.slug}/team"
    response = client.post(url, json={"email": "colleague@example.org", "role": "viewer"}, headers=bearer(api_token))
    assert response.status_code == 201, response.get_json()
    added = response.get_json()
    assert added["email"] == "colleague@example.org" and added["role"] == "viewer" and added["awaiting_password"]
    team = client.get(url, headers=bearer(api_token)).get_json()
    assert [(m["email"], m["role"]) for m in team] == [("organizer@example.org", "owner"),
                                                      ("colleague@example.org", "viewer")]
    assert team[1]["added_by"] == "organizer@example.org"

    response = client.delete(f"{url}/{added['user_id']}", headers=bearer(api_token))
    assert response.status_code == 204
    assert team_rows(db, event) == {("organizer@example.org", "owner")}
    assert client.delete(f"{url}/{organizer.id}", headers=bearer(api_token)).status_code == 409
    assert client.delete(f"{url}/{added['user_id']}", headers=bearer(api_token)).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"email": "colleague@example.org\nBcc: x@example.org", "role": "viewer"}, "email"),
    ({"email": "colleague@example.org", "role": "owner"}, "role"),
    ({"email": "colleague@example.org", "role": "admin"}, "role"),
    ({"email": "colleague@example.org"}, "role"),
])
def test_the_api_refuses_bad_input_with_422_and_writes_nothing(client, db, make_event, api_token, body, field):
    event = make_event()
    response = client.post(f"/api/v1/events/{event.slug}/team", json=body, headers=bearer(api_token))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert team_rows(db, event) == {("organizer@example.org", "owner")} and outbox(db) == []


def test_the_api_says_a_second_add_is_a_field_error(client, db, make_event, api_token):
    event = make_event()
    url = f"/api/v1/events/{event.slug}/team"
    body = {"email": "colleague@example.org", "role": "viewer"}
    assert client.post(url, json=body, headers=bearer(api_token)).status_code == 201
    response = client.post(url, json=body, headers=bearer(api_token))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["email"] == ["This person is already on the event's team."]


def test_a_member_may_remove_themself_through_the_api_but_nobody_else(client, db, make_event, make_user):
    event = make_event()
    door, viewer = make_user(Role.checkin), make_user(Role.checkin)
    add_member(db, event, door, "checkin")
    add_member(db, event, viewer, "viewer")
    token = issue_api_token(door)
    db.session.commit()
    url = f"/api/v1/events/{event.slug}/team"
    assert client.delete(f"{url}/{viewer.id}", headers=bearer(token)).status_code == 403
    assert client.get(url, headers=bearer(token)).status_code == 403
    assert client.delete(f"{url}/{door.id}", headers=bearer(token)).status_code == 204
    assert (door.email, "checkin") not in team_rows(db, event)


def test_a_viewer_reads_the_lists_without_the_buttons_their_role_may_not_use(db, client, login_as, make_event, make_user,
                                                                             make_registration, make_invitation):
    event = make_event()
    make_registration(event, 1)
    make_invitation(event, 1)
    viewer = make_user(Role.checkin)
    add_member(db, event, viewer, "viewer")
    login_as(user=viewer)
    registrations = client.get(f"/organizer/events/{event.slug}/registrations").get_data(as_text=True)
    invitations = client.get(f"/organizer/events/{event.slug}/invitations").get_data(as_text=True)
    assert "สมชาย1" in registrations and "invitee1@example.org" in invitations  # they read them
    assert "/cancel" not in registrations
    for path in ("/resend", "/revoke", "/invitations/import", 'id="add-invitee"'):
        assert path not in invitations, path


def test_signing_in_is_asked_for_in_the_visitors_language(client):
    """Flask-Login's own message would be English on a Thai page."""
    page = client.get("/organizer/", follow_redirects=True).get_data(as_text=True)
    assert "กรุณาเข้าสู่ระบบ" in page and "Please log in to access this page" not in page
