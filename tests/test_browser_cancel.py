"""Issue 12 in a real browser: an organizer cancels with a reason, and every page says so; online attendees
read join links, never the QR instruction.

Reuses the live server and browser of test_browser.py (a fresh server with the demo data for this module).
Asserts on ids, data attributes and the organizer's own words, not on translated labels.
"""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from test_browser import DEMO_PASSWORD, browser, live_server, page, submit  # noqa: F401  (fixtures)
from eventsvc.extensions import db

pytestmark = pytest.mark.browser

REASON = "ห้องประชุมไม่พร้อมใช้งานเนื่องจากน้ำท่วม"
STREAM = "https://www.youtube.com/watch?v=morning0001"


@pytest.fixture(scope="module")
def scene(live_server):  # noqa: F811
    """A published hybrid hearing of the demo organizer: the morning has a stream link, the afternoon none yet;
    one person comes on site, one online."""
    from eventsvc.accounts.models import User
    from eventsvc.events import services as event_services
    from eventsvc.models_base import utcnow
    from eventsvc.registration import services as registration_services

    with live_server.app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "organizer@example.org"))
        start = utcnow().replace(microsecond=0, second=0) + timedelta(days=20)
        event = event_services.create_event(owner, {
            "slug": "browser-cancel-hearing", "title_th": "การประชุมรับฟังความคิดเห็นที่จะถูกยกเลิก",
            "kind": "public_hearing", "format": "hybrid", "status": "published", "capacity": 50,
            "venue_name": "ศูนย์ราชการ",
        }, [
            {"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=2),
             "stream_url": STREAM, "stream_visibility": "registrants"},
            {"name_th": "ช่วงบ่าย", "starts_at": start + timedelta(hours=3), "ends_at": start + timedelta(hours=5)},
        ])
        people = {}
        for n, attendance in ((1, "onsite"), (2, "online")):
            result = registration_services.register(event, {
                "title_prefix": "นาย", "first_name": f"ทดสอบ{n}", "last_name": "ยกเลิก",
                "email": f"cancel{n}@example.org", "sector": "public", "attendance": attendance,
                "consent_processing": True})
            people[attendance] = result.manage_token
        db.session.commit()
        return {"slug": event.slug, "morning": event.sessions[0].id, "afternoon": event.sessions[1].id, **people}


def test_an_online_attendee_sees_join_links_and_when_the_link_will_come(page, scene):  # noqa: F811
    page.goto(f"/my/{scene['online']}")
    expect(page.locator("#online-info")).to_be_visible()
    expect(page.locator("#ticket")).to_have_count(0)
    expect(page.locator("#ticket-qr")).to_have_count(0)
    expect(page.locator(f"#join-{scene['morning']}")).to_be_visible()
    expect(page.locator(f"#no-stream-{scene['afternoon']}")).to_be_visible()
    expect(page.locator(f"#join-{scene['afternoon']}")).to_have_count(0)


def test_an_organizer_cancels_with_a_reason_and_every_page_says_so(page, live_server, scene):  # noqa: F811
    page.goto("/organizer/login")
    page.fill("#email", "organizer@example.org")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "main form")

    page.goto(f"/organizer/events/{scene['slug']}")
    expect(page.locator(f"#no-stream-warning-{scene['afternoon']}")).to_have_attribute("data-online", "1")
    page.locator("#cancel-event-link").click()
    expect(page).to_have_url(f"{live_server.url}/organizer/events/{scene['slug']}/cancel")
    audience = page.locator("#cancel-audience")
    expect(audience).to_have_attribute("data-registrants", "2")
    expect(audience).to_have_attribute("data-invitees", "0")

    submit(page, "#cancel-form")  # no reason: refused, said beside the field
    expect(page.locator("#reason")).to_be_visible()
    expect(page.locator("#reason[aria-invalid=true]")).to_have_count(1)
    expect(page.locator(".field.has-error .error")).to_have_count(1)
    page.fill("#reason", REASON)
    submit(page, "#cancel-form")
    expect(page).to_have_url(f"{live_server.url}/organizer/events/{scene['slug']}")
    expect(page.locator("#cancelled-banner")).to_contain_text(REASON)
    expect(page.locator("#cancel-event-link")).to_have_count(0)

    for who in ("onsite", "online"):
        page.goto(f"/my/{scene[who]}")
        expect(page.locator("#cancelled-notice")).to_contain_text(REASON)
        expect(page.locator("#ticket-qr")).to_have_count(0)
        expect(page.locator("a.join")).to_have_count(0)
        expect(page.locator("#calendar-download")).to_have_count(0)
        expect(page.locator(".add-to-calendar")).to_have_count(0)

    page.goto(f"/events/{scene['slug']}")
    expect(page.locator("#cancelled-banner")).to_contain_text(REASON)
    expect(page.locator("#register-link")).to_have_count(0)
    expect(page.locator("#event-calendar")).to_have_count(0)
    expect(page.locator(".countdown")).to_have_count(0)
