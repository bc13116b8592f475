"""Messages to registrants in the browser: written, previewed and sent with the keyboard; every step passes axe-core.

Assertions are on ids and structure, never on translated labels (as in test_browser.py).
"""
import pytest
from playwright.sync_api import expect

from test_accessibility import VIEWPORTS, _context, assert_accessible, sign_in
from test_browser import (  # noqa: F401  (fixtures: one live server and one browser for this module)
    HEARING_SLUG, browser, live_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def online_registrants(live_server):
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.registration import services as registration_services

    with live_server.app.app_context():
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        for n, locale in enumerate(("th", "en")):
            registration_services.register(hearing, {
                "first_name": f"ออนไลน์{n}", "last_name": "ทดสอบ", "email": f"online{n}.messaging@example.org",
                "organization": "กรมทดสอบ", "sector": "academic", "attendance": "online", "locale": locale,
                "consent_processing": True, "consent_listing": False})
        db.session.commit()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_an_organizer_previews_and_sends_a_message_with_the_keyboard(browser, live_server, online_registrants, width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        sign_in(page)
        page.goto(f"/organizer/events/{HEARING_SLUG}")
        with page.expect_navigation():
            page.locator("#mailings-link").click()
        assert_accessible(page, "messages page")

        # Nothing typed: the summary takes the focus and names the fields.
        page.locator("#preview-button").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#error-summary")).to_be_focused()
        expect(page.locator("#subject")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page, "messages page with errors")

        page.locator("#subject").fill("ลิงก์เอกสาร")
        page.locator("#body").fill("เรียนผู้เข้าร่วม\n\nเอกสารประกอบอยู่ที่หน้ากิจกรรม")
        page.locator("#sector").select_option("academic")
        page.locator("#attendance").select_option("online")
        page.locator("#preview-button").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#preview")).to_be_visible()
        expect(page.locator("#preview-text-th")).to_contain_text("ออนไลน์0 ทดสอบ")
        expect(page.locator("#preview-text-en")).to_contain_text("ออนไลน์1 ทดสอบ")
        assert_accessible(page, "the preview")

        count = int(page.locator("#preview").get_attribute("data-recipients"))
        assert count >= 2
        page.locator("#send-button").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#copies tbody tr")).to_have_count(count)
        assert_accessible(page, "a message's page")
    finally:
        context.close()
