"""Questions during a session in the browser: two attendees ask and upvote, the moderator approves, and the
presenter's screen (and the attendees' list) change without a reload. Every page passes axe-core.

Assertions are on ids and structure, never on translated labels.
"""
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from test_accessibility import VIEWPORTS, _context, assert_accessible, sign_in
from test_browser import (  # noqa: F401  (fixtures: one live server and one browser for this module)
    browser, live_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def session_on(live_server):
    """A hearing whose session started five minutes ago, with two confirmed registrants: (slug, session id, tokens)."""
    from eventsvc.accounts.models import User
    from eventsvc.events import services as event_services
    from eventsvc.extensions import db
    from eventsvc.models_base import utcnow
    from eventsvc.registration import services as registration_services

    live_server.app.config["QNA_POLL_SECONDS"] = 1
    with live_server.app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "organizer@example.org"))
        start = utcnow().replace(microsecond=0) - timedelta(minutes=5)
        event = event_services.create_event(owner, {
            "slug": f"qna-{uuid.uuid4().hex[:8]}", "title_th": "ประชาพิจารณ์ ถามตอบ", "kind": "public_hearing",
            "format": "hybrid", "status": "published"},
            [{"name_th": "ช่วงเช้า", "name_en": "Morning", "starts_at": start, "ends_at": start + timedelta(hours=3)}])
        tokens = []
        for n, attendance in enumerate(("onsite", "online")):
            result = registration_services.register(event, {
                "first_name": f"ผู้ถาม{n}", "last_name": "ทดสอบ", "email": f"asker{n}.qna@example.org",
                "organization": "กรมทดสอบ", "sector": "public", "attendance": attendance,
                "consent_processing": True, "consent_listing": False})
            tokens.append(result.manage_token)
        db.session.commit()
        return event.slug, event.sessions[0].id, tokens


def test_two_attendees_ask_and_upvote_and_the_presenter_screen_follows_without_a_reload(browser, live_server,
                                                                                         session_on):
    slug, session_id, (token_a, token_b) = session_on
    viewport = VIEWPORTS["desktop"]
    attendee_a = _context(browser, live_server, viewport)
    attendee_b = _context(browser, live_server, viewport)
    staff = _context(browser, live_server, viewport)
    try:
        # The presenter's screen is up before any question.
        presenter = staff.new_page()
        sign_in(presenter)
        presenter.goto(f"/organizer/events/{slug}/sessions/{session_id}/presenter")
        expect(presenter.locator("#qna-room-qr")).to_be_visible()
        assert_accessible(presenter, "presenter screen")
        presenter.evaluate("() => { window.notReloaded = true; }")
        navigations = []
        presenter.on("framenavigated", lambda frame: navigations.append(frame.url))

        # Attendee A (online) asks from the link on their /my page.
        page_a = attendee_a.new_page()
        page_a.goto(f"/my/{token_a}")
        with page_a.expect_navigation():
            page_a.locator(f"#qna-ask-{session_id}").click()
        assert_accessible(page_a, "questions page")
        page_a.fill("#body", "ยุทธศาสตร์ที่ 2 มีงบประมาณเท่าไร")
        page_a.fill("#display_name", "ผู้ถาม ก")
        with page_a.expect_navigation():
            page_a.locator("#qna-ask-submit").click()
        expect(page_a.locator("#qna-mine li[data-status=pending]")).to_have_count(1)
        question_a = page_a.locator("#qna-mine li").first.get_attribute("id").removeprefix("mine-")

        moderator = staff.new_page()
        moderator.goto(f"/organizer/events/{slug}/sessions/{session_id}/questions")
        expect(moderator.locator("#qna-moderation tbody tr[data-status=pending]")).to_have_count(1)
        expect(moderator.locator("#qna-new")).to_be_hidden()

        # Attendee B (in the room) scans the QR code: the public page, then their own page once /my was opened here.
        page_b = attendee_b.new_page()
        page_b.goto(f"/events/{slug}/sessions/{session_id}/ask")
        expect(page_b.locator("#my-link")).to_be_visible()
        assert_accessible(page_b, "room page (QR code)")
        page_b.goto(f"/my/{token_b}")
        page_b.goto(f"/events/{slug}/sessions/{session_id}/ask")
        expect(page_b.locator("#qna-ask-form")).to_be_visible()
        page_b.fill("#body", "จะเปิดรับฟังความคิดเห็นออนไลน์ถึงวันที่เท่าไร")
        with page_b.expect_navigation():
            page_b.locator("#qna-ask-submit").click()
        question_b = page_b.locator("#qna-mine li").first.get_attribute("id").removeprefix("mine-")

        # Nothing on the screen before the moderator approves.
        expect(presenter.locator("#qna-list .qna-question")).to_have_count(0)

        # The moderator's page, open since A's question, says that a new one arrived; its link shows it.
        expect(moderator.locator("#qna-new")).to_be_visible()
        with moderator.expect_navigation():
            moderator.locator("#qna-new a").click()
        assert_accessible(moderator, "moderation page")
        expect(moderator.locator("#qna-moderation tbody tr[data-status=pending]")).to_have_count(2)
        with moderator.expect_navigation():
            moderator.locator(f"#q-{question_a} form[action$='/approve'] button").click()

        # The same presenter page object shows it, with no navigation.
        expect(presenter.locator(f"#q-{question_a}")).to_be_visible()
        expect(presenter.locator(f"#q-{question_a} .qna-body")).to_have_text("ยุทธศาสตร์ที่ 2 มีงบประมาณเท่าไร")
        # And attendee A's open page too.
        expect(page_a.locator(f"#qna-list #q-{question_a}")).to_be_visible()

        # B upvotes A's question (their page drew it from the board); the screen shows the vote.
        page_b.reload()
        with page_b.expect_navigation():
            page_b.locator(f"#q-{question_a} button.qna-vote").click()
        expect(page_b.locator(f"#q-{question_a} button.qna-vote")).to_have_attribute("aria-pressed", "true")
        expect(presenter.locator(f"#q-{question_a} .qna-votes")).to_contain_text("1")

        # B's question approved and pinned: it goes on top of the screen, still without a reload.
        with moderator.expect_navigation():
            moderator.locator(f"#q-{question_b} form[action$='/pin'] button").click()
        expect(presenter.locator("#qna-list .qna-question").first).to_have_id(f"q-{question_b}")
        expect(presenter.locator(f"#q-{question_b}")).to_have_class("qna-question pinned")
        # A upvotes B's question from the redrawn list (the vote button made by qna.js).
        expect(page_a.locator(f"#q-{question_b} button.qna-vote")).to_be_visible()
        with page_a.expect_navigation():
            page_a.locator(f"#q-{question_b} button.qna-vote").click()
        expect(presenter.locator(f"#q-{question_b} .qna-votes")).to_contain_text("1")
        assert_accessible(moderator, "moderation page after moderation")
        assert_accessible(presenter, "presenter screen with questions")

        assert presenter.evaluate("() => window.notReloaded === true")
        assert navigations == []
    finally:
        attendee_a.close()
        attendee_b.close()
        staff.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_questions_pages_have_no_serious_accessibility_violations(browser, live_server, session_on, width):
    slug, session_id, (token_a, _) = session_on
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        failures = []
        pages = [("questions page", f"/my/{token_a}/sessions/{session_id}/questions")]
        for what, path in pages:
            page.goto(path)
            try:
                assert_accessible(page, what)
            except AssertionError as error:
                failures.append(str(error))
        # The form with its errors (nothing typed).
        with page.expect_navigation():
            page.locator("#qna-ask-submit").click()
        expect(page.locator("#error-summary")).to_be_visible()
        try:
            assert_accessible(page, "questions page with errors")
        except AssertionError as error:
            failures.append(str(error))
        sign_in(page)
        for what, path in [("moderation page", f"/organizer/events/{slug}/sessions/{session_id}/questions"),
                           ("presenter screen", f"/organizer/events/{slug}/sessions/{session_id}/presenter"),
                           ("back office", f"/organizer/events/{slug}")]:
            page.goto(path)
            try:
                assert_accessible(page, what)
            except AssertionError as error:
                failures.append(str(error))
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 720)])
def test_the_presenter_screen_fills_the_projector_without_the_sites_navigation(browser, live_server, session_on,
                                                                              width, height):
    slug, session_id, _tokens = session_on
    staff = _context(browser, live_server, {"width": width, "height": height})
    try:
        page = staff.new_page()
        sign_in(page)
        page.goto(f"/organizer/events/{slug}/sessions/{session_id}/presenter")
        expect(page.locator("#qna-room-qr")).to_be_visible()
        # Nobody in the room sees "Sign out" or "Change my password": no site header, navigation or footer.
        expect(page.locator("#site-header")).to_have_count(0)
        expect(page.locator("#site-footer")).to_have_count(0)
        expect(page.locator("form[action$='/logout']")).to_have_count(0)
        # The questions take most of the width (not the site's narrow column), in big type.
        board = page.locator("#qna-board").bounding_box()
        assert board["width"] >= 0.6 * width, board
        size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#qna-list li')).fontSize)")
        assert size >= 24, size
        qr = page.locator("#qna-room-qr").bounding_box()
        assert qr["x"] + qr["width"] <= width and qr["y"] + qr["height"] <= height  # the code fits on the screen
        assert_accessible(page, f"presenter screen {width}x{height}")
        page.screenshot(path=f"/tmp/qnafix_presenter_{width}x{height}.png")
    finally:
        staff.close()
