"""An organizer manages a registrant in the browser, by keyboard: the record, a walk-in added by hand, a cancellation
with a reason; every page checked with axe-core at a desktop and a phone width."""
import pytest
from playwright.sync_api import expect

from test_accessibility import VIEWPORTS, _context, assert_accessible, sign_in
from test_browser import (  # noqa: F401  (fixtures: one live server and one browser for this module)
    HEARING_SLUG, browser, live_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def registrant_id(live_server):
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.registration import services as registration_services

    with live_server.app.app_context():
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        result = registration_services.register(hearing, {
            "first_name": "บุญมี", "last_name": "มีบุญ", "email": "boonmee.record@example.org",
            "organization": "สำนักงานสถิติแห่งชาติ", "sector": "government", "attendance": "online",
            "consent_processing": True})
        db.session.commit()
        return result.registration.id


@pytest.mark.parametrize("width", VIEWPORTS)
def test_an_organizer_opens_a_record_adds_a_walk_in_and_cancels_with_a_reason(browser, live_server, registrant_id,
                                                                              width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, "admin@example.org")
        failures = []

        def check(what):
            try:
                assert_accessible(page, what)
            except AssertionError as error:
                failures.append(str(error))

        page.goto(f"/organizer/events/{HEARING_SLUG}/registrations")
        link = page.locator(f'tr[data-registration="{registrant_id}"] td a').first
        link.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#registrant-name")).to_contain_text("บุญมี")
        expect(page.locator("#registrant-actions")).to_be_visible()
        check("a registrant's record")

        page.goto(f"/organizer/events/{HEARING_SLUG}/registrations/{registrant_id}/edit")
        expect(page.locator("#correct-form")).to_be_visible()
        check("correcting a registration")

        # Someone on the phone (the hearing is online): the consent box forgotten first, then ticked, all by keyboard.
        page.goto(f"/organizer/events/{HEARING_SLUG}/registrations/new")
        check("adding a registration")
        page.fill("#first_name", "เดินเข้า")
        page.fill("#last_name", "หน้างาน")
        page.fill("#email", f"walkin-{width}@example.org")
        page.select_option("#sector", "public")
        page.locator("#add-submit").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#error-summary")).to_be_focused()
        expect(page.locator("#consent_processing")).to_have_attribute("aria-invalid", "true")
        check("adding a registration, with errors")
        page.locator("#consent_processing").focus()
        page.keyboard.press("Space")
        page.locator("#add-submit").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#added-by-organizer")).to_be_visible()
        expect(page.locator('#registrant-history tr[data-action="registration.added"]')).to_have_count(1)

        # Cancelled with a reason, which the history shows.
        page.fill("#cancel-reason", "แจ้งยกเลิกทางโทรศัพท์")
        page.locator("#cancel-submit").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator('#registrant-history tr[data-action="registration.cancelled"]')).to_contain_text(
            "แจ้งยกเลิกทางโทรศัพท์")
        expect(page.locator("#registrant-actions #cancel-form")).to_have_count(0)
        check("a cancelled registrant's record")
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()
