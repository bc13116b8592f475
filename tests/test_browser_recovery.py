"""When something goes wrong, in a real browser: a lost personal link, a form whose session has ended.

The live server, the browser and the page come from tests/test_browser.py (one server per module).
"""
import email
import re
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

from eventsvc.extensions import db
from test_browser import HEARING_SLUG, browser, live_server, page  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def _register(live_server, address):
    from conftest import person
    from eventsvc.events.services import get_event
    from eventsvc.registration import services

    with live_server.app.app_context():
        event = get_event(HEARING_SLUG, with_sessions=True)
        result = services.register(event, person(1, email=address, attendance="online"))
        db.session.commit()
        return result.manage_token


def _ask_for_my_link(page, live_server, address):
    page.goto(f"/events/{HEARING_SLUG}")
    with page.expect_navigation():
        page.click("#my-link-link")
    expect(page).to_have_url(f"{live_server.url}/events/{HEARING_SLUG}/my-link")
    page.fill("#lost-email", address)
    with page.expect_navigation() as navigation:
        page.click("#my-link-submit")
    answer = page.locator("#my-link-sent")
    expect(answer).to_be_visible()
    return navigation.value.status, answer.inner_html().replace(address, "…")


def _delivered_mails(live_server, kind):
    """Deliver the outbox (no SMTP configured: .eml files in the instance folder) and read this kind's files."""
    from eventsvc.mail.delivery import deliver_due

    with live_server.app.app_context():
        assert deliver_due(live_server.app).failed == 0
    folder = Path(live_server.app.instance_path) / "mail"
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob(f"*-{kind}.eml"))]


def test_a_lost_link_is_mailed_again_with_the_same_answer_for_any_address(page, live_server):
    address = "lost.link.browser@example.org"
    token = _register(live_server, address)

    known = _ask_for_my_link(page, live_server, address)
    unknown = _ask_for_my_link(page, live_server, "never.registered@example.org")
    assert known == unknown and known[0] == 200

    [mail] = [m for m in _delivered_mails(live_server, "personal_link") if m["To"] == address]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server.url)}/my/[A-Za-z0-9_-]{{43}}", text).group(0)
    assert link.endswith(token)  # the very link of the first message: it keeps working
    page.goto(link)
    expect(page.locator("#result")).to_have_attribute("data-status", "confirmed")


def test_a_form_whose_session_ended_comes_back_filled_in_and_goes_through_the_second_time(page, live_server):
    page.goto(f"/events/{HEARING_SLUG}/register")
    page.fill("#title_prefix", "นาง")
    page.fill("#first_name", "มาลี")
    page.fill("#last_name", "ทองดี")
    page.fill("#organization", "สำนักงานคณะกรรมการดิจิทัลเพื่อเศรษฐกิจและสังคมแห่งชาติ")
    page.select_option("#sector", "government")
    page.fill("#email", "malee.resubmit@example.org")
    page.check("#consent_processing")
    page.context.clear_cookies()  # the session ends (expired, cleared, signed out in another tab)

    with page.expect_navigation() as navigation:
        page.click("#register-submit")
    assert navigation.value.status == 422
    expect(page.locator("#resubmit")).to_be_visible()
    expect(page.locator("#resubmit")).to_have_attribute("role", "alert")
    expect(page.locator("#first_name")).to_have_value("มาลี")
    expect(page.locator("#organization")).to_have_value("สำนักงานคณะกรรมการดิจิทัลเพื่อเศรษฐกิจและสังคมแห่งชาติ")
    expect(page.locator("#email")).to_have_value("malee.resubmit@example.org")
    expect(page.locator("#sector")).to_have_value("government")
    expect(page.locator("#consent_processing")).to_be_checked()

    with page.expect_navigation() as navigation:
        page.click("#register-submit")
    assert navigation.value.status == 201
    expect(page.locator("#result")).to_have_attribute("data-status", "confirmed")
