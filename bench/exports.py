"""bench: exporting 50,000 registrations, time and peak memory, next to the floor of reading the same rows, in one run.

    .venv/bin/python bench/exports.py [--rows 50000] [--database-url postgresql+psycopg://...]

Rows:
  baseline   one SELECT of the same columns, written by csv.writer: the floor of any CSV export
  csv        the organizer's export: pages of 1,000 by keyset, sessions, check-ins and online
             joins of each page, formula-safe cells, UTF-8 with BOM (eventsvc.attendees, spreadsheets)
  xlsx       the same rows through openpyxl's write-only mode into a temporary file
  csv (HTTP) GET /organizer/events/<slug>/registrations.csv, signed in, to the last byte

Seconds are the best of --repeat runs; peak memory is measured in a separate run with
tracemalloc (Python's own allocations: what the export holds at once).
"""
import argparse
import csv
import io
import os
import re
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import sqlalchemy as sa  # noqa: E402

from servers import scratch_postgres_database  # noqa: E402

PASSWORD = "bench-password-123"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    return parser.parse_args()


class Sink(io.RawIOBase):
    """Counts what is written and keeps nothing."""

    def __init__(self):
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        return len(data)


def fill(db, event, rows):
    from eventsvc.checkin.models import Checkin
    from eventsvc.models_base import utcnow
    from eventsvc.registration.models import Registration, registration_sessions

    now = utcnow()
    table = Registration.__table__
    for start in range(0, rows, 10_000):
        values = [dict(event_id=event.id, status="confirmed", title_prefix="นาย", first_name=f"ผู้เข้าร่วม{n}",
                       last_name="นามสกุลยาวพอสมควร", email=f"p{n}@example.org", email_normalized=f"p{n}@example.org",
                       phone="0812345678", organization=f"หน่วยงานที่ {n % 300}", position="นักวิเคราะห์นโยบายและแผน",
                       sector="public", attendance="onsite", locale="th", consent_processing_at=now,
                       consent_listing=n % 2 == 0, manage_token_hash=f"{n:064d}", created_at=now, updated_at=now)
                  for n in range(start, min(start + 10_000, rows))]
        ids = db.session.execute(sa.insert(table).returning(table.c.id), values).scalars().all()
        db.session.execute(sa.insert(registration_sessions),
                           [{"registration_id": i, "session_id": event.sessions[n % 2].id} for n, i in enumerate(ids)])
        db.session.execute(sa.insert(Checkin.__table__), [
            dict(event_id=event.id, session_id=event.sessions[n % 2].id, registration_id=i, method="qr", created_at=now)
            for n, i in enumerate(ids) if n % 3 == 0])
        db.session.commit()
    # Statistics, as a database in service has them (autovacuum's ANALYZE): without them PostgreSQL
    # guesses an event holds a handful of rows and plans every page as a sort of all the rest.
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def measure(database_url, rows, repeat):
    from eventsvc import create_app
    from eventsvc.accounts.models import Role
    from eventsvc.accounts.services import create_user
    from eventsvc.attendees import services
    from eventsvc.events import services as events
    from eventsvc.extensions import db
    from eventsvc.models_base import utcnow
    from eventsvc.registration.models import Registration
    from eventsvc.spreadsheets import csv_chunks, write_xlsx
    from conftest import IsolatedClient

    results = []
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False})
        app.test_client_class = IsolatedClient
        with app.app_context():
            db.create_all()
            owner = create_user("bench-organizer@example.org", PASSWORD, Role.organizer)
            start = utcnow() + timedelta(days=30)
            event = events.create_event(owner, {"slug": "bench-export", "title_th": "ประชาพิจารณ์", "status": "published"}, [
                {"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=3)},
                {"name_th": "ช่วงบ่าย", "starts_at": start + timedelta(hours=4), "ends_at": start + timedelta(hours=7)}])
            db.session.commit()
            print(f"  {rows} registrations ...", flush=True)
            fill(db, event, rows)

            def baseline():
                columns = [getattr(Registration, c) for c in ("id", "status", "title_prefix", "first_name", "last_name",
                                                              "organization", "position", "sector", "email", "phone")]
                sink = io.TextIOWrapper(Sink(), encoding="utf-8", newline="")
                writer = csv.writer(sink)
                for row in db.session.execute(sa.select(*columns).where(Registration.event_id == event.id)
                                              .execution_options(yield_per=1000)):
                    writer.writerow(row)
                sink.flush()

            def export_csv():
                query = services.filtered_registrations(event)
                return sum(len(chunk) for chunk in csv_chunks(services.export_rows(event, query)))

            def export_xlsx():
                sink = Sink()
                write_xlsx(services.export_rows(event, services.filtered_registrations(event)), sink, "registrations")

            client = app.test_client()
            page = client.get("/organizer/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            client.post("/organizer/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf})

            def over_http():
                response = client.get("/organizer/events/bench-export/registrations.csv")
                assert response.status_code == 200 and response.get_data().count(b"\r\n") == rows + 1

            for label, run in (("baseline: SELECT + csv.writer", baseline), ("csv", export_csv),
                               ("xlsx (openpyxl write-only)", export_xlsx), ("csv (HTTP, to the last byte)", over_http)):
                times = []
                for _ in range(repeat):
                    db.session.expunge_all()
                    started = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - started)
                peak = None
                if "HTTP" not in label:  # the test client keeps the whole body: not the server's memory
                    db.session.expunge_all()
                    tracemalloc.start()
                    run()
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                results.append((label, min(times), peak))
            db.session.remove()
            db.engine.dispose()
    return results


def main():
    args = parse_args()
    print(f"{os.cpu_count()} cores; {args.rows} rows; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
          flush=True)
    table = []
    with tempfile.TemporaryDirectory() as scratch:
        print("sqlite", flush=True)
        table += [("sqlite", *row) for row in measure(f"sqlite:///{scratch}/bench.sqlite3", args.rows, args.repeat)]
    if args.database_url:
        print("postgresql", flush=True)
        with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
            table += [("postgresql", *row) for row in measure(url, args.rows, args.repeat)]
    print(f"\n{'database':<11} {'row':<30} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} {'x baseline':>11}")
    floors = {name: seconds for name, label, seconds, _ in table if label.startswith("baseline")}
    for name, label, seconds, peak in table:
        peak_text = f"{peak / 1024 / 1024:.1f}" if peak is not None else "-"
        print(f"{name:<11} {label:<30} {seconds:>8.2f} {args.rows / seconds:>8.0f} {peak_text:>8} "
              f"{floors[name] / seconds:>11.2f}")
    print("(peak MB: tracemalloc's peak of Python allocations during one export; x baseline: its time / this one)")


if __name__ == "__main__":
    main()
