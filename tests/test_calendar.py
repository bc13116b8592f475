"""Calendar files: RFC 5545 read back by icalendar and by an independent parser (ical), Bangkok times, SEQUENCE."""
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import sqlalchemy as sa
from ical.calendar_stream import IcsCalendarStream

from conftest import person, reload
from eventsvc.events import services as event_services
from eventsvc.mail.delivery import deliver_due
from eventsvc.mail.models import OutboxMessage
from eventsvc.registration import services as registration_services
from eventsvc.timefmt import BANGKOK
from eventsvc.tickets import calendar

UTC = timezone.utc


def bangkok(day, clock):
    hour, minute = map(int, clock.split(":"))
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=BANGKOK).astimezone(UTC)


@pytest.fixture
def hearing(make_event, db):
    event = make_event(
        sessions=0, format="hybrid", venue_name="สำนักงานรัฐบาลอิเล็กทรอนิกส์ (องค์การมหาชน)", venue_room="ห้องวิภาวดี",
        venue_floor="18", venue_address="ถนนรางน้ำ กรุงเทพฯ", contact_name="นายธรรณพ ศิริธรรมวิไล",
        contact_email="thannop@ega.or.th", status="draft",
    )
    event_services.add_session(event, {"name_th": "ช่วงเช้า", "name_en": "Morning", "starts_at": bangkok("2027-02-25", "09:30"),
                                       "ends_at": bangkok("2027-02-25", "12:00"),
                                       "stream_url": "https://www.youtube.com/watch?v=morning"})
    event_services.add_session(event, {"name_th": "ช่วงบ่าย", "name_en": "Afternoon", "starts_at": bangkok("2027-02-25", "13:00"),
                                       "ends_at": bangkok("2027-02-25", "16:00"), "stream_url": "https://www.youtube.com/watch?v=pm",
                                       "stream_visibility": "registrants"})
    event_services.publish_event(event)
    db.session.commit()
    return event


def both_parsers(data):
    """(icalendar's calendar, ical's calendar) of the same bytes; each raises on what it cannot read."""
    assert isinstance(data, bytes)
    return icalendar.Calendar.from_ical(data), IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))


def test_the_event_file_reads_the_same_in_two_independent_parsers(client, hearing):
    response = client.get(f"/events/{hearing.slug}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    first, second = both_parsers(data)

    entries = first.walk("VEVENT")
    assert [str(e["summary"]) for e in entries] == [f"{hearing.title_th} (ช่วงเช้า)", f"{hearing.title_th} (ช่วงบ่าย)"]
    assert [e.summary for e in second.events] == [f"{hearing.title_th} (ช่วงเช้า)", f"{hearing.title_th} (ช่วงบ่าย)"]
    # 09:30 in Bangkok is 02:30 UTC, in both readings.
    assert entries[0].decoded("dtstart").astimezone(UTC) == datetime(2027, 2, 25, 2, 30, tzinfo=UTC)
    assert second.events[0].dtstart.astimezone(UTC) == datetime(2027, 2, 25, 2, 30, tzinfo=UTC)
    assert second.events[1].dtend.astimezone(UTC) == datetime(2027, 2, 25, 9, 0, tzinfo=UTC)
    assert [tz.tz_id for tz in second.timezones] == ["Asia/Bangkok"]
    assert b"DTSTART;TZID=Asia/Bangkok:20270225T093000" in data
    assert str(entries[0]["location"]) == "ห้องวิภาวดี ชั้น 18 สำนักงานรัฐบาลอิเล็กทรอนิกส์ (องค์การมหาชน) ถนนรางน้ำ กรุงเทพฯ"
    assert second.events[0].organizer.uri == "mailto:thannop@ega.or.th"
    assert second.events[0].organizer.common_name == "นายธรรณพ ศิริธรรมวิไล"
    assert str(entries[0]["url"]) == f"http://testserver/events/{hearing.slug}"
    assert {str(e["uid"]) for e in entries} == {f"session-{s.id}@testserver" for s in hearing.sessions}
    assert all(int(e["sequence"]) == 0 and str(e["status"]) == "CONFIRMED" and e.get("dtstamp") for e in entries)
    # Folded at 75 octets, never inside a UTF-8 character (it decoded), lines end with CRLF.
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75 and b"\n" not in data.replace(b"\r\n", b"")
    # The registrants-only stream is nowhere in the public file.
    assert b"watch?v=pm" not in data


def test_the_feed_has_every_published_event_and_no_draft(client, hearing, make_event):
    draft = make_event(status="draft", title_th="ร่างที่ยังไม่เผยแพร่")
    other = make_event()
    first, second = both_parsers(client.get("/calendar.ics").get_data())
    summaries = [e.summary for e in second.events]
    assert len(summaries) == 4 and not any("ร่างที่ยังไม่เผยแพร่" in s for s in summaries)
    assert {str(e["url"]) for e in first.walk("VEVENT")} == {f"http://testserver/events/{e.slug}" for e in (hearing, other)}
    assert client.get(f"/events/{draft.slug}/calendar.ics").status_code == 404


def test_the_personal_file_holds_only_the_chosen_sessions(db, client, make_event):
    groups = make_event(sessions=0, status="draft")
    start = bangkok("2027-01-28", "13:30")
    for n in (1, 2):
        event_services.add_session(groups, {"name_th": f"กลุ่มที่ {n}", "starts_at": start, "ends_at": start + timedelta(hours=3)})
    event_services.publish_event(groups)
    db.session.commit()
    result = registration_services.register(groups, person(1, sessions=[groups.sessions[1].id]))
    db.session.commit()

    data = client.get(f"/my/{result.manage_token}/calendar.ics").get_data()
    first, second = both_parsers(data)
    assert [e.summary for e in second.events] == [f"{groups.title_th} (กลุ่มที่ 2)"]
    assert str(first.walk("VEVENT")[0]["url"]) == f"http://testserver/my/{result.manage_token}"


def test_an_online_registrant_finds_the_way_to_join_in_the_location(db, client, hearing):
    result = registration_services.register(hearing, person(1, attendance="online"))
    db.session.commit()
    entries = both_parsers(client.get(f"/my/{result.manage_token}/calendar.ics").get_data())[0].walk("VEVENT")
    locations = [str(e["location"]) for e in entries]
    assert all(location.startswith("http://testserver/") or location.startswith("https://") for location in locations)
    assert "ห้องวิภาวดี" not in "".join(locations)


def test_sequence_grows_when_a_session_moves_and_its_registrants_get_the_new_entry(app, db, client, hearing,
                                                                                    make_registration, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    morning, afternoon = hearing.sessions
    result = registration_services.register(hearing, person(1))
    db.session.commit()
    deliver_due(app)  # the confirmation
    smtp_server.handler.messages.clear()

    event_services.update_session(morning, {"starts_at": bangkok("2027-02-25", "10:00")})
    db.session.commit()
    event_services.update_session(morning, {"ends_at": bangkok("2027-02-25", "12:30")})  # a second correction
    db.session.commit()

    entry = both_parsers(client.get(f"/events/{hearing.slug}/calendar.ics").get_data())[1].events[0]
    assert entry.sequence == 2 and entry.dtstart.astimezone(UTC) == datetime(2027, 2, 25, 3, 0, tzinfo=UTC)
    updates = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "calendar_update")).all()
    assert len(updates) == 1, "a second change joins the message not yet sent"
    assert deliver_due(app).sent == 0  # it waits a little, for more corrections
    report = deliver_due(app, now=datetime.now(UTC) + timedelta(seconds=app.config["MAIL_CHANGE_DELAY_SECONDS"] + 1))
    assert report.sent == 1
    [update] = smtp_server.messages
    assert update["To"] == "somchai1@example.org" and update["Subject"].startswith("มีการเปลี่ยนแปลง")
    text = update.get_body(preferencelist=("plain",)).get_content()
    assert "10:00–12:30" in text
    [ics] = [part for part in update.iter_attachments() if part.get_filename().endswith(".ics")]
    events = IcsCalendarStream.calendar_from_ics(ics.get_content()).events
    assert [(e.sequence, e.dtstart.astimezone(UTC)) for e in events][0] == (2, datetime(2027, 2, 25, 3, 0, tzinfo=UTC))
    assert reload(db, afternoon).sequence == 0  # the afternoon did not move


def test_moving_the_venue_changes_every_sessions_entry(db, hearing, make_registration):
    make_registration(hearing, 1)
    event_services.update_event(hearing, {"venue_room": "ห้องประชุม 1"})
    db.session.commit()
    assert [s.sequence for s in hearing.sessions] == [1, 1]
    [update] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "calendar_update")).all()
    assert sorted(update.params["session_ids"]) == sorted(s.id for s in hearing.sessions)


def test_a_cancelled_event_tells_its_registrants_and_cancels_the_entries(app, db, client, hearing, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    registration_services.register(hearing, person(1))
    registration_services.register(hearing, person(2))
    db.session.commit()
    event_services.cancel_event(hearing)
    db.session.commit()

    deliver_due(app)

    cancelled = [m for m in smtp_server.messages if m["Subject"].startswith("ยกเลิกโดยผู้จัดงาน")]
    assert sorted(m["To"] for m in cancelled) == ["somchai1@example.org", "somchai2@example.org"]
    [ics] = [p for p in cancelled[0].iter_attachments() if p.get_filename().endswith(".ics")]
    assert {e.status.value for e in IcsCalendarStream.calendar_from_ics(ics.get_content()).events} == {"CANCELLED"}
    public = both_parsers(client.get(f"/events/{hearing.slug}/calendar.ics").get_data())[0]
    assert {str(e["status"]) for e in public.walk("VEVENT")} == {"CANCELLED"}
    assert {int(e["sequence"]) for e in public.walk("VEVENT")} == {1}


def test_add_to_calendar_links_carry_the_session(app, hearing):
    morning = hearing.sessions[0]
    links = calendar.add_links(hearing, morning, "th", location="ห้องวิภาวดี", details="รายละเอียด")
    google = parse_qs(urlsplit(links["google"]).query)
    assert urlsplit(links["google"]).netloc == "calendar.google.com"
    assert google["dates"] == ["20270225T023000Z/20270225T050000Z"] and google["location"] == ["ห้องวิภาวดี"]
    assert google["text"] == [f"{hearing.title_th} (ช่วงเช้า)"]
    outlook = parse_qs(urlsplit(links["outlook"]).query)
    assert outlook["startdt"] == ["2027-02-25T02:30:00Z"] and outlook["enddt"] == ["2027-02-25T05:00:00Z"]


def test_the_time_zone_is_built_once(app, hearing):
    calendar.bangkok_timezone.cache_clear()
    calendar.event_ics(hearing, "th")
    calendar.event_ics(hearing, "en")
    calendar.feed_ics([hearing], "th")
    assert calendar.bangkok_timezone.cache_info().misses == 1
