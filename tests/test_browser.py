"""The real app on a real HTTP server, driven through Debian's chromium by Playwright.

One server (fresh SQLite database with the demo data) and one browser per
module; a new browser context (cookies, viewport) per test. CSRF stays on:
the browser submits the forms as a person would.

Translations are still being written, so these tests assert on data (titles,
times, years), ids, attributes and structure, never on translated labels.
"""
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

# A plain import: playwright is in requirements-test.txt, and a missing one must fail, never skip
# (conftest.py skips the browser tests outside CI only when Debian's chromium is missing).
from playwright.sync_api import expect, sync_playwright

from eventsvc import create_app
from eventsvc.events.services import page_views
from eventsvc.extensions import db

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
TIMEOUT_MS = 10_000

HEARING_SLUG = "digital-government-plan-2566-2570-hearing"
HEARING_TITLE_START = "การประชุมประชาพิจารณ์เพื่อรับฟังความคิดเห็น (ร่าง) แผนพัฒนารัฐบาลดิจิทัล"
HEARING_TITLE_EN = "Public hearing on the draft Digital Government Development Plan of Thailand 2023–2027"
DEMO_PASSWORD = "demo-organizer"


# ---- fixtures -------------------------------------------------------------------

class LiveServer:
    def __init__(self, app, url):
        self.app = app
        self.url = url


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """create_app() with the demo data, served by werkzeug on 127.0.0.1:<free port> in a thread."""
    tmp = tmp_path_factory.mktemp("browser")
    holder = {}

    def wsgi(environ, start_response):  # the app is built once the port (for BASE_URL) is known
        return holder["app"](environ, start_response)

    server = make_server("127.0.0.1", 0, wsgi, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'browser.sqlite3'}",
        "INSTANCE_PATH": str(tmp / "instance"),
        "SECRET_KEY": "browser-test-secret",
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": url,
    })
    with app.app_context():
        from eventsvc.demo import load_demo

        db.create_all()
        list(load_demo(DEMO_PASSWORD))
        db.session.commit()
    holder["app"] = app

    thread = threading.Thread(target=server.serve_forever, name="eventsvc-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        page_views.write()  # this server's views, into its own database, before the next test's app counts
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser, live_server, **context_options):
    context = browser.new_context(base_url=live_server.url, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(browser, live_server):
    context, page = _new_page(browser, live_server, locale="th-TH", timezone_id="Asia/Bangkok")
    yield page
    context.close()
    assert not page.js_errors, page.js_errors


@pytest.fixture
def phone_page(browser, live_server):
    context, page = _new_page(
        browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=3,
        is_mobile=True, has_touch=True, locale="th-TH", timezone_id="Asia/Bangkok",
    )
    yield page
    context.close()
    assert not page.js_errors, page.js_errors


def registrations_where(live_server, **filters):
    """The registrations in the server's database (read through the app object)."""
    from eventsvc.events.models import Event
    from eventsvc.registration.models import Registration

    with live_server.app.app_context():
        query = sa.select(Registration).join(Event, Registration.event_id == Event.id)
        for name, value in filters.items():
            column = Event.slug if name == "event_slug" else getattr(Registration, name)
            query = query.where(column == value)
        rows = db.session.scalars(query).all()
        return [
            {"first_name": r.first_name, "last_name": r.last_name, "email": r.email, "status": r.status.value,
             "attendance": r.attendance.value, "sector": r.sector.value, "consent_listing": r.consent_listing,
             "sessions": [s.name_th for s in r.sessions]}
            for r in rows
        ]


def session_item(page, name):
    """The <li class="session"> of the event page whose name is `name`."""
    return page.locator("ol.sessions > li.session").filter(has=page.locator("strong", has_text=name))


def submit(page, form_selector):
    """Click the form's submit button and wait for the page the POST answers with."""
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit], button:not([type])").last.click()


# ---- tests ----------------------------------------------------------------------

def test_a_person_registers_for_the_demo_hearing_through_the_form(page, live_server):
    page.goto("/")
    page.get_by_role("link", name=re.compile(re.escape(HEARING_TITLE_START))).click()
    expect(page).to_have_url(f"{live_server.url}/events/{HEARING_SLUG}")

    expect(page.locator("h1")).to_contain_text(HEARING_TITLE_START)
    expect(page.locator("dd.date")).to_contain_text("2570")  # Buddhist era: 2027 + 543
    expect(page.locator("dd.date")).not_to_contain_text("2027")
    expect(session_item(page, "ช่วงเช้า").locator(".when")).to_contain_text("09:30–12:00")
    expect(session_item(page, "ช่วงบ่าย").locator(".when")).to_contain_text("13:00–16:00")

    page.locator(f'a[href="/events/{HEARING_SLUG}/register"]').click()
    expect(page).to_have_url(f"{live_server.url}/events/{HEARING_SLUG}/register")
    form = page.locator("form.registration")
    expect(form).to_be_visible()
    # An online event: nobody is asked whether they come on site.
    expect(form.locator("input[name=attendance]")).to_have_count(0)
    # Two sessions one after the other: both ticked for the person.
    expect(form.locator("input[name=sessions]")).to_have_count(2)
    for box in form.locator("input[name=sessions]").all():
        expect(box).to_be_checked()

    page.fill("#title_prefix", "นางสาว")
    page.fill("#first_name", "สมหญิง")
    page.fill("#last_name", "รักษ์ไทย")
    page.fill("#organization", "กรมการปกครอง")
    page.select_option("#sector", "government")
    page.fill("#email", "somying.browser@example.org")
    page.fill("#phone", "081 234 5678")
    page.check("#consent_processing")
    expect(page.locator("#consent_listing")).not_to_be_checked()
    with page.expect_navigation():
        form.locator("button").last.click()

    result = page.locator("#result")
    expect(result).to_have_attribute("data-status", "confirmed")
    personal = page.locator(".personal-link a")
    expect(personal).to_have_count(1)
    href = personal.get_attribute("href")
    assert re.fullmatch(r"/my/[A-Za-z0-9_-]{32,}", href), href  # >= 128 random bits, no integer id
    # The link shown to be copied is absolute, on this server (BASE_URL, never the Host header).
    expect(personal).to_have_text(f"{live_server.url}{href}")

    personal.click()
    expect(page).to_have_url(f"{live_server.url}{href}")
    mine = page.locator("#result")
    expect(mine).to_have_attribute("data-status", "confirmed")
    expect(mine).to_contain_text("สมหญิง")
    expect(mine).to_contain_text("รักษ์ไทย")

    registrations = registrations_where(live_server, event_slug=HEARING_SLUG)
    assert len(registrations) == 1, registrations
    registration = registrations[0]
    assert registration["email"] == "somying.browser@example.org"
    assert registration["status"] == "confirmed"
    assert registration["attendance"] == "online"
    assert registration["sector"] == "government"
    assert registration["consent_listing"] is False
    assert registration["sessions"] == ["ช่วงเช้า", "ช่วงบ่าย"]


def test_the_form_shows_field_errors_and_keeps_what_was_typed(page, live_server):
    email = "not-an-e-mail"
    before = registrations_where(live_server, event_slug=HEARING_SLUG)
    page.goto(f"/events/{HEARING_SLUG}/register")
    page.fill("#title_prefix", "นาย")
    page.fill("#first_name", "ประเสริฐ")
    page.fill("#last_name", "มั่นคง")
    page.fill("#organization", "มหาวิทยาลัยเชียงใหม่")
    page.select_option("#sector", "academic")
    page.fill("#email", email)
    # consent_processing left unticked
    with page.expect_navigation():
        page.locator("form.registration button").last.click()

    expect(page.locator("#result")).to_have_count(0)
    form = page.locator("form.registration")
    expect(form).to_be_visible()
    # Each error sits in the field's own block, next to the input it is about.
    expect(form.locator(".field.has-error:has(#consent_processing) .error")).to_have_count(1)
    expect(form.locator(".field.has-error:has(#email) .error")).to_have_count(1)
    # Fields that were right carry no error.
    expect(form.locator(".field.has-error:has(#first_name)")).to_have_count(0)
    expect(form.locator(".field.has-error:has(#last_name)")).to_have_count(0)
    # What was typed is still there.
    expect(page.locator("#title_prefix")).to_have_value("นาย")
    expect(page.locator("#first_name")).to_have_value("ประเสริฐ")
    expect(page.locator("#last_name")).to_have_value("มั่นคง")
    expect(page.locator("#organization")).to_have_value("มหาวิทยาลัยเชียงใหม่")
    expect(page.locator("#sector")).to_have_value("academic")
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator("#consent_processing")).not_to_be_checked()

    assert registrations_where(live_server, event_slug=HEARING_SLUG) == before
    assert registrations_where(live_server, first_name="ประเสริฐ") == []


def test_an_organizer_signs_in_and_creates_an_event(page, live_server):
    slug = "browser-test-open-hearing"
    title_th = "การประชุมรับฟังความคิดเห็น (ร่าง) แนวทางการเปิดเผยข้อมูลภาครัฐ"
    title_en = "Hearing on the draft open government data guideline"

    page.goto("/organizer/login")
    page.fill("#email", "organizer@example.org")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "main form")
    expect(page).to_have_url(f"{live_server.url}/organizer/")

    page.locator('main a[href="/organizer/events/new"]').click()
    expect(page).to_have_url(f"{live_server.url}/organizer/events/new")
    page.fill("#slug", slug)
    page.fill("#title_th", title_th)
    page.fill("#title_en", title_en)
    page.select_option("#kind", "public_hearing")
    page.select_option("#format", "online")
    page.select_option("#registration_mode", "open")
    submit(page, "main form")
    expect(page).to_have_url(f"{live_server.url}/organizer/events/{slug}")
    expect(page.locator("main h1")).to_have_text(title_th)

    add_session = page.locator(f'form[action="/organizer/events/{slug}/sessions"]')
    if not add_session.is_visible():  # the <details> is open while the event has no session
        page.locator("details.panel:has(form[action$='/sessions']) > summary").click()
    add_session.locator("#name_th").fill("ช่วงเช้า")
    add_session.locator("#name_en").fill("Morning")
    add_session.locator("#starts_at").fill("2027-03-01T09:30")
    add_session.locator("#ends_at").fill("2027-03-01T12:00")
    submit(page, f'form[action="/organizer/events/{slug}/sessions"]')
    expect(page).to_have_url(f"{live_server.url}/organizer/events/{slug}")
    expect(page.locator("main table").first).to_contain_text("09:30–12:00")

    submit(page, f'form[action="/organizer/events/{slug}/publish"]')
    expect(page).to_have_url(f"{live_server.url}/organizer/events/{slug}")
    expect(page.locator(f'form[action="/organizer/events/{slug}/publish"]')).to_have_count(0)

    # A visitor (a fresh context, not signed in) finds it on the public page.
    visitor_context = page.context.browser.new_context(base_url=live_server.url)
    try:
        visitor = visitor_context.new_page()
        visitor.set_default_timeout(TIMEOUT_MS)
        visitor.goto("/")
        visitor.get_by_role("link", name=title_th).click()
        expect(visitor).to_have_url(f"{live_server.url}/events/{slug}")
        expect(visitor.locator("h1")).to_have_text(title_th)
        when = session_item(visitor, "ช่วงเช้า").locator(".when")
        expect(when).to_contain_text("09:30–12:00")  # typed as Bangkok time, shown as Bangkok time
        expect(when).to_contain_text("2570")
        expect(visitor.locator("dd.date")).to_contain_text("1 มีนาคม 2570")
        expect(visitor.locator(f'a[href="/events/{slug}/register"]')).to_be_visible()
    finally:
        visitor_context.close()


def test_event_page_works_on_a_phone(phone_page):
    page = phone_page
    page.goto(f"/events/{HEARING_SLUG}")
    expect(page.locator("h1")).to_contain_text(HEARING_TITLE_START)
    overflow = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,"
        " wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className)})"
    )
    assert overflow["inner"] == 390, overflow
    assert overflow["scroll"] <= overflow["inner"], overflow
    register = page.locator(f'a[href="/events/{HEARING_SLUG}/register"]')
    expect(register).to_be_visible()
    box = register.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert box["height"] >= 24, box  # big enough to tap


def test_english_is_one_click_away(page, live_server):
    page.goto(f"/events/{HEARING_SLUG}")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.locator("header a[hreflang=en]").click()
    expect(page).to_have_url(re.compile(rf"/events/{HEARING_SLUG}\?lang=en$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(HEARING_TITLE_EN)
    expect(page.locator("dd.date")).to_contain_text("2027")
    expect(page.locator("dd.date")).not_to_contain_text("2570")
    for item in page.locator("ol.sessions .when").all():
        expect(item).to_contain_text("2027")
        expect(item).not_to_contain_text("2570")
    # The choice sticks: the next page is in English too.
    page.goto(f"/events/{HEARING_SLUG}/register")
    expect(page.locator("header.event-header h1")).to_have_text(HEARING_TITLE_EN)


WORKSHOP_SLUG = "provincial-egov-assessment-workshop"


def sign_in(page, live_server):
    page.goto("/organizer/login")
    page.fill("#email", "organizer@example.org")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "main form")
    expect(page).to_have_url(f"{live_server.url}/organizer/")


def test_an_invitee_registers_from_the_link_in_the_delivered_invitation(page, browser, live_server, smtp_server):
    from eventsvc.mail.delivery import deliver_due

    sign_in(page, live_server)
    page.goto(f"/organizer/events/{WORKSHOP_SLUG}")
    page.locator("#invitations-link").click()
    expect(page).to_have_url(f"{live_server.url}/organizer/events/{WORKSHOP_SLUG}/invitations")
    page.locator("#import-invitees > summary").click()
    page.fill("#text", "อีเมล\tชื่อ-นามสกุล\tหน่วยงาน\n"
                       "malee.b@phuket.go.th\tนางมาลี บุญมา\tสำนักงานจังหวัดภูเก็ต\n"
                       "somsak.k@nan.go.th\tนายสมศักดิ์ คงดี\tสำนักงานจังหวัดน่าน\n"
                       "a.wong@example.org\tMr. Andrew Wong\tADB\n")
    expect(page.locator("#import-invitees #send")).to_be_checked()
    submit(page, "#import-invitees form")
    expect(page.locator("#import-result")).to_have_attribute("data-invited", "3")
    expect(page.locator("#import-result")).to_have_attribute("data-rejected", "0")

    # The mail worker delivers what is due to a real SMTP server.
    live_server.app.config["SMTP_URL"] = smtp_server.url
    try:
        with live_server.app.app_context():
            assert deliver_due(live_server.app).failed == 0
    finally:
        live_server.app.config["SMTP_URL"] = ""
    [letter] = [m for m in smtp_server.messages if m["To"] == "somsak.k@nan.go.th"]
    text = letter.get_body(preferencelist=("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server.url)}/events/{WORKSHOP_SLUG}/register\?invite=[A-Za-z0-9_-]{{43}}",
                     text).group(0)

    invitee_context = browser.new_context(base_url=live_server.url, locale="th-TH", timezone_id="Asia/Bangkok")
    try:
        invitee = invitee_context.new_page()
        invitee.set_default_timeout(TIMEOUT_MS)
        invitee.goto(link)
        expect(invitee.locator("#invitation")).to_contain_text("นายสมศักดิ์ คงดี")
        expect(invitee.locator("#email")).to_have_value("somsak.k@nan.go.th")
        expect(invitee.locator("#email")).to_have_attribute("readonly", "")
        expect(invitee.locator("#title_prefix")).to_have_value("นาย")
        expect(invitee.locator("#first_name")).to_have_value("สมศักดิ์")
        expect(invitee.locator("#last_name")).to_have_value("คงดี")
        invitee.select_option("#sector", "government")
        invitee.check("#consent_processing")
        with invitee.expect_navigation():
            invitee.locator("form.registration button").last.click()
        expect(invitee.locator("#result")).to_have_attribute("data-status", "confirmed")
    finally:
        invitee_context.close()

    page.goto(f"/organizer/events/{WORKSHOP_SLUG}/invitations")
    expect(page.locator('tr[data-email="somsak.k@nan.go.th"]')).to_have_attribute("data-state", "registered")
    expect(page.locator('tr[data-email="malee.b@phuket.go.th"]')).to_have_attribute("data-state", "sent")
    # The demo's two accepted invitees, and now this one.
    from eventsvc.demo import WORKSHOP_ACCEPTED

    expect(page.locator("#count-registered")).to_have_text(str(len(WORKSHOP_ACCEPTED) + 1))
    registrations = registrations_where(live_server, event_slug=WORKSHOP_SLUG)
    assert sorted(r["email"] for r in registrations) == sorted({"somsak.k@nan.go.th", *WORKSHOP_ACCEPTED})


FOCUS_SLUG = "digital-government-plan-focus-groups"


def test_a_registrant_keeps_their_ticket_and_calendar_and_is_checked_in_at_the_door(page, browser, live_server):
    from icalendar import Calendar

    # Register for one topic group of the focus groups (parallel sessions).
    page.goto(f"/events/{FOCUS_SLUG}/register")
    page.fill("#first_name", "วิภา")
    page.fill("#last_name", "ศรีสุข")
    page.select_option("#sector", "academic")
    page.fill("#email", "wipa.browser@example.ac.th")
    page.locator("input[name=attendance][value=onsite]").check()
    page.locator("input[name=sessions]").nth(2).check()
    page.check("#consent_processing")
    with page.expect_navigation():
        page.locator("form.registration button").last.click()
    expect(page.locator("#result")).to_have_attribute("data-status", "confirmed")
    page.locator("#personal-link").click()

    # Their page: the QR is drawn and shown, the calendar file downloads and holds their one session.
    qr = page.locator("#ticket-qr")
    expect(qr).to_be_visible()
    page.wait_for_function("() => { const i = document.querySelector('#ticket-qr'); return i.complete && i.naturalWidth > 0; }")
    with page.expect_download() as download_info:
        page.locator("#calendar-download").click()
    download = download_info.value
    assert download.suggested_filename == f"{FOCUS_SLUG}.ics"
    entries = Calendar.from_ical(open(download.path(), "rb").read()).walk("VEVENT")
    assert len(entries) == 1 and "กลุ่มที่ 3" in str(entries[0]["summary"])
    ticket_href = page.locator("#ticket a").first.get_attribute("href")
    assert re.fullmatch(r"/t/[A-Za-z0-9_-]{44}", ticket_href), ticket_href

    # At the door: check-in staff open the ticket URL (what the QR holds) and check her in with one tap.
    # Check-in opens 120 minutes before the session: the door's clock is half an hour before it.
    with live_server.app.app_context():
        from eventsvc.events.services import get_event

        starts_at = get_event(FOCUS_SLUG, with_sessions=True).sessions[2].starts_at
    live_server.app.config["CLOCK"] = lambda: starts_at - timedelta(minutes=30)
    staff_context = browser.new_context(base_url=live_server.url, locale="th-TH", timezone_id="Asia/Bangkok")
    try:
        door = staff_context.new_page()
        door.set_default_timeout(TIMEOUT_MS)
        door.goto("/organizer/login")
        door.fill("#email", "checkin@example.org")
        door.fill("#password", DEMO_PASSWORD)
        submit(door, "main form")
        door.goto(ticket_href)
        expect(door.locator("#ticket")).to_have_attribute("data-valid", "yes")
        expect(door.locator("#ticket .holder")).to_contain_text("วิภา ศรีสุข")
        with door.expect_navigation():
            door.locator("#checkin-submit").click()
        expect(door.locator("#checkin-result")).to_have_attribute("data-result", "checked_in")
        with door.expect_navigation():
            door.locator("#checkin-submit").click()
        expect(door.locator("#checkin-result")).to_have_attribute("data-result", "already_checked_in")
    finally:
        staff_context.close()
        live_server.app.config["CLOCK"] = None

    page.reload()
    expect(page.locator(".session .badge.open")).to_have_count(1)  # "checked in at HH:MM" on her own page


def test_the_door_page_answers_a_scanner_without_reloading(page, live_server):
    """A handheld scanner types the code and Enter: the answer turns green or red, the field stays ready."""
    from eventsvc.registration import services as registration_services

    with live_server.app.app_context():
        from eventsvc.events.services import get_event

        event = get_event(FOCUS_SLUG, with_sessions=True)
        session_id, starts_at = event.sessions[0].id, event.sessions[0].starts_at
        registration = registration_services.register(event, {
            "first_name": "ผู้ทดสอบ", "last_name": "สแกน", "email": "scanner.test@example.org", "sector": "public",
            "attendance": "onsite", "sessions": [session_id], "consent_processing": True}).registration
        db.session.commit()
        code = registration.ticket_code
    live_server.app.config["CLOCK"] = lambda: starts_at - timedelta(minutes=30)  # check-in is open
    page.goto("/organizer/login")
    page.fill("#email", "checkin@example.org")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "main form")
    page.goto(f"/organizer/events/{FOCUS_SLUG}/checkin?session={session_id}")
    field = page.locator("#code")
    expect(field).to_be_focused()
    before = page.evaluate("() => performance.getEntriesByType('navigation').length")
    field.type(f"{live_server.url}/t/{code}")
    field.press("Enter")
    expect(page.locator("#door-answer")).to_have_attribute("data-result", "checked_in")
    expect(page.locator("#door-answer")).to_have_class(re.compile(r"\bok\b"))
    expect(field).to_have_value("")
    expect(field).to_be_focused()
    expect(page.locator("#count-checked-in")).to_have_text("1")
    field.type(code)
    field.press("Enter")
    expect(page.locator("#door-answer")).to_have_attribute("data-result", "already_checked_in")
    expect(page.locator("#door-answer")).to_have_class(re.compile(r"\bwarn\b"))  # amber, not a forged ticket's red
    field.type("A" * 44)
    field.press("Enter")
    expect(page.locator("#door-answer")).to_have_attribute("data-result", "invalid")
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == before  # no page load
    live_server.app.config["CLOCK"] = None


def test_a_registrant_joins_the_afternoon_stream_and_the_published_list_shows_who_agreed(page, browser, live_server):
    from datetime import datetime, timezone

    from eventsvc.events.services import get_event
    from eventsvc.registration import services as registration_services
    from eventsvc.timefmt import BANGKOK

    with live_server.app.app_context():
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        afternoon = hearing.sessions[1]
        stream = afternoon.stream_url
        listed = registration_services.register(hearing, {
            "first_name": "ปรีดา", "last_name": "ยินดีเปิดเผย", "email": "preeda.listed@example.org",
            "organization": "สภาองค์กรของผู้บริโภค", "sector": "civil_society", "attendance": "online",
            "consent_processing": True, "consent_listing": True})
        registration_services.register(hearing, {
            "first_name": "สมศรี", "last_name": "ขอไม่เปิดเผย", "email": "somsri.private@example.org",
            "organization": "บริษัทเอกชน", "sector": "private", "attendance": "online", "consent_processing": True})
        db.session.commit()
        token, afternoon_id = listed.manage_token, afternoon.id
    live_server.app.config["CLOCK"] = lambda: datetime(2027, 2, 25, 13, 30, tzinfo=BANGKOK).astimezone(timezone.utc)
    organizer_context = browser.new_context(base_url=live_server.url, locale="th-TH", timezone_id="Asia/Bangkok")
    try:
        organizer = organizer_context.new_page()
        organizer.set_default_timeout(TIMEOUT_MS)
        sign_in(organizer, live_server)
        organizer.goto(f"/organizer/events/{HEARING_SLUG}/attendance")
        joined = organizer.locator(f'tr[data-session="{afternoon_id}"] .joined-online')
        before = int(joined.inner_text())

        # The registrant: their page, the afternoon's join button, the stream (answered here: no internet).
        page.route("https://www.youtube.com/**", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<html><body><h1 id='stream'>YouTube</h1></body></html>"))
        page.goto(f"/my/{token}")
        page.locator(f"#join-{afternoon_id}").click()
        page.wait_for_url(stream)
        expect(page.locator("#stream")).to_have_text("YouTube")

        organizer.reload()
        expect(joined).to_have_text(str(before + 1))

        # The organizer publishes the list: the consenting person is on it, the other is not.
        with organizer.expect_navigation():
            organizer.locator(f'form[action="/organizer/events/{HEARING_SLUG}/attendees/publish"] button').click()
        expect(organizer.locator("#list-state")).to_have_attribute("data-public", "yes")
        page.goto(f"/events/{HEARING_SLUG}/attendees")
        expect(page.locator("main")).to_contain_text("ปรีดา ยินดีเปิดเผย")
        expect(page.locator("main")).to_contain_text("สภาองค์กรของผู้บริโภค")
        expect(page.locator("main")).not_to_contain_text("สมศรี")
        expect(page.locator("main")).not_to_contain_text("@")
    finally:
        organizer_context.close()
        live_server.app.config["CLOCK"] = None
