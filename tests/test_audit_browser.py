"""The audit trail's page in the browser: axe-core finds nothing serious, with entries and with a wrong filter,
and the filters work from the keyboard alone."""
import pytest
from playwright.sync_api import expect

from test_accessibility import VIEWPORTS, _context, assert_accessible, sign_in
from test_browser import HEARING_SLUG, browser, live_server  # noqa: F401  (fixtures: one server, one browser)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_audit_page_is_accessible_and_its_filters_work_from_the_keyboard(browser, live_server, width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        sign_in(page, "organizer@example.org")  # recorded: account.signed_in (and the demo's own actions)
        response = page.goto(f"/organizer/events/{HEARING_SLUG}/audit")
        assert response.ok
        expect(page.locator("#audit-entries .audit-entry").first).to_be_visible()
        assert_accessible(page, "audit trail")

        # Keyboard only: choose a family in the select, then submit with Enter.
        page.focus("#filter-family")
        page.keyboard.press("End")  # the last family, then up to "event"
        page.select_option("#filter-family", "event")
        page.focus("#filter-registration_id")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "family=event" in page.url
        actions = page.locator("#audit-entries .audit-entry").evaluate_all("els => els.map(e => e.dataset.action)")
        assert actions and all(action.startswith("event.") for action in actions)

        # A wrong filter: the error is beside its field, announced, and the page stays accessible.
        page.goto(f"/organizer/events/{HEARING_SLUG}/audit?since=2024-02-30")
        expect(page.locator("#error-summary")).to_be_visible()
        expect(page.locator("#filter-since")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page, "audit trail with a wrong filter")
    finally:
        context.close()
