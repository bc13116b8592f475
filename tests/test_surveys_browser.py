"""The survey in the browser: a registrant who joined online answers with the keyboard alone; the form (empty and
with its errors), the results and the settings pass axe-core at a desktop's and a phone's width."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from test_accessibility import VIEWPORTS, _context, assert_accessible, sign_in
from test_browser import HEARING_SLUG, browser, live_server  # noqa: F401  (fixtures: this module's server)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def participants(live_server):
    """Two people who joined the hearing's morning online, one per width; the server's clock an hour after it."""
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.livestream.services import record_join
    from eventsvc.registration import services as registration_services

    app = live_server.app
    with app.app_context():
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        morning = hearing.sessions[0]
        tokens = {}
        for n, width in enumerate(VIEWPORTS):
            registration = registration_services.register(hearing, {
                "first_name": "วิภา", "last_name": f"ประเมินผล{n}", "email": f"wipa.{width}@example.org",
                "organization": "มหาวิทยาลัยขอนแก่น", "sector": "academic", "attendance": "online",
                "consent_processing": True}).registration
            record_join(registration, morning, morning.starts_at)
            tokens[width] = registration.manage_token
        db.session.commit()
        after = morning.ends_at + timedelta(hours=1)
        app.config["CLOCK"] = lambda: after
        return tokens, morning.id


@pytest.mark.parametrize("width", VIEWPORTS)
def test_a_participant_answers_with_the_keyboard_and_every_survey_page_is_accessible(
        browser, live_server, participants, width):
    from eventsvc.extensions import db
    from eventsvc.surveys.models import SurveyResponse

    tokens, session_id = participants
    context = _context(browser, live_server, VIEWPORTS[width])
    failures = []

    def check(page, what):
        try:
            assert_accessible(page, what)
        except AssertionError as error:
            failures.append(str(error))

    try:
        page = context.new_page()
        page.goto(f"/my/{tokens[width]}")
        link = page.locator(f"#survey-{session_id} a")
        expect(link).to_be_visible()
        link.click()
        expect(page.locator("#survey-form")).to_be_visible()
        check(page, "survey form")
        # Sent without the overall rating: the summary takes the focus and links to the group.
        with page.expect_navigation():
            page.locator("#survey-form button").click()
        expect(page.locator("#error-summary")).to_be_focused()
        expect(page.locator("#q_overall")).to_have_attribute("aria-describedby", "q_overall-error survey-scale")
        check(page, "survey form with errors")
        # The keyboard alone: into the overall group, arrows to 4, Tab on, then send.
        page.locator("#q_overall-0").focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        expect(page.locator("#q_overall-3")).to_be_checked()
        page.locator("#q_suggestions").focus()
        page.keyboard.type("ควรเผยแพร่เอกสารก่อนการประชุม")
        page.locator("#survey-form button").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator(f"#survey-{session_id} .badge")).to_be_visible()
        with live_server.app.app_context():
            rows = db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id)).all()
            assert any(r.overall == 4 and r.mode.value == "online"
                       and r.answers.get("suggestions") == "ควรเผยแพร่เอกสารก่อนการประชุม" for r in rows)
        # The team's pages.
        sign_in(page, "organizer@example.org")
        for path in (f"/organizer/events/{HEARING_SLUG}/survey/results", f"/organizer/events/{HEARING_SLUG}/survey"):
            response = page.goto(path)
            assert response.ok, (path, response.status)
            check(page, path)
        expect(page.locator("#target_percent")).to_have_value("85")
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()
