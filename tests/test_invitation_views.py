"""Invitations through the pages: the organizer's list and import, the invitee's form, decline, one answer for bad links."""
import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, invitee, person, reload
from eventsvc import tokens
from eventsvc.invitations import services
from eventsvc.invitations.models import Invitation, InvitationStatus
from eventsvc.mail.models import OutboxMessage
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from eventsvc.registration.models import Registration


@pytest.fixture
def workshop(make_event):
    return make_event(registration_mode="invite_only", kind="workshop", contact_name="นายธรรณพ ศิริธรรมวิไล",
                      contact_phone="08 1845 1459", sessions=1)


def register_url(event, token):
    return f"/events/{event.slug}/register?invite={token}"


def form_post(client, url, **fields):
    page = client.get(url)
    html = page.get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "consent_processing": "y", "sector": "government", "attendance": "onsite",
            **fields}
    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html)
    if key:
        data.setdefault("submission_key", key.group(1))
    return client.post(url, data=data)


# ---- the invitee ------------------------------------------------------------------

def test_the_personal_link_opens_the_form_filled_in_with_the_email_fixed(client, workshop, make_invitation):
    _, token = make_invitation(workshop, name="นางสาวสมหญิง รักไทย", organization="สำนักงานจังหวัดเชียงใหม่")
    page = client.get(register_url(workshop, token))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<input[^>]*id="email"[^>]*readonly', html) or re.search(r'<input[^>]*readonly[^>]*id="email"', html)
    assert 'value="invitee1@example.org"' in html
    assert 'value="นางสาว"' in html and 'value="สมหญิง"' in html and 'value="รักไทย"' in html
    assert 'value="สำนักงานจังหวัดเชียงใหม่"' in html
    assert 'id="decline"' in html


def test_registering_from_the_link(db, client, workshop, make_invitation):
    invitation, token = make_invitation(workshop)
    response = form_post(client, register_url(workshop, token), first_name="สมหญิง", last_name="รักไทย",
                         email="invitee1@example.org")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert 'data-status="confirmed"' in response.get_data(as_text=True)
    assert reload(db, invitation).status == InvitationStatus.registered
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert registration.invitation_id == invitation.id


def test_a_tampered_email_is_a_field_error_and_nothing_is_written(db, client, workshop, make_invitation):
    invitation, token = make_invitation(workshop)
    response = form_post(client, register_url(workshop, token), first_name="ก", last_name="ข",
                         email="intruder@example.org")
    assert response.status_code == 422
    assert "invitee1@example.org" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Registration)).all() == []
    assert reload(db, invitation).status == InvitationStatus.pending


def test_a_double_click_through_the_link_shows_the_registration_not_an_error(db, client, workshop, make_invitation):
    _, token = make_invitation(workshop)
    url = register_url(workshop, token)
    html = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "consent_processing": "y", "sector": "government", "attendance": "onsite",
            "first_name": "ก",
            "last_name": "ข", "email": "invitee1@example.org",
            "submission_key": re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)}
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert (first.status_code, again.status_code) == (201, 200)
    link = re.search(r'id="personal-link" href="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert link in again.get_data(as_text=True)
    db.session.rollback()
    assert len(db.session.scalars(sa.select(Registration)).all()) == 1


def test_without_an_invitation_the_event_says_whom_to_contact(client, workshop):
    page = client.get(f"/events/{workshop.slug}/register")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="invitation-required"' in html and "นายธรรณพ ศิริธรรมวิไล" in html
    assert 'class="registration"' not in html



def test_posting_the_form_of_an_invite_only_event_without_an_invitation_registers_nobody(
        client, db, workshop, make_event):
    # The page offers no form, so take a valid CSRF token (it belongs to the browser session) from another one:
    # the refusal must come from the invitation rule, not from the CSRF check.
    open_event = make_event(registration_mode="open")
    token = csrf_from(client.get(f"/events/{open_event.slug}/register").get_data(as_text=True))
    posted = client.post(f"/events/{workshop.slug}/register", data={**person(1), "consent_processing": "y",
                                                                    "csrf_token": token})
    assert posted.status_code == 403
    assert 'id="invitation-required"' in posted.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_the_event_page_of_an_invite_only_event_offers_no_open_registration(client, workshop, make_event):
    html = client.get(f"/events/{workshop.slug}").get_data(as_text=True)
    assert 'id="invitation-only"' in html and 'id="register-link"' not in html
    open_event = make_event(registration_mode="open")
    html = client.get(f"/events/{open_event.slug}").get_data(as_text=True)
    assert 'id="register-link"' in html and 'id="invitation-only"' not in html


def _bad_links(db, event, make_invitation):
    """An unknown, a used, a revoked, an expired, a malformed and another event's link."""
    used, used_token = make_invitation(event, 1)
    registration_services.register(event, person(1, email=None), invitation=used)
    revoked, revoked_token = make_invitation(event, 2)
    services.revoke(revoked)
    expired, expired_token = make_invitation(event, 3)
    expired.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return {
        "unknown": tokens.token_for("invitation", tokens.new_seed()),
        "used": used_token, "revoked": revoked_token, "expired": expired_token,
        "malformed": "not-a-token", "wrong alphabet": "ก" * 43,
    }


def test_every_kind_of_bad_link_gets_the_same_answer(db, client, workshop, make_invitation):
    answers = {}
    for kind, token in _bad_links(db, workshop, make_invitation).items():
        response = client.get(register_url(workshop, token))
        # The language switch repeats the caller's own URL, the "lost your link?" form has the session's own
        # CSRF token: those parts tell nothing.
        answers[kind] = (response.status_code, re.sub(r"invite=[^&\"]*|value=\"[^\"]{40,}\"", "…",
                                                      response.get_data(as_text=True)))
    statuses = {kind: status for kind, (status, _) in answers.items()}
    assert set(statuses.values()) == {403}, statuses
    bodies = {body for _, body in answers.values()}
    assert len(bodies) == 1, "the answers differ, so a link could be probed"
    assert 'id="invitation-invalid"' in bodies.pop()


def test_on_an_open_event_a_bad_link_says_so_and_the_open_form_follows(db, client, make_event, make_invitation):
    hearing = make_event(registration_mode="open")
    bodies = set()
    for kind, token in _bad_links(db, hearing, make_invitation).items():
        response = client.get(register_url(hearing, token))
        html = response.get_data(as_text=True)
        assert response.status_code == 200, kind
        assert 'id="invitation-invalid"' in html and 'class="registration"' in html
        # Without the form's own random keys, and the caller's own URL in the language switch.
        bodies.add(re.sub(r'value="[^"]{16,}"|invite=[^&"]*', "", html))
    assert len(bodies) == 1


def test_declining_from_the_form(db, client, workshop, make_invitation):
    invitation, token = make_invitation(workshop)
    html = client.get(register_url(workshop, token)).get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]+/register/decline[^"]+)"', html).group(1).replace("&amp;", "&")
    response = client.post(action, data={"csrf_token": csrf_from(html), "reason": "ติดภารกิจต่างจังหวัด"})
    assert response.status_code == 302
    invitation = reload(db, invitation)
    assert invitation.status == InvitationStatus.declined and invitation.decline_reason == "ติดภารกิจต่างจังหวัด"
    kinds = [m.kind for m in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds == ["invitation", "invitation_declined"]
    # The form is still there for a change of mind.
    again = client.get(register_url(workshop, token)).get_data(as_text=True)
    assert 'data-status="declined"' in again and 'class="registration"' in again


def test_a_bad_link_cannot_decline(db, client, workshop, make_invitation):
    _, token = make_invitation(workshop)
    html = client.get(register_url(workshop, token)).get_data(as_text=True)
    response = client.post(f"/events/{workshop.slug}/register/decline?invite={'A' * 43}",
                           data={"csrf_token": csrf_from(html), "reason": ""})
    assert response.status_code == 403 and 'id="invitation-invalid"' in response.get_data(as_text=True)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_INVITATION="10 per minute")
def test_wrong_links_are_limited_per_address_and_right_ones_are_not_counted(db, client, workshop, make_invitation):
    _, token = make_invitation(workshop)
    for _ in range(15):  # a good link does not count
        assert client.get(register_url(workshop, token)).status_code == 200
    statuses = [client.get(register_url(workshop, tokens.token_for("invitation", tokens.new_seed()))).status_code
                for _ in range(11)]
    assert statuses == [403] * 10 + [429]
    limited = client.get(register_url(workshop, token))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert client.get(f"/events/{workshop.slug}").status_code == 200  # the rest of the site is not locked


# ---- the organizer ---------------------------------------------------------------

def test_an_organizer_invites_one_person_and_sees_the_link_once(db, client, login_as, organizer, workshop):
    login_as(user=organizer)
    url = f"/organizer/events/{workshop.slug}/invitations"
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(html), "email": "new.person@example.go.th",
                                      "name": "นายใหม่ ใจกว้าง", "organization": "กรมบัญชีกลาง", "language": "th",
                                      "send": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 201
    link = re.search(r'id="new-link" class="copy"[^>]*|value="(http://testserver/events/[^"]+)"', html)
    [invitation] = db.session.scalars(sa.select(Invitation)).all()
    assert f'value="http://testserver/events/{workshop.slug}/register?invite={invitation.token}"' in html
    assert '<span id="count-pending">1</span>' in html and link
    later = client.get(url).get_data(as_text=True)
    assert invitation.token not in later  # shown once
    again = client.post(url, data={"csrf_token": csrf_from(later), "email": "NEW.person@example.go.th", "language": "th"})
    assert again.status_code == 409 and len(db.session.scalars(sa.select(Invitation)).all()) == 1


def test_an_organizer_imports_a_file_and_gets_a_report(db, client, login_as, organizer, workshop):
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{workshop.slug}/invitations").get_data(as_text=True)
    content = ("อีเมล,ชื่อ,หน่วยงาน\nok@example.org,นายก ข,กรม\nbad-address,นายค ง,กรม\n").encode("utf-8-sig")
    response = client.post(f"/organizer/events/{workshop.slug}/invitations/import",
                           data={"csrf_token": csrf_from(html), "file": (io.BytesIO(content), "รายชื่อผู้เข้าร่วม.csv"),
                                 "send": "y"}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-invited="1"' in html and 'data-rejected="1"' in html
    assert '<tr data-line="3" data-code="bad_email">' in html


def test_pasted_rows_are_imported_too(db, client, login_as, organizer, workshop):
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{workshop.slug}/invitations").get_data(as_text=True)
    response = client.post(f"/organizer/events/{workshop.slug}/invitations/import",
                           data={"csrf_token": csrf_from(html), "text": "email\tname\np1@example.org\tนาย ก\n"})
    assert response.status_code == 200 and 'data-invited="1"' in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(OutboxMessage)).all() == []  # "send" left unticked


@pytest.mark.parametrize("payload", [
    lambda: {"file": (io.BytesIO("email,name\nก@example.org,นาย".encode("cp874")), "list.csv")},
    lambda: {"file": (io.BytesIO(b"\x00\x01\x02binary"), "list.xlsx")},
    lambda: {"text": '"unterminated@example.org,name\n'},
    lambda: {},
], ids=["cp874", "binary", "broken quoting", "nothing"])
def test_a_bad_import_is_a_form_error_and_imports_nothing(db, client, login_as, organizer, workshop, payload):
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{workshop.slug}/invitations").get_data(as_text=True)
    response = client.post(f"/organizer/events/{workshop.slug}/invitations/import",
                           data={"csrf_token": csrf_from(html), **payload()}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Invitation)).all() == []


def test_the_list_shows_counts_filters_and_actions(db, client, login_as, organizer, workshop, make_invitation):
    registered, _ = make_invitation(workshop, 1)
    registration_services.register(workshop, person(1, email=None), invitation=registered)
    declined, _ = make_invitation(workshop, 2)
    services.decline(declined, "ติดประชุม")
    make_invitation(workshop, 3)
    db.session.commit()
    login_as(user=organizer)

    html = client.get(f"/organizer/events/{workshop.slug}/invitations").get_data(as_text=True)
    for state, n in {"total": 3, "pending": 1, "registered": 1, "declined": 1, "revoked": 0, "expired": 0}.items():
        assert f'<span id="count-{state}">{n}</span>' in html, state
    assert "ติดประชุม" in html
    only_declined = client.get(f"/organizer/events/{workshop.slug}/invitations?state=declined").get_data(as_text=True)
    assert 'data-email="invitee2@example.org"' in only_declined and "invitee3@example.org" not in only_declined
    found = client.get(f"/organizer/events/{workshop.slug}/invitations?q=invitee3").get_data(as_text=True)
    assert 'data-email="invitee3@example.org"' in found and 'data-email="invitee1@example.org"' not in found
    assert client.get(f"/organizer/events/{workshop.slug}/invitations?state=nonsense").status_code == 400


def test_resend_and_revoke_from_the_list(db, client, login_as, organizer, workshop, make_invitation):
    invitation, token = make_invitation(workshop)
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{workshop.slug}/invitations").get_data(as_text=True)
    base = f"/organizer/events/{workshop.slug}/invitations/{invitation.id}"
    assert client.post(f"{base}/resend", data={"csrf_token": csrf_from(html)}).status_code == 302
    assert reload(db, invitation).send_count == 2
    assert client.post(f"{base}/revoke", data={"csrf_token": csrf_from(html)}).status_code == 302
    assert reload(db, invitation).status == InvitationStatus.revoked
    assert client.get(register_url(workshop, token)).status_code == 403
    assert client.post(f"{base}/resend", data={"csrf_token": csrf_from(html)}).status_code == 302  # refused, flashed
    assert reload(db, invitation).send_count == 2
    assert client.post(f"{base}/reissue", data={"csrf_token": csrf_from(html)}).status_code == 302
    invitation = reload(db, invitation)
    assert invitation.status == InvitationStatus.pending and client.get(register_url(workshop, invitation.token)).status_code == 200


def test_the_export_is_a_spreadsheet_with_thai_intact_and_no_links(db, client, login_as, organizer, workshop,
                                                                   make_invitation):
    _, token = make_invitation(workshop, 1, name="=HYPERLINK(\"http://evil\")", organization="กรมการปกครอง")
    login_as(user=organizer)
    response = client.get(f"/organizer/events/{workshop.slug}/invitations.csv?codes=1")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith("\ufeff".encode()) and token.encode() not in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:6] == ["email", "name", "organization", "position", "language", "status"]
    assert rows[1][0] == "invitee1@example.org" and rows[1][2] == "กรมการปกครอง" and rows[1][5] == "pending"
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")"  # neutralised: a spreadsheet shows it as text


def test_another_organizer_sees_none_of_it(client, login_as, workshop, make_invitation):
    invitation, _ = make_invitation(workshop)
    login_as("organizer")
    assert client.get(f"/organizer/events/{workshop.slug}/invitations").status_code == 403
    assert client.get(f"/organizer/events/{workshop.slug}/invitations.csv").status_code == 403
