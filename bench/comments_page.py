"""bench: the public comments page of a hearing with 5,000 published comments, next to its event page, in one run.

    .venv/bin/python bench/comments_page.py [--comments 5000] [--requests 50] [--database-url postgresql+psycopg://...]

In process (Flask's test client, no HTTP server): each row is the median time of --requests GETs and the
number of SQL statements one request runs, and its ratio to the event page (GET /events/<slug>) measured
in the same run on the same database. The comments are on the event, on one document and on its four
sections, half of them with the agency's reply, each with a name or anonymous and a sector.

Rows:
  event page                 GET /events/<slug>: the baseline
  comments page              GET /events/<slug>/comments: counts per section, the first 10 of each place
  one section                GET /events/<slug>/comments?place=<doc>-<section>: its first 100
  one section, page 5       ...&page=5 (OFFSET 400)
  organizer list (signed in) GET /organizer/events/<slug>/comments: counts by status, 50 a page
"""
import argparse
import os
import re
import statistics
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    return parser.parse_args()


def fill(db, event, document, sections, registration, count):
    from eventsvc.comments.models import Comment
    from eventsvc.models_base import utcnow

    now = utcnow()
    places = [(None, None), (document.id, None)] + [(document.id, s.id) for s in sections]
    rows = [dict(event_id=event.id, attachment_id=places[n % len(places)][0], section_id=places[n % len(places)][1],
                 registration_id=registration.id, body=f"ความคิดเห็นที่ {n}: " + "ควรปรับปรุงตัวชี้วัดให้วัดผลได้จริง " * 8,
                 display_name="" if n % 3 else f"ผู้แสดงความคิดเห็น {n}", sector=SECTORS[n % len(SECTORS)],
                 status="published", hidden_reason="",
                 reply_body="หน่วยงานรับข้อเสนอไปพิจารณาในการปรับปรุงร่าง" if n % 2 else "",
                 created_at=now - timedelta(seconds=count - n))
            for n in range(count)]
    db.session.execute(sa.insert(Comment.__table__), rows)
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def measure(database_url, count, requests):
    from eventsvc import create_app
    from eventsvc.accounts.models import Role
    from eventsvc.accounts.services import create_user
    from eventsvc.comments import services as comments
    from eventsvc.events import services as events
    from eventsvc.events.models import Attachment
    from eventsvc.extensions import db
    from eventsvc.models_base import utcnow
    from eventsvc.registration import services as registration
    from conftest import IsolatedClient, person

    results = []
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False, "VIEW_COUNT_FLUSH_SECONDS": 3600})
        app.test_client_class = IsolatedClient
        with app.app_context():
            db.create_all()
            owner = create_user("bench-organizer@example.org", PASSWORD, Role.organizer)
            start = utcnow() + timedelta(days=30)
            event = events.create_event(owner, {"slug": "bench-comments", "title_th": "ประชาพิจารณ์ร่างแผน",
                                                "kind": "public_hearing", "status": "published"}, [
                {"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=3)}])
            document = Attachment(event_id=event.id, title="ร่างแผนพัฒนารัฐบาลดิจิทัล", filename="draft.pdf",
                                  stored_name="bench-draft", content_type="application/pdf")
            db.session.add(document)
            db.session.flush()
            sections = comments.set_sections(document, "\n".join(f"ยุทธศาสตร์ที่ {n}" for n in range(1, 5)))
            author = registration.register(event, person(1)).registration
            db.session.commit()
            print(f"  {count} comments ...", flush=True)
            fill(db, event, document, sections, author, count)
            section = f"{document.id}-{sections[1].id}"
            db.session.remove()

            client = app.test_client()
            signed_in = app.test_client()
            page = signed_in.get("/organizer/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            signed_in.post("/organizer/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf})
            statements = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))

            rows = (("event page", client, "/events/bench-comments"),
                    ("comments page", client, "/events/bench-comments/comments"),
                    ("one section", client, f"/events/bench-comments/comments?place={section}"),
                    ("one section, page 5", client, f"/events/bench-comments/comments?place={section}&page=5"),
                    ("organizer list (signed in)", signed_in, "/organizer/events/bench-comments/comments"))
            for label, caller, url in rows:
                for _ in range(3):  # warm-up: templates compiled, caches filled
                    assert caller.get(url).status_code == 200, (label, url)
                times = []
                for _ in range(requests):
                    statements.clear()
                    started = time.perf_counter()
                    response = caller.get(url)
                    times.append(time.perf_counter() - started)
                    assert response.status_code == 200
                results.append((label, statistics.median(times), len(statements), len(response.get_data())))
            from eventsvc.events.services import page_views

            page_views.write()  # the event page's views, counted in memory, before the database goes
            db.session.remove()
            db.engine.dispose()
    return results


def main():
    args = parse_args()
    print(f"{os.cpu_count()} cores; {args.comments} published comments; {args.requests} requests a row; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    table = []
    with tempfile.TemporaryDirectory() as scratch:
        print("sqlite", flush=True)
        table += [("sqlite", *row) for row in measure(f"sqlite:///{scratch}/bench.sqlite3", args.comments,
                                                      args.requests)]
    if args.database_url:
        print("postgresql", flush=True)
        with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
            table += [("postgresql", *row) for row in measure(url, args.comments, args.requests)]
    print(f"\n{'database':<11} {'row':<28} {'median ms':>10} {'queries':>8} {'KB':>6} {'x event page':>13}")
    baselines = {name: seconds for name, label, seconds, _q, _s in table if label == "event page"}
    for name, label, seconds, queries, size in table:
        print(f"{name:<11} {label:<28} {seconds * 1000:>10.1f} {queries:>8} {size / 1024:>6.0f} "
              f"{seconds / baselines[name]:>13.2f}")
    print("(in process, Flask's test client; x event page: this row's median time / the event page's, same run)")


if __name__ == "__main__":
    main()
