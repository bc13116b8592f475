"""Comments on the draft: the period, sections, writing (bad input too), moderation, the public page, the mailed link,
the API and the person's data."""
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, field_errors, reload
from eventsvc.audit.models import AuditEntry
from eventsvc.audit.services import REGISTRANT
from eventsvc.comments import services
from eventsvc.comments.models import Comment, CommentAccess, CommentSettings, CommentStatus, Commenter, DocumentSection
from eventsvc.errors import Conflict, ValidationFailed
from eventsvc.events.models import Attachment
from eventsvc.mail.models import OutboxMessage
from eventsvc.registration import privacy
from eventsvc.registration import services as registration_services
from eventsvc.registration.models import RegistrationStatus
from conftest import person


def add_document(db, event, title="ร่างแผนพัฒนารัฐบาลดิจิทัล พ.ศ. 2566-2570", headings=("ยุทธศาสตร์ที่ 1",
                                                                                     "ยุทธศาสตร์ที่ 2")):
    document = Attachment(event_id=event.id, title=title, filename="draft.pdf", stored_name=f"s{event.id}-{title[-4:]}",
                          content_type="application/pdf")
    db.session.add(document)
    db.session.flush()
    services.set_sections(document, "\n".join(headings))
    db.session.commit()
    return document


def register(db, event, n=1, **overrides):
    result = registration_services.register(event, person(n, **overrides))
    db.session.commit()
    return result.registration, result.manage_token


@pytest.fixture
def hearing(db, make_event, clock):
    """A published event with one document of two sections, and a registrant's link."""
    event = make_event()
    document = add_document(db, event)
    registration, token = register(db, event)
    return event, document, registration, token


def comments(db):
    db.session.rollback()
    return db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()


def actions(db, prefix="comment."):
    db.session.rollback()
    return [e.action for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))
            if e.action.startswith(prefix) and e.action != "comment.sections_changed"]


def my_form(client, token):
    page = client.get(f"/my/{token}/comments")
    assert page.status_code == 200, page.get_data(as_text=True)
    return page.get_data(as_text=True)


def post_my(client, token, html=None, **fields):
    """Post the comment form; `html`: the form as it was loaded before (the period closed meanwhile)."""
    html = html or my_form(client, token)
    data = {"csrf_token": csrf_from(html), "place": "0-0", "body": "ความเห็น", "show_name": "no",
            "sector": "government", **fields}
    return client.post(f"/my/{token}/comments", data=data)


# ---- the period ---------------------------------------------------------------------------------

def test_the_period_runs_from_publication_for_the_configured_days_and_the_organizer_may_set_it(db, make_event, clock,
                                                                                               app):
    event = make_event(starts_in=timedelta(days=3))  # the hearing ends before the 15 days are over
    opens, closes = services.period_state(event)[1:]
    assert opens == event.published_at and closes - opens == timedelta(days=15)
    clock.move(timedelta(days=15, seconds=1))
    assert services.period_state(event)[0] == "closed"
    services.update_settings(event, {"opens_at": clock.now + timedelta(days=1), "closes_at": None,
                                     "access": "email"}, actor=None)
    db.session.commit()
    state, opens, closes = services.period_state(event)
    assert state == "not_yet_open" and closes - opens == timedelta(days=15)
    assert actions(db) == ["comment.settings_changed"]


def test_by_default_the_period_runs_until_the_hearings_last_session_ends_when_that_is_later(db, make_event, clock):
    event = make_event(starts_in=timedelta(days=60))
    last_session_ends = max(s.ends_at for s in event.sessions)
    opens, closes = services.period_state(event)[1:]
    assert opens == event.published_at and closes == last_session_ends
    clock.move(timedelta(days=30))
    assert services.period_state(event)[0] == "open"  # after the 15 days, before the hearing
    clock.move(last_session_ends - clock.now + timedelta(seconds=1))
    assert services.period_state(event)[0] == "closed"
    # The organizer's own end still wins.
    services.update_settings(event, {"opens_at": None, "closes_at": opens + timedelta(days=20), "access": "registrants"})
    assert services.period_state(event)[2] == opens + timedelta(days=20)


def test_a_period_that_closes_before_it_opens_is_refused_and_nothing_is_written(db, make_event, clock):
    event = make_event()
    with pytest.raises(ValidationFailed) as refused:
        services.update_settings(event, {"opens_at": clock.now, "closes_at": clock.now - timedelta(hours=1)})
    assert "closes_at" in refused.value.fields
    db.session.rollback()
    assert db.session.get(CommentSettings, event.id) is None


def test_the_organizer_sets_the_period_and_access_on_their_page(db, client, login_as, organizer, make_event):
    event = make_event()
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{event.slug}/comments/settings").get_data(as_text=True)
    # What an empty date means, in words with this event's dates, never a setting's name.
    from eventsvc.timefmt import format_datetime
    assert "EVENTSVC_" not in page
    assert f"ตั้งแต่วันที่เผยแพร่กิจกรรม ({format_datetime(event.published_at)})" in page
    assert f"จนถึง {format_datetime(max(s.ends_at for s in event.sessions))}" in page  # the hearing ends on day 30
    response = client.post(f"/organizer/events/{event.slug}/comments/settings", data={
        "csrf_token": csrf_from(page), "opens_at": "2026-01-10T09:00", "closes_at": "2026-01-05T09:00",
        "access": "email"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "closes_at") == ["ระยะเวลารับฟังความคิดเห็นต้องปิดหลังจากเปิด"]
    response = client.post(f"/organizer/events/{event.slug}/comments/settings", data={
        "csrf_token": csrf_from(page), "opens_at": "2026-01-10T09:00", "closes_at": "2026-01-30T16:30",
        "access": "email"})
    assert response.status_code == 302
    settings = db.session.get(CommentSettings, event.id)
    assert settings.access == CommentAccess.email and settings.opens_at.hour == 2  # 09:00 in Bangkok


# ---- sections -----------------------------------------------------------------------------------

def test_sections_follow_the_listed_headings_and_one_with_comments_cannot_be_removed(db, hearing):
    event, document, registration, token = hearing
    first, second = services.sections_of(document)
    services.post_comment(services.Author(registration=registration), {"body": "ดี", "section": second.id},
                          actor=REGISTRANT)
    db.session.commit()
    services.set_sections(document, "ยุทธศาสตร์ที่ 2\nยุทธศาสตร์ที่ 3")  # the first goes (no comment), one is new
    db.session.commit()
    assert [(s.heading, s.id == second.id) for s in services.sections_of(document)] == [
        ("ยุทธศาสตร์ที่ 2", True), ("ยุทธศาสตร์ที่ 3", False)]
    with pytest.raises(ValidationFailed) as refused:
        services.set_sections(document, "ยุทธศาสตร์ที่ 3")
    assert "ยุทธศาสตร์ที่ 2" in str(refused.value.fields["headings"][0])
    db.session.rollback()
    assert len(services.sections_of(document)) == 2


def test_the_organizer_lists_sections_on_the_document_page(db, client, login_as, organizer, hearing):
    event, document, *_ = hearing
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/documents/{document.id}/sections"
    page = client.get(url).get_data(as_text=True)
    assert "ยุทธศาสตร์ที่ 1\nยุทธศาสตร์ที่ 2" in page
    response = client.post(url, data={"csrf_token": csrf_from(page), "headings": "ก\n" + "ข" * 301})
    assert response.status_code == 422 and "บรรทัดที่ 2" in field_errors(response.get_data(as_text=True), "headings")[0]
    response = client.post(url, data={"csrf_token": csrf_from(page), "headings": "ยุทธศาสตร์ที่ 1\n\nยุทธศาสตร์ที่ 4"})
    assert response.status_code == 302
    db.session.rollback()
    assert [s.heading for s in services.sections_of(document)] == ["ยุทธศาสตร์ที่ 1", "ยุทธศาสตร์ที่ 4"]


# ---- writing --------------------------------------------------------------------------------------

def test_a_registrant_comments_on_a_section_from_their_page(db, client, hearing):
    event, document, registration, token = hearing
    assert f"/my/{token}/comments" in client.get(f"/my/{token}").get_data(as_text=True)
    html = my_form(client, token)
    # The consent text says, before anyone writes, that the text stays when the person's data is erased.
    assert "ข้อความความคิดเห็นจะยังคงอยู่" in html
    section = services.sections_of(document)[1]
    response = post_my(client, token, place=f"{document.id}-{section.id}", body="ควรเพิ่มตัวชี้วัด\r\nด้านผู้สูงอายุ",
                       show_name="yes", sector="academic")
    assert response.status_code == 302
    [comment] = comments(db)
    assert (comment.section_id, comment.attachment_id, comment.status) == (section.id, document.id,
                                                                            CommentStatus.pending)
    assert comment.body == "ควรเพิ่มตัวชี้วัด\nด้านผู้สูงอายุ" and comment.display_name == registration.full_name
    assert comment.sector.value == "academic"
    assert actions(db) == ["comment.posted"]
    assert "ควรเพิ่มตัวชี้วัด" in my_form(client, token)


@pytest.mark.parametrize("fields, field, message", [
    ({"body": "   "}, "body", "จำเป็นต้องระบุข้อมูลนี้"),
    ({"body": "x" * 5001}, "body", "ไม่เกิน 5000 ตัวอักษร"),
    ({"body": "ข้อความ\x07ซ่อน"}, "body", "อักขระควบคุม"),
    ({"body": "ข้อความ\x1b[31m"}, "body", "อักขระควบคุม"),
    ({"place": "999-0"}, "place", None),
])
def test_bad_comments_are_refused_with_a_message_beside_the_field_and_nothing_is_written(db, client, hearing, fields,
                                                                                         field, message):
    token = hearing[3]
    response = post_my(client, token, **fields)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), field)
    assert errors and (message is None or message in errors[0]), errors
    assert comments(db) == [] and actions(db) == []


def test_the_length_limit_is_read_with_the_field(db, client, hearing):
    html = my_form(client, hearing[3])
    textarea = re.search(r"<textarea[^>]*\bname=\"body\"[^>]*>", html).group(0)
    described = re.search(r'aria-describedby="([^"]+)"', textarea).group(1).split()
    hints = [re.search(r'id="%s"[^>]*>([^<]*)<' % i, html).group(1) for i in described]
    assert "ความยาวต้องไม่เกิน 5000 ตัวอักษร" in hints


def test_a_nul_byte_is_refused_before_anything_reads_it(db, client, hearing):
    response = post_my(client, hearing[3], body="ข้อความ\x00ซ่อน")
    assert response.status_code == 400 and comments(db) == []


def test_the_length_limit_is_a_setting(db, client, hearing, app):
    app.config["COMMENT_MAX_CHARS"] = 10
    response = post_my(client, hearing[3], body="x" * 11)
    assert response.status_code == 422 and "ไม่เกิน 10 ตัวอักษร" in field_errors(response.get_data(as_text=True),
                                                                                   "body")[0]
    assert post_my(client, hearing[3], body="x" * 10).status_code == 302


@pytest.mark.parametrize("when, message", [(-timedelta(days=1), "ยังไม่เปิด"), (timedelta(days=32), "ปิดแล้ว")])  # the hearing ends on day 30
def test_outside_the_period_a_comment_is_refused(db, client, hearing, clock, when, message):
    event, document, registration, token = hearing
    html = my_form(client, token)
    if when < timedelta(0):
        services.update_settings(event, {"opens_at": clock.now + timedelta(days=1)})
        db.session.commit()
    else:
        clock.move(when)
    assert message in my_form(client, token)  # the page says so, and shows no form
    response = post_my(client, token, html)
    assert response.status_code == 409 and message in response.get_data(as_text=True)
    assert comments(db) == []
    with pytest.raises(Conflict):
        services.post_comment(services.Author(registration=reload(db, registration)), {"body": "x"}, REGISTRANT)


def test_a_cancelled_registration_or_event_may_not_comment(db, client, hearing, make_event):
    event, document, registration, token = hearing
    html = my_form(client, token)
    registration_services.cancel_registration(registration, actor=REGISTRANT)
    db.session.commit()
    response = post_my(client, token, html)
    assert response.status_code == 409 and "การลงทะเบียนของท่านถูกยกเลิกแล้ว" in response.get_data(as_text=True)
    other = make_event()
    _, other_token = register(db, other, 2)
    html = my_form(client, other_token)
    from eventsvc.events import services as event_services
    event_services.set_status(other, event_services.EventStatus.cancelled, None, reason="เลื่อน")
    db.session.commit()
    response = post_my(client, other_token, html)
    assert response.status_code == 409 and "กิจกรรมนี้ถูกยกเลิกแล้ว" in response.get_data(as_text=True)
    assert comments(db) == []


def test_once_the_event_is_cancelled_my_page_still_links_to_the_persons_comments(db, client, make_event):
    from eventsvc.events import services as event_services

    event = make_event()
    registration, token = register(db, event)
    _, silent_token = register(db, event, 2)
    services.post_comment(services.Author(registration=registration), {"body": "ความเห็นก่อนยกเลิก"}, REGISTRANT)
    event_services.set_status(event, event_services.EventStatus.cancelled, None, reason="เลื่อน")
    db.session.commit()
    my_page = client.get(f"/my/{token}").get_data(as_text=True)
    assert f'href="/my/{token}/comments"' in my_page and "ดูความคิดเห็นของฉัน" in my_page
    assert "/comments" not in client.get(f"/my/{silent_token}").get_data(as_text=True)  # no comments: no link
    page = my_form(client, token)
    assert "ความเห็นก่อนยกเลิก" in page and 'id="comment-form"' not in page  # read-only


def test_a_waitlisted_registrant_may_comment(db, make_event, clock):
    """Decision: commenting is not a seat; a person on the waitlist is a stakeholder too."""
    event = make_event(session_capacity=1)
    register(db, event, 1)
    registration, _ = register(db, event, 2)
    assert registration.status == RegistrationStatus.waitlisted
    posted = services.post_comment(services.Author(registration=registration), {"body": "เห็นด้วย"}, REGISTRANT)
    assert posted.created


def test_a_section_of_another_events_document_is_refused(db, hearing, make_event):
    event, document, registration, token = hearing
    other = make_event()
    foreign = add_document(db, other, title="เอกสารอื่น")
    author = services.Author(registration=registration)
    for data in ({"section": services.sections_of(foreign)[0].id}, {"document_id": foreign.id},
                 {"document_id": document.id, "section": services.sections_of(foreign)[0].id},
                 {"document_id": document.id, "section": "ไม่มีหัวข้อนี้"}, {"section": True}, {"section": 2**40}):
        with pytest.raises(ValidationFailed):
            services.post_comment(author, {"body": "x", **data}, REGISTRANT)
    db.session.rollback()
    assert comments(db) == []


def test_a_double_click_is_one_comment(db, client, hearing, clock):
    token = hearing[3]
    html = my_form(client, token)
    data = {"csrf_token": csrf_from(html), "place": "0-0", "body": "ความเห็นเดียว", "show_name": "no",
            "sector": "public"}
    assert client.post(f"/my/{token}/comments", data=data).status_code == 302
    assert client.post(f"/my/{token}/comments", data=data).status_code == 302
    assert len(comments(db)) == 1
    clock.move(timedelta(minutes=2))
    assert client.post(f"/my/{token}/comments", data=data).status_code == 302
    assert len(comments(db)) == 2


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_COMMENT="3 per minute")
def test_comments_are_rate_limited_per_person(db, client, hearing):
    token = hearing[3]
    html = my_form(client, token)
    for n in range(3):
        assert client.post(f"/my/{token}/comments", data={
            "csrf_token": csrf_from(html), "place": "0-0", "body": f"ความเห็นที่ {n}", "show_name": "no",
            "sector": "public"}).status_code == 302
    response = client.post(f"/my/{token}/comments", data={
        "csrf_token": csrf_from(html), "place": "0-0", "body": "อีก", "show_name": "no", "sector": "public"})
    assert response.status_code == 429
    assert len(comments(db)) == 3


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_COMMENT="3 per minute")
def test_refused_comments_do_not_count_against_the_rate_limit(db, client, hearing):
    event, document, registration, token = hearing
    html = my_form(client, token)
    base = {"csrf_token": csrf_from(html), "show_name": "no", "sector": "public"}
    for n in range(3):  # an empty text
        assert client.post(f"/my/{token}/comments", data={**base, "place": "0-0", "body": ""}).status_code == 422
    assert client.post(f"/my/{token}/comments", data={**base, "place": "999-999", "body": "x"}).status_code == 422
    assert client.post(f"/api/v1/my/{token}/comments", json={"body": "x", "section": 999999}).status_code == 422
    assert client.post(f"/api/v1/my/{token}/comments", json={"body": ""}).status_code == 422
    for n in range(2):
        assert client.post(f"/my/{token}/comments", data={**base, "place": "0-0",
                                                          "body": f"ความเห็นที่ {n}"}).status_code == 302
    assert client.post(f"/api/v1/my/{token}/comments", json={"body": "ความเห็นที่ 3"}).status_code == 201
    assert client.post(f"/api/v1/my/{token}/comments", json={"body": "ความเห็นที่ 4"}).status_code == 429
    assert len(comments(db)) == 3


# ---- moderation and the public page -------------------------------------------------------------

def test_the_organizer_publishes_hides_with_a_reason_and_replies(db, client, login_as, organizer, hearing):
    event, document, registration, token = hearing
    author = services.Author(registration=registration)
    first = services.post_comment(author, {"body": "หนึ่ง"}, REGISTRANT).comment
    second = services.post_comment(author, {"body": "สอง", "document_id": document.id}, REGISTRANT).comment
    db.session.commit()
    login_as(user=organizer)
    listing = client.get(f"/organizer/events/{event.slug}/comments").get_data(as_text=True)
    assert 'id="count-pending">2<' in listing
    csrf = csrf_from(listing)
    base = f"/organizer/events/{event.slug}/comments"
    assert client.post(f"{base}/{first.id}/publish", data={"csrf_token": csrf}).status_code == 302
    assert client.post(f"{base}/{first.id}/reply", data={"csrf_token": csrf, "body": "ขอบคุณ"}).status_code == 302
    assert client.post(f"{base}/{first.id}/reply", data={"csrf_token": csrf, "body": "ขอบคุณครับ"}).status_code == 302
    # Hiding takes a reason: without one, a message and nothing changes.
    response = client.post(f"{base}/{second.id}/hide", data={"csrf_token": csrf, "reason": " "},
                           follow_redirects=True)
    assert "จำเป็นต้องระบุข้อมูลนี้" in response.get_data(as_text=True)
    assert reload(db, second).status == CommentStatus.pending
    assert client.post(f"{base}/{second.id}/hide", data={"csrf_token": csrf, "reason": "ไม่สุภาพ"}).status_code == 302
    first, second = comments(db)
    assert (first.status, first.reply_body, second.status, second.hidden_reason) == (
        CommentStatus.published, "ขอบคุณครับ", CommentStatus.hidden, "ไม่สุภาพ")
    assert actions(db)[-4:] == ["comment.published", "comment.replied", "comment.reply_edited", "comment.hidden"]
    # The author sees why (on their page); the public page never does.
    mine = my_form(client, token)
    assert "ผู้จัดงานซ่อนความคิดเห็นนี้ เนื่องจาก: ไม่สุภาพ" in mine
    public = client.get(f"/events/{event.slug}/comments").get_data(as_text=True)
    assert "ไม่สุภาพ" not in public and "สอง" not in public
    # Counts per document (all statuses) beside the filter.
    assert re.search(r'<option value="%d"[^>]*>[^<]*\(1\)</option>' % document.id, listing)
    filtered = client.get(f"{base}?status=hidden").get_data(as_text=True)
    assert "สอง" in filtered and "หนึ่ง" not in filtered
    assert client.get(f"{base}?document=abc").status_code == 400


def test_a_viewer_sees_the_list_but_may_not_moderate(db, client, login_as, make_user, hearing):
    from conftest import add_member

    event, document, registration, token = hearing
    comment = services.post_comment(services.Author(registration=registration), {"body": "x"}, REGISTRANT).comment
    db.session.commit()
    viewer = make_user("organizer")
    add_member(db, event, viewer, "viewer")
    login_as(user=viewer)
    page = client.get(f"/organizer/events/{event.slug}/comments")
    assert page.status_code == 200 and f'id="publish-{comment.id}"' not in page.get_data(as_text=True)
    assert client.post(f"/organizer/events/{event.slug}/comments/{comment.id}/publish",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))}).status_code == 403


def test_the_public_page_groups_published_comments_by_section_without_contacts(db, client, hearing):
    event, document, registration, token = hearing
    author = services.Author(registration=registration)
    section = services.sections_of(document)[0]
    named = services.post_comment(author, {"body": "ความเห็นมีชื่อ", "section": section.id, "show_name": True},
                                  REGISTRANT).comment
    anonymous = services.post_comment(author, {"body": "ความเห็นไม่ระบุชื่อ", "section": section.id}, REGISTRANT).comment
    services.post_comment(author, {"body": "ยังไม่เผยแพร่"}, REGISTRANT)
    services.publish(named, actor=None)
    services.publish(anonymous, actor=None)
    services.reply(named, "คำชี้แจงของหน่วยงาน", actor=None)
    db.session.commit()
    page = client.get(f"/events/{event.slug}/comments")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ความเห็นมีชื่อ" in html and "คำชี้แจงของหน่วยงาน" in html and "ยังไม่เผยแพร่" not in html
    assert registration.full_name in html and "ไม่ประสงค์ออกนาม" in html
    assert registration.email not in html and registration.phone not in html
    group = re.search(r'id="place-%d-%d".*?</section>' % (document.id, section.id), html, re.S).group(0)
    assert "ความเห็นไม่ระบุชื่อ" in group and "(2)" in group
    # The event page links to it, with the period.
    event_page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f"/events/{event.slug}/comments" in event_page and "เปิดรับความคิดเห็นถึง" in event_page
    assert client.get(f"/events/{event.slug}/comments?place=9-9").status_code == 404
    whole = client.get(f"/events/{event.slug}/comments?place=0-0").get_data(as_text=True)
    assert 'id="place-0-0"' in whole and "ยังไม่เผยแพร่" not in whole


def test_the_public_page_shows_a_few_of_each_place_and_pages_a_place_by_100(db, client, hearing):
    event, document, registration, token = hearing
    section = services.sections_of(document)[0]
    db.session.execute(sa.insert(Comment.__table__), [
        dict(event_id=event.id, attachment_id=document.id, section_id=section.id, registration_id=registration.id,
             body=f"ความเห็นลำดับ {n:03d}.", display_name="", status="published", hidden_reason="", reply_body="")
        for n in range(1, 106)])
    db.session.commit()
    overview = client.get(f"/events/{event.slug}/comments").get_data(as_text=True)
    assert overview.count('class="comment"') == services.OVERVIEW_SIZE and "(105)" in overview
    place = f"{document.id}-{section.id}"
    first = client.get(f"/events/{event.slug}/comments?place={place}").get_data(as_text=True)
    assert first.count('class="comment"') == 100 and "ความเห็นลำดับ 100." in first and "page=2" in first
    second = client.get(f"/events/{event.slug}/comments?place={place}&page=2").get_data(as_text=True)
    assert second.count('class="comment"') == 5 and "ความเห็นลำดับ 105." in second
    assert "ความเห็นลำดับ 100." not in second


# ---- e-mail access ----------------------------------------------------------------------------------

def test_anyone_confirming_their_address_comments_and_erases_their_data(db, client, make_event, app, clock):
    from eventsvc.mail.render import render

    event = make_event()
    services.update_settings(event, {"access": "email"})
    db.session.commit()
    page = client.get(f"/events/{event.slug}/comments").get_data(as_text=True)
    response = client.post(f"/events/{event.slug}/comments/link", data={"csrf_token": csrf_from(page),
                                                                       "email": "Citizen@Example.org"})
    assert response.status_code == 200 and 'id="comment-link-sent"' in response.get_data(as_text=True)
    [message] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "comment_link")).all()
    assert "มีผู้ขอลิงก์สำหรับแสดงความคิดเห็นต่อ “ประชาพิจารณ์ (ร่าง)" in render(message).text
    message.locale = "en"
    english = render(message).text
    assert "asked for a link to comment on “Hearing on the draft digital government plan”" in english
    assert "on the draft of" not in english
    db.session.rollback()
    link = re.search(r"http://testserver(/comments/\S+)", render(message).text).group(1)
    form = client.get(link)
    assert "no-store" in form.headers["Cache-Control"]  # the page shows the person's own data
    assert form.status_code == 200 and reload(db, db.session.scalars(sa.select(Commenter)).one()).confirmed_at
    response = client.post(link, data={"csrf_token": csrf_from(form.get_data(as_text=True)), "place": "0-0",
                                       "body": "ความเห็นจากประชาชน", "show_name": "yes", "name": "นางสาวประชา",
                                       "sector": "public"})
    assert response.status_code == 302
    [comment] = comments(db)
    assert comment.commenter_id and comment.display_name == "นางสาวประชา"
    services.publish(comment, actor=None)
    db.session.commit()
    public = client.get(f"/events/{event.slug}/comments").get_data(as_text=True)
    assert "นางสาวประชา" in public and "ความเห็นจากประชาชน" in public and "Example.org" not in public
    data = json.loads(client.get(f"{link}/data.json").get_data(as_text=True))
    assert data["email"] == "Citizen@Example.org" and data["comments"][0]["body"] == "ความเห็นจากประชาชน"
    erased = client.post(f"{link}/erase", data={"csrf_token": csrf_from(form.get_data(as_text=True))})
    assert erased.status_code == 200
    db.session.rollback()
    commenter = db.session.scalars(sa.select(Commenter)).one()
    assert (commenter.email, commenter.name) == ("", "") and commenter.erased_at
    [comment] = comments(db)
    assert comment.body == "ความเห็นจากประชาชน" and comment.display_name == ""
    assert client.get(link).status_code == 404


def test_the_link_form_answers_the_same_for_any_address_and_mails_only_where_comments_are_by_email(db, client,
                                                                                                   make_event):
    event = make_event()  # registrants only
    page = client.get(f"/events/{event.slug}/comments").get_data(as_text=True)
    assert 'id="registrants-only"' in page
    services.update_settings(event, {"access": "email"})
    db.session.commit()
    page = client.get(f"/events/{event.slug}/comments").get_data(as_text=True)
    bad = client.post(f"/events/{event.slug}/comments/link", data={"csrf_token": csrf_from(page), "email": "no"})
    assert bad.status_code == 422 and field_errors(bad.get_data(as_text=True), "email")


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_COMMENT_ACCESS="3 per hour")
def test_the_link_form_is_rate_limited_per_ip_and_answers_alike_for_a_known_and_a_new_address(db, client, make_event):
    event = make_event()
    services.update_settings(event, {"access": "email"})
    db.session.commit()
    csrf = csrf_from(client.get(f"/events/{event.slug}/comments").get_data(as_text=True))
    answers = [client.post(f"/events/{event.slug}/comments/link", data={"csrf_token": csrf, "email": email})
               for email in ("known@example.org", "known@example.org", "new@example.org")]
    assert [a.status_code for a in answers] == [200, 200, 200]
    texts = [re.sub(r"\S+@example\.org", "", a.get_data(as_text=True)) for a in answers]
    assert texts[1] == texts[2]
    response = client.post(f"/events/{event.slug}/comments/link", data={"csrf_token": csrf, "email": "x@example.org"})
    assert response.status_code == 429
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Commenter)) == 2


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_COMMENT_ACCESS="2 per hour")
def test_links_are_rate_limited_per_address(db, client, make_event):
    event = make_event()
    services.update_settings(event, {"access": "email"})
    db.session.commit()
    for n in range(3):
        assert services.request_access(event, "same@example.org") is not None or n == 2
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "comment_link")) == 2


def test_registrants_only_refuses_a_commenter(db, make_event):
    event = make_event()
    services.update_settings(event, {"access": "email"})
    commenter = services.request_access(event, "a@example.org")
    services.update_settings(event, {"access": "registrants"})
    with pytest.raises(Conflict):
        services.post_comment(services.Author(commenter=commenter), {"body": "x"}, None)


# ---- personal data --------------------------------------------------------------------------------

def test_the_data_download_has_the_comments_and_erasure_keeps_the_text_anonymous(db, client, hearing):
    event, document, registration, token = hearing
    comment = services.post_comment(services.Author(registration=registration),
                                     {"body": "ข้อความที่อยู่ต่อ", "show_name": True}, REGISTRANT).comment
    services.publish(comment, actor=None)
    services.reply(comment, "รับทราบ", actor=None)
    db.session.commit()
    data = json.loads(client.get(f"/my/{token}/data.json").get_data(as_text=True))
    [mine] = data["comments"]
    assert (mine["body"], mine["status"], mine["reply"]) == ("ข้อความที่อยู่ต่อ", "published", "รับทราบ")
    assert mine["written_at"] and mine["replied_at"]
    privacy.erase_registration(registration)
    db.session.commit()
    [comment] = comments(db)
    assert comment.body == "ข้อความที่อยู่ต่อ" and comment.display_name == ""
    html = client.get(f"/events/{event.slug}/comments").get_data(as_text=True)
    assert "ข้อความที่อยู่ต่อ" in html and "สมชาย1" not in html


# ---- the API ----------------------------------------------------------------------------------------

def test_the_api_takes_a_comment_and_lists_and_moderates_them(db, client, hearing, api_token):
    event, document, registration, token = hearing
    response = client.post(f"/api/v1/my/{token}/comments", json={
        "body": "ผ่าน API", "document_id": document.id, "section": "ยุทธศาสตร์ที่ 2"})
    assert response.status_code == 201, response.get_json()
    comment_id = response.get_json()["id"]
    assert response.get_json()["section"] == "ยุทธศาสตร์ที่ 2"
    again = client.post(f"/api/v1/my/{token}/comments", json={
        "body": "ผ่าน API", "document_id": document.id, "section": "ยุทธศาสตร์ที่ 2"})
    assert again.status_code == 200 and again.get_json()["id"] == comment_id
    assert client.get(f"/api/v1/events/{event.slug}/comments").get_json() == []
    auth = {"Authorization": f"Bearer {api_token}"}
    assert [c["id"] for c in client.get(f"/api/v1/events/{event.slug}/comments", headers=auth).get_json()] == [
        comment_id]
    base = f"/api/v1/events/{event.slug}/comments/{comment_id}"
    assert client.post(f"{base}/publish").status_code == 401
    assert client.post(f"{base}/publish", headers=auth).get_json()["status"] == "published"
    assert client.post(f"{base}/reply", headers=auth, json={"body": "คำชี้แจง"}).get_json()["reply"] == "คำชี้แจง"
    public = client.get(f"/api/v1/events/{event.slug}/comments").get_json()
    assert [c["reply"] for c in public] == ["คำชี้แจง"] and "email" not in json.dumps(public)
    assert client.post(f"{base}/hide", headers=auth, json={"reason": ""}).status_code == 422
    assert client.post(f"{base}/hide", headers=auth, json={}).status_code == 422
    assert client.post(f"{base}/hide", headers=auth, json={"reason": "ซ้ำ"}).get_json()["status"] == "hidden"
    assert client.get(f"/api/v1/events/{event.slug}/comments").get_json() == []
    assert client.post(f"/api/v1/events/{event.slug}/comments/999999/publish", headers=auth).status_code == 404


@pytest.mark.parametrize("body, status", [
    ({"body": ""}, 422), ({"body": "x" * 5001}, 422), ({"body": "a\x00b"}, 422), ({}, 422),
    ({"body": "x", "document_id": 99999}, 422), ({"body": "x", "section": "ไม่มี"}, 422),
    ({"body": "x", "section": [1]}, 422), ({"body": "x", "sector": "alien"}, 422),
])
def test_the_api_refuses_bad_comments_and_writes_nothing(db, client, hearing, body, status):
    response = client.post(f"/api/v1/my/{hearing[3]}/comments", json=body)
    assert response.status_code == status, response.get_json()
    assert comments(db) == []


def test_the_api_refuses_a_comment_outside_the_period_and_a_wrong_link(db, client, hearing, clock):
    clock.move(timedelta(days=32))  # after the hearing (day 30) and the 15 days
    response = client.post(f"/api/v1/my/{hearing[3]}/comments", json={"body": "สาย"})
    assert response.status_code == 409 and "ปิดแล้ว" in response.get_json()["error"]["message"]
    assert client.post("/api/v1/my/" + "x" * 43 + "/comments", json={"body": "x"}).status_code == 404
    assert comments(db) == []
