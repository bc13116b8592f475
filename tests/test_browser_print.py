"""The printed sign-in sheet in Debian's chromium: on A4, the signature column keeps its width and stays on the page."""
import pytest
import sqlalchemy as sa

from conftest import person
# The live server and browser of the main browser tests (one server and one browser for this module).
from test_browser import DEMO_PASSWORD, _new_page, browser, live_server, submit  # noqa: F401

pytestmark = pytest.mark.browser

FOCUS_GROUPS = "digital-government-plan-focus-groups"  # the demo's hybrid event
A4_WIDTH_PX = round(210 / 25.4 * 96)  # 794 CSS pixels
MM = 96 / 25.4

# Names that would stretch a column set by its content: long Thai without spaces, and a long unbroken Latin run.
LONG_NAMES = [
    ("ศาสตราจารย์ ดร.", "เฉลิมพระเกียรติวิทยาลงกรณ์มหาราชานุสรณ์", "ศรีสุวรรณภูมิวัฒนาประเสริฐกุลวงศ์"),
    ("นาย", "Maximilianus" * 6, "Wolfeschlegelsteinhausenbergerdorff"),
    ("นางสาว", "ไอศวรรย์", "แก้วประเสริฐ"),
]


@pytest.fixture(scope="module")
def hybrid_session(live_server):
    """Three on-site people with long names and one online person on the demo focus groups' first session."""
    from eventsvc.events.models import Event
    from eventsvc.extensions import db
    from eventsvc.registration import services as registration_services

    with live_server.app.test_request_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == FOCUS_GROUPS))
        session = event.sessions[0]
        for n, (prefix, first, last) in enumerate(LONG_NAMES, start=900):
            registration_services.register(event, person(n, title_prefix=prefix, first_name=first, last_name=last,
                                                         organization="สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) " * 2,
                                                         attendance="onsite", sessions=[session.id]))
        registration_services.register(event, person(950, first_name="ผู้ชมออนไลน์", attendance="online",
                                                     sessions=[session.id]))
        db.session.commit()
        return session.id


@pytest.fixture
def organizer_page(browser, live_server):  # noqa: F811
    context, page = _new_page(browser, live_server, locale="th-TH", timezone_id="Asia/Bangkok",
                              viewport={"width": A4_WIDTH_PX, "height": 1123})
    page.goto("/organizer/login")
    page.fill("#email", "organizer@example.org")
    page.fill("#password", DEMO_PASSWORD)
    submit(page, "main form")
    yield page
    context.close()
    assert not page.js_errors, page.js_errors


def test_the_signature_column_stays_whole_on_an_a4_page_whatever_the_names(organizer_page, hybrid_session):
    page = organizer_page
    page.emulate_media(media="print")
    page.goto(f"/organizer/events/{FOCUS_GROUPS}/sessions/{hybrid_session}/sign-in-sheet")
    # On site only by default: the three long names, not the online viewer.
    assert page.locator("tbody tr[data-registration]").count() >= 3
    assert page.locator('tbody tr[data-attendance="online"]').count() == 0

    table = page.locator("#sign-in-table").bounding_box()
    header = page.locator("#signature-header").bounding_box()
    printable = A4_WIDTH_PX - 2 * 12 * MM  # @page margins 12 mm left and right
    assert table["x"] + table["width"] <= A4_WIDTH_PX and table["width"] <= printable + 1
    assert header["x"] + header["width"] <= table["x"] + table["width"] + 1
    assert abs(header["width"] - 40 * MM) < 2  # 40 mm to sign in, never squeezed by a long name
    # Every long name wraps inside its own cell: nothing spills into the next column.
    overflowing = page.evaluate("""() => [...document.querySelectorAll('#sign-in-table td, #sign-in-table th')]
        .filter(cell => cell.scrollWidth > cell.clientWidth + 1).map(cell => cell.textContent)""")
    assert overflowing == []
    for row in page.locator("tbody tr[data-registration] td.sign").all():
        assert abs(row.bounding_box()["width"] - header["width"]) < 1

    assert page.locator("#sheet-scope").is_hidden()  # the on-screen toggle is not printed
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_everyone_can_be_put_on_the_sheet(organizer_page, hybrid_session):
    page = organizer_page
    page.goto(f"/organizer/events/{FOCUS_GROUPS}/sessions/{hybrid_session}/sign-in-sheet")
    page.locator("#sheet-everyone").click()
    page.wait_for_url("**everyone=1")
    assert page.locator('tbody tr[data-attendance="online"]').count() == 1
    assert page.locator("#sheet-scope").get_attribute("data-scope") == "everyone"
