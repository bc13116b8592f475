"""Invitations: the personal link's rules (single use, expiry, revocation, the e-mail it fixes) and the answers."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import invitee, person, reload
from eventsvc import tokens
from eventsvc.errors import Conflict, InvitationInvalid, InvitationRequired, ValidationFailed
from eventsvc.invitations import services
from eventsvc.invitations.models import Invitation, InvitationStatus
from eventsvc.mail.models import MessageStatus, OutboxMessage
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from eventsvc.registration.models import Registration, RegistrationStatus


def messages(db, **where):
    db.session.rollback()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def test_an_invitation_has_a_long_random_link_kept_only_as_a_hash(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)

    assert tokens.well_formed(token) and len(token) == 43  # 256 bits of HMAC over 128 random bits
    assert invitation.token_hash == tokens.digest(token)
    row = db.session.execute(sa.text("SELECT * FROM invitations")).mappings().one()
    assert not any(token in str(value) for value in row.values())
    assert invitation.token == token  # made again from its seed, e.g. to send it again
    [message] = messages(db, kind="invitation")
    assert (message.to_address, message.invitation_id, message.locale) == ("invitee1@example.org", invitation.id, "th")
    assert invitation.status == InvitationStatus.pending and invitation.send_count == 1


def test_different_invitations_get_different_links(db, make_event):
    event = make_event(registration_mode="invite_only")
    result = services.invite(event, [invitee(n) for n in range(50)])
    assert len({i.token for i in result.invited}) == 50


def test_registering_through_the_link_uses_it_up(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)

    found = services.find_usable(event, token)
    result = registration_services.register(event, person(1, email=None), invitation=found)
    db.session.commit()

    assert result.created and result.registration.email == "invitee1@example.org"
    assert result.registration.invitation_id == invitation.id
    invitation = reload(db, invitation)
    assert invitation.status == InvitationStatus.registered and invitation.registered_at is not None
    assert services.find_usable(event, token) is None  # single use
    with pytest.raises(InvitationInvalid):
        registration_services.register(event, person(2, email="invitee1@example.org"), invitation=invitation)


def test_the_invitation_fixes_the_email(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)

    with pytest.raises(ValidationFailed) as refused:
        registration_services.register(event, person(1, email="someone.else@example.org"), invitation=invitation)
    assert "email" in refused.value.fields
    db.session.rollback()
    assert reload(db, invitation).status == InvitationStatus.pending  # nothing used up
    # The same address in another spelling is the same person.
    result = registration_services.register(event, person(1, email="INVITEE1@Example.org"), invitation=invitation)
    assert result.registration.email == "invitee1@example.org"


def test_an_invite_only_event_refuses_anyone_without_an_invitation(db, make_event):
    event = make_event(registration_mode="invite_only")
    with pytest.raises(InvitationRequired):
        registration_services.register(event, person(1))


def test_an_invitation_to_another_event_is_refused(db, make_event, make_invitation):
    workshop = make_event(registration_mode="invite_only")
    other = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(other)

    assert services.find_usable(workshop, token) is None
    with pytest.raises(InvitationInvalid):
        registration_services.register(workshop, person(1), invitation=invitation)


def test_on_an_open_event_an_invitation_marks_the_registration_as_invited(db, make_event, make_invitation):
    event = make_event(registration_mode="open")
    invitation, token = make_invitation(event)
    invited = registration_services.register(event, person(1, email=None), invitation=services.find_usable(event, token))
    walk_in = registration_services.register(event, person(2))
    db.session.commit()
    assert invited.registration.invitation_id == invitation.id and walk_in.registration.invitation_id is None


def test_a_link_expires(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event, expires_at=utcnow() + timedelta(hours=1))
    assert services.find_usable(event, token) is not None
    later = utcnow() + timedelta(hours=2)

    assert services.find_usable(event, token, now=later) is None
    assert invitation.state(later) == InvitationStatus.expired
    assert services.counts_by_state(event, now=later)["expired"] == 1
    with pytest.raises(InvitationInvalid):
        registration_services.register(event, person(1, email=None), invitation=invitation, now=later)


def test_by_default_a_link_expires_when_registration_closes(db, make_event, make_invitation):
    closes = utcnow().replace(microsecond=0) + timedelta(days=3)
    event = make_event(registration_mode="invite_only", registration_closes_at=closes)
    invitation, token = make_invitation(event)
    assert invitation.expires_at is None and invitation.effective_expiry() == closes
    assert services.find_usable(event, token, now=closes - timedelta(seconds=1)) is not None
    assert services.find_usable(event, token, now=closes) is None
    assert services.counts_by_state(event, now=closes)["expired"] == 1


def test_an_expiry_in_the_past_is_refused(db, make_event):
    event = make_event(registration_mode="invite_only")
    with pytest.raises(ValidationFailed) as refused:
        services.invite(event, [invitee(1)], expires_at=utcnow() - timedelta(minutes=1))
    assert "expires_at" in refused.value.fields


def test_a_revoked_link_stops_working_at_once_and_its_unsent_message_is_not_sent(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)

    services.revoke(invitation)
    db.session.commit()

    assert services.find_usable(event, token) is None
    invitation = reload(db, invitation)
    assert invitation.status == InvitationStatus.revoked and invitation.revoked_at is not None
    [message] = messages(db, kind="invitation")
    assert message.status == MessageStatus.cancelled
    with pytest.raises(InvitationInvalid):
        registration_services.register(event, person(1, email=None), invitation=invitation)


def test_unknown_used_revoked_expired_and_malformed_links_are_all_just_none(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    used, used_token = make_invitation(event, 1)
    registration_services.register(event, person(1, email=None), invitation=used)
    revoked, revoked_token = make_invitation(event, 2)
    services.revoke(revoked)
    _, expired_token = make_invitation(event, 3, expires_at=utcnow() + timedelta(seconds=30))
    db.session.commit()
    later = utcnow() + timedelta(minutes=1)
    unknown = tokens.token_for("invitation", tokens.new_seed())
    for token in (used_token, revoked_token, expired_token, unknown, "short", "x" * 43 + "!", "ก" * 43, "", None):
        assert services.find_usable(event, token, now=later) is None, token


def test_resending_sends_the_same_link_again(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)
    services.resend(invitation)
    db.session.commit()
    assert len(messages(db, kind="invitation", invitation_id=invitation.id)) == 2
    assert reload(db, invitation).send_count == 2 and invitation.token == token


def test_a_new_link_replaces_the_old_one(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, old_token = make_invitation(event)
    services.revoke(invitation)
    services.reissue(invitation)
    db.session.commit()
    invitation = reload(db, invitation)
    assert invitation.status == InvitationStatus.pending and invitation.token != old_token
    assert services.find_usable(event, old_token) is None
    assert services.find_usable(event, invitation.token).id == invitation.id


def test_a_registered_invitation_cannot_be_revoked_or_reissued(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, _ = make_invitation(event)
    registration_services.register(event, person(1, email=None), invitation=invitation)
    db.session.commit()
    for action in (services.revoke, services.reissue, services.resend):
        with pytest.raises(Conflict):
            action(reload(db, invitation))


def test_declining_sends_a_receipt_once_and_the_link_still_lets_them_register(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)

    services.decline(invitation, "ติดภารกิจราชการต่างจังหวัด")
    db.session.commit()
    services.decline(reload(db, invitation), "ติดประชุม")  # a second click: the reason changes, no second receipt
    db.session.commit()

    invitation = reload(db, invitation)
    assert invitation.status == InvitationStatus.declined and invitation.decline_reason == "ติดประชุม"
    assert len(messages(db, kind="invitation_declined")) == 1
    result = registration_services.register(event, person(1, email=None),
                                            invitation=services.find_usable(event, token))
    db.session.commit()
    assert result.created and reload(db, invitation).status == InvitationStatus.registered


def test_a_decline_reason_with_control_characters_is_refused(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, _ = make_invitation(event)
    with pytest.raises(ValidationFailed):
        services.decline(invitation, "bad\x07bell")


def test_a_registration_that_fails_leaves_the_invitation_usable(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only", capacity=0, waitlist=False)
    invitation, token = make_invitation(event)
    from eventsvc.errors import CapacityReached

    with pytest.raises(CapacityReached):
        registration_services.register(event, person(1, email=None), invitation=invitation)
    db.session.rollback()
    assert services.find_usable(event, token) is not None


def test_invitations_to_a_draft_are_kept_unsent_until_published(db, make_event):
    event = make_event(registration_mode="invite_only", status="draft")
    with pytest.raises(Conflict):
        services.invite(event, [invitee(1)], send=True)
    db.session.rollback()
    result = services.invite(event, [invitee(1), invitee(2)], send=False)
    db.session.commit()
    assert len(result.invited) == 2 and messages(db) == []
    with pytest.raises(Conflict):
        services.send_unsent(event)
    db.session.rollback()

    from eventsvc.events.services import publish_event

    publish_event(event)
    assert services.send_unsent(event) == 2
    db.session.commit()
    assert len(messages(db, kind="invitation")) == 2
    assert services.send_unsent(event) == 0  # each once


def test_counts_follow_every_state(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    registered, _ = make_invitation(event, 1)
    registration_services.register(event, person(1, email=None), invitation=registered)
    declined, _ = make_invitation(event, 2)
    services.decline(declined)
    revoked, _ = make_invitation(event, 3)
    services.revoke(revoked)
    make_invitation(event, 4)
    make_invitation(event, 5, expires_at=utcnow() + timedelta(seconds=5))
    sent, _ = make_invitation(event, 6)
    sent.status = InvitationStatus.sent
    db.session.commit()

    counts = services.counts_by_state(event, now=utcnow() + timedelta(seconds=10))
    assert counts == {"pending": 1, "sent": 1, "registered": 1, "declined": 1, "revoked": 1, "expired": 1, "total": 6}


def test_search_and_filter(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    make_invitation(event, 1, name="นายสมชาย ใจดี", organization="กรมการปกครอง")
    make_invitation(event, 2, name="Ms. Jane Doe", organization="UNDP")
    third, _ = make_invitation(event, 3, name="นางสาว 100%_จริง", organization="")
    services.revoke(third)
    db.session.commit()

    def emails(**kwargs):
        return [i.email for i in db.session.scalars(services.invitations_for(event, **kwargs))]

    assert emails(search="ใจดี") == ["invitee1@example.org"]
    assert emails(search="undp") == ["invitee2@example.org"]  # case does not matter
    assert emails(search="INVITEE3@") == ["invitee3@example.org"]
    assert emails(search="%_") == ["invitee3@example.org"]  # LIKE wildcards are plain text
    assert emails(state="revoked") == ["invitee3@example.org"]
    assert emails(state="pending", search="ใจดี") == ["invitee1@example.org"]


def test_names_fill_the_registration_form(db, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    cases = {
        "นางสาวสมหญิง รักไทย": ("นางสาว", "สมหญิง", "รักไทย"),
        "ผศ.ดร.วิชัย ทองดี": ("ผศ.ดร.", "วิชัย", "ทองดี"),
        "Dr. John Smith": ("Dr.", "John", "Smith"),
        "สมศรี": ("", "สมศรี", ""),
        "": ("", "", ""),
    }
    for n, (name, expected) in enumerate(cases.items()):
        invitation, _ = make_invitation(event, n, name=name)
        defaults = services.registration_defaults(invitation)
        assert (defaults["title_prefix"], defaults["first_name"], defaults["last_name"]) == expected, name
        assert defaults["email"] == invitation.email


def test_two_registrations_through_one_link_at_once_make_one(app, db, make_event, make_invitation):
    """The claim is one conditional UPDATE: of two transactions using the same link, one wins.

    On PostgreSQL both read the link as usable before either writes (the
    barrier sits between the read and the claim). On SQLite a request that
    writes holds the write lock from its first statement (BEGIN IMMEDIATE),
    so the two cannot overlap at all: the barrier sits before they begin.
    """
    import threading

    from eventsvc.events.models import Event
    from eventsvc.extensions import db as _db, write_transactions

    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event)
    event_id = event.id
    overlap = db.engine.dialect.name == "postgresql"
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(n):
        with app.app_context(), write_transactions():
            if not overlap:
                barrier.wait(timeout=30)
            try:
                target = _db.session.get(Event, event_id)
                found = services.find_usable(target, token)
                if overlap:
                    barrier.wait(timeout=30)
                if found is None:
                    raise InvitationInvalid()
                registration_services.register(target, person(n, email=None), invitation=found)
                _db.session.commit()
                outcomes.append("registered")
            except InvitationInvalid:
                _db.session.rollback()
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "registered"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)
                             .where(Registration.status != RegistrationStatus.cancelled)) == 1
