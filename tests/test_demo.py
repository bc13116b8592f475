"""The demo's hearing that already took place (eventsvc/demo.py, PAST_HEARING): the whole loop a newcomer opens.

`flask --app wsgi demo` with the app's clock stopped at a known moment; then what the Quick start points to:
the printed personal link's certificate and its /verify page, the published summary on the event page, the
survey's results against the target, the report's numbers; and the rows behind them made by the services
(check-ins by the door staff, online joins, the audit trail).
"""
import io
import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from pypdf import PdfReader

from conftest import csrf_from

SLUG = "open-government-data-standard-hearing"
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=timezone.utc)  # 10:00 in Bangkok


def _load(runner, clock):
    clock.set(NOW)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _pdf_text(data):
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _sign_in(client):
    page = client.get("/organizer/login").get_data(as_text=True)
    response = client.post("/organizer/login", data={"email": "organizer@example.org", "password": "demo-organizer",
                                                     "csrf_token": csrf_from(page)})
    assert response.status_code == 302


def test_the_past_hearing_took_place_ten_days_before_the_demo_was_loaded(runner, db, clock):
    from eventsvc.comments.period import comment_period
    from eventsvc.events.models import Event
    from eventsvc.registration.models import Registration

    _load(runner, clock)
    event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
    morning, afternoon = sorted(event.sessions, key=lambda s: s.starts_at)
    assert morning.starts_at == datetime(2026, 6, 5, 2, 0, tzinfo=timezone.utc)  # 09:00 in Bangkok, ten days before
    assert not morning.stream_url and afternoon.stream_url and event.format == "hybrid"
    assert event.is_published and event.published_at < min(r.created_at for r in db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id))) < morning.starts_at
    opens, closes = comment_period(event)
    assert opens == event.published_at and morning.ends_at < closes < NOW
    # The three events of 2027 are as they were.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event).where(Event.starts_at > NOW)) == 3


def test_the_people_took_part_through_the_services_on_the_day(runner, db, clock):
    from eventsvc.accounts.models import User
    from eventsvc.audit.models import AuditEntry
    from eventsvc.checkin.models import Checkin
    from eventsvc.events.models import Event
    from eventsvc.livestream.models import OnlineAttendance
    from eventsvc.qna.models import SessionQuestion
    from eventsvc.registration.models import Registration
    from eventsvc.surveys.models import SurveyResponse

    _load(runner, clock)
    event = db.session.scalar(sa.select(Event).where(Event.slug == SLUG))
    morning, afternoon = sorted(event.sessions, key=lambda s: s.starts_at)
    registrations = db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)).all()
    assert len(registrations) == 30 and len({r.sector for r in registrations}) == 6
    assert 0 < len([r for r in registrations if r.consent_listing]) < 30
    staff = db.session.scalar(sa.select(User).where(User.email == "checkin@example.org"))
    checkins = db.session.scalars(sa.select(Checkin).where(Checkin.event_id == event.id)).all()
    assert len(checkins) == 13 and {c.staff_id for c in checkins} == {staff.id}
    assert all(c.session_id == morning.id and morning.starts_at - timedelta(hours=1) < c.created_at < morning.ends_at
               for c in checkins)
    joins = db.session.scalars(sa.select(OnlineAttendance).where(OnlineAttendance.event_id == event.id)).all()
    assert len(joins) == 14 and all(j.session_id == afternoon.id and j.first_joined_at < afternoon.ends_at for j in joins)
    audited = dict(db.session.execute(sa.select(AuditEntry.action, sa.func.count()).where(
        AuditEntry.event_id == event.id).group_by(AuditEntry.action)).all())
    assert audited["checkin.created"] == 13 and audited["survey.answered"] == 21
    assert audited["registration.created"] == 30 and audited["document.summary_published"] == 1
    questions = db.session.scalars(sa.select(SessionQuestion).where(SessionQuestion.event_id == event.id)).all()
    assert len(questions) == 7 and len([q for q in questions if q.answered_at is not None]) == 4
    assert all(q.session.starts_at <= q.created_at <= q.session.ends_at for q in questions)
    assert sum(q.votes for q in questions) > 0
    answers = db.session.scalars(sa.select(SurveyResponse).where(SurveyResponse.event_id == event.id)).all()
    assert len(answers) == 21 and all(a.submitted_at > a.session.ends_at for a in answers)


def test_a_newcomer_downloads_a_certificate_from_the_printed_link_and_verifies_it(runner, db, client, clock):
    output = _load(runner, clock)
    line = next(line for line in output.splitlines() if line.startswith("personal link of "))
    token = re.search(r"/my/([A-Za-z0-9_-]+)$", line).group(1)
    my = client.get(f"/my/{token}").get_data(as_text=True)
    assert f"/my/{token}/certificate.pdf" in my
    certificate = client.get(f"/my/{token}/certificate.pdf")
    assert certificate.status_code == 200 and certificate.content_type == "application/pdf"
    # The code as printed: eleven groups of four, one line (certificates/codes.grouped).
    code = re.search(r"((?:[A-Za-z0-9_-]{4} ){10}[A-Za-z0-9_-]{4})", _pdf_text(certificate.data)).group(1).replace(" ", "")
    verified = client.get(f"/verify/{code}")
    assert verified.status_code == 200
    page = verified.get_data(as_text=True)
    assert "ธนากร" in page and "มาตรฐานรัฐบาลดิจิทัล" in page


def test_the_summary_is_published_and_the_report_and_results_have_the_numbers(runner, db, client, clock):
    _load(runner, clock)
    page = client.get(f"/events/{SLUG}").get_data(as_text=True)
    summary = re.search(rf'href="(/events/{SLUG}/summary)"', page).group(1)
    published = client.get(summary)
    assert published.status_code == 200 and published.content_type == "application/pdf"
    text = _pdf_text(published.data)
    assert "มาตรฐานรัฐบาลดิจิทัล" in text and "ลงทะเบียน (ยืนยันแล้ว): 30" in text and "CC BY 4.0" in text
    public = client.get(f"/events/{SLUG}/comments").get_data(as_text=True)
    assert "CC BY 4.0" in public and "สพร. จะจัดทำคู่มือ" in public  # a published comment, a reply
    assert "โฆษณา" not in public and "@example.org" not in public   # the hidden one; no address
    listed = client.get(f"/events/{SLUG}/attendees").get_data(as_text=True)
    assert "ธนากร" in listed and "รัตนา" not in listed and "@example.org" not in listed  # only who agreed

    _sign_in(client)
    results = client.get(f"/organizer/events/{SLUG}/survey/results").get_data(as_text=True)
    assert "81.0%" in results and "85%" in results  # 17 of 21 satisfied, against the 85 % target
    dashboard = client.get(f"/organizer/events/{SLUG}/dashboard").get_data(as_text=True)
    assert 'data-state="published"' in dashboard
    report = client.get(f"/organizer/events/{SLUG}/report.pdf")
    assert report.status_code == 200
    text = _pdf_text(report.data)
    assert "เข้าร่วมจริง (ในสถานที่หรือออนไลน์): 24" in text and "หน่วยงานที่ยังไม่มีบัญชีข้อมูล" in text
