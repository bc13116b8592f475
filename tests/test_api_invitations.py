"""API v1 invitations: inviting a JSON list, registering with `invite`, one answer for every bad link."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import invitee, person
from eventsvc import tokens
from eventsvc.accounts.models import Role
from eventsvc.accounts.services import issue_api_token
from eventsvc.invitations.models import Invitation, InvitationStatus
from eventsvc.models_base import utcnow
from eventsvc.registration.models import Registration
from test_api import assert_error, auth, event_body


@pytest.fixture
def workshop(client, api_token):
    response = client.post("/api/v1/events", json=event_body("api-workshop", registration_mode="invite_only",
                                                             capacity=None), headers=auth(api_token))
    assert response.status_code == 201
    return "api-workshop"


def invite(client, token, invitees, slug="api-workshop", **extra):
    return client.post(f"/api/v1/events/{slug}/invitations", json={"invitees": invitees, **extra}, headers=auth(token))


def without_email(body):
    return {k: v for k, v in body.items() if k != "email"}


def token_of(url):
    return url.split("invite=", 1)[1]


def test_inviting_a_list_answers_each_invitee_in_order_with_their_link(db, client, api_token, workshop):
    response = invite(client, api_token, [
        invitee(1), {"email": "bad address"}, invitee(2, language="en"), invitee(1, name="again"), {"email": ""},
    ])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["invited"], body["rejected"]) == (2, 3)
    results = body["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in results] == ["pending", "rejected", "pending", "rejected", "rejected"]
    assert [r["error"]["code"] for r in results if r["error"]] == ["bad_email", "duplicate", "missing_email"]
    first = results[0]
    assert first["invite_url"].startswith("http://testserver/events/api-workshop/register?invite=")
    assert tokens.well_formed(token_of(first["invite_url"]))
    stored = db.session.get(Invitation, first["id"])
    assert stored.token_hash == tokens.digest(token_of(first["invite_url"]))

    again = invite(client, api_token, [invitee(1), invitee(2)])
    assert again.status_code == 200
    assert [r["error"]["code"] for r in again.get_json()["results"]] == ["already_invited", "already_invited"]


def test_registering_with_the_invite(db, client, api_token, workshop):
    url = invite(client, api_token, [invitee(1)]).get_json()["results"][0]["invite_url"]
    body = {**person(1), "invite": token_of(url)}
    del body["email"]  # the invitation's applies

    response = client.post("/api/v1/events/api-workshop/registrations", json=body)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "confirmed"
    db.session.rollback()
    [registration] = db.session.scalars(sa.select(Registration)).all()
    assert registration.email == "invitee1@example.org" and registration.invitation_id is not None


def test_the_invite_fixes_the_email(db, client, api_token, workshop):
    url = invite(client, api_token, [invitee(1)]).get_json()["results"][0]["invite_url"]
    response = client.post("/api/v1/events/api-workshop/registrations",
                           json={**person(1, email="other@example.org"), "invite": token_of(url)})
    error = assert_error(response, 422, "invalid")
    assert "email" in error["fields"]


def test_an_invite_only_event_refuses_the_uninvited(client, workshop):
    assert_error(client.post("/api/v1/events/api-workshop/registrations", json=person(1)), 403, "invitation_required")


def test_every_bad_invite_gets_the_same_answer(db, client, api_token, workshop):
    urls = [r["invite_url"] for r in invite(client, api_token, [invitee(n) for n in range(3)]).get_json()["results"]]
    used, revoked, expired = (token_of(u) for u in urls)
    assert client.post("/api/v1/events/api-workshop/registrations",
                       json={**without_email(person(0)), "invite": used}).status_code == 201
    ids = {i.email: i.id for i in db.session.scalars(sa.select(Invitation))}
    assert client.post(f"/api/v1/events/api-workshop/invitations/{ids['invitee1@example.org']}/revoke",
                       headers=auth(api_token)).status_code == 200
    db.session.rollback()
    db.session.get(Invitation, ids["invitee2@example.org"]).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    answers = []
    for token in (used, revoked, expired, tokens.token_for("invitation", tokens.new_seed()), "x", "ก" * 43):
        response = client.post("/api/v1/events/api-workshop/registrations",
                               json={**person(9, email="invitee9@example.org"), "invite": token})
        answers.append((response.status_code, response.get_data(as_text=True)))
    assert len(set(answers)) == 1, answers
    assert_error(response, 403, "invitation_invalid")


def test_a_retry_with_the_same_idempotency_key_gets_the_registration_back(db, client, api_token, workshop):
    url = invite(client, api_token, [invitee(1)]).get_json()["results"][0]["invite_url"]
    body = {**without_email(person(1)), "invite": token_of(url)}
    headers = {"Idempotency-Key": "retry-42"}
    first = client.post("/api/v1/events/api-workshop/registrations", json=body, headers=headers)
    again = client.post("/api/v1/events/api-workshop/registrations", json=body, headers=headers)
    other = client.post("/api/v1/events/api-workshop/registrations", json=body, headers={"Idempotency-Key": "x"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 403)
    assert again.get_json()["manage_url"] == first.get_json()["manage_url"]


def test_listing_resending_and_revoking(db, client, api_token, workshop):
    results = invite(client, api_token, [invitee(1), invitee(2)]).get_json()["results"]
    listed = client.get("/api/v1/events/api-workshop/invitations", headers=auth(api_token))
    assert listed.status_code == 200
    assert {i["email"]: i["status"] for i in listed.get_json()} == {"invitee1@example.org": "pending",
                                                                   "invitee2@example.org": "pending"}
    assert "invite=" not in listed.get_data(as_text=True)  # links are shown once, when made

    resent = client.post(f"/api/v1/events/api-workshop/invitations/{results[0]['id']}/resend", headers=auth(api_token))
    assert resent.status_code == 200 and resent.get_json()["send_count"] == 2
    revoked = client.post(f"/api/v1/events/api-workshop/invitations/{results[1]['id']}/revoke", headers=auth(api_token))
    assert revoked.get_json()["status"] == "revoked"
    assert_error(client.post(f"/api/v1/events/api-workshop/invitations/{results[1]['id']}/resend",
                             headers=auth(api_token)), 409, "conflict")
    only = client.get("/api/v1/events/api-workshop/invitations?status=revoked", headers=auth(api_token)).get_json()
    assert [i["email"] for i in only] == ["invitee2@example.org"]
    assert_error(client.post("/api/v1/events/api-workshop/invitations/999999/revoke", headers=auth(api_token)),
                 404, "not_found")


def test_only_the_events_organizer_may_invite(db, client, api_token, workshop, make_user):
    assert_error(invite(client, "", [invitee(1)]), 401, "unauthorized")
    stranger = issue_api_token(make_user(Role.organizer))
    db.session.commit()
    assert_error(invite(client, stranger, [invitee(1)]), 403, "forbidden")
    assert_error(client.get("/api/v1/events/api-workshop/invitations", headers=auth(stranger)), 403, "forbidden")


@pytest.mark.parametrize("body", [
    {"invitees": []}, {"invitees": "x"}, {"invitees": [{"name": "no e-mail field"}]}, {"invitees": [5]},
    {"invitees": [invitee(1)], "expires_at": "yesterday"}, {"nothing": True},
])
def test_malformed_invitation_requests_are_422(client, api_token, workshop, body):
    response = client.post("/api/v1/events/api-workshop/invitations", json=body, headers=auth(api_token))
    assert_error(response, 422, "invalid")


def test_an_expiry_in_the_past_is_a_field_error(client, api_token, workshop):
    response = invite(client, api_token, [invitee(1)], expires_at=(utcnow() - timedelta(hours=1)).isoformat())
    assert "expires_at" in assert_error(response, 422, "invalid")["fields"]


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_INVITATION="5 per minute", RATELIMIT_API="1000 per minute")
def test_wrong_invites_are_rate_limited(client, api_token, workshop):
    statuses = [client.post("/api/v1/events/api-workshop/registrations",
                            json={**person(n), "invite": "A" * 43}).status_code for n in range(6)]
    assert statuses == [403] * 5 + [429]
    assert int(client.post("/api/v1/events/api-workshop/registrations",
                           json={**person(7), "invite": "B" * 43}).headers["Retry-After"]) > 0


def test_the_openapi_document_describes_the_invitation_calls(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/events/{slug}/invitations"]
    assert "get" in paths["/api/v1/events/{slug}/invitations"]
    assert "/api/v1/events/{slug}/invitations/{invitation_id}/revoke" in paths
