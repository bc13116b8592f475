"""The dashboard: an event's numbers per day (Bangkok time), per category and per session, drawn as SVG beside
their tables; the organizer's home with the events of their teams. The expected numbers are built here from
what each test did, never read back from the service."""
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta, timezone

import lxml.html
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from conftest import add_member, person, reload
from test_browser import browser, live_server  # noqa: F401  (fixtures for the browser test at the end)
from eventsvc.accounts.models import Role
from eventsvc.checkin.services import check_in
from eventsvc.events import services as event_services
from eventsvc.events.models import DailyTraffic
from eventsvc.livestream.services import record_join
from eventsvc.registration import services as registration_services
from eventsvc.timefmt import BANGKOK

SVG = "{http://www.w3.org/2000/svg}"


def bangkok(day, hour=10, minute=0):
    """A moment given in Bangkok time, as the aware UTC datetime the services take."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BANGKOK).astimezone(timezone.utc)


def register_at(db, clock, event, n, when, **fields):
    clock.set(when)
    result = registration_services.register(event, person(n, **fields), now=when)
    db.session.commit()
    return result.registration


def svg_chart(html, chart_id):
    """The chart's <svg> exactly as sent, parsed as XML (a parse error fails the test: it must be well-formed)."""
    match = re.search(rf'<svg\b[^>]*\bid="{chart_id}".*?</svg>', html, re.S)
    assert match, f"no chart {chart_id} in the page"
    return ET.fromstring(match.group(0))


def bars(svg):
    return [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def table_rows(html, table_id):
    tree = lxml.html.fromstring(html)
    [table] = tree.xpath(f'//table[@id="{table_id}"]')
    return table, table.xpath("./tbody/tr")


def cell(row, name):
    return int(row.xpath(f'./td[@class="{name}"]')[0].text_content().replace(",", ""))


@pytest.fixture
def dashboard(client, login_as, organizer):
    def get(event, user=None):
        login_as(user=user or organizer)
        response = client.get(f"/organizer/events/{event.slug}/dashboard")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        assert "Content-Security-Policy" in response.headers
        return response.get_data(as_text=True)

    return get


# ---- registrations per day ----------------------------------------------------------------------

def test_registrations_per_day_count_new_and_cancelled_on_bangkok_days_with_a_running_total(
        db, clock, make_event, dashboard):
    event = make_event(starts_in=timedelta(days=60))
    # 20 Nov 23:30 in Bangkok is 16:30 UTC; 21 Nov 00:30 in Bangkok is still 20 Nov in UTC.
    made = {
        1: bangkok(20, 9), 2: bangkok(20, 23, 30), 3: bangkok(21, 0, 30), 4: bangkok(21, 15),
        5: bangkok(23, 11),  # nothing on the 22nd: the day is shown, with zero
    }
    registrations = {n: register_at(db, clock, event, n, when) for n, when in made.items()}
    clock.set(bangkok(23, 16))
    registration_services.cancel_registration(registrations[2], now=bangkok(23, 16))
    db.session.commit()

    days = ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    new = Counter(when.astimezone(BANGKOK).date().isoformat() for when in made.values())
    cancelled = Counter({"2026-11-23": 1})
    running, expected = 0, []
    for day in days:
        running += new[day] - cancelled[day]
        expected.append((day, new[day], cancelled[day], running))
    assert expected == [("2026-11-20", 2, 0, 2), ("2026-11-21", 2, 0, 4), ("2026-11-22", 0, 0, 4),
                        ("2026-11-23", 1, 1, 4)]

    html = dashboard(event)
    table, rows = table_rows(html, "table-registrations")
    assert [(r.get("data-day"), cell(r, "new"), cell(r, "cancelled"), cell(r, "total")) for r in rows] == expected
    # Thai page: the days in the Buddhist era, in the table and under the columns.
    assert rows[0].xpath("./th")[0].text_content() == "20 พ.ย. 2569"

    columns = svg_chart(html, "chart-registrations-new")
    assert len(bars(columns)) == len(days)
    assert [int(b.get("data-value")) for b in bars(columns)] == [n for _, n, _, _ in expected]
    assert columns.get("role") == "img"
    assert any(text.text == "20 พ.ย. 2569" for text in columns.iter(f"{SVG}text"))
    line = svg_chart(html, "chart-registrations-total")
    assert [int(p.get("data-value")) for p in line.iter(f"{SVG}circle")] == [t for _, _, _, t in expected]
    assert len(line.find(f"{SVG}polyline").get("points").split()) == len(days)


def test_each_chart_is_named_by_its_title_and_described_by_its_tables_caption(db, clock, make_event, dashboard):
    event = make_event()
    register_at(db, clock, event, 1, bangkok(20))
    html = dashboard(event)
    tree = lxml.html.fromstring(html)
    for chart_id in ("chart-registrations-new", "chart-registrations-total", "chart-sectors", "chart-attendance",
                     "chart-seats", "chart-take-up"):
        svg = svg_chart(html, chart_id)
        [title] = svg.findall(f"{SVG}title")
        assert svg.get("aria-labelledby") == title.get("id") and title.text.strip()
        caption = tree.xpath(f'//caption[@id="{svg.get("aria-describedby")}"]')
        assert caption and caption[0].text_content().strip(), chart_id
        assert "style" not in {attribute for element in svg.iter() for attribute in element.attrib}


def test_the_english_page_writes_the_days_in_the_gregorian_year(client, db, clock, make_event, dashboard):
    event = make_event()
    register_at(db, clock, event, 1, bangkok(20))
    dashboard(event)
    html = client.get(f"/organizer/events/{event.slug}/dashboard?lang=en").get_data(as_text=True)
    _, rows = table_rows(html, "table-registrations")
    assert rows[0].xpath("./th")[0].text_content() == "20 Nov 2026"


# ---- page views and downloads per day -----------------------------------------------------------

def _attachment(db, event):
    attachment = event_services.add_attachment(
        event, FileStorage(io.BytesIO(b"%PDF-1.4 draft"), filename="ร่างแผน.pdf"), "ร่างแผน")
    db.session.commit()
    return attachment


def test_page_views_and_downloads_are_counted_per_bangkok_day_and_the_totals_stay(
        client, db, clock, make_event, dashboard):
    event = make_event()
    attachment = _attachment(db, event)
    download = f"/events/{event.slug}/documents/{attachment.id}/{attachment.filename}"
    visits = {bangkok(20, 9): (3, 1), bangkok(21, 23, 50): (1, 2), bangkok(23, 0, 10): (2, 0)}
    for when, (views, downloads) in visits.items():
        clock.set(when)
        for _ in range(views):
            assert client.get(f"/events/{event.slug}").status_code == 200
        for _ in range(downloads):
            assert client.get(download).status_code == 200
    expected = [("2026-11-20", 3, 1), ("2026-11-21", 1, 2), ("2026-11-22", 0, 0), ("2026-11-23", 2, 0)]

    html = dashboard(event)
    _, rows = table_rows(html, "table-traffic")
    assert [(r.get("data-day"), cell(r, "page-views"), cell(r, "downloads")) for r in rows] == expected
    assert [int(b.get("data-value")) for b in bars(svg_chart(html, "chart-page-views"))] == [v for _, v, _ in expected]
    assert [int(b.get("data-value")) for b in bars(svg_chart(html, "chart-downloads"))] == [d for _, _, d in expected]
    # The totals are kept as before, beside the days.
    assert reload(db, event).view_count == 6
    assert reload(db, attachment).download_count == 3


@pytest.mark.app_config(VIEW_COUNT_FLUSH_SECONDS=3600)
def test_one_flush_writes_each_view_on_the_day_it_happened(client, db, clock, make_event):
    from eventsvc.events.services import page_views

    event = make_event()
    page_views.write()  # whatever an earlier test left in memory
    clock.set(bangkok(20, 23, 59))
    client.get(f"/events/{event.slug}")
    client.get(f"/events/{event.slug}")
    clock.set(bangkok(21, 0, 1))
    client.get(f"/events/{event.slug}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DailyTraffic)) == 0  # still in memory
    page_views.write()
    db.session.rollback()
    rows = db.session.execute(sa.select(DailyTraffic.day, DailyTraffic.page_views)
                              .where(DailyTraffic.event_id == event.id).order_by(DailyTraffic.day)).all()
    assert [(day.isoformat(), n) for day, n in rows] == [("2026-11-20", 2), ("2026-11-21", 1)]
    assert reload(db, event).view_count == 3
    # A second flush adds to the same day's row.
    client.get(f"/events/{event.slug}")
    page_views.write()
    db.session.rollback()
    assert db.session.scalar(sa.select(DailyTraffic.page_views).where(
        DailyTraffic.event_id == event.id, DailyTraffic.day == rows[1][0])) == 2


# ---- categories, seats, take-up -----------------------------------------------------------------

def test_sectors_attendance_seats_and_take_up_match_what_happened(db, clock, make_event, make_user, dashboard):
    event = make_event(session_capacity=5)
    morning, afternoon = event.sessions
    people = [  # (sector, attendance, sessions)
        ("government", "onsite", [morning.id, afternoon.id]),
        ("government", "online", [morning.id]),
        ("academic", "onsite", [morning.id]),
        ("private", "online", [afternoon.id]),
    ]
    registrations = [register_at(db, clock, event, n, bangkok(20, 8 + n), sector=sector, attendance=attendance,
                                 sessions=sessions)
                     for n, (sector, attendance, sessions) in enumerate(people)]
    registration_services.cancel_registration(register_at(db, clock, event, 9, bangkok(20, 20), sector="academic",
                                                          sessions=[morning.id]), now=bangkok(20, 21))
    db.session.commit()
    door = make_user(Role.checkin)
    add_member(db, event, door, "checkin")
    check_in(registrations[0], morning, door, "search", now=morning.starts_at)
    check_in(registrations[2], morning, door, "search", now=morning.starts_at)
    record_join(registrations[1], morning, morning.starts_at)
    record_join(registrations[0], morning, morning.starts_at)  # checked in and joined: counts once
    db.session.commit()

    html = dashboard(event)
    _, rows = table_rows(html, "table-sectors")
    sectors = {r.get("data-key"): cell(r, "count") for r in rows}
    assert sectors == {"government": 2, "state_enterprise": 0, "private": 1, "academic": 1, "civil_society": 0,
                       "public": 0}
    assert [int(b.get("data-value")) for b in bars(svg_chart(html, "chart-sectors"))] == list(sectors.values())
    _, rows = table_rows(html, "table-attendance")
    assert {r.get("data-key"): cell(r, "count") for r in rows} == {"onsite": 2, "online": 2}

    _, rows = table_rows(html, "table-seats")
    assert [(cell(r, "seats-taken"), cell(r, "capacity")) for r in rows] == [(3, 5), (2, 5)]
    seats = svg_chart(html, "chart-seats")
    assert [int(b.get("data-value")) for b in bars(seats)] == [3, 2]
    assert [int(t.get("data-value")) for t in seats.iter(f"{SVG}rect") if t.get("class") == "track"] == [5, 5]

    _, rows = table_rows(html, "table-take-up")
    assert [(cell(r, "registered"), cell(r, "checked-in"), cell(r, "joined-online"), cell(r, "took-part"))
            for r in rows] == [(3, 2, 2, 3), (2, 0, 0, 0)]
    assert [r.xpath('./td[@class="take-up"]')[0].text_content() for r in rows] == ["100%", "0%"]
    assert [int(b.get("data-value")) for b in bars(svg_chart(html, "chart-take-up"))] == [3, 0]
    tree = lxml.html.fromstring(html)
    assert tree.xpath('//*[@id="total-confirmed"]')[0].text_content() == "4"
    assert tree.xpath('//*[@id="total-took-part"]')[0].text_content() == "3"


def test_an_event_with_no_data_shows_empty_states_and_no_division_by_zero(db, make_event, dashboard):
    html = dashboard(make_event(sessions=0, status="draft"))
    tree = lxml.html.fromstring(html)
    for empty in ("empty-registrations", "empty-traffic", "empty-sessions"):
        assert tree.xpath(f'//*[@id="{empty}"]'), empty
    sectors = svg_chart(html, "chart-sectors")
    assert [b.get("data-value") for b in bars(sectors)] == ["0"] * 6
    assert all(float(b.get("width")) == 0 for b in bars(sectors))


def test_a_session_nobody_registered_for_has_no_take_up_rather_than_a_division_by_zero(make_event, dashboard):
    html = dashboard(make_event(sessions=1))
    _, [row] = table_rows(html, "table-take-up")
    assert row.xpath('./td[@class="take-up"]')[0].text_content() == "–"
    assert [b.get("data-value") for b in bars(svg_chart(html, "chart-take-up"))] == ["0"]


# ---- who may see it -----------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("owner", 200), ("organizer", 200), ("viewer", 200), ("checkin", 403)])
def test_the_team_roles_that_may_view_see_the_dashboard_and_the_door_staff_do_not(
        client, db, make_event, make_user, login_as, role, status):
    event = make_event()
    user = make_user(Role.organizer if role != "checkin" else Role.checkin)
    if role == "owner":
        event = make_event(owner=user)
    else:
        add_member(db, event, user, role)
    login_as(user=user)
    assert client.get(f"/organizer/events/{event.slug}/dashboard").status_code == status


def test_someone_not_on_the_team_gets_403_and_a_stranger_the_login_page(client, make_event, make_user, login_as):
    event = make_event()
    response = client.get(f"/organizer/events/{event.slug}/dashboard")
    assert response.status_code == 302 and "/organizer/login" in response.headers["Location"]
    login_as(user=make_user(Role.organizer))
    assert client.get(f"/organizer/events/{event.slug}/dashboard").status_code == 403
    assert client.get("/organizer/events/no-such-event/dashboard").status_code == 404


def test_the_event_page_for_the_team_links_to_the_dashboard(client, make_event, login_as, organizer):
    event = make_event()
    login_as(user=organizer)
    tree = lxml.html.fromstring(client.get(f"/organizer/events/{event.slug}").get_data(as_text=True))
    assert tree.xpath('//a[@id="dashboard-link"]/@href') == [f"/organizer/events/{event.slug}/dashboard"]


# ---- the organizer's home -----------------------------------------------------------------------

def _home_rows(client, table_id):
    html = client.get("/organizer/").get_data(as_text=True)
    tree = lxml.html.fromstring(html)
    tables = tree.xpath(f'//table[@id="{table_id}"]')
    return {r.get("data-event"): r for r in tables[0].xpath("./tbody/tr[@data-event]")} if tables else {}


def test_the_organizers_home_lists_their_teams_events_upcoming_then_past_with_numbers_and_role(
        client, db, clock, make_event, make_user, login_as, organizer):
    me = make_user(Role.organizer)
    soon = make_event(capacity=2, starts_in=timedelta(days=3))
    later = make_event(owner=me, starts_in=timedelta(days=40))
    not_mine = make_event(starts_in=timedelta(days=5))
    over = make_event(starts_in=timedelta(days=1))
    add_member(db, soon, me, "viewer")
    add_member(db, over, me, "checkin")
    for n in range(3):  # two seats: the third waits
        register_at(db, clock, soon, n, clock.now)
    confirmed = db.session.scalars(sa.select(registration_services.Registration).where(
        registration_services.Registration.event_id == soon.id,
        registration_services.Registration.status == "confirmed")).all()
    check_in(confirmed[0], soon.sessions[0], organizer, "search", now=soon.sessions[0].starts_at)
    db.session.commit()
    clock.set(over.ends_at + timedelta(hours=1))  # `over` is now past; `soon` and `later` still to come

    login_as(user=me)
    upcoming = _home_rows(client, "upcoming-events")
    assert list(upcoming) == [soon.slug, later.slug]  # soonest first; not_mine is not there
    row = upcoming[soon.slug]
    assert (cell(row, "registered"), cell(row, "waitlisted"), cell(row, "seats-left"), cell(row, "took-part")) \
        == (2, 1, 0, 1)
    assert upcoming[soon.slug].xpath('./td[@class="role"]')[0].text_content() == "ผู้ดูข้อมูล"
    assert upcoming[later.slug].xpath('./td[@class="role"]')[0].text_content() == "เจ้าของกิจกรรม"
    past = _home_rows(client, "past-events")
    assert list(past) == [over.slug]
    # The door staff of an event get its door, not its back office.
    assert not past[over.slug].xpath('.//a[@class="dashboard-link"]')
    assert not_mine.slug not in past


def test_an_admin_sees_every_event_on_the_home_page(client, make_event, login_as):
    events = [make_event(starts_in=timedelta(days=d)) for d in (2, 4)]
    login_as(Role.admin)
    upcoming = _home_rows(client, "upcoming-events")
    assert list(upcoming) == [e.slug for e in events]
    assert all(r.xpath('.//a[@class="dashboard-link"]') for r in upcoming.values())


# ---- the SVG builder ----------------------------------------------------------------------------

def test_the_value_axis_tops_at_a_round_number_never_at_zero():
    from eventsvc.dashboard.charts import nice_ceiling

    assert [nice_ceiling(v) for v in (0, 1, 2, 3, 7, 10, 11, 120, 999)] == [1, 1, 2, 5, 10, 10, 20, 200, 1000]


def test_a_long_period_keeps_one_column_per_day_and_a_few_readable_day_labels():
    from eventsvc.dashboard.charts import MAX_AXIS_LABELS, Point, column_chart

    points = [Point(f"{n + 1} ม.ค. 2570", n % 7) for n in range(120)]
    svg = ET.fromstring(str(column_chart("c", "ทดสอบ <&>", points)))
    assert len(bars(svg)) == 120
    labels = [t.text for t in svg.iter(f"{SVG}text") if "ม.ค." in (t.text or "")]
    assert labels[0] == "1 ม.ค. 2570" and len(labels) <= MAX_AXIS_LABELS
    assert svg.find(f"{SVG}title").text == "ทดสอบ <&>"  # escaped on the way out, read back as written


# ---- in the browser: axe-core and the Content-Security-Policy ----------------------------------------

CSP_LISTENER = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));"""


@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_dashboard_pages_pass_axe_and_the_csp_blocks_nothing_on_them(browser, live_server, viewport):
    from test_accessibility import VIEWPORTS, _context, assert_accessible, sign_in
    from test_browser import HEARING_SLUG

    from eventsvc.events.services import get_event, page_views
    from eventsvc.extensions import db

    with live_server.app.app_context():
        hearing = get_event(HEARING_SLUG, with_sessions=True)
        for n, sector in enumerate(("government", "academic", "civil_society")):
            registration_services.register(hearing, person(900 + n, sector=sector, attendance="online",
                                                           email=f"dash-{viewport}-{n}@example.org"))
        db.session.commit()
    context = _context(browser, live_server, VIEWPORTS[viewport])
    try:
        page = context.new_page()
        page.add_init_script(CSP_LISTENER)
        console = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(f"/events/{HEARING_SLUG}")
        page_views.write()  # the views per day, written now rather than in a few seconds
        sign_in(page)
        for path in (f"/organizer/events/{HEARING_SLUG}/dashboard", "/organizer/",
                     f"/organizer/events/{HEARING_SLUG}/dashboard?lang=en"):
            page.goto(path)
            assert_accessible(page, path)
            assert page.evaluate("() => window.__cspViolations") == [], path
            assert not [text for text in console if "Content Security Policy" in text], console
        page.goto(f"/organizer/events/{HEARING_SLUG}/dashboard")
        for chart in ("#chart-registrations-new", "#chart-page-views", "#chart-sectors", "#chart-take-up"):
            box = page.locator(chart).bounding_box()
            assert box and box["width"] > 200 and box["height"] > 50, chart  # drawn, sized by site.css
        # The stylesheet colours the bars (an SVG shape without it would be black).
        assert page.evaluate("() => getComputedStyle(document.querySelector('#chart-sectors .bar')).fill") \
            == "rgb(11, 92, 173)"
        # The tables are reachable with the keyboard (they scroll on a phone).
        page.locator("#table-registrations").evaluate("t => t.parentElement.focus()")
        assert page.evaluate("() => document.activeElement.contains(document.querySelector('#table-registrations'))")
    finally:
        context.close()
