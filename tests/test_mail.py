"""The mail outbox: written with what caused it, delivered over real SMTP (aiosmtpd) once, retried, never lost."""
import subprocess
from collections import Counter
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from conftest import csrf_from, person
from eventsvc.mail import delivery
from eventsvc.mail.delivery import deliver_due
from eventsvc.mail.models import MessageStatus, OutboxMessage
from eventsvc.mail.services import enqueue
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from eventsvc.registration.models import Registration
from servers import PYTHON, ROOT, service_env


def decode_qr(png_bytes):
    """What a real QR decoder (zbar) reads in the image."""
    from qr_decode import decode

    return decode(png_bytes)


def outbox(db, **where):
    db.session.rollback()
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def parts(message):
    """(text, html) bodies of a received message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return text.get_content(), html.get_content()


def test_a_confirmation_is_delivered_with_its_headers_and_both_parts(app, db, make_event, make_registration,
                                                                     smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event(contact_name="นายธรรณพ ศิริธรรมวิไล")
    make_registration(event, 1)
    [stored] = outbox(db)
    assert stored.kind == "registration_confirmed" and stored.status == MessageStatus.pending

    report = deliver_due(app)

    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    [received] = smtp_server.messages
    assert received["To"] == "somchai1@example.org"
    assert received["Subject"] == f"ยืนยันการลงทะเบียน: {event.title_th}"
    assert received["Message-ID"] == stored.message_id
    assert received["From"].addresses[0].addr_spec == "no-reply@testserver"
    assert received["Date"] and received["Content-Language"] == "th"
    assert received.get_content_type() == "multipart/mixed"
    text, html = parts(received)
    assert "เรียน นายสมชาย1 ใจดี" in text and "http://testserver/my/" in text
    assert "<html" in html and "นายธรรณพ ศิริธรรมวิไล" in html and 'href="http://testserver/my/' in html
    # The ticket's QR and the calendar entry travel with it.
    files = {part.get_filename(): part for part in received.iter_attachments()}
    assert set(files) == {"ticket-qr.png", f"{event.slug}.ics"}
    ticket_url = f"http://testserver/t/{db.session.scalars(sa.select(Registration)).one().ticket_code}"
    assert decode_qr(files["ticket-qr.png"].get_content()) == ticket_url and ticket_url in text
    calendar = icalendar.Calendar.from_ical(files[f"{event.slug}.ics"].get_content())
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == [f"{event.title_th} (ช่วงเช้า)",
                                                                    f"{event.title_th} (ช่วงบ่าย)"]
    assert outbox(db)[0].status == MessageStatus.sent


def test_each_kind_of_registration_message_reaches_the_person_in_their_language(app, db, make_event,
                                                                               make_registration, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event(capacity=1)
    first = make_registration(event, 1, locale="en")
    make_registration(event, 2)  # waitlisted
    registration_services.cancel_registration(db.session.get(type(first), first.id))
    db.session.commit()

    deliver_due(app)

    received = {(m["To"], m["Subject"]) for m in smtp_server.messages}
    title_en, title_th = event.title_en, event.title_th
    assert received == {
        ("somchai1@example.org", f"Registration confirmed: {title_en}"),
        ("somchai1@example.org", f"Registration cancelled: {title_en}"),
        ("somchai2@example.org", f"อยู่ในรายชื่อสำรอง: {title_th}"),
        ("somchai2@example.org", f"ได้รับที่นั่งแล้ว: {title_th}"),
    }
    for message in smtp_server.messages:
        text, html = parts(message)
        assert text.strip() and "<html" in html


def test_a_registration_that_rolls_back_sends_nothing(app, db, make_event, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event()
    registration_services.register(event, person(1))
    assert len(db.session.scalars(sa.select(OutboxMessage)).all()) == 1  # written, in the transaction
    db.session.rollback()

    report = deliver_due(app)

    assert report.sent == 0 and smtp_server.messages == [] and outbox(db) == []


def test_a_form_registration_that_fails_writes_no_message(app, db, client, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}/register")
    form = {**person(1), "consent_processing": "y", "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": "not an address"}
    assert client.post(f"/events/{event.slug}/register", data=form).status_code == 422
    assert outbox(db) == []


def test_with_the_server_down_during_100_registrations_every_message_arrives_once_when_it_is_back(
        app, db, make_event, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_BATCH_SIZE=25)
    smtp_server.stop()
    event = make_event()
    now = utcnow()
    for n in range(100):
        registration_services.register(event, person(n))
        db.session.commit()
        if n % 10 == 0:  # the worker keeps trying while the server is down
            report = deliver_due(app)
            assert report.sent == 0 and report.retried == 1  # one try per round, the rest wait
    assert {m.status for m in outbox(db)} == {MessageStatus.pending}
    assert max(m.attempts for m in outbox(db)) >= 1

    smtp_server.start()
    report = deliver_due(app, now=now + timedelta(hours=7))  # past every retry delay

    assert report.sent == 100
    assert sorted(Counter(m["To"] for m in smtp_server.messages).values()) == [1] * 100
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 100
    assert {m.status for m in outbox(db)} == {MessageStatus.sent}
    assert deliver_due(app, now=now + timedelta(hours=8)).sent == 0


def test_two_workers_at_once_send_nothing_twice(app, db, make_event, smtp_server):
    smtp_server.handler.delay = 0.03  # 120 messages take a few seconds: the two workers surely overlap
    event = make_event()
    for n in range(120):
        registration_services.register(event, person(n))
    db.session.commit()
    db.session.remove()
    env = service_env(app.config["SQLALCHEMY_DATABASE_URI"], EVENTSVC_SMTP_URL=smtp_server.url,
                      EVENTSVC_MAIL_BATCH_SIZE=7)
    workers = [subprocess.Popen([PYTHON, "-m", "flask", "--app", "wsgi", "outbox", "deliver"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    assert len(smtp_server.messages) == 120
    assert sorted(Counter(m["Message-ID"] for m in smtp_server.messages).values()) == [1] * 120
    assert sorted(Counter(m["To"] for m in smtp_server.messages).values()) == [1] * 120
    assert {m.status for m in outbox(db)} == {MessageStatus.sent}
    sent_by = [int(out.split()[0]) for out, _ in outputs]
    assert sum(sent_by) == 120
    assert min(sent_by) > 0, "one worker sent everything: the test proved nothing about two at once"


def test_a_refused_message_is_retried_later_with_growing_delays_then_marked_failed(app, db, make_event,
                                                                                   make_registration, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE_SECONDS=60)
    smtp_server.handler.refuse["somchai1@example.org"] = "451 4.3.0 Mailbox busy, try later"
    event = make_event()
    make_registration(event, 1)
    now = utcnow()

    deliver_due(app, now=now)
    [message] = outbox(db)
    assert message.status == MessageStatus.pending and message.attempts == 1
    assert message.due_at - now == timedelta(seconds=60)
    assert "451" in message.last_error
    assert deliver_due(app, now=now + timedelta(seconds=30)).retried == 0  # not due yet

    deliver_due(app, now=now + timedelta(seconds=61))
    [message] = outbox(db)
    assert message.attempts == 2 and message.due_at - (now + timedelta(seconds=61)) == timedelta(seconds=120)

    report = deliver_due(app, now=now + timedelta(seconds=182))
    [message] = outbox(db)
    assert report.failed == 1 and message.status == MessageStatus.failed and message.attempts == 3
    assert "451" in message.last_error and smtp_server.messages == []


def test_a_permanent_refusal_fails_at_once_and_the_rest_still_go(app, db, make_event, make_registration,
                                                                 smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.handler.refuse["somchai1@example.org"] = "550 5.1.1 No such user"
    event = make_event()
    make_registration(event, 1)
    make_registration(event, 2)

    report = deliver_due(app)

    assert (report.sent, report.failed) == (1, 1)
    failed, sent = outbox(db)
    assert failed.status == MessageStatus.failed and "550" in failed.last_error and failed.attempts == 1
    assert sent.status == MessageStatus.sent
    assert [m["To"] for m in smtp_server.messages] == ["somchai2@example.org"]


def test_without_smtp_messages_become_eml_files_in_the_instance_folder(app, db, make_event, make_registration):
    import email
    import email.policy
    from pathlib import Path

    assert not app.config["SMTP_URL"]
    event = make_event()
    make_registration(event, 1)

    assert deliver_due(app).sent == 1

    [path] = (Path(app.instance_path) / "mail").glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "somchai1@example.org" and message["Subject"].startswith("ยืนยันการลงทะเบียน")
    assert "เรียน" in parts(message)[0]


def test_a_dedupe_key_writes_a_message_once(app, db, make_event, make_registration):
    event = make_event()
    registration = make_registration(event, 1)
    kwargs = dict(to=registration.email, locale="th", event_id=event.id, registration_id=registration.id,
                  dedupe_key=f"reminder:{registration.id}")
    assert enqueue("registration_confirmed", **kwargs) is not None
    db.session.commit()
    assert enqueue("registration_confirmed", **kwargs) is None
    db.session.commit()
    assert len(outbox(db, dedupe_key=f"reminder:{registration.id}")) == 1


def test_an_address_with_a_newline_is_refused_before_anything_is_written(app, db, make_event):
    from eventsvc.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        enqueue("registration_confirmed", to="a@example.org\r\nBcc: victim@example.org", locale="th")
    assert outbox(db) == []


def test_the_outbox_keeps_no_personal_link(app, db, make_event, smtp_server):
    """The worker renders messages when it sends them: the database holds neither the link nor the body."""
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event()
    result = registration_services.register(event, person(1))
    db.session.commit()
    rows = db.session.execute(sa.text("SELECT * FROM outbox_messages")).mappings().all()
    assert len(rows) == 1 and not any(result.manage_token in str(value) for value in rows[0].values())

    deliver_due(app)

    [received] = smtp_server.messages
    assert f"http://testserver/my/{result.manage_token}" in parts(received)[0]
    db.session.rollback()
    rows = db.session.execute(sa.text("SELECT * FROM outbox_messages")).mappings().all()
    assert not any(result.manage_token in str(value) for value in rows[0].values())
    assert rows[0]["subject"].startswith("ยืนยันการลงทะเบียน")  # kept for the organizer's list


def test_a_message_about_a_registration_that_is_gone_is_not_sent(app, db, make_event, make_registration,
                                                                  smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event()
    registration = make_registration(event, 1)
    make_registration(event, 2)
    db.session.execute(sa.delete(Registration.__table__).where(Registration.id == registration.id))
    db.session.commit()

    report = deliver_due(app)

    assert (report.sent, report.failed, report.cancelled) == (1, 0, 1)
    assert [m["To"] for m in smtp_server.messages] == ["somchai2@example.org"]
    statuses = {m.to_address: m.status for m in outbox(db)}
    assert statuses == {"somchai1@example.org": MessageStatus.cancelled, "somchai2@example.org": MessageStatus.sent}


def test_organizers_see_pending_and_failed_messages_and_can_retry(app, db, client, login_as, organizer, make_event,
                                                                  make_registration, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    smtp_server.handler.refuse["somchai1@example.org"] = "550 5.1.1 No such user"
    event = make_event()
    make_registration(event, 1)
    make_registration(event, 2)
    deliver_due(app)
    make_registration(event, 3)  # still pending
    login_as(user=organizer)

    page = client.get(f"/organizer/events/{event.slug}/messages")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span id="count-failed">1</span>' in html and '<span id="count-pending">1</span>' in html
    assert "550 5.1.1 No such user" in html
    assert "somchai3@example.org" in html

    failed_only = client.get(f"/organizer/events/{event.slug}/messages?status=failed").get_data(as_text=True)
    assert "somchai1@example.org" in failed_only and "somchai2@example.org" not in failed_only

    retry = client.post(f"/organizer/events/{event.slug}/messages/retry", data={"csrf_token": csrf_from(html)})
    assert retry.status_code == 302
    assert {m.to_address: m.status for m in outbox(db)}["somchai1@example.org"] == MessageStatus.pending


def test_the_event_page_tells_the_organizer_about_failed_messages(app, db, client, login_as, organizer, make_event,
                                                                  make_registration, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    smtp_server.handler.refuse["somchai1@example.org"] = "550 5.1.1 No such user"
    event = make_event()
    make_registration(event, 1)
    make_registration(event, 2)
    deliver_due(app)
    make_registration(event, 3)
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{event.slug}").get_data(as_text=True)
    counts = html.split('id="message-counts"', 1)[1].split("</dd>", 1)[0]
    assert "ส่งแล้ว 1 รอส่ง 1" in counts and "ส่งไม่สำเร็จ 1" in counts and "status=failed" in counts


def test_another_organizer_cannot_see_the_messages(app, client, login_as, make_event):
    event = make_event()
    login_as("organizer")
    assert client.get(f"/organizer/events/{event.slug}/messages").status_code == 403


def test_the_cli_delivers_and_reports(app, db, runner, make_event, make_registration, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event()
    make_registration(event, 1)
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 sent, 0 to retry later, 0 failed.")
    assert len(smtp_server.messages) == 1


def test_retry_delays_grow_and_are_capped():
    delays = [delivery.retry_delay(n, 60).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [60, 120, 240, 480]
    assert delays == sorted(delays) and delays[-1] == 6 * 3600


def test_a_claim_takes_one_batch_and_a_second_claim_the_next(app, db, make_event):
    """Regression: on PostgreSQL `id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)` claimed every row."""
    event = make_event()
    for n in range(30):
        registration_services.register(event, person(n))
    db.session.commit()
    now = utcnow()

    first_token, first = delivery._claim(7, 600, now)
    second_token, second = delivery._claim(7, 600, now)

    assert len(first) == 7 and len(second) == 7 and not set(first) & set(second)
    claimed = {m.id: m.claim_token for m in outbox(db) if m.claim_token}
    assert claimed == {**{i: first_token for i in first}, **{i: second_token for i in second}}


def test_an_invitation_is_delivered_with_its_personal_link_and_becomes_sent(app, db, make_event, make_invitation,
                                                                           smtp_server):
    from eventsvc.invitations.models import InvitationStatus

    app.config["SMTP_URL"] = smtp_server.url
    event = make_event(registration_mode="invite_only", organizer_name_th="สำนักงานรัฐบาลอิเล็กทรอนิกส์ (องค์การมหาชน)",
                       venue_name="สำนักงานรัฐบาลอิเล็กทรอนิกส์", venue_room="ห้องวิภาวดี", venue_floor="18")
    invitation, token = make_invitation(event, name="นางสาวสมหญิง รักไทย")
    english, english_token = make_invitation(event, 2, language="en", name="Ms. Jane Doe")

    report = deliver_due(app)

    assert report.sent == 2
    received = {m["To"]: m for m in smtp_server.messages}
    thai = received["invitee1@example.org"]
    assert thai["Subject"] == f"ขอเรียนเชิญเข้าร่วม: {event.title_th}"
    assert thai["Content-Language"] == "th" and thai["Message-ID"] and thai["Date"]
    text, html = parts(thai)
    link = f"http://testserver/events/{event.slug}/register?invite={token}"
    assert "เรียน นางสาวสมหญิง รักไทย" in text and link in text and "ห้องวิภาวดี" in text
    assert f'href="{link}"' in html and f'href="{link}#decline"' in html
    assert received["invitee2@example.org"]["Subject"] == f"Invitation: {event.title_en}"
    assert english_token in parts(received["invitee2@example.org"])[0]
    for stored in (invitation, english):
        stored = reload_invitation(db, stored)
        assert stored.status == InvitationStatus.sent and stored.sent_at is not None


def test_a_decline_receipt_is_delivered(app, db, make_event, make_invitation, smtp_server):
    from eventsvc.invitations import services as invitation_services

    app.config["SMTP_URL"] = smtp_server.url
    event = make_event(registration_mode="invite_only")
    invitation, token = make_invitation(event, send=False)
    invitation_services.decline(invitation, "ติดภารกิจต่างประเทศ")
    db.session.commit()

    deliver_due(app)

    [receipt] = smtp_server.messages
    assert receipt["Subject"].startswith("รับทราบว่าท่านไม่สามารถเข้าร่วม")
    text, html = parts(receipt)
    assert "ติดภารกิจต่างประเทศ" in text and token in text and token in html


def test_an_invitation_withdrawn_before_its_message_left_is_not_sent(app, db, make_event, make_invitation,
                                                                      smtp_server):
    from eventsvc.invitations.models import Invitation, InvitationStatus

    app.config["SMTP_URL"] = smtp_server.url
    event = make_event(registration_mode="invite_only")
    invitation, _ = make_invitation(event)
    # Withdrawn behind the service's back: the worker itself must not send it.
    db.session.execute(sa.update(Invitation).where(Invitation.id == invitation.id)
                       .values(status=InvitationStatus.revoked))
    db.session.commit()

    report = deliver_due(app)

    assert (report.sent, report.cancelled) == (0, 1) and smtp_server.messages == []
    assert outbox(db)[0].status == MessageStatus.cancelled


def reload_invitation(db, invitation):
    db.session.rollback()
    db.session.refresh(invitation)
    return invitation
