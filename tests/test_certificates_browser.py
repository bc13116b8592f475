"""Certificates in the browser: the /my panel, its download, and /verify/<code> (valid, erased, not valid) pass axe-core."""
from datetime import timedelta

import pytest

from test_accessibility import VIEWPORTS, _context, assert_accessible
from test_browser import HEARING_SLUG, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def certificates(live_server):
    """Two online participants of the demo hearing's morning, each with a certificate; the second then erased.

    The live server's clock is set to after the morning session (the demo's sessions are in the future).
    """
    from eventsvc.certificates import services
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.livestream.services import record_join
    from eventsvc.registration import privacy
    from eventsvc.registration import services as registration_services

    app = live_server.app
    with app.app_context():
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        morning = hearing.sessions[0]
        after = morning.ends_at + timedelta(hours=2)
        app.config["CLOCK"] = lambda: after
        people = []
        for n, name in enumerate(("ใบรับรอง", "ถูกลบ")):
            result = registration_services.register(hearing, {
                "first_name": "ผู้เข้าร่วม", "last_name": name, "email": f"certificate{n}@example.org",
                "organization": "กรมการปกครอง", "sector": "government", "attendance": "online",
                "consent_processing": True})
            record_join(result.registration, morning, morning.starts_at + timedelta(minutes=5))
            certificate = services.issue(result.registration, actor=None, now=after)
            people.append((result.registration, result.manage_token, certificate.code))
        privacy.erase_registration(people[1][0], now=after)
        db.session.commit()
    yield {"token": people[0][1], "valid": people[0][2], "erased": people[1][2]}
    app.config["CLOCK"] = None


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_certificate_pages_have_no_serious_accessibility_violations(browser, live_server, certificates, width):
    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        failures = []
        forged = certificates["valid"][:-2] + ("AA" if not certificates["valid"].endswith("AA") else "BB")
        for what, path, verdict in (("verify: valid", f"/verify/{certificates['valid']}", "yes"),
                                    ("verify: erased", f"/verify/{certificates['erased']}", "erased"),
                                    ("verify: not valid", f"/verify/{forged}", "no"),
                                    ("verify in English", f"/verify/{certificates['valid']}?lang=en", "yes")):
            page.goto(path)
            assert page.locator("#verdict").get_attribute("data-valid") == verdict, what
            try:
                assert_accessible(page, what)
            except AssertionError as error:
                failures.append(str(error))
        page.goto(f"/my/{certificates['token']}")
        link = page.locator("#certificate-download")
        assert link.is_visible()
        try:
            assert_accessible(page, "my page with the certificate")
        except AssertionError as error:
            failures.append(str(error))
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()


def test_the_registrant_downloads_the_pdf_from_the_my_page_with_the_keyboard(browser, live_server, certificates):
    context = _context(browser, live_server, VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        page.goto(f"/my/{certificates['token']}")
        page.locator("#certificate-download").focus()
        with page.expect_download() as info:
            page.keyboard.press("Enter")
        download = info.value
        assert download.suggested_filename == f"certificate-{HEARING_SLUG}.pdf"
        with open(download.path(), "rb") as handle:
            assert handle.read(5) == b"%PDF-"
    finally:
        context.close()


@pytest.mark.parametrize("width", VIEWPORTS)
def test_a_code_typed_into_the_verify_form_with_the_keyboard_is_checked_and_the_form_passes_axe(
        browser, live_server, certificates, width):
    """A person holding a paper certificate types its code (in the printed groups) at /verify."""
    from eventsvc.certificates.codes import grouped

    context = _context(browser, live_server, VIEWPORTS[width])
    try:
        page = context.new_page()
        failures = []
        page.goto("/verify")
        for what in ("verify: the form",):
            try:
                assert_accessible(page, what)
            except AssertionError as error:
                failures.append(str(error))
        page.locator("#verify-code").fill("nOt A rEaL cOdE")
        page.locator("#verify-code").press("Enter")
        assert page.locator("#verdict").get_attribute("data-valid") == "no"
        try:
            assert_accessible(page, "verify: not valid, try again")
        except AssertionError as error:
            failures.append(str(error))
        page.locator("#verify-code").fill(grouped(certificates["valid"]))
        page.locator("#verify-code").press("Enter")
        assert page.locator("#verdict").get_attribute("data-valid") == "yes"
        page.goto("/verify?code=+")
        try:
            assert_accessible(page, "verify: empty code")
        except AssertionError as error:
            failures.append(str(error))
        assert not failures, "\n\n".join(failures)
    finally:
        context.close()
