"""Who took part: the published list (consenting people only, no contact data), the numbers, exports and sign-in sheets."""
import csv
import io
import re
import tracemalloc
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, person
from eventsvc.attendees import services
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import CheckinMethod
from eventsvc.events import services as event_services
from eventsvc.livestream.services import record_join
from eventsvc.registration import services as registration_services
from eventsvc.spreadsheets import csv_chunks
from eventsvc.timefmt import BANGKOK
from eventsvc.registration import privacy as registration_privacy

PHONE = re.compile(r"0\d[\d -]{7,11}\d")


def register(db, event, n, **overrides):
    result = registration_services.register(event, person(n, **overrides))
    db.session.commit()
    return result.registration, result.manage_token


@pytest.fixture
def published(db, make_event):
    event = make_event(contact_phone="", contact_email="")
    event_services.update_event(event, {"attendee_list_published": True})
    db.session.commit()
    return event


def test_the_list_is_404_until_published(db, client, make_event):
    event = make_event()
    register(db, event, 1, consent_listing=True)
    assert client.get(f"/events/{event.slug}/attendees").status_code == 404
    assert client.get(f"/api/v1/events/{event.slug}/attendees").status_code == 404
    assert 'id="attendee-list-link"' not in client.get(f"/events/{event.slug}").get_data(as_text=True)
    event_services.update_event(event, {"attendee_list_published": True})
    db.session.commit()
    assert client.get(f"/events/{event.slug}/attendees").status_code == 200
    # The event page points at it ("see who registered", as in the seed's workshop).
    assert f'id="attendee-list-link" href="/events/{event.slug}/attendees"' in \
        client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_only_people_who_agreed_are_listed_and_never_their_contact_data(db, client, published):
    register(db, published, 1, consent_listing=True, organization="กรมการปกครอง")
    register(db, published, 2, consent_listing=False)
    register(db, published, 3, consent_listing=True, title_prefix="ดร.", first_name="วิภา", last_name="ศรีสุข",
             organization="มหาวิทยาลัยเชียงใหม่", sector="academic", phone="053 943 000")
    html = client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)
    body = client.get(f"/api/v1/events/{published.slug}/attendees").get_data(as_text=True)
    for text in (html, body):
        assert "สมชาย1" in text and "ดร.วิภา ศรีสุข" in text and "มหาวิทยาลัยเชียงใหม่" in text
        assert "สมชาย2" not in text
        assert "@" not in text.replace("@media", "") and not PHONE.search(text), PHONE.search(text)
    assert 'data-registered="3"' in html and 'data-shown="2"' in html
    api = client.get(f"/api/v1/events/{published.slug}/attendees").get_json()
    assert (api["registered"], api["listed"]) == (3, 2)
    assert set(api["attendees"][0]) == {"name", "organization", "sector"}


def test_the_list_groups_and_searches(db, client, published):
    register(db, published, 1, consent_listing=True, organization="กรมการปกครอง", sector="government")
    register(db, published, 2, consent_listing=True, organization="กรมการปกครอง", sector="government")
    register(db, published, 3, consent_listing=True, organization="มหาวิทยาลัยมหิดล", sector="academic")
    html = client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)
    assert html.count('class="attendee-group"') == 2 and "(2)" in html
    by_sector = client.get(f"/events/{published.slug}/attendees?group=sector").get_data(as_text=True)
    assert "สถาบันการศึกษา" in by_sector and "หน่วยงานภาครัฐ" in by_sector  # the sectors' Thai names
    found = client.get(f"/events/{published.slug}/attendees?q=มหิดล").get_data(as_text=True)
    assert "สมชาย3" in found and "สมชาย1" not in found


def test_withdrawing_consent_takes_effect_at_once(db, client, published):
    _, token = register(db, published, 1, consent_listing=True)
    assert "สมชาย1" in client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)
    page = client.get(f"/my/{token}").get_data(as_text=True)
    assert client.post(f"/my/{token}/unlist", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert "สมชาย1" not in client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)


def test_cancelled_and_erased_people_leave_the_list(db, client, published):
    first, _ = register(db, published, 1, consent_listing=True)
    second, _ = register(db, published, 2, consent_listing=True)
    registration_services.cancel_registration(first)
    registration_privacy.erase_registration(second)
    db.session.commit()
    html = client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)
    assert "สมชาย1" not in html and "สมชาย2" not in html and 'data-shown="0"' in html


def test_a_cancelled_events_list_disappears_at_once(db, client, published):
    register(db, published, 1, consent_listing=True)
    # Read (and cached) while the event is on.
    assert "สมชาย1" in client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)
    assert client.get(f"/api/v1/events/{published.slug}/attendees").status_code == 200
    event_services.cancel_event(published)
    db.session.commit()
    assert client.get(f"/events/{published.slug}/attendees").status_code == 404
    assert client.get(f"/api/v1/events/{published.slug}/attendees").status_code == 404
    assert 'id="attendee-list-link"' not in client.get(f"/events/{published.slug}").get_data(as_text=True)


def test_the_list_unpublishes_itself_after_the_event(db, client, clock, published, login_as, organizer):
    register(db, published, 1, consent_listing=True)
    clock.set(published.ends_at + timedelta(days=29))
    assert client.get(f"/events/{published.slug}/attendees").status_code == 200
    clock.set(published.ends_at + timedelta(days=30, seconds=1))
    assert client.get(f"/events/{published.slug}/attendees").status_code == 404
    assert client.get(f"/api/v1/events/{published.slug}/attendees").status_code == 404
    assert 'id="attendee-list-link"' not in client.get(f"/events/{published.slug}").get_data(as_text=True)
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{published.slug}/attendance").get_data(as_text=True)
    assert 'id="list-state" data-public="no"' in page


def test_the_organizer_publishes_and_unpublishes(db, client, login_as, organizer, make_event):
    event = make_event()
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{event.slug}/attendance").get_data(as_text=True)
    assert client.post(f"/organizer/events/{event.slug}/attendees/publish", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get(f"/events/{event.slug}/attendees").status_code == 200
    assert client.post(f"/organizer/events/{event.slug}/attendees/unpublish", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get(f"/events/{event.slug}/attendees").status_code == 404


def test_the_numbers_count_each_person_once(db, client, login_as, organizer, api_token, make_event, staff):
    event = make_event(format="hybrid", starts_in=timedelta(minutes=30))
    morning, afternoon = event.sessions
    both, _ = register(db, event, 1, sector="government", organization="กรมการปกครอง")
    onsite, _ = register(db, event, 2, sector="academic", organization="มหาวิทยาลัยมหิดล")
    register(db, event, 3, sector="government", organization="กรมการปกครอง")  # registered, did not come
    checkin_services.check_in(both, morning, staff, CheckinMethod.qr)
    record_join(both, morning, morning.starts_at)  # came, and also watched: one person
    checkin_services.check_in(onsite, morning, staff, CheckinMethod.qr)
    record_join(both, afternoon, afternoon.starts_at)
    db.session.commit()

    report = services.attendance_report(event)
    by_session = {s["id"]: s for s in report["sessions"]}
    assert {k: by_session[morning.id][k] for k in ("registered", "checked_in", "joined_online", "took_part")} == \
        {"registered": 3, "checked_in": 2, "joined_online": 1, "took_part": 2}
    assert by_session[afternoon.id]["took_part"] == 1
    assert (report["registered"], report["took_part"]) == (3, 2)
    assert {r["key"]: (r["registered"], r["took_part"]) for r in report["by_sector"]} == {
        "government": (2, 1), "academic": (1, 1)}
    assert {r["key"]: (r["registered"], r["took_part"]) for r in report["by_organization"]} == {
        "กรมการปกครอง": (2, 1), "มหาวิทยาลัยมหิดล": (1, 1)}
    api = client.get(f"/api/v1/events/{event.slug}/attendance", headers={"Authorization": f"Bearer {api_token}"})
    assert api.status_code == 200 and api.get_json()["took_part"] == 2
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{event.slug}/attendance").get_data(as_text=True)
    assert 'id="total-took-part">2<' in html


# ---- the organizer's list and exports ------------------------------------------------------

def test_the_list_filters_and_searches(db, client, login_as, organizer, make_event, staff):
    event = make_event(format="hybrid", starts_in=timedelta(minutes=30))
    morning, afternoon = event.sessions
    one, _ = register(db, event, 1, sector="government", attendance="onsite", sessions=[morning.id])
    register(db, event, 2, sector="academic", attendance="online", sessions=[afternoon.id],
             organization="มหาวิทยาลัยมหิดล")
    checkin_services.check_in(one, morning, staff, CheckinMethod.qr)
    db.session.commit()
    login_as(user=organizer)

    def emails(**args):
        query = "&".join(f"{k}={v}" for k, v in args.items())
        html = client.get(f"/organizer/events/{event.slug}/registrations?{query}").get_data(as_text=True)
        return sorted(set(re.findall(r"somchai\d@example\.org", html)))

    assert emails() == ["somchai1@example.org", "somchai2@example.org"]
    assert emails(sector="academic") == ["somchai2@example.org"]
    assert emails(session=morning.id) == ["somchai1@example.org"]
    assert emails(attendance="online") == ["somchai2@example.org"]
    assert emails(checked_in="yes") == ["somchai1@example.org"]
    assert emails(checked_in="no") == ["somchai2@example.org"]
    assert emails(q="มหิดล") == ["somchai2@example.org"]
    assert emails(status="cancelled") == []
    assert client.get(f"/organizer/events/{event.slug}/registrations?sector=martian").status_code == 400
    assert client.get(f"/organizer/events/{event.slug}/registrations?session=999999").status_code == 400


def test_the_csv_reads_back_with_thai_intact_and_formulas_neutralised(db, client, login_as, organizer, make_event):
    event = make_event()
    register(db, event, 1, organization="=HYPERLINK(\"http://evil.example\",\"click\")", position="+66 81 234 5678")
    register(db, event, 2, first_name="มาลี", organization="@SUM(1+1)", position="-2+3")
    login_as(user=organizer)
    response = client.get(f"/organizer/events/{event.slug}/registrations.csv?sector=government&codes=1")
    data = response.get_data()
    assert response.mimetype == "text/csv" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["first_name"] for r in rows] == ["สมชาย1", "มาลี"] and rows[0]["last_name"] == "ใจดี"
    assert rows[0]["organization"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert rows[0]["position"] == "'+66 81 234 5678"
    assert rows[1]["organization"] == "'@SUM(1+1)" and rows[1]["position"] == "'-2+3"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_the_xlsx_holds_text_not_formulas(db, client, login_as, organizer, make_event):
    from openpyxl import load_workbook

    event = make_event()
    register(db, event, 1, organization="=1+1", first_name="สมชาย")
    login_as(user=organizer)
    response = client.get(f"/organizer/events/{event.slug}/registrations.xlsx?codes=1")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2])}
    assert row["first_name"].value == "สมชาย" and row["organization"].value == "=1+1"
    assert row["organization"].data_type == "s"  # a text cell: shown, never evaluated


def test_an_export_read_in_small_pages_keeps_everyone_s_sessions_while_another_event_interleaves(db, make_event, staff):
    """Each page's sessions, check-ins and joins come by id range, another event's rows in between: none lost at an edge."""
    ours, theirs = make_event(starts_in=timedelta(minutes=30)), make_event(starts_in=timedelta(minutes=30))
    morning, afternoon = ours.sessions
    expected = {}
    for n in range(7):
        both = n % 2 == 0
        mine, _ = register(db, ours, n, sessions=[morning.id, afternoon.id] if both else [afternoon.id])
        other, _ = register(db, theirs, 100 + n)  # registered in between: its ids fall inside our pages
        for session in theirs.sessions:
            checkin_services.check_in(other, session, staff, CheckinMethod.qr, now=session.starts_at)
            record_join(other, session, session.starts_at)
        if both:
            checkin_services.check_in(mine, morning, staff, CheckinMethod.qr)
        else:
            record_join(mine, afternoon, afternoon.starts_at)
        db.session.commit()
        expected[mine.first_name] = (
            "; ".join(s.name_th for s in ([morning, afternoon] if both else [afternoon])),
            morning.name_th if both else "", "" if both else afternoon.name_th)

    def export(batch):
        header, *rows = services.export_rows(ours, services.filtered_registrations(ours), batch=batch)
        return [dict(zip(header, row)) for row in rows]

    small = export(batch=2)
    assert small == export(batch=1000)
    assert {r["first_name"]: (r["sessions"], r["checked_in"], r["joined_online"]) for r in small} == expected
    assert [r["no"] for r in small] == list(range(1, 8))


def _bulk_registrations(db, event, count):
    """`count` confirmed registrations written with a few INSERTs (the service would take minutes)."""
    from eventsvc.registration.models import Registration, registration_sessions
    from eventsvc.models_base import utcnow

    now = utcnow()
    table = Registration.__table__
    rows = [dict(event_id=event.id, status="confirmed", title_prefix="นาย", first_name=f"ผู้เข้าร่วม{n}",
                 last_name="นามสกุลยาวพอสมควร", email=f"p{n}@example.org", email_normalized=f"p{n}@example.org",
                 phone="0812345678", organization=f"หน่วยงานที่ {n % 300}", position="นักวิเคราะห์", sector="public",
                 attendance="onsite", locale="th", consent_processing_at=now, consent_listing=n % 2 == 0,
                 manage_token_hash=f"{n:064d}", created_at=now, updated_at=now) for n in range(count)]
    ids = db.session.execute(sa.insert(table).returning(table.c.id), rows).scalars().all()
    db.session.execute(sa.insert(registration_sessions), [{"registration_id": i, "session_id": event.sessions[0].id}
                                                          for i in ids])
    db.session.commit()


def test_fifty_thousand_rows_export_in_a_few_megabytes(app, db, make_event):
    event = make_event()
    _bulk_registrations(db, event, 50_000)
    query = services.filtered_registrations(event)

    tracemalloc.start()
    try:
        size = rows = 0
        for chunk in csv_chunks(services.export_rows(event, query)):
            size += len(chunk)
            rows += chunk.count(b"\r\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert rows == 50_001 and size > 5_000_000  # the header and every row, several MB of CSV
    assert peak < 8 * 1024 * 1024, f"{peak / 1024 / 1024:.1f} MB"


def test_the_sign_in_sheet_lists_the_session_s_people_by_name(db, client, login_as, organizer, make_event):
    event = make_event()
    morning, afternoon = event.sessions
    register(db, event, 1, first_name="อนันต์", sessions=[morning.id], position="ผู้อำนวยการ")
    register(db, event, 2, first_name="กมล", sessions=[morning.id])
    register(db, event, 3, first_name="ชุติมา", sessions=[afternoon.id])
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{event.slug}/sessions/{morning.id}/sign-in-sheet").get_data(as_text=True)
    assert html.index("นายกมล") < html.index("นายอนันต์") and "ชุติมา" not in html
    from eventsvc.timefmt import BANGKOK

    assert html.count('<td class="sign"></td>') == 2 + 5  # two people, five blank rows to write in
    assert "ผู้อำนวยการ" in html and 'href="/static/print.css"' in html
    assert str(morning.starts_at.astimezone(BANGKOK).year + 543) in html  # the Buddhist era, as on paper


def test_the_list_is_served_from_the_cache_until_it_changes(db, client, published, queries):
    register(db, published, 1, consent_listing=True)
    first = client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)
    with queries() as statements:
        again = client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)
    assert again == first
    assert not any("registrations.first_name" in s for s in statements)  # the names were not read again
    register(db, published, 2, consent_listing=True)  # a new name: a new version of the list, at once
    assert "สมชาย2" in client.get(f"/events/{published.slug}/attendees").get_data(as_text=True)


# ---- exports for a Thai office ----------------------------------------------------------------

THAI_HEADER = ["ลำดับ", "สถานะ", "คำนำหน้าชื่อ", "ชื่อ", "นามสกุล", "หน่วยงาน/องค์กร", "ตำแหน่ง", "ภาคส่วน"]


def _thai_date(value):
    from eventsvc.timefmt import BANGKOK

    local = value.astimezone(BANGKOK)
    months = ["", "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."]
    return f"{local.day} {months[local.month]} {local.year + 543} {local:%H:%M}"


def test_the_csv_speaks_thai_by_default_with_buddhist_era_dates(db, client, login_as, organizer, make_event):
    event = make_event()
    registration, _ = register(db, event, 1, sector="civil_society", attendance="online")
    login_as(user=organizer)
    data = client.get(f"/organizer/events/{event.slug}/registrations.csv").get_data()
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:8] == THAI_HEADER and "วันที่ลงทะเบียน" in header
    record = dict(zip(header, row))
    assert record["สถานะ"] == "ยืนยันแล้ว" and record["ภาคส่วน"] == "ภาคประชาสังคม"
    assert record["รูปแบบการเข้าร่วม"] == "ผ่านระบบออนไลน์" and record["ช่วงการประชุม"] == "ช่วงเช้า; ช่วงบ่าย"
    assert record["แสดงชื่อในรายชื่อสาธารณะ"] == "ไม่" and record["ได้รับเชิญ"] == "ไม่"
    assert record["วันที่ลงทะเบียน"] == _thai_date(registration.created_at)  # e.g. "25 ก.พ. 2570 09:30"
    assert "civil_society" not in data.decode("utf-8-sig") and "online" not in row


def test_the_export_follows_the_organizer_s_language_or_gives_codes(db, client, login_as, organizer, make_event):
    event = make_event()
    registration, _ = register(db, event, 1, sector="civil_society", consent_listing=True)
    login_as(user=organizer)

    def read(query):
        data = client.get(f"/organizer/events/{event.slug}/registrations.csv?{query}").get_data()
        header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        return dict(zip(header, row))

    english = read("lang=en")
    assert english["First name"] == "สมชาย1" and english["Sector"] == "Civil society" and english["Status"] == "Confirmed"
    assert english["Attendance"] == "On site" and english["Listed publicly"] == "Yes"
    local = registration.created_at.astimezone(BANGKOK)
    assert english["Registered at"] == f"{local.day} {local:%b} {local.year} {local:%H:%M}"  # Gregorian in English
    codes = read("codes=1")
    assert list(codes)[:5] == ["no", "status", "title_prefix", "first_name", "last_name"]
    assert codes["sector"] == "civil_society" and codes["status"] == "confirmed" and codes["attendance"] == "onsite"
    assert codes["consent_listing"] == "true" and codes["invited"] == "false"
    assert codes["registered_at"] == local.isoformat(timespec="minutes")  # ISO 8601, +07:00


def test_the_xlsx_has_a_frozen_header_a_filter_and_widths(db, client, login_as, organizer, make_event):
    from openpyxl import load_workbook

    event = make_event()
    for n in range(3):
        register(db, event, n, sector="academic")
    login_as(user=organizer)
    response = client.get(f"/organizer/events/{event.slug}/registrations.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [c.value for c in sheet[1]][:8] == THAI_HEADER and sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:R{1 + 3}"  # every column, the header and each row
    widths = {letter: sheet.column_dimensions[letter].width for letter in ("A", "D", "F", "Q")}
    assert widths["A"] < widths["D"] < widths["F"] and all(widths.values())
    assert sheet["H2"].value == "สถาบันการศึกษา" and sheet["B2"].value == "ยืนยันแล้ว"


def test_the_invitation_export_speaks_thai_too(db, client, login_as, organizer, make_event, make_invitation):
    event = make_event(registration_mode="invite_only")
    invitation, _ = make_invitation(event, 1, send=False)
    login_as(user=organizer)
    data = client.get(f"/organizer/events/{event.slug}/invitations.csv").get_data()
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:6] == ["อีเมล", "ชื่อ-นามสกุล", "หน่วยงาน/องค์กร", "ตำแหน่ง", "ภาษา", "สถานะ"]
    record = dict(zip(header, row))
    assert record["สถานะ"] == "ยังไม่ได้ส่ง" and record["ภาษา"] == "ภาษาไทย"
    assert record["ลิงก์หมดอายุ"] == _thai_date(invitation.effective_expiry())
    codes = list(csv.reader(io.StringIO(client.get(f"/organizer/events/{event.slug}/invitations.csv?codes=1")
                                        .get_data().decode("utf-8-sig"))))
    assert codes[1][4:6] == ["th", "pending"]


# ---- Thai dictionary order ----------------------------------------------------------------------

# Leading vowels (เ แ โ ใ ไ) are written first but sorted by the consonant after them.
THAI_ORDER = ["กมล", "แก้ว", "โกวิท", "ขวัญ", "ใจดี", "ไชยา", "ปิติ", "อรุณ", "เอกชัย", "ฮาซัน"]


def _shuffled():
    return [THAI_ORDER[i] for i in (8, 5, 1, 9, 2, 6, 4, 0, 7, 3)]


@pytest.mark.parametrize("shortcut", [True, False], ids=["cached-key", "public-collate"])
def test_thai_sorted_puts_leading_vowels_under_their_consonant(monkeypatch, shortcut):
    from eventsvc import collation
    from eventsvc.collation import thai_sorted

    if not shortcut:  # a PyThaiNLP without the private key: the public collate() decides, the same way
        monkeypatch.setattr(collation, "_thkey", None)
    assert thai_sorted(_shuffled()) == THAI_ORDER
    assert thai_sorted(["เอกชัย", "Somchai", "ไชยา", "anan"]) == ["anan", "Somchai", "ไชยา", "เอกชัย"]
    assert thai_sorted([("อรุณ", "ข"), ("อรุณ", "ก"), ("เอกชัย", "ก")], key=lambda t: t) == \
        [("อรุณ", "ก"), ("อรุณ", "ข"), ("เอกชัย", "ก")]


def test_names_sort_in_thai_order_on_the_sheet_the_published_list_and_at_the_door(db, client, login_as, organizer,
                                                                                   make_event):
    event = make_event(contact_phone="", contact_email="")
    morning = event.sessions[0]
    for n, name in enumerate(_shuffled()):
        register(db, event, n, title_prefix="", first_name=name, last_name="สุขใจ", consent_listing=True,
                 sessions=[morning.id])
    event_services.update_event(event, {"attendee_list_published": True})
    db.session.commit()

    def order(html):
        found = [(html.find(f">{name} สุขใจ<"), name) for name in THAI_ORDER]
        assert all(at >= 0 for at, _ in found), html
        return [name for _, name in sorted(found)]

    assert order(client.get(f"/events/{event.slug}/attendees").get_data(as_text=True)) == THAI_ORDER
    people = checkin_services.search(event, "สุขใจ")
    assert [r.first_name for r in people] == THAI_ORDER
    login_as(user=organizer)
    sheet = client.get(f"/organizer/events/{event.slug}/sessions/{morning.id}/sign-in-sheet").get_data(as_text=True)
    assert order(sheet) == THAI_ORDER


def test_without_a_thai_collation_on_the_server_the_lists_still_work(db, app, monkeypatch, make_event):
    from eventsvc import collation

    event = make_event()
    register(db, event, 1, first_name="เอกชัย")
    register(db, event, 2, first_name="กมล")
    monkeypatch.setattr(collation, "POSTGRESQL_COLLATIONS", ("no-such-collation",))
    monkeypatch.setattr(collation, "_postgresql_collation", collation.weakref.WeakKeyDictionary())
    people = services.sign_in_sheet(event, event.sessions[0])
    assert sorted(r.first_name for r in people) == ["กมล", "เอกชัย"]  # listed, in the database's own order


# ---- the sign-in sheet -----------------------------------------------------------------------------

def test_a_hybrid_event_s_sign_in_sheet_lists_the_people_on_site_unless_asked(db, client, login_as, organizer,
                                                                              make_event):
    event = make_event(format="hybrid")
    morning = event.sessions[0]
    register(db, event, 1, first_name="มาที่งาน", attendance="onsite", sessions=[morning.id])
    register(db, event, 2, first_name="ดูออนไลน์", attendance="online", sessions=[morning.id])
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/sessions/{morning.id}/sign-in-sheet"
    html = client.get(url).get_data(as_text=True)
    assert "มาที่งาน" in html and "ดูออนไลน์" not in html and 'data-scope="onsite"' in html
    assert f'href="{url}?everyone=1"' in html
    everyone = client.get(f"{url}?everyone=1").get_data(as_text=True)
    assert "มาที่งาน" in everyone and "ดูออนไลน์" in everyone and 'data-scope="everyone"' in everyone


def test_an_on_site_event_s_sign_in_sheet_lists_everyone(db, client, login_as, organizer, make_event):
    event = make_event(format="onsite")
    morning = event.sessions[0]
    register(db, event, 1, first_name="มาที่งาน", sessions=[morning.id])
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{event.slug}/sessions/{morning.id}/sign-in-sheet").get_data(as_text=True)
    assert "มาที่งาน" in html and "sheet-scope" not in html


def test_the_organizer_s_list_can_be_read_by_name_in_thai_order(db, client, login_as, organizer, make_event):
    event = make_event()
    for n, name in enumerate(_shuffled()):
        register(db, event, n, first_name=name, last_name="สุขใจ")
    login_as(user=organizer)
    html = client.get(f"/organizer/events/{event.slug}/registrations?sort=name").get_data(as_text=True)
    found = sorted((html.find(f"{name} สุขใจ"), name) for name in THAI_ORDER)
    assert all(at >= 0 for at, _ in found) and [name for _, name in found] == THAI_ORDER
    codes_link = re.search(r'id="export-csv-codes" href="([^"]+)"', html).group(1)
    assert "codes=1" in codes_link and "sort=name" in codes_link  # the exports keep the list's filters
    assert client.get(f"/organizer/events/{event.slug}/registrations?sort=email").status_code == 400
