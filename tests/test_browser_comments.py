"""Comments on the draft in the browser: a registrant comments on a section, the organizer publishes and replies,
the public page shows it without the person's contacts; each page passes axe-core.

Assertions are on ids and structure, and on the texts the people typed (as in test_browser.py).
"""
import pytest
from playwright.sync_api import expect

from test_accessibility import VIEWPORTS, _context, assert_accessible, sign_in
from test_browser import (  # noqa: F401  (fixtures: one live server and one browser for this module)
    HEARING_SLUG, browser, live_server,
)

pytestmark = pytest.mark.browser

EMAIL = "pranee.comments@example.org"
PHONE = "0891234567"


@pytest.fixture(scope="module")
def commenting_registrant(live_server):
    """A registrant of the demo hearing with a phone number, and their personal link."""
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.registration import services as registration_services

    with live_server.app.app_context():
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        result = registration_services.register(hearing, {
            "title_prefix": "นาง", "first_name": "ปราณี", "last_name": "ความเห็นดี", "email": EMAIL, "phone": PHONE,
            "organization": "มหาวิทยาลัยขอนแก่น", "sector": "academic", "attendance": "online",
            "consent_processing": True, "consent_listing": False})
        db.session.commit()
        return result.manage_token


def test_a_registrant_comments_on_a_section_and_the_organizer_publishes_and_replies(browser, live_server,
                                                                                    commenting_registrant):
    text = "ยุทธศาสตร์ที่ 2 ควรกำหนดมาตรฐานการเชื่อมโยงข้อมูลระหว่างกรมให้ชัดเจน"
    reply = "หน่วยงานจะจัดทำมาตรฐานการเชื่อมโยงข้อมูลภายในปีแรกของแผน"
    context = _context(browser, live_server, VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        # The registrant, from their own page.
        page.goto(f"/my/{commenting_registrant}")
        expect(page.locator("#my-comments-panel .comment-period")).to_have_attribute("data-state", "open")
        with page.expect_navigation():
            page.locator("#my-comments-link").click()
        expect(page.locator("#comment-consent")).to_be_visible()  # said before anyone writes
        assert_accessible(page, "the comment form")
        section_value = page.locator("#place option", has_text="ยุทธศาสตร์ที่ 2").get_attribute("value")
        page.select_option("#place", section_value)
        page.fill("#body", text)
        page.locator("input[name=show_name][value=yes]").check()
        with page.expect_navigation():
            page.locator("#send-comment").click()
        mine = page.locator("#my-comments li.comment").last
        expect(mine).to_contain_text(text)
        expect(mine).to_have_attribute("data-status", "pending")
        comment_id = mine.get_attribute("id").removeprefix("my-comment-")

        # Not public before the organizer publishes it.
        page.goto(f"/events/{HEARING_SLUG}/comments")
        expect(page.locator("main")).not_to_contain_text(text)

        # The organizer, from the event's back office.
        sign_in(page)
        page.goto(f"/organizer/events/{HEARING_SLUG}")
        with page.expect_navigation():
            page.locator("#comments-organizer-link").click()
        assert_accessible(page, "the organizer's list of comments")
        item = page.locator(f"#comment-{comment_id}")
        expect(item).to_have_attribute("data-status", "pending")
        with page.expect_navigation():
            page.locator(f"#publish-{comment_id}").click()
        item = page.locator(f"#comment-{comment_id}")
        expect(item).to_have_attribute("data-status", "published")
        page.fill(f"#reply-{comment_id}", reply)
        with page.expect_navigation():
            page.locator(f"#reply-button-{comment_id}").click()
        expect(page.locator(f"#comment-{comment_id} .reply-body")).to_have_text(reply)

        # The public page: under its section, with the reply, the name and sector, and no contacts.
        page.goto(f"/events/{HEARING_SLUG}/comments")
        group = page.locator(".comment-group", has_text="ยุทธศาสตร์ที่ 2")
        shown = group.locator(f"#comment-{comment_id}")
        expect(shown).to_contain_text(text)
        expect(shown.locator(".reply-body")).to_have_text(reply)
        expect(shown.locator(".author")).to_have_text("นางปราณี ความเห็นดี")
        content = page.content()
        assert EMAIL not in content and PHONE not in content
        assert_accessible(page, "the public comments page")
        # The event page links to it, with the period.
        page.goto(f"/events/{HEARING_SLUG}")
        expect(page.locator("#comments-panel .comment-period")).to_have_attribute("data-state", "open")
        with page.expect_navigation():
            page.locator("#comments-link").click()
        expect(page.locator(f"#comment-{comment_id}")).to_be_visible()
    finally:
        context.close()
