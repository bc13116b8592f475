"""Getting back in: "lost your link?" mails the personal link again, with the same answer for any address."""
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import REDIS_URL, person, reload
from eventsvc.mail import render
from eventsvc.mail.models import OutboxMessage
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from eventsvc.registration.models import Registration
from eventsvc.registration import privacy as registration_privacy


def form_token(html):
    """The CSRF token of the "lost your link?" form (prefixed "lost-", as it sits beside other forms)."""
    return re.search(r'name="lost-csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def ask(client, event, email):
    url = f"/events/{event.slug}/my-link"
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={"lost-csrf_token": form_token(html), "lost-email": email})


def link_mails(db, kind="personal_link"):
    db.session.rollback()
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id)).all()


def same_answer(response, email):
    """The answer with the address typed (which it repeats) and the session's CSRF token taken out."""
    html = response.get_data(as_text=True).replace(email.strip(), "…")
    return response.status_code, re.sub(r'value="[^"]{40,}"', "", html)


def test_a_registered_and_an_unknown_address_get_the_same_answer_and_only_one_gets_a_mail(
        client, db, make_event, make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event)
    known = ask(client, event, registration.email)
    unknown = ask(client, event, "nobody-here@example.org")
    assert known.status_code == 200 and 'id="my-link-sent"' in known.get_data(as_text=True)
    assert same_answer(known, registration.email) == same_answer(unknown, "nobody-here@example.org")
    [mail] = link_mails(db)
    assert mail.registration_id == registration.id and mail.to_address == registration.email


def test_the_mail_carries_the_same_link_as_the_first_one_and_it_opens_the_personal_page(
        client, db, make_event, make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event, locale="en")
    first_link = f"http://testserver/my/{registration.manage_token}"
    assert ask(client, event, "  SomChai1@Example.ORG ").status_code == 200  # typed as people type
    [mail] = link_mails(db)
    assert mail.locale == "en"
    rendered = render.render(mail)
    assert first_link in rendered.text and first_link in rendered.html
    assert "ticket-qr.png" in [name for name, _, _ in rendered.attachments]
    assert client.get(first_link.removeprefix("http://testserver")).status_code == 200


def test_a_registration_from_before_seeds_gets_a_new_working_link(client, db, make_event, make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event)
    registration.manage_seed = None
    db.session.commit()
    ask(client, event, registration.email)
    [mail] = link_mails(db)
    link = re.search(r"http://testserver(/my/\S+)", render.render(mail).text).group(1)
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("gone", ["cancelled", "erased"])
def test_a_cancelled_or_erased_registration_gets_nothing(client, db, make_event, make_registration, gone):
    event = make_event(capacity=10)
    registration = make_registration(event)
    email = registration.email
    if gone == "cancelled":
        registration_services.cancel_registration(registration)
    else:
        registration_privacy.erase_registration(registration)
    db.session.commit()
    assert ask(client, event, email).status_code == 200
    assert link_mails(db) == []


def test_a_registration_cancelled_after_the_request_is_not_mailed(client, db, make_event, make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event)
    ask(client, event, registration.email)
    registration_services.cancel_registration(reload(db, registration))
    db.session.commit()
    [mail] = link_mails(db)
    with pytest.raises(render.NothingToSend):
        render.render(mail)


def test_a_waitlisted_person_gets_the_link_without_a_ticket(client, db, make_event, make_registration):
    event = make_event(capacity=1, waitlist=True)
    make_registration(event, 1)
    waiting = make_registration(event, 2)
    assert waiting.status.value == "waitlisted"
    ask(client, event, waiting.email)
    [mail] = link_mails(db)
    rendered = render.render(mail)
    assert f"/my/{waiting.manage_token}" in rendered.text and rendered.attachments == []


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_MY_LINK="100 per minute", RATELIMIT_MY_LINK_ADDRESS="2 per hour")
def test_one_address_gets_a_few_mails_an_hour_and_the_same_answer_after(client, db, make_event, make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event)
    answers = {same_answer(ask(client, event, spelling), spelling)
               for spelling in ("somchai1@example.org", "SOMCHAI1@example.org", " somchai1@example.org")}
    assert len(answers) == 1 and answers.pop()[0] == 200
    assert len(link_mails(db)) == 2


@pytest.mark.skipif(not REDIS_URL, reason="needs EVENTSVC_TEST_REDIS_URL (CI sets it)")
@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_MY_LINK="100 per minute", RATELIMIT_MY_LINK_ADDRESS="2 per hour",
                        RATELIMIT_STORAGE_URI=REDIS_URL)
def test_the_count_per_address_is_shared_in_redis_and_keeps_no_address(app, client, db, make_event,
                                                                      make_registration):
    import redis

    app.config["RATELIMIT_KEY_PREFIX"] = f"test-my-link-{uuid.uuid4().hex}"  # this run's own counts
    event = make_event(capacity=10)
    registration = make_registration(event)
    for _ in range(3):
        assert ask(client, event, registration.email).status_code == 200
    assert len(link_mails(db)) == 2
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).keys(f"*{app.config['RATELIMIT_KEY_PREFIX']}*")]
    assert any("my-link-address" in key for key in keys), keys
    assert not any("somchai" in key for key in keys), keys


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_MY_LINK="2 per minute", RATELIMIT_MY_LINK_ADDRESS="10 per hour")
def test_one_ip_asking_too_often_is_told_to_wait(client, db, make_event):
    event = make_event(capacity=10)
    assert ask(client, event, "a@example.org").status_code == 200
    assert ask(client, event, "b@example.org").status_code == 200
    refused = ask(client, event, "c@example.org")
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_a_bad_address_is_a_field_error(client, db, make_event):
    event = make_event(capacity=10)
    response = ask(client, event, "not an address")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="lost-email"' in html and 'class="error"' in html and 'id="my-link-sent"' not in html


def test_a_draft_event_has_no_such_page(client, db, make_event):
    event = make_event(status="draft")
    assert client.get(f"/events/{event.slug}/my-link").status_code == 404


def test_the_event_page_and_the_form_lead_to_it(client, db, make_event):
    event = make_event(capacity=10)
    for url in (f"/events/{event.slug}", f"/events/{event.slug}/register"):
        assert f'href="/events/{event.slug}/my-link"' in client.get(url).get_data(as_text=True), url


def test_registering_again_offers_the_form_filled_in_and_never_the_link(client, db, make_event, make_registration):
    from test_registration_views import form_data

    event = make_event(capacity=10)
    registration = make_registration(event)
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    again = client.post(f"/events/{event.slug}/register", data=form_data(html))
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and 'data-status="already-registered"' in page
    assert registration.manage_token not in page and "/my/" not in page
    assert 'id="my-link"' in page and f'value="{registration.email}"' in page
    response = client.post(f"/events/{event.slug}/my-link",
                           data={"lost-csrf_token": form_token(page), "lost-email": registration.email})
    assert response.status_code == 200 and len(link_mails(db)) == 1


def test_a_used_invitation_link_offers_the_form_and_the_invitee_gets_their_personal_link(
        client, db, make_event, make_invitation):
    workshop = make_event(registration_mode="invite_only", sessions=1)
    invitation, token = make_invitation(workshop, 1)
    registration = registration_services.register(workshop, person(1, email=None), invitation=invitation).registration
    db.session.commit()
    page = client.get(f"/events/{workshop.slug}/register?invite={token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and 'id="invitation-invalid"' in html and 'id="my-link"' in html
    client.post(f"/events/{workshop.slug}/my-link", data={"lost-csrf_token": form_token(html), "lost-email": invitation.email})
    [mail] = link_mails(db)
    assert mail.registration_id == registration.id


def test_an_invitee_who_has_not_registered_gets_the_invitation_again(client, db, make_event, make_invitation):
    workshop = make_event(registration_mode="invite_only", sessions=1)
    invitation, token = make_invitation(workshop, 1)
    before = len(link_mails(db, "invitation"))
    ask(client, workshop, invitation.email)
    mails = link_mails(db, "invitation")
    assert len(mails) == before + 1 and mails[-1].invitation_id == invitation.id
    assert f"invite={token}" in render.render(mails[-1]).text  # the same link as in the first invitation
    assert link_mails(db) == []


def test_an_expired_invitation_is_not_sent_again(client, db, make_event, make_invitation):
    workshop = make_event(registration_mode="invite_only", sessions=1)
    invitation, _ = make_invitation(workshop, 1, expires_at=utcnow() + timedelta(minutes=1))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    before = len(link_mails(db, "invitation"))
    ask(client, workshop, invitation.email)
    assert len(link_mails(db, "invitation")) == before


# ---- the API ----------------------------------------------------------------------

def test_the_api_answers_202_the_same_for_any_address(client, db, make_event, make_registration):
    event = make_event(capacity=10)
    registration = make_registration(event)
    url = f"/api/v1/events/{event.slug}/registrations/resend-link"
    known = client.post(url, json={"email": registration.email})
    unknown = client.post(url, json={"email": "nobody-here@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    [mail] = link_mails(db)
    assert mail.registration_id == registration.id


def test_the_api_refuses_a_bad_address_and_an_unknown_event(client, db, make_event):
    event = make_event(capacity=10)
    bad = client.post(f"/api/v1/events/{event.slug}/registrations/resend-link", json={"email": "nope"})
    assert bad.status_code == 422 and "email" in bad.get_json()["error"]["fields"]
    assert client.post("/api/v1/events/no-such-event/registrations/resend-link",
                       json={"email": "a@example.org"}).status_code == 404
