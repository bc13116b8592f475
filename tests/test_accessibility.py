"""The agency's site in the browser, and accessibility checked with axe-core on every kind of page.

axe-core comes from npm (tests/browser/package.json, pinned; `npm ci` in
.ci/run) and is evaluated in the page: the Content-Security-Policy allows
only this site's scripts, so it is not injected as a <script>. Pages are
checked at a desktop width (1280×800) and a phone's (390×844); a violation
of impact "serious" or "critical" fails the test and is printed.

As in test_browser.py, assertions are on ids, data and structure, never on
translated labels.
"""
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from test_browser import (  # noqa: F401  (fixtures: one live server and one browser for this module)
    DEMO_PASSWORD, HEARING_SLUG, TIMEOUT_MS, browser, live_server,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
WORKSHOP_SLUG = "provincial-egov-assessment-workshop"
FOCUS_SLUG = "digital-government-plan-focus-groups"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")


def axe_violations(page):
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        assert AXE.exists(), f"{AXE} is missing: run `npm ci` in tests/browser (.ci/run does)"
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                                           iframes: false});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary).slice(0, 5)}));
    }""")
    return [v for v in result if v["impact"] in SERIOUS]


def assert_accessible(page, what):
    violations = axe_violations(page)
    report = "\n".join(f"[{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)
    assert not violations, f"{what} ({page.url}):\n{report}"


def _context(browser, live_server, viewport, locale="th-TH"):
    options = dict(base_url=live_server.url, viewport=viewport, locale=locale, timezone_id="Asia/Bangkok")
    if viewport["width"] < 600:
        options.update(is_mobile=True, has_touch=True, device_scale_factor=3)
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="module")
def registrant(live_server):
    """A registrant of the focus groups (one parallel group, on site) and the published list of the hearing."""
    from eventsvc.attendees.services import set_list_published
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.registration import services as registration_services

    with live_server.app.app_context():
        focus = get_event(FOCUS_SLUG, with_sessions=True)
        result = registration_services.register(focus, {
            "first_name": "อารีย์", "last_name": "เข้าถึงได้", "email": "aree.a11y@example.org",
            "organization": "สมาคมคนตาบอดแห่งประเทศไทย", "sector": "civil_society", "attendance": "onsite",
            "sessions": [focus.sessions[0].id], "consent_processing": True, "consent_listing": True})
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        registration_services.register(hearing, {
            "first_name": "อารีย์", "last_name": "เข้าถึงได้", "email": "aree.a11y@example.org",
            "organization": "สมาคมคนตาบอดแห่งประเทศไทย", "sector": "civil_society", "attendance": "online",
            "consent_processing": True, "consent_listing": True})
        set_list_published(hearing, True)
        db.session.commit()
        return result.registration.manage_token


def sign_in(page, email="organizer@example.org"):
    page.goto("/organizer/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button").last.click()


# ---- item 9: the agency's site ------------------------------------------------------------

def test_every_page_names_the_agency_in_its_header_title_and_footer(browser, live_server):
    app = live_server.app
    app.config.update(PRIVACY_URL="https://www.dga.or.th/privacy", CONTACT_URL="https://www.dga.or.th/contact",
                      ACCESSIBILITY_URL="")
    context = _context(browser, live_server, VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        page.goto(f"/events/{HEARING_SLUG}")
        expect(page.locator("#agency-name")).to_have_text(app.config["AGENCY_NAME_TH"])
        assert page.title().endswith(" · " + app.config["AGENCY_NAME_TH"]), page.title()
        assert "eventsvc" not in page.title()
        # The logo is served by this site (the CSP allows no other) and draws.
        page.wait_for_function("() => { const i = document.querySelector('#brand img'); return i.complete && i.naturalWidth > 0; }")
        expect(page.locator("#footer-privacy")).to_have_attribute("href", "https://www.dga.or.th/privacy")
        expect(page.locator("#footer-contact")).to_have_attribute("href", "https://www.dga.or.th/contact")
        expect(page.locator("#footer-accessibility")).to_have_count(0)  # not configured: no dead link
        icon = page.locator("link[rel=icon]")
        assert page.request.get(icon.get_attribute("href")).ok
        favicon = page.request.get("/favicon.ico")
        assert favicon.ok and favicon.headers["content-type"].startswith("image/svg+xml")

        page.goto(f"/events/{HEARING_SLUG}?lang=en")
        expect(page.locator("#agency-name")).to_have_text(app.config["AGENCY_NAME_EN"])
        assert page.title().endswith(" · " + app.config["AGENCY_NAME_EN"])
    finally:
        context.close()
        app.config.update(PRIVACY_URL="", CONTACT_URL="", ACCESSIBILITY_URL="")


def test_error_pages_keep_the_sites_header_and_footer(browser, live_server):
    context = _context(browser, live_server, VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        response = page.goto("/events/no-such-event")
        assert response.status == 404
        expect(page.locator("#site-header #agency-name")).to_be_visible()
        expect(page.locator("#site-footer")).to_be_visible()
        expect(page.locator("#error-message")).to_have_attribute("data-status", "404")
        expect(page.locator("a.skip-link")).to_have_attribute("href", "#main")
        assert_accessible(page, "404 page")
    finally:
        context.close()


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(browser, live_server):
    context = _context(browser, live_server, VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        page.goto(f"/events/{HEARING_SLUG}")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
        # Visible when focused (it sits off screen otherwise), with a focus ring.
        box = page.locator("a.skip-link").bounding_box()
        assert box and box["y"] >= 0
        assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
    finally:
        context.close()


def test_a_form_with_errors_takes_the_focus_to_a_summary_that_links_to_each_field(browser, live_server):
    context = _context(browser, live_server, VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        page.goto(f"/events/{HEARING_SLUG}/register")
        with page.expect_navigation():
            page.locator("form.registration button").last.click()
        summary = page.locator("#error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_have_attribute("role", "alert")
        first_name = page.locator("#first_name")
        expect(first_name).to_have_attribute("aria-invalid", "true")
        described = first_name.get_attribute("aria-describedby").split()
        assert "first_name-error" in described
        expect(page.locator("#first_name-error")).to_be_visible()
        summary.locator('a[href="#first_name"]').click()
        expect(first_name).to_be_focused()
    finally:
        context.close()


# ---- item 10: what users noticed, where only a browser shows it ---------------------------

def test_parallel_groups_are_radio_buttons_and_the_door_field_takes_an_on_screen_keyboard(browser, live_server):
    context = _context(browser, live_server, VIEWPORTS["phone"])
    try:
        page = context.new_page()
        page.goto(f"/events/{FOCUS_SLUG}/register")
        choices = page.locator("input[name=sessions]")
        assert choices.count() >= 2
        for choice in choices.all():
            expect(choice).to_have_attribute("type", "radio")
        # The hearing's morning and afternoon are not a choice of one: checkboxes, both ticked.
        page.goto(f"/events/{HEARING_SLUG}/register")
        for choice in page.locator("input[name=sessions]").all():
            expect(choice).to_have_attribute("type", "checkbox")
        sign_in(page, "checkin@example.org")
        page.goto(f"/organizer/events/{HEARING_SLUG}/checkin")
        assert page.locator("input#code").get_attribute("inputmode") != "none"
    finally:
        context.close()


def test_organizer_tables_scroll_rather_than_break_thai_words_on_a_phone(browser, live_server, registrant):
    context = _context(browser, live_server, VIEWPORTS["phone"])
    try:
        page = context.new_page()
        sign_in(page)
        page.goto(f"/organizer/events/{FOCUS_SLUG}/registrations")
        # No cell narrower than a few characters: Thai wraps between words, not letter by letter.
        narrowest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('.table-wrap td, .table-wrap th')]
            .filter(c => c.textContent.trim()).map(c => c.getBoundingClientRect().width))""")
        assert narrowest >= 40, narrowest
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390 + 1  # the page itself does not scroll sideways
    finally:
        context.close()


# ---- axe-core on every kind of page, at two widths ----------------------------------------

PUBLIC_PAGES = ["/", f"/events/{HEARING_SLUG}", f"/events/{WORKSHOP_SLUG}", f"/events/{FOCUS_SLUG}",
                f"/events/{HEARING_SLUG}/attendees", "/organizer/login", f"/events/{HEARING_SLUG}?lang=en"]
ORGANIZER_PAGES = ["/organizer/", f"/organizer/events/{HEARING_SLUG}", f"/organizer/events/{HEARING_SLUG}/edit",
                   "/organizer/events/new", f"/organizer/events/{FOCUS_SLUG}/registrations",
                   f"/organizer/events/{WORKSHOP_SLUG}/invitations", f"/organizer/events/{HEARING_SLUG}/checkin",
                   f"/organizer/events/{FOCUS_SLUG}/attendance", f"/organizer/events/{WORKSHOP_SLUG}/messages",
                   f"/organizer/events/{HEARING_SLUG}/team", f"/organizer/events/{HEARING_SLUG}/webhooks",
                   "/organizer/users", "/organizer/password",
                   f"/organizer/events/{HEARING_SLUG}/survey", f"/organizer/events/{HEARING_SLUG}/survey/results"]


@pytest.mark.parametrize("width", VIEWPORTS)
def test_public_pages_have_no_serious_accessibility_violations(browser, live_server, registrant, width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        failures = []
        for path in PUBLIC_PAGES:
            response = page.goto(path)
            assert response.ok, (path, response.status)
            try:
                assert_accessible(page, path)
            except AssertionError as error:
                failures.append(str(error))
        # The registration form, empty and with its errors shown.
        page.goto(f"/events/{FOCUS_SLUG}/register")
        try:
            assert_accessible(page, "registration form")
        except AssertionError as error:
            failures.append(str(error))
        with page.expect_navigation():
            page.locator("form.registration button").last.click()
        expect(page.locator("#error-summary")).to_be_visible()
        try:
            assert_accessible(page, "registration form with errors")
        except AssertionError as error:
            failures.append(str(error))
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_registrants_pages_have_no_serious_accessibility_violations(browser, live_server, registrant, width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        failures = []
        # The result page, as a new registrant sees it.
        page.goto(f"/events/{HEARING_SLUG}/register")
        page.fill("#first_name", "มานี")
        page.fill("#last_name", f"ทดสอบ{width}")
        page.select_option("#sector", "public")
        page.fill("#email", f"manee.{width}@example.org")
        page.check("#consent_processing")
        with page.expect_navigation():
            page.locator("form.registration button").last.click()
        expect(page.locator("#result")).to_be_visible()
        pages = [("result page", None), ("my page", f"/my/{registrant}"), ("my edit page", f"/my/{registrant}/edit")]
        for what, path in pages:
            if path:
                page.goto(path)
            try:
                assert_accessible(page, what)
            except AssertionError as error:
                failures.append(str(error))
        page.goto(f"/my/{registrant}")
        ticket = page.locator("#ticket a").first.get_attribute("href")
        page.goto(ticket)
        try:
            assert_accessible(page, "ticket page")
        except AssertionError as error:
            failures.append(str(error))
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_organizer_pages_have_no_serious_accessibility_violations(browser, live_server, registrant, width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        sign_in(page, "admin@example.org")
        failures = []
        for path in ORGANIZER_PAGES:
            response = page.goto(path)
            assert response.ok, (path, response.status)
            try:
                assert_accessible(page, path)
            except AssertionError as error:
                failures.append(str(error))
        # The event form with errors (every one in one round).
        page.goto(f"/organizer/events/{HEARING_SLUG}/edit")
        page.fill("#title_th", "")
        page.fill("#capacity", "-5")
        with page.expect_navigation():
            page.locator("main form button").last.click()
        expect(page.locator("#error-summary")).to_be_focused()
        try:
            assert_accessible(page, "event form with errors")
        except AssertionError as error:
            failures.append(str(error))
        # The webhook form with a refused URL, reached and sent with the keyboard.
        page.goto(f"/organizer/events/{HEARING_SLUG}/webhooks")
        page.focus("#url")
        page.keyboard.type("http://hooks.example.org/in")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.locator("#error-summary")).to_be_focused()
        try:
            assert_accessible(page, "webhook form with errors")
        except AssertionError as error:
            failures.append(str(error))
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()


# ---- comments on the draft (eventsvc/comments/) --------------------------------------------

COMMENT_PAGES = ["public page", "organizer list", "settings", "sections", "registrant's form", "commenter's page"]


def _comment_page_path(live_server, which):
    """The path of one of the comment pages on the demo hearing (its draft has sections and comments)."""
    import uuid

    from eventsvc.comments import services as comment_services
    from eventsvc.comments.models import Commenter
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.registration import services as registration_services

    simple = {"public page": f"/events/{HEARING_SLUG}/comments",
              "organizer list": f"/organizer/events/{HEARING_SLUG}/comments",
              "settings": f"/organizer/events/{HEARING_SLUG}/comments/settings"}
    if which in simple:
        return simple[which]
    with live_server.app.app_context():
        hearing = get_event(HEARING_SLUG, with_attachments=True)
        if which == "sections":
            return f"/organizer/events/{HEARING_SLUG}/documents/{hearing.attachments[0].id}/sections"
        if which == "commenter's page":
            commenter = db.session.query(Commenter).filter_by(event_id=hearing.id).first()
            return f"/comments/{comment_services.commenter_token(commenter)}"
        result = registration_services.register(hearing, {
            "first_name": "วิภา", "last_name": "เข้าถึงได้", "email": f"wipa.{uuid.uuid4().hex[:6]}@example.org",
            "sector": "civil_society", "attendance": "online", "consent_processing": True})
        db.session.commit()
        return f"/my/{result.manage_token}/comments"


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("which", COMMENT_PAGES)
def test_comment_pages_have_no_serious_accessibility_violations(browser, live_server, which, width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        path = _comment_page_path(live_server, which)
        if path.startswith("/organizer/"):
            sign_in(page)
        response = page.goto(path)
        assert response.status == 200, (which, response.status)
        assert_accessible(page, which)
        if which == "registrant's form":
            # With errors beside the fields (nothing written).
            with page.expect_navigation():
                page.locator("#send-comment").click()
            expect(page.locator("#error-summary")).to_be_focused()
            assert_accessible(page, "the comment form with errors")
    finally:
        context.close()


# ---- the summary report (eventsvc/reports) ----------------------------------------------------

def _report_with_errors(page):
    page.goto(f"/organizer/events/{HEARING_SLUG}/report")
    page.set_input_files("#file", files=[{"name": "summary.txt", "mimeType": "text/plain", "buffer": b"text"}])
    with page.expect_navigation():
        page.locator("form[enctype] button").click()
    expect(page.locator("#error-summary")).to_be_focused()


REPORT_PAGES = {
    "report page": lambda page: page.goto(f"/organizer/events/{HEARING_SLUG}/report"),
    "report page in English": lambda page: page.goto(f"/organizer/events/{HEARING_SLUG}/report?lang=en"),
    "report upload with errors": _report_with_errors,
    "dashboard with the summary's deadline": lambda page: page.goto(f"/organizer/events/{HEARING_SLUG}/dashboard"),
    "back office with the summary's deadline": lambda page: page.goto(f"/organizer/events/{HEARING_SLUG}"),
    # The demo's hearing that took place has its summary published (a summary is refused before the end).
    "event page with the published summary": lambda page: page.goto("/events/open-government-data-standard-hearing"),
}


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("what", REPORT_PAGES)
def test_the_summary_report_pages_have_no_serious_accessibility_violations(browser, live_server, width, what):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        sign_in(page, "organizer@example.org")
        REPORT_PAGES[what](page)
        if what == "event page with the published summary":
            expect(page.locator("#published-summary")).to_be_visible()
        elif what != "report upload with errors":
            expect(page.locator("#summary-deadline, #download-pdf").first).to_be_visible()
        assert_accessible(page, what)
    finally:
        context.close()


# ---- the demo's hearing that took place (eventsvc/demo.py, PAST_HEARING): its pages full of real data ----------

PAST_SLUG = "open-government-data-standard-hearing"


def _past_participant_path(live_server, which):
    """The printed participant's /my page, or the /verify page of their certificate (issued once)."""
    import sqlalchemy as sa

    from eventsvc.certificates import services as certificate_services
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.registration.models import Registration

    with live_server.app.app_context():
        event = get_event(PAST_SLUG)
        person = db.session.scalar(sa.select(Registration).where(Registration.event_id == event.id)
                                   .order_by(Registration.id).limit(1))
        if which == "my":
            return f"/my/{person.manage_token}"
        certificate = certificate_services.issue(person, actor=None)
        db.session.commit()
        return f"/verify/{certificate.code}"


PAST_PAGES = {
    "event page": f"/events/{PAST_SLUG}",
    "public comments": f"/events/{PAST_SLUG}/comments",
    "participant's page": "my",
    "certificate check": "verify",
    "report page": f"/organizer/events/{PAST_SLUG}/report",
    "survey results": f"/organizer/events/{PAST_SLUG}/survey/results",
    "dashboard": f"/organizer/events/{PAST_SLUG}/dashboard",
}


@pytest.mark.parametrize("width", VIEWPORTS)
@pytest.mark.parametrize("what", PAST_PAGES)
def test_the_demo_past_hearing_pages_have_no_serious_accessibility_violations(browser, live_server, width, what):
    path = PAST_PAGES[what]
    if not path.startswith("/"):
        path = _past_participant_path(live_server, path)
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        if path.startswith("/organizer/"):
            sign_in(page, "organizer@example.org")
        response = page.goto(path)
        assert response.ok, (path, response.status)
        assert_accessible(page, what)
    finally:
        context.close()
