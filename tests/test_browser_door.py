"""The door's clock in a real browser: a scan before the window says when it opens, a repeated scan is amber, an undo.

Reuses the live server, browser and page fixtures of test_browser.py (one
server with the demo data per module). Asserts on ids, data and classes,
never on translated labels.
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from eventsvc.extensions import db
from test_browser import DEMO_PASSWORD, browser, live_server, page, submit  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

FOCUS_SLUG = "digital-government-plan-focus-groups"


def test_the_door_says_when_check_in_opens_then_checks_in_warns_in_amber_and_undoes(page, live_server):  # noqa: F811
    from eventsvc.events.services import get_event
    from eventsvc.registration import services as registration_services
    from eventsvc.timefmt import to_local

    with live_server.app.app_context():
        event = get_event(FOCUS_SLUG, with_sessions=True)
        session = event.sessions[0]
        session_id, starts_at = session.id, session.starts_at
        registration = registration_services.register(event, {
            "first_name": "ผู้ทดสอบ", "last_name": "นาฬิกา", "email": "door.clock@example.org", "sector": "public",
            "attendance": "onsite", "sessions": [session_id], "consent_processing": True}).registration
        db.session.commit()
        code = registration.ticket_code
    opens_year_be = str(to_local(starts_at - timedelta(minutes=120)).year + 543)
    try:
        # Three hours before the session: the door says when it opens and records nothing.
        live_server.app.config["CLOCK"] = lambda: starts_at - timedelta(hours=3)
        page.goto("/organizer/login")
        page.fill("#email", "checkin@example.org")
        page.fill("#password", DEMO_PASSWORD)
        submit(page, "main form")
        page.goto(f"/organizer/events/{FOCUS_SLUG}/checkin?session={session_id}")
        expect(page.locator("#door-window")).to_have_attribute("data-state", "not_open")
        field = page.locator("#code")
        field.type(code)
        field.press("Enter")
        answer = page.locator("#door-answer")
        expect(answer).to_have_attribute("data-result", "checkin_not_open")
        expect(answer).to_have_class(re.compile(r"\bwarn\b"))
        expect(answer).to_contain_text(opens_year_be)  # "opens <date, time>", Buddhist era
        expect(page.locator("#count-checked-in")).to_have_text("0")

        # Half an hour before: in the window. The first scan is green, the second amber "already".
        live_server.app.config["CLOCK"] = lambda: starts_at - timedelta(minutes=30)
        page.reload()
        expect(page.locator("#door-window")).to_have_attribute("data-state", "open")
        field.type(code)
        field.press("Enter")
        expect(answer).to_have_attribute("data-result", "checked_in")
        expect(answer).to_have_class(re.compile(r"\bok\b"))
        expect(page.locator("#count-checked-in")).to_have_text("1")
        field.type(code)
        field.press("Enter")
        expect(answer).to_have_attribute("data-result", "already_checked_in")
        expect(answer).to_have_class(re.compile(r"\bwarn\b"))
        expect(answer).not_to_have_class(re.compile(r"\bbad\b"))
        expect(answer.locator(".big-answer")).to_contain_text("!")  # a sign, not the colour alone

        # The staff member who did it undoes it: the count goes down, the ticket says not checked in.
        with page.expect_navigation():
            page.locator("#undo-checkin").click()
        expect(page.locator("#door-answer")).to_have_attribute("data-result", "undone")
        expect(page.locator("#count-checked-in")).to_have_text("0")
        page.goto(f"/t/{code}")
        expect(page.locator(f'[data-checkin="{session_id}"]')).to_have_attribute("data-state", "out")
    finally:
        live_server.app.config["CLOCK"] = None


def test_an_organizer_pastes_a_list_with_split_thai_name_columns_and_sees_the_ignored_ones(page, live_server):  # noqa: F811
    """Item 6 where a person sees it: คำนำหน้า / ชื่อ / นามสกุล pasted from Excel, the report names what it left out."""
    slug = "provincial-egov-assessment-workshop"
    page.goto("/organizer/login")
    page.fill("#email", "organizer@example.org")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "main form")
    page.goto(f"/organizer/events/{slug}/invitations")
    page.locator("#import-invitees summary").click()
    page.fill("#text", "ลำดับ\tคำนำหน้า\tชื่อ\tนามสกุล\tหน่วยงาน\tโทรศัพท์\tอีเมล์\n"
                       "1\tนางสาว\tกานดา\tมีสุข\tสำนักงานจังหวัดน่าน\t054-123456\tkanda.browser@nan.go.th\n")
    with page.expect_navigation():
        page.locator("#import-submit").click()
    expect(page.locator("#import-result")).to_have_attribute("data-invited", "1")
    expect(page.locator("#ignored-columns")).to_have_attribute("data-count", "2")
    expect(page.locator('#ignored-columns [data-column="ลำดับ"]')).to_have_count(1)
    expect(page.locator('#ignored-columns [data-column="โทรศัพท์"]')).to_have_count(1)
    page.goto(f"/organizer/events/{slug}/invitations?q=kanda.browser")
    expect(page.locator("main")).to_contain_text("นางสาวกานดา มีสุข")
