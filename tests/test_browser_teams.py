"""The team in the browser: the owner adds a colleague, who chooses a password from the mail, signs in and sees the event.

As in test_browser.py: one live server with the demo data for the module, Debian's chromium, CSRF on;
assertions on ids, data and structure, never on translated labels.
"""
import email
import email.policy
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from test_accessibility import assert_accessible, sign_in
from test_browser import (  # noqa: F401  (fixtures: one live server and one browser for this module)
    HEARING_SLUG, HEARING_TITLE_START, TIMEOUT_MS, browser, live_server, page,
)

pytestmark = pytest.mark.browser

COLLEAGUE = "somsri.colleague@agency.go.th"
COLLEAGUE_PASSWORD = "a long password of her own"


def set_password_link(live_server, to):
    """Run the mail worker once (no SMTP: .eml files) and read the set-password link from the text part to `to`."""
    from eventsvc.mail.delivery import deliver_due

    with live_server.app.app_context():
        deliver_due(live_server.app)
    for path in sorted((Path(live_server.app.instance_path) / "mail").glob("*team_account_created.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == to:
            text = message.get_body(("plain",)).get_content()
            return re.search(r"(http://127\.0\.0\.1:\d+/organizer/set-password/\S+)", text).group(1)
    raise AssertionError(f"no set-password mail to {to}")


def test_the_owner_adds_a_colleague_who_sets_a_password_signs_in_and_sees_the_event(browser, live_server, page):
    sign_in(page, "organizer@example.org")
    page.goto(f"/organizer/events/{HEARING_SLUG}")
    with page.expect_navigation():
        page.click("#team-link")
    assert_accessible(page, "team page")

    page.fill("#email", COLLEAGUE)
    page.select_option("#role", "organizer")
    with page.expect_navigation():
        page.click("#add-member-submit")
    row = page.locator(f'#team tr[data-email="{COLLEAGUE}"]')
    expect(row).to_have_attribute("data-role", "organizer")
    assert_accessible(page, "team page with a new member")

    # The colleague, in a browser of her own, opens the link from the mail.
    link = set_password_link(live_server, COLLEAGUE)
    context = browser.new_context(base_url=live_server.url, locale="th-TH", timezone_id="Asia/Bangkok")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        colleague = context.new_page()
        colleague.goto(link)
        assert_accessible(colleague, "set-password page")
        colleague.fill("#password", COLLEAGUE_PASSWORD)
        colleague.fill("#confirm", COLLEAGUE_PASSWORD)
        with colleague.expect_navigation():
            colleague.click("#set-password-submit")
        assert colleague.url.endswith("/organizer/login")

        colleague.fill("#email", COLLEAGUE)
        colleague.fill("#password", COLLEAGUE_PASSWORD)
        with colleague.expect_navigation():
            colleague.locator("main form button").last.click()
        assert colleague.url.endswith("/organizer/")
        expect(colleague.locator("main table")).to_contain_text(HEARING_TITLE_START)

        # The link worked once.
        assert colleague.goto(link).status == 404
    finally:
        context.close()


def test_the_team_form_with_errors_is_announced_and_accessible(page):
    sign_in(page, "organizer@example.org")
    page.goto(f"/organizer/events/{HEARING_SLUG}/team")
    page.fill("#email", "not an address")
    with page.expect_navigation():
        page.click("#add-member-submit")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "team form with errors")
