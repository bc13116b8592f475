"""bench: the summary report of a hearing with 2,000 participants and 1,000 comments, as PDF and as DOCX.

    .venv/bin/python bench/report.py [--participants 2000] [--comments 1000] [--repeat 3] [--database-url postgresql+psycopg://...]

Rows:
  baseline   reading every section of the report from the database (eventsvc.reports.data.build): the floor
  pdf        the same data laid out by WeasyPrint (A4, Thai shaped by Pango, fonts embedded)
  docx       the same data written by python-docx
  pdf (HTTP) GET /organizer/events/<slug>/report.pdf, signed in, to the last byte (audited, as in service)

Seconds are the best of --repeat runs; "x baseline" is how many times the floor each takes.
"""
import argparse
import io
import os
import re
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402

from servers import scratch_postgres_database  # noqa: E402

PASSWORD = "bench-password-123"
SECTORS = ("government", "state_enterprise", "private", "academic", "civil_society", "public")
TEXT = ("ขอเสนอให้เพิ่มตัวชี้วัดด้านการเข้าถึงบริการดิจิทัลของผู้สูงอายุและคนพิการ "
        "และกำหนดกรอบเวลาที่ชัดเจนในการเชื่อมโยงข้อมูลระหว่างหน่วยงาน ")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=2_000)
    parser.add_argument("--comments", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    return parser.parse_args()


def fill(db, event, owner, participants, comments):
    """Bulk inserts: registrations in both sessions, a third checked in, a quarter joined online; the comments
    on a document's four sections (half replied to), 40 approved questions, a survey answered by half."""
    from eventsvc.checkin.models import Checkin
    from eventsvc.comments.models import Comment, DocumentSection
    from eventsvc.events.models import Attachment
    from eventsvc.livestream.models import OnlineAttendance
    from eventsvc.models_base import utcnow
    from eventsvc.qna.models import SessionQuestion
    from eventsvc.registration.models import Registration, registration_sessions
    from eventsvc.surveys.models import Survey, SurveyResponse

    now = utcnow()
    morning, afternoon = event.sessions
    table = Registration.__table__
    values = [dict(event_id=event.id, status="confirmed", title_prefix="นาง", first_name=f"ผู้เข้าร่วม{n}",
                   last_name="ใจดี", email=f"p{n}@example.org", email_normalized=f"p{n}@example.org",
                   phone="0812345678", organization=f"หน่วยงานที่ {n % 120}", position="นักวิเคราะห์นโยบายและแผน",
                   sector=SECTORS[n % 6], attendance="online" if n % 4 == 0 else "onsite", locale="th",
                   consent_processing_at=now, consent_listing=False, manage_token_hash=f"{n:064d}",
                   created_at=now, updated_at=now) for n in range(participants)]
    ids = db.session.execute(sa.insert(table).returning(table.c.id), values).scalars().all()
    db.session.execute(sa.insert(registration_sessions),
                       [{"registration_id": i, "session_id": s.id} for i in ids for s in (morning, afternoon)])
    db.session.execute(sa.insert(Checkin.__table__), [
        dict(event_id=event.id, session_id=morning.id, registration_id=i, method="qr", created_at=now)
        for n, i in enumerate(ids) if n % 3 == 0 and n % 4])
    db.session.execute(sa.insert(OnlineAttendance.__table__), [
        dict(event_id=event.id, session_id=morning.id, registration_id=i, first_joined_at=now, last_joined_at=now)
        for n, i in enumerate(ids) if n % 4 == 0])
    attachment = Attachment(event_id=event.id, title="ร่างแผนพัฒนารัฐบาลดิจิทัล พ.ศ. 2566–2570", filename="draft.pdf",
                            stored_name="bench-draft.pdf", content_type="application/pdf", size=1)
    db.session.add(attachment)
    db.session.flush()
    sections = [DocumentSection(attachment_id=attachment.id, position=k, heading=f"ยุทธศาสตร์ที่ {k}")
                for k in range(1, 5)]
    db.session.add_all(sections)
    db.session.flush()
    db.session.execute(sa.insert(Comment.__table__), [
        dict(event_id=event.id, attachment_id=attachment.id, section_id=sections[n % 4].id, registration_id=ids[n % len(ids)],
             body=f"({n + 1}) " + TEXT * (1 + n % 3), display_name="" if n % 5 == 0 else f"ผู้เข้าร่วม{n}",
             sector=SECTORS[n % 6], status="published", hidden_reason="",
             reply_body="หน่วยงานรับข้อเสนอไปพิจารณาปรับปรุงในร่างฉบับถัดไป" if n % 2 == 0 else "",
             created_at=now) for n in range(comments)])
    db.session.execute(sa.insert(SessionQuestion.__table__), [
        dict(event_id=event.id, session_id=morning.id, registration_id=ids[n], body=f"คำถามที่ {n + 1}: " + TEXT,
             display_name="", status="approved", pinned=False, votes=n % 17, created_at=now, updated_at=now,
             answered_at=now if n % 2 else None) for n in range(40)])
    db.session.add(Survey(event_id=event.id, target_percent=85, questions=[]))
    db.session.flush()
    db.session.execute(sa.insert(SurveyResponse.__table__), [
        dict(event_id=event.id, session_id=morning.id, registration_id=i, mode="online" if n % 4 == 0 else "onsite",
             overall=1 + n % 5, answers={}, submitted_at=now) for n, i in enumerate(ids) if n % 2 == 0])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def measure(database_url, args):
    from eventsvc import create_app
    from eventsvc.accounts.models import Role
    from eventsvc.accounts.services import create_user
    from eventsvc.events import services as events
    from eventsvc.extensions import db
    from eventsvc.models_base import utcnow
    from eventsvc.reports import data, documents
    from conftest import IsolatedClient

    results = []
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False})
        app.test_client_class = IsolatedClient
        with app.app_context():
            db.create_all()
            owner = create_user("bench-organizer@example.org", PASSWORD, Role.organizer)
            start = utcnow() - timedelta(days=2)
            event = events.create_event(owner, {"slug": "bench-report", "title_th": "ประชาพิจารณ์ (ร่าง) แผนพัฒนารัฐบาลดิจิทัล",
                                                "status": "published"}, [
                {"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=3)},
                {"name_th": "ช่วงบ่าย", "starts_at": start + timedelta(hours=4), "ends_at": start + timedelta(hours=7)}])
            db.session.commit()
            print(f"  {args.participants} participants, {args.comments} comments ...", flush=True)
            fill(db, event, owner, args.participants, args.comments)
            client = app.test_client()
            page = client.get("/organizer/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            client.post("/organizer/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf})
            sizes = {}

            def with_request(build):
                def run():
                    with app.test_request_context("/organizer/events/bench-report/report"):
                        return build()
                return run

            def pdf():
                content = documents.pdf(data.build(event))
                sizes["pdf"] = content
                return content

            def over_http():
                response = client.get("/organizer/events/bench-report/report.pdf")
                assert response.status_code == 200 and response.data.startswith(b"%PDF")

            for label, run in (("baseline: the data (queries)", with_request(lambda: data.build(event))),
                               ("pdf (WeasyPrint)", with_request(pdf)),
                               ("docx (python-docx)", with_request(lambda: documents.docx(data.build(event)))),
                               ("pdf (HTTP, to the last byte)", over_http)):
                times = []
                for _ in range(args.repeat):
                    db.session.expunge_all()
                    started = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - started)
                results.append((label, min(times)))
            import pypdf

            pages = len(pypdf.PdfReader(io.BytesIO(sizes["pdf"])).pages)
            print(f"  the PDF: {pages} pages, {len(sizes['pdf']) / 1024:.0f} KB", flush=True)
            db.session.remove()
            db.engine.dispose()
    return results


def main():
    args = parse_args()
    print(f"{os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    table = []
    with tempfile.TemporaryDirectory() as scratch:
        print("sqlite", flush=True)
        table += [("sqlite", *row) for row in measure(f"sqlite:///{scratch}/bench.sqlite3", args)]
    if args.database_url:
        print("postgresql", flush=True)
        with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
            table += [("postgresql", *row) for row in measure(url, args)]
    print(f"\n{'database':<11} {'row':<30} {'seconds':>8} {'x baseline':>11}")
    floors = {name: seconds for name, label, seconds in table if label.startswith("baseline")}
    for name, label, seconds in table:
        print(f"{name:<11} {label:<30} {seconds:>8.2f} {seconds / floors[name]:>11.1f}")
    print(f"(best of {args.repeat}; x baseline: this row's time / the time to read the data alone)")


if __name__ == "__main__":
    main()
