"""The summary report (สรุปผลการรับฟังความคิดเห็น): the PDF and the DOCX read back, who may download them, an empty
event, the deadline on the dashboard, and publishing the final version on the event page."""
import io
import re
from datetime import timedelta
from pathlib import Path

import docx
from docx.oxml.ns import qn
import pypdf
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from conftest import add_member, csrf_from, field_errors
from eventsvc.accounts.models import Role
from eventsvc.audit.models import AuditEntry
from eventsvc.checkin.models import Checkin, CheckinMethod
from eventsvc.comments.models import Comment, CommentAccess, CommentSettings, CommentStatus, DocumentSection
from eventsvc.events import services as event_services
from eventsvc.livestream.models import OnlineAttendance
from eventsvc.registration.models import Registration
from eventsvc.reports import services as report_services
from eventsvc.reports.models import EventSummary
from eventsvc.surveys.models import Survey, SurveyResponse
from eventsvc.timefmt import to_local

TITLE = "สรุปผลการรับฟังความคิดเห็น"
COMMENT = "ควรเพิ่มตัวชี้วัดด้านการเข้าถึงบริการของผู้สูงอายุในยุทธศาสตร์ที่ 2"
REPLY = "หน่วยงานรับไปปรับปรุงตัวชี้วัดในร่างฉบับถัดไป"
HIDDEN = "ข้อความที่ถูกซ่อนไม่ควรปรากฏในรายงาน"
GENERAL = "เห็นด้วยกับแนวทางโดยรวมของแผน"


def _people(make_registration, event, count, **fields):
    return [make_registration(event, n, **fields) for n in range(count)]


@pytest.fixture
def hearing(db, make_event, make_registration, organizer):
    """5 confirmed on site, 2 online; on the morning 3 checked in and 2 joined online; comments; a survey."""
    event = make_event(sessions=2)
    morning, afternoon = event.sessions
    onsite = [make_registration(event, n, organization="กรมการปกครอง") for n in range(1, 6)]
    online = [make_registration(event, n, attendance="online", sector="private", organization="บริษัท ตัวอย่าง จำกัด")
              for n in range(6, 8)]
    for registration in onsite[:3]:
        db.session.add(Checkin(event_id=event.id, session_id=morning.id, registration_id=registration.id,
                               method=CheckinMethod.search))
    for registration in online:
        db.session.add(OnlineAttendance(event_id=event.id, session_id=morning.id, registration_id=registration.id))
    attachment = event_services.add_attachment(
        event, FileStorage(io.BytesIO(b"%PDF-1.4 draft"), filename="ร่างแผน.pdf"), "ร่างแผนพัฒนารัฐบาลดิจิทัล",
        actor=organizer)
    section = DocumentSection(attachment_id=attachment.id, position=1, heading="ยุทธศาสตร์ที่ 2")
    db.session.add(section)
    db.session.flush()
    db.session.add_all([
        Comment(event_id=event.id, attachment_id=attachment.id, section_id=section.id, registration_id=onsite[0].id,
                body=COMMENT, display_name="สมชาย", sector="government", status=CommentStatus.published,
                reply_body=REPLY),
        Comment(event_id=event.id, registration_id=onsite[1].id, body=GENERAL, status=CommentStatus.published),
        Comment(event_id=event.id, registration_id=onsite[2].id, body=HIDDEN, status=CommentStatus.hidden,
                hidden_reason="ไม่สุภาพ"),
        Comment(event_id=event.id, registration_id=onsite[3].id, body="ยังไม่ได้ตรวจ", status=CommentStatus.pending),
    ])
    db.session.add(Survey(event_id=event.id, target_percent=80, questions=[]))
    for registration, score in zip(onsite[:3], (5, 4, 2)):
        db.session.add(SurveyResponse(event_id=event.id, session_id=morning.id, registration_id=registration.id,
                                      mode="onsite", overall=score))
    db.session.commit()
    return event


def _viewer(db, login_as, make_user, event, role="viewer"):
    user = make_user(Role.checkin if role == "checkin" else Role.organizer)
    add_member(db, event, user, role)
    login_as(user=user)
    return user


def pdf_text(content):
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages), reader


def squash(text):
    return re.sub(r"\s+", "", text)


def docx_text(content):
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return "\n".join(parts), rows, document


def test_the_pdf_reads_back_with_the_thai_title_the_counts_and_the_comments(db, client, login_as, make_user, hearing):
    _viewer(db, login_as, make_user, hearing)
    response = client.get(f"/organizer/events/{hearing.slug}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text, reader = pdf_text(response.data)
    assert TITLE in text
    # The morning: 7 registered, 3 on site, 2 online; the afternoon: 7 registered, nobody yet.
    assert re.search(r"ช่วงเช้า 7 3 2", text), text
    assert re.search(r"ช่วงบ่าย 7 0 0", text), text
    # Thai breaks lines between words: read the texts back without the line breaks.
    flat = squash(text)
    assert squash(COMMENT) in flat and squash(REPLY) in flat and squash(GENERAL) in flat
    assert "ยุทธศาสตร์ที่ 2" in text
    assert squash(HIDDEN) not in flat and "ยังไม่ได้ตรวจ" not in flat
    assert "somchai1@example.org" not in text and "0812345678" not in text
    assert str(to_local(hearing.sessions[0].starts_at).year + 543) in text  # Buddhist era
    assert len(reader.pages) >= 2 and "1 / " in text  # page numbers
    # Survey: 2 of 3 satisfied = 66.7 % against the event's own target of 80 %.
    assert "66.7%" in text and "80%" in text
    embedded = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)["/FontDescriptor"]
            embedded.append(any(key in descriptor for key in ("/FontFile2", "/FontFile3")))
    assert embedded and all(embedded)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export.downloaded")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.data["kind"] == "report_pdf" and entry.event_id == hearing.id


def test_the_docx_reads_back_with_title_counts_comment_and_reply(db, client, login_as, make_user, hearing):
    _viewer(db, login_as, make_user, hearing)
    response = client.get(f"/organizer/events/{hearing.slug}/report.docx")
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    text, rows, document = docx_text(response.data)
    assert document.paragraphs[0].text == TITLE and document.paragraphs[0].style.name == "Title"
    assert ["ช่วงเช้า", "7", "3", "2"] in rows and ["ช่วงบ่าย", "7", "0", "0"] in rows
    comment_rows = [row for row in rows if row[0] == "1" and COMMENT in row[1]]
    assert comment_rows and comment_rows[0][2] == REPLY
    assert any(GENERAL in row[1] for row in rows if len(row) == 3)
    assert not any(HIDDEN in cell for row in rows for cell in row) and HIDDEN not in text
    # Thai in Word: the complex-script font (w:cs) is set on the styles.
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}cs") == "TH Sarabun New"
    # Long tables repeat their header row on each page (w:tblHeader).
    assert all(table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for table in document.tables)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert any("ยุทธศาสตร์ที่ 2" in h for h in headings)


def test_english_when_the_organizer_reads_english(db, client, login_as, make_user, hearing):
    _viewer(db, login_as, make_user, hearing)
    client.get(f"/organizer/events/{hearing.slug}/report?lang=en")
    text, rows, document = docx_text(client.get(f"/organizer/events/{hearing.slug}/report.docx").data)
    assert document.paragraphs[0].text == TITLE and "Summary of the public hearing" in text
    assert ["Morning", "7", "3", "2"] in rows
    # One comment on the event as a whole, one on the document's section: "comment", not "comments".
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "The event as a whole (1 comment)" in headings, headings
    page = client.get(f"/organizer/events/{hearing.slug}/report").get_data(as_text=True)
    assert "The event as a whole (1 comment)" in page and "(1 comments)" not in page
    # The satisfaction by mode: its first column is the way of taking part, not "Took part".
    assert ["Way of taking part", "Answers", "Satisfied"] in rows
    assert re.search(r"<caption>On site or online</caption>\s*<thead><tr><th scope=\"col\">Way of taking part<", page)
    assert "Way of taking part" in pdf_text(client.get(f"/organizer/events/{hearing.slug}/report.pdf").data)[0]


def test_the_thai_report_names_the_mode_column(db, client, login_as, make_user, hearing):
    _viewer(db, login_as, make_user, hearing)
    text, rows, document = docx_text(client.get(f"/organizer/events/{hearing.slug}/report.docx").data)
    assert ["รูปแบบการเข้าร่วม", "คำตอบ", "พึงพอใจ"] in rows or any(row[0] == "รูปแบบการเข้าร่วม" for row in rows)
    page = client.get(f"/organizer/events/{hearing.slug}/report").get_data(as_text=True)
    assert '<th scope="col">รูปแบบการเข้าร่วม</th>' in page


def test_a_final_summary_waits_for_the_end_of_the_hearing(app, db, client, login_as, make_user, hearing, clock):
    """Sessions ahead or comments open: neither an upload nor the report as it is now is published."""
    user = _viewer(db, login_as, make_user, hearing, "organizer")
    assert report_services.publishable_from(hearing) == hearing.ends_at  # comments close 15 days after publication
    # Comments taken for ten days after the last session: the later end counts.
    db.session.add(CommentSettings(event_id=hearing.id, access=CommentAccess.registrants,
                                   closes_at=hearing.ends_at + timedelta(days=10)))
    db.session.commit()
    ends = report_services.publishable_from(hearing)
    assert ends == hearing.ends_at + timedelta(days=10)
    when = report_services.timefmt.format_datetime(ends, "th")
    pdf = b"%PDF-1.7\n% final\n"
    for moment in (hearing.sessions[0].starts_at - timedelta(days=1), hearing.ends_at + timedelta(hours=1),
                   ends - timedelta(minutes=1)):
        clock.set(moment)
        login_as(user=user)  # a session does not outlive the clock's jumps
        response = _upload(client, hearing.slug, pdf, "summary.pdf")
        assert response.status_code == 422
        assert any(when in error for error in field_errors(response.get_data(as_text=True), "file"))
        token = csrf_from(client.get(f"/organizer/events/{hearing.slug}/report").get_data(as_text=True))
        refused = client.post(f"/organizer/events/{hearing.slug}/report/publish", data={"csrf_token": token},
                              follow_redirects=True)
        assert when in refused.get_data(as_text=True)
        assert db.session.get(EventSummary, hearing.id) is None
        # The organizer still downloads the report whenever they like.
        assert client.get(f"/organizer/events/{hearing.slug}/report.pdf").status_code == 200
    clock.set(ends)
    assert _upload(client, hearing.slug, pdf, "summary.pdf").status_code == 302
    db.session.rollback()  # a fresh read, not the snapshot of the test's last query
    assert db.session.get(EventSummary, hearing.id) is not None


@pytest.mark.parametrize("role, status", [("viewer", 200), ("organizer", 200), ("checkin", 403)])
def test_viewers_may_download_door_staff_may_not(db, client, login_as, make_user, make_event, role, status):
    event = make_event()
    _viewer(db, login_as, make_user, event, role)
    for path in ("report", "report.pdf", "report.docx"):
        assert client.get(f"/organizer/events/{event.slug}/{path}").status_code == status, path


def test_the_api_gives_both_files_to_a_token_and_401_without(db, client, make_event, api_token):
    event = make_event()
    assert client.get(f"/api/v1/events/{event.slug}/report.pdf").status_code == 401
    assert client.get(f"/api/v1/events/{event.slug}/report.docx").status_code == 401
    headers = {"Authorization": f"Bearer {api_token}"}
    response = client.get(f"/api/v1/events/{event.slug}/report.pdf", headers=headers)
    assert response.status_code == 200 and TITLE in pdf_text(response.data)[0]
    response = client.get(f"/api/v1/events/{event.slug}/report.docx", headers=headers)
    assert response.status_code == 200 and docx_text(response.data)[2].paragraphs[0].text == TITLE
    kinds = db.session.scalars(sa.select(AuditEntry.data).where(AuditEntry.action == "export.downloaded")).all()
    assert [k["kind"] for k in kinds] == ["report_pdf", "report_docx"]


def test_an_event_with_nothing_still_gives_a_good_report(db, client, login_as, make_user, make_event):
    event = make_event(sessions=0, status="draft")
    _viewer(db, login_as, make_user, event)
    page = client.get(f"/organizer/events/{event.slug}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="no-comments"' in html and 'id="no-survey"' in html and 'id="no-questions"' in html
    text, _ = pdf_text(client.get(f"/organizer/events/{event.slug}/report.pdf").data)
    assert TITLE in text and "ยังไม่ประกาศ" in text  # never announced
    body, rows, document = docx_text(client.get(f"/organizer/events/{event.slug}/report.docx").data)
    assert document.paragraphs[0].text == TITLE and "85%" in body  # the default target


# ---- the deadline -------------------------------------------------------------------------------

def _deadline_state(client, slug, login_as=None, user=None):
    if login_as is not None:
        login_as(user=user)  # the clock moved days on: sign in again
    html = client.get(f"/organizer/events/{slug}/dashboard").get_data(as_text=True)
    match = re.search(r'<p class="([^"]+)" id="summary-deadline" data-state="(\w+)">(.*?)</p>', html, re.S)
    assert match, html
    return match.group(1), match.group(2), " ".join(match.group(3).split())


@pytest.mark.app_config(SUMMARY_DEADLINE_DAYS=15)
def test_the_dashboard_counts_the_days_left_and_turns_red_after(db, client, login_as, make_user, make_event, clock):
    event = make_event(starts_in=timedelta(days=3))
    user = _viewer(db, login_as, make_user, event, "organizer")
    ends = event.ends_at
    # The comment period (published now + 15 days) ends after the hearing (3 days): it counts.
    closes = event.published_at + timedelta(days=15)
    assert closes > ends
    due = closes + timedelta(days=15)
    css, state, text = _deadline_state(client, event.slug)
    expected = (to_local(due).date() - to_local(clock()).date()).days
    assert (css, state) == ("notice", "due") and f"เหลืออีก {expected} วัน" in text
    # The organizer closes comments earlier: the hearing's end counts.
    db.session.add(CommentSettings(event_id=event.id, opens_at=event.published_at,
                                   closes_at=event.published_at + timedelta(days=1)))
    db.session.commit()
    due = ends + timedelta(days=15)
    clock.set(due - timedelta(days=2, hours=1))
    css, state, text = _deadline_state(client, event.slug, login_as, user)
    left = (to_local(due).date() - to_local(clock()).date()).days
    assert state == "due" and left in (2, 3) and f"เหลืออีก {left} วัน" in text
    clock.set(due + timedelta(days=4, hours=1))
    css, state, text = _deadline_state(client, event.slug, login_as, user)
    assert state == "overdue" and "error" in css.split()
    assert "เลยกำหนด" in text and f" {(to_local(clock()).date() - to_local(due).date()).days} " in text
    # Published: no longer red, the date it was published.
    client.post(f"/organizer/events/{event.slug}/report/publish",
                data={"csrf_token": csrf_from(client.get(f"/organizer/events/{event.slug}/report").get_data(as_text=True))})
    css, state, text = _deadline_state(client, event.slug)
    assert state == "published" and "error" not in css


# ---- publishing ---------------------------------------------------------------------------------

def _stored(app):
    folder = Path(app.instance_path) / "attachments"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _docx_bytes(text):
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(client, slug, content, filename):
    token = csrf_from(client.get(f"/organizer/events/{slug}/report").get_data(as_text=True))
    return client.post(f"/organizer/events/{slug}/report/upload", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(content), filename)})


def _public(client, event):
    return client.get(f"/events/{event.slug}").get_data(as_text=True)


def _over(clock, event):
    """The clock just after the hearing: its last session and its comment period are over."""
    clock.set(report_services.publishable_from(event) + timedelta(minutes=1))


SUMMARY_LINK = r'href="(/events/[^"]+/summary)"'


def test_upload_replace_and_withdraw_the_final_version(app, db, client, login_as, make_user, make_event, clock):
    event = make_event()
    _over(clock, event)
    _viewer(db, login_as, make_user, event, "organizer")
    assert 'id="published-summary"' not in _public(client, event)
    assert client.get(f"/events/{event.slug}/summary").status_code == 404
    pdf = b"%PDF-1.7\n% the agency's final summary\n"
    uploaded = "สรุปผล ฉบับร่าง v3 (ห้ามเผยแพร่).pdf"
    assert _upload(client, event.slug, pdf, uploaded).status_code == 302
    html = _public(client, event)
    assert 'id="published-summary"' in html and "เผยแพร่สรุปผลเมื่อ" in html
    link = re.search(SUMMARY_LINK, html).group(1)
    assert link == f"/events/{event.slug}/summary" and "ฉบับร่าง" not in html
    served = client.get(link)
    assert served.data == pdf
    assert served.headers["Content-Disposition"] == f"attachment; filename=summary-{event.slug}.pdf"
    # The address of the file name it was published under before answers with the one address.
    old = client.get(f"/events/{event.slug}/summary/" + uploaded)
    assert old.status_code == 301 and old.headers["Location"].endswith(link)
    first = _stored(app)
    # Replaced by a DOCX: the old file goes, the new one is served.
    assert _upload(client, event.slug, _docx_bytes("ฉบับแก้ไข"), "summary.docx").status_code == 302
    summary = db.session.get(EventSummary, event.id)
    db.session.refresh(summary)
    assert summary.filename == "summary.docx" and summary.source.value == "uploaded"
    assert len(_stored(app)) == len(first) and set(_stored(app)) != set(first)
    html = _public(client, event)
    new_link = re.search(SUMMARY_LINK, html).group(1)
    assert new_link == link  # the link shared before gives the new version
    served = client.get(link)
    assert "DOCX" in html and docx.Document(io.BytesIO(served.data)).paragraphs[0].text == "ฉบับแก้ไข"
    assert served.headers["Content-Disposition"] == f"attachment; filename=summary-{event.slug}.docx"
    # Withdrawn: gone from the page, the link and the disk.
    token = csrf_from(client.get(f"/organizer/events/{event.slug}/report").get_data(as_text=True))
    assert client.post(f"/organizer/events/{event.slug}/report/withdraw", data={"csrf_token": token}).status_code == 302
    assert 'id="published-summary"' not in _public(client, event)
    assert client.get(new_link).status_code == 404
    assert len(_stored(app)) == len(first) - 1  # only the event's draft document is left
    db.session.rollback()  # a fresh read, not the snapshot of the test's last query
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("document.summary%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["document.summary_published", "document.summary_published", "document.summary_withdrawn"]


def test_the_published_report_does_not_change_with_later_data(app, db, client, login_as, make_user, hearing,
                                                                clock):
    _over(clock, hearing)
    _viewer(db, login_as, make_user, hearing, "organizer")
    token = csrf_from(client.get(f"/organizer/events/{hearing.slug}/report").get_data(as_text=True))
    assert client.post(f"/organizer/events/{hearing.slug}/report/publish", data={"csrf_token": token}).status_code == 302
    link = re.search(SUMMARY_LINK, _public(client, hearing)).group(1)
    before = client.get(link).data
    assert squash(COMMENT) in squash(pdf_text(before)[0])
    late = "ความเห็นที่มาหลังการเผยแพร่"
    author = db.session.scalar(sa.select(Registration.id).where(Registration.event_id == hearing.id).limit(1))
    db.session.add(Comment(event_id=hearing.id, registration_id=author, body=late, status=CommentStatus.published))
    db.session.commit()
    assert client.get(link).data == before and squash(late) not in squash(pdf_text(client.get(link).data)[0])
    assert squash(late) in squash(pdf_text(client.get(f"/organizer/events/{hearing.slug}/report.pdf").data)[0])


@pytest.mark.parametrize("content, filename, message", [
    (b"plain text", "summary.txt", "PDF"),
    (b"", "summary.pdf", "ไม่มีข้อมูล"),
    (b"not really a pdf", "summary.pdf", "PDF"),
    (b"PK not a zip", "summary.docx", "DOCX"),
])
def test_a_bad_file_is_refused_beside_its_field_and_nothing_is_stored(app, db, client, login_as, make_user,
                                                                       make_event, clock, content, filename,
                                                                       message):
    event = make_event()
    _over(clock, event)
    _viewer(db, login_as, make_user, event, "organizer")
    before = _stored(app)
    response = _upload(client, event.slug, content, filename)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), "file")
    assert errors and message in " ".join(errors)
    assert _stored(app) == before and db.session.get(EventSummary, event.id) is None
    assert 'id="published-summary"' not in _public(client, event)


@pytest.mark.app_config(MAX_CONTENT_LENGTH=4096)
def test_a_file_over_the_size_limit_is_refused(app, db, client, login_as, make_user, make_event):
    event = make_event()
    _viewer(db, login_as, make_user, event, "organizer")
    before = _stored(app)
    response = _upload(client, event.slug, b"%PDF-1.7\n" + b"x" * 8000, "big.pdf")
    assert response.status_code == 413 and "ใหญ่" in response.get_data(as_text=True)
    assert _stored(app) == before and db.session.get(EventSummary, event.id) is None


def test_only_organizers_publish(db, client, login_as, make_user, make_event):
    event = make_event()
    _viewer(db, login_as, make_user, event, "viewer")
    page = client.get(f"/organizer/events/{event.slug}/report").get_data(as_text=True)
    assert "report/upload" not in page
    token = csrf_from(page) if "csrf_token" in page else ""
    assert client.post(f"/organizer/events/{event.slug}/report/publish", data={"csrf_token": token}).status_code == 403


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_REPORT="2 per minute")
def test_building_reports_is_rate_limited_across_the_pages_and_the_api(db, client, make_event, api_token,
                                                                        login_as, make_user):
    event = make_event()
    _viewer(db, login_as, make_user, event)
    assert client.get(f"/organizer/events/{event.slug}/report.pdf").status_code == 200
    headers = {"Authorization": f"Bearer {api_token}"}
    assert client.get(f"/api/v1/events/{event.slug}/report.docx", headers=headers).status_code == 200
    response = client.get(f"/organizer/events/{event.slug}/report.docx")
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert client.get(f"/api/v1/events/{event.slug}/report.pdf", headers=headers).status_code == 429
    kinds = db.session.scalars(sa.select(AuditEntry.data).where(AuditEntry.action == "export.downloaded")).all()
    assert len(kinds) == 2  # a refused build is not a download


def test_the_pdf_is_drawn_again_only_when_its_content_changed(app, db, client, login_as, make_user, hearing, clock):
    _viewer(db, login_as, make_user, hearing)
    url = f"/organizer/events/{hearing.slug}/report.pdf"
    first = client.get(url).data
    clock.move(timedelta(minutes=30))
    assert client.get(url).data == first  # the same content: the PDF kept under instance/pdf-cache/
    assert len(list((Path(app.instance_path) / "pdf-cache").glob("*.pdf"))) == 1

    late = "ความเห็นที่มาทีหลัง"
    author = db.session.scalar(sa.select(Registration.id).where(Registration.event_id == hearing.id).limit(1))
    db.session.add(Comment(event_id=hearing.id, registration_id=author, body=late, status=CommentStatus.published))
    db.session.commit()
    changed = client.get(url).data
    assert changed != first and squash(late) in squash(pdf_text(changed)[0])


def test_a_cache_that_cannot_be_written_still_gives_the_pdf(app, db, client, login_as, make_user, hearing):
    _viewer(db, login_as, make_user, hearing)
    (Path(app.instance_path) / "pdf-cache").write_text("a file where the folder should be")

    response = client.get(f"/organizer/events/{hearing.slug}/report.pdf")

    assert response.status_code == 200 and squash(COMMENT) in squash(pdf_text(response.data)[0])
    assert not list(Path(app.instance_path).glob("*.tmp"))


def test_the_organizers_home_shows_the_summarys_deadline_of_a_past_hearing(app, db, client, login_as, make_user,
                                                                          make_event, clock):
    event = make_event()
    user = _viewer(db, login_as, make_user, event, "organizer")

    def badge():
        html = client.get("/organizer/").get_data(as_text=True)
        row = re.search(rf'<tr data-event="{event.slug}">.*?</tr>', html, re.S).group(0)
        found = re.search(r'class="badge[^"]*summary-badge" data-state="(\w+)">([^<]*)<', row)
        return found and (found.group(1), found.group(2))

    assert badge() is None  # still ahead
    _over(clock, event)
    login_as(user=user)
    due = report_services.deadline(event)
    state, text = badge()
    assert state == "due" and str(to_local(due).year + 543) in text
    clock.set(due + timedelta(days=1))
    login_as(user=user)
    assert badge()[0] == "overdue"
    assert _upload(client, event.slug, b"%PDF-1.7\n% final\n", "summary.pdf").status_code == 302
    assert badge() is None
