"""THE roles x routes matrix: every organizer-side route of the app, HTML and API, for every kind of caller.

How to add a route (the first test fails until you do): put its endpoint in ROUTES with who may use it,
  "events.my_view": "manage",
or, if anyone may call it (the public site, a registrant's own link), in PUBLIC. Who may use it is one of RULES'
keys: a team permission ("view", "manage", "door", "team", "delete"), "back_office" (view or door), "member"
(any team role), "signed_in", "creator" (accounts that may create events), "admin". If the route takes a JSON
body that its schema checks before the view (the API's POST/PATCH), give a valid one in BODIES, else the
schema's 422 hides the 403. Path values (<slug>, <session_id>, ...) come from World.values(); add one there
if your route names a new kind of object.
"""
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import IsolatedClient, csrf_from, invitee, person
from eventsvc import create_app
from eventsvc.accounts.models import Role, User
from eventsvc.accounts.services import issue_api_token, start_session
from eventsvc.events import services as event_services
from eventsvc.events.models import Attachment
from eventsvc.invitations import services as invitation_services
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from eventsvc.teams.models import EventMember, TeamRole

ACTORS = ("anonymous", "stranger", "viewer", "checkin", "organizer", "owner", "admin")
TEAM = ("viewer", "checkin", "organizer", "owner")

# Who passes each rule (the admin may do everything on every event; the stranger is an organizer on no team).
RULES = {
    "view": {"viewer", "organizer", "owner", "admin"},
    "manage": {"organizer", "owner", "admin"},
    "door": {"checkin", "organizer", "owner", "admin"},
    "team": {"owner", "admin"},
    "delete": {"owner", "admin"},
    "back_office": {"viewer", "checkin", "organizer", "owner", "admin"},
    "member": set(TEAM),
    "signed_in": set(ACTORS) - {"anonymous"},
    "creator": {"stranger", "owner", "admin"},  # global role organizer or admin
    "admin": {"admin"},
    # manage the event AND may create events (a copy is a new event): the matrix's organizer is check-in staff
    # as an account, so only the owner (an organizer account) and the admin.
    "copy": {"owner", "admin"},
}

ROUTES = {
    # events
    "events.dashboard": "signed_in",
    "events.create_event": "creator",
    "events.manage_event": "back_office",
    "events.edit_event": "manage",
    "events.publish_event": "manage",
    "events.cancel_event": "manage",
    "events.cancel_session": "manage",
    "events.add_session": "manage",
    "events.edit_session": "manage",
    "events.delete_session": "manage",
    "events.add_attachment": "manage",
    "events.delete_attachment": "manage",
    "events.duplicate_event": "copy",
    "questions.event_questions": "manage",
    "questions.edit_question": "manage",
    "questions.move_question": "manage",
    "questions.remove_question": "manage",
    "surveys.settings": "manage",
    "surveys.results": "view",
    "api.survey_results": "view",
    # registrations, invitations, attendance, messages
    "registration.event_registrations": "view",
    "registration.organizer_cancel": "manage",
    "registration.registrant": "view",
    "registration.correct_registrant": "manage",
    "registration.resend_confirmation": "manage",
    "registration.promote_registrant": "manage",
    "registration.add_registrant": "manage",
    "invitations.event_invitations": "view",
    "invitations.add_invitation": "manage",
    "invitations.import_invitations": "manage",
    "invitations.send_unsent": "manage",
    "invitations.invitation_action": "manage",
    "invitations.export": "view",
    "attendees.attendance": "view",
    "attendees.publish_list": "manage",
    "attendees.export": "view",
    "attendees.sign_in_sheet": "view",
    "mail.event_messages": "view",
    "mail.retry_failed": "manage",
    "messaging.event_mailings": "view",
    "dashboard.event_dashboard": "view",
    "messaging.mailing": "view",
    "messaging.write": "manage",
    "messaging.cancel": "manage",
    "messaging.notes": "manage",
    "webhooks.event_webhooks": "manage",
    "webhooks.remove": "manage",
    "webhooks.disable": "manage",
    "webhooks.enable": "manage",
    "webhooks.rotate": "manage",
    "webhooks.resend": "manage",
    # the door
    "checkin.door": "door",
    "checkin.scan": "door",
    "checkin.counts": "door",
    "checkin.check_in_found": "door",
    "checkin.undo_found": "door",
    "checkin.ticket_checkin": "door",
    "checkin.ticket_undo": "door",
    # the team
    "teams.team": "view",
    "teams.add_member": "team",
    "teams.change_role": "team",
    "teams.remove_member": "team",
    "teams.leave": "member",
    # accounts
    "accounts.logout": "signed_in",
    "accounts.change_password": "signed_in",
    "accounts.users": "admin",
    "accounts.create_user": "admin",
    "accounts.activate_user": "admin",
    "accounts.deactivate_user": "admin",
    "accounts.reset_password": "admin",
    "accounts.revoke_tokens": "admin",
    "audit.event_audit": "manage",
    "audit.event_audit_csv": "manage",
    "audit.all_audit": "admin",
    "audit.all_audit_csv": "admin",
    # API
    "api.create_event": "creator",
    "api.patch_event": "manage",
    "api.add_session": "manage",
    "api.patch_session": "manage",
    "api.list_registrations": "view",
    "api.create_invitations": "manage",
    "api.list_invitations": "view",
    "api.revoke_invitation": "manage",
    "api.resend_invitation": "manage",
    "api.check_in": "door",
    "api.attendance": "view",
    "api.list_team": "view",
    "api.add_team_member": "team",
    "api.remove_team_member": "team",
    "api.send_message": "manage",
    "api.get_registrant": "view",
    "api.duplicate_event": "copy",
    "api.event_audit": "manage",
    "api.list_webhooks": "manage",
    "api.create_webhook": "manage",
    "api.delete_webhook": "manage",
    "api.patch_registrant": "manage",
    "api.cancel_registrant": "manage",
    "api.resend_registrant": "manage",
    "api.promote_registrant": "manage",
    "api.list_messages": "view",
    "api.cancel_message": "manage",
    "certificates.organizer_certificate": "manage",
    # questions during a session: moderation is the content team's; the presenter's screen the room's staff too
    "qna.moderation": "view",  # read-only for viewers: the buttons need manage
    "qna.moderate": "manage",
    "qna.moderation_counts": "view",
    "qna.presenter": "back_office",
    "qna.presenter_board": "back_office",
    # comments on the draft
    "comments.settings": "manage",
    "comments.sections": "manage",
    "comments.organizer_list": "view",
    "comments.publish": "manage",
    "comments.hide": "manage",
    "comments.reply": "manage",
    "api.publish_comment": "manage",
    "api.hide_comment": "manage",
    "api.reply_to_comment": "manage",
    # the summary report
    "reports.report": "view",
    "reports.download": "view",
    "reports.upload": "manage",
    "reports.publish_generated": "manage",
    "reports.withdraw": "manage",
    "api.report_pdf": "view",
    "api.report_docx": "view",
}

# Anyone may call these (what they show depends on who asks, which their own tests check).
PUBLIC = {
    "static", "site.favicon", "site.logo", "events.index", "events.event_page", "events.download_attachment",
    "tickets.feed", "tickets.event_calendar", "tickets.ticket", "tickets.qr_image", "tickets.my_calendar",
    "registration.register", "registration.my_link", "registration.decline", "registration.my_registration",
    "registration.edit_my_registration", "registration.cancel_my_registration", "registration.my_data",
    "registration.erase_my_data", "livestream.join", "attendees.public_list", "attendees.unlist_me",
    "accounts.login", "accounts.set_password", "api-docs.openapi_json",
    "api.list_events", "api.get_event", "api.register", "api.resend_link", "api.attendees",
    "certificates.my_certificate", "certificates.verify", "certificates.verify_form",
    "surveys.answer",
    "qna.questions", "qna.vote", "qna.attendee_board", "qna.room", "qna.room_qr",
    "comments.public_page", "comments.request_link", "comments.my_comments", "comments.commenter_page",
    "comments.commenter_data", "comments.commenter_erase", "api.post_my_comment", "api.list_comments",
    "reports.public_summary",
}

LATER = utcnow().replace(microsecond=0) + timedelta(days=30)


def _session_body():
    return {"name_th": "ช่วงเย็น", "starts_at": (LATER + timedelta(hours=8)).isoformat(),
            "ends_at": (LATER + timedelta(hours=9)).isoformat()}


# Valid JSON bodies: the schema checks a body before the view checks the caller.
BODIES = {
    "api.create_event": lambda world: {"slug": f"new-{uuid.uuid4().hex[:10]}", "title_th": "งานใหม่",
                                       "kind": "workshop", "registration_mode": "open"},
    "api.patch_event": lambda world: {"title_en": "Renamed"},
    "api.add_session": lambda world: _session_body(),
    "api.patch_session": lambda world: {"name_en": "Morning (renamed)"},
    "api.create_invitations": lambda world: {"invitees": [{"email": f"{uuid.uuid4().hex[:8]}@example.org"}],
                                             "send": False},
    "api.check_in": lambda world: {"code": world.ticket_code, "session_id": world.session_id,
                                   "nonce": uuid.uuid4().hex},
    "api.add_team_member": lambda world: {"email": f"{uuid.uuid4().hex[:8]}@example.org", "role": "viewer"},
    "api.patch_registrant": lambda world: {"organization": "สำนักงานจังหวัดน่าน"},
    "api.cancel_registrant": lambda world: {"reason": "ขอยกเลิกตามที่แจ้งทางโทรศัพท์"},
    "api.duplicate_event": lambda world: {"slug": f"copy-{uuid.uuid4().hex[:10]}",
                                          "starts_on": (LATER + timedelta(days=7)).date().isoformat()},
    "api.create_webhook": lambda world: {"url": "https://hooks.example.org/eventsvc"},
    "api.send_message": lambda world: {"subject": "เรื่อง", "body": "ข้อความ", "filter": {"status": "confirmed"}},
    "api.hide_comment": lambda world: {"reason": "ไม่เกี่ยวกับร่าง"},
    "api.reply_to_comment": lambda world: {"body": "คำชี้แจง"},
}


def organizer_side_endpoints(app):
    return {(rule.endpoint, rule.rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}) if rule.endpoint not in PUBLIC}


def test_every_route_is_classified_in_the_matrix():
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = sorted(endpoints - set(ROUTES) - PUBLIC)
    assert not unclassified, (
        f"Routes nobody classified: {unclassified}. Add each to ROUTES in tests/test_authorization.py with who "
        f"may use it ({', '.join(RULES)}), or to PUBLIC if anyone may call it.")
    assert not set(ROUTES) & PUBLIC
    assert not set(ROUTES) - endpoints, f"ROUTES names routes that no longer exist: {sorted(set(ROUTES) - endpoints)}"
    assert set(ROUTES.values()) <= set(RULES)


class World:
    """One event with a member of each role, a session, a document, an invitation and a registration."""

    def __init__(self, db, users):
        owner = users["owner"]
        self.event = event_services.create_event(owner, {
            "slug": f"matrix-{uuid.uuid4().hex[:10]}", "title_th": "ทดสอบสิทธิ์", "kind": "workshop",
            "format": "hybrid", "status": "published", "waitlist": True,
        }, [{"name_th": "ช่วงเช้า", "starts_at": LATER, "ends_at": LATER + timedelta(hours=2)}])
        for role in ("viewer", "checkin", "organizer", "target"):
            db.session.add(EventMember(event_id=self.event.id, user_id=users[role].id,
                                       role=TeamRole.viewer if role == "target" else TeamRole(role)))
        attachment = Attachment(event_id=self.event.id, title="เอกสาร", filename="draft.pdf",
                                stored_name=uuid.uuid4().hex, content_type="application/pdf")
        db.session.add(attachment)
        result = invitation_services.invite(self.event, [invitee(1)], actor=owner, send=False)
        registration = registration_services.register(self.event, person(1))
        db.session.commit()
        self.session_id = self.event.sessions[0].id
        self.ticket_code = registration.registration.ticket_code
        self._values = {"slug": self.event.slug, "session_id": self.session_id, "attachment_id": attachment.id,
                        "invitation_id": result.invited[0].id, "registration_id": registration.registration.id,
                        "user_id": users["target"].id, "code": self.ticket_code,
                        "filename": "draft.pdf",
                        # Objects the matrix does not make: the event's access check answers before the 404.
                        "message_id": 10**6, "question_id": 10**6, "endpoint_id": 10**6, "webhook_id": 10**6, "delivery_id": 10**6,
                        "comment_id": 10**6}

    def values(self, rule):
        """The URL's values: this world's objects; an <any(a, b):name> part takes its first choice."""
        choices = dict((name, first) for first, name in re.findall(r"<any\(\s*([^),\s]+)[^)]*\):(\w+)>", rule.rule))
        return {argument: choices.get(argument, self._values.get(argument)) for argument in rule.arguments}


def _make_users(db):
    users = {}
    for name, role in (("stranger", Role.organizer), ("viewer", Role.checkin), ("checkin", Role.checkin),
                       ("organizer", Role.checkin), ("owner", Role.organizer), ("admin", Role.admin),
                       ("target", Role.checkin)):
        # A hash no password matches: these callers sign in through a session made directly (no scrypt).
        users[name] = User(email=f"{name}-{uuid.uuid4().hex[:6]}@example.org", role=role, password_hash="!matrix")
        db.session.add(users[name])
    db.session.commit()
    return users


class Caller:
    def __init__(self, app, db, name, user):
        self.name, self.user = name, user
        self.client = app.test_client()
        self.token = self.csrf = None
        if user is not None:
            self.token = issue_api_token(user)
            db.session.commit()

    def ready(self, db):
        """Signed in (a session made directly, no password round) with a CSRF token of that session.

        Made again after "log out", which ends every sign-in of the account.
        """
        if self.csrf is not None:
            return
        if self.user is not None:
            token = start_session(self.user)
            db.session.commit()
            with self.client.session_transaction() as session:
                session["_user_id"] = token
                session["_fresh"] = True
        # From a page with a form: the login page, or one's own password page.
        page = "/organizer/password" if self.user is not None else "/organizer/login"
        self.csrf = csrf_from(self.client.get(page).get_data(as_text=True))


def _allowed(response, api):
    if response.status_code in (401, 403):
        return False
    # An HTML page sends someone not signed in to the login page.
    return api or not (response.status_code == 302 and "/organizer/login" in response.headers.get("Location", ""))


def _call(caller, world, endpoint, rule, method, csrf):
    from flask import url_for

    api = rule.rule.startswith("/api/")
    with caller.client.application.test_request_context():
        url = url_for(endpoint, **world.values(rule))
    if api:
        headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
        kwargs = {"headers": headers}
        if method in ("POST", "PATCH", "PUT"):
            kwargs["json"] = BODIES.get(endpoint, lambda w: {})(world)
        return caller.client.open(url, method=method, **kwargs), api
    data = {"csrf_token": csrf} if method != "GET" else None
    if endpoint.startswith("checkin.") and method == "POST":
        data["session_id"] = world.session_id
    return caller.client.open(url, method=method, data=data), api


def test_every_role_on_every_organizer_route(app, db):
    """allowed (not 401/403, not sent to the login page) exactly for the roles the route's rule names; else refused.

    One world (event, team, objects) per route: callers who must be refused ask first, on an untouched world,
    then those who may (their requests may change it: a deleted session is a 404 after, never a 403).
    """
    app.test_client_class = IsolatedClient
    users = _make_users(db)
    callers = {name: Caller(app, db, name, users.get(name)) for name in ACTORS}
    rules = sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint in ROUTES), key=lambda r: r.rule)
    reading = World(db, users)  # GETs change nothing: they share one world
    wrong = []
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            world = reading if method == "GET" else World(db, users)
            allowed = RULES[ROUTES[rule.endpoint]]
            for name in sorted(ACTORS, key=lambda n: n in allowed):  # refused ones first
                caller = callers[name]
                caller.ready(db)
                response, api = _call(caller, world, rule.endpoint, rule, method, caller.csrf)
                if rule.endpoint == "accounts.logout":
                    caller.csrf = None
                if _allowed(response, api) != (name in allowed):
                    wrong.append(f"{method} {rule.rule} as {name}: {response.status_code} "
                                 f"(expected {'allowed' if name in allowed else 'refused'}, rule {ROUTES[rule.endpoint]!r})")
    assert not wrong, "\n".join(wrong)


def test_an_unknown_event_is_a_404_for_everyone_signed_in(app, db):
    """Unknown before forbidden: the admin and a stranger both get 404 for a slug that names no event."""
    app.test_client_class = IsolatedClient
    users = _make_users(db)
    world = World(db, users)
    world._values["slug"] = "no-such-event"
    wrong = []
    for name in ("stranger", "admin"):
        caller = Caller(app, db, name, users[name])
        caller.ready(db)
        csrf = caller.csrf
        for rule in app.url_map.iter_rules():
            if rule.endpoint not in ROUTES or "slug" not in rule.arguments:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response, _api = _call(caller, world, rule.endpoint, rule, method, csrf)
                if response.status_code != 404:
                    wrong.append(f"{method} {rule.rule} as {name}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_a_stale_form_on_a_route_one_may_not_use_is_still_refused(app, db):
    """A refused CSRF token makes the view run again to show its form (eventsvc/resubmit.py): the access check
    in it must answer 403 or 404 as it would with a good token, never fail."""
    app.test_client_class = IsolatedClient
    users = _make_users(db)
    world = World(db, users)
    caller = Caller(app, db, "stranger", users["stranger"])
    caller.ready(db)
    wrong = []
    for rule in app.url_map.iter_rules():
        if ROUTES.get(rule.endpoint) not in ("view", "manage", "door", "team", "delete", "back_office", "member"):
            continue
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            response, _api = _call(caller, world, rule.endpoint, rule, "POST", "not-the-token")
            if response.status_code not in (403, 404):
                wrong.append(f"POST {rule.rule}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
