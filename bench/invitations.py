"""bench: importing 5,000 invitees, next to the bare cost of reading the same CSV and inserting its rows, in the same run.

    .venv/bin/python bench/invitations.py [--rows 5000] [--repeat 3] [--database-url postgresql+psycopg://...]

Rows (invitees per second, best of --repeat, and the ratio to the baseline):
  baseline        csv.reader over the file and one executemany INSERT of its rows into a
                  plain table of the same width: the floor of any import into this database
  service         invitations.services.import_invitees(): decode, read, check every
                  address, make the links, one INSERT of invitations and one of their
                  invitation messages, commit
  organizer page  the same file uploaded through POST /organizer/events/<slug>/invitations/import
                  (signed in, with its CSRF token), the report page included
"""
import argparse
import csv
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the best counts (default 3)")
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    return parser.parse_args()


def invitee_file(rows):
    lines = ["email,name,organization,position,language"]
    lines += [f"person{n}@agency{n % 97}.go.th,นางสาวทดสอบ{n} นามสกุลยาว{n},สำนักงานจังหวัดที่ {n % 77},"
              f"นักวิเคราะห์นโยบายและแผน,{'en' if n % 10 == 0 else 'th'}" for n in range(rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def measure(database_url, rows, repeat):
    from eventsvc import create_app
    from eventsvc.accounts.models import Role
    from eventsvc.accounts.services import create_user
    from eventsvc.events import services as events
    from eventsvc.extensions import db
    from eventsvc.invitations import services as invitations
    from eventsvc.models_base import utcnow

    data = invitee_file(rows)
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance,
                          "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "INVITATION_IMPORT_MAX_ROWS": rows})
        with app.app_context():
            db.create_all()
            owner = create_user("bench-organizer@example.org", PASSWORD, Role.organizer)
            db.session.commit()
            start = utcnow() + timedelta(days=30)
            counter = iter(range(10_000))

            def new_event():
                event = events.create_event(owner, {
                    "slug": f"bench-workshop-{next(counter)}", "title_th": "การประชุมเชิงปฏิบัติการ",
                    "registration_mode": "invite_only", "status": "published",
                }, [{"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=3)}])
                db.session.commit()
                return event

            plain = sa.Table("bench_plain_rows", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                             *(sa.Column(name, sa.String(300)) for name in
                               ("email", "name", "organization", "position", "language", "token_hash")))
            plain.create(db.engine, checkfirst=True)

            def baseline():
                reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
                header = next(reader)
                values = [dict(zip(header, row), token_hash="0" * 64) for row in reader]
                with db.engine.begin() as connection:
                    connection.execute(sa.delete(plain))
                    connection.execute(sa.insert(plain), values)

            def service():
                event = new_event()
                result = invitations.import_invitees(event, data, actor=owner, send=True)
                db.session.commit()
                assert len(result.invited) == rows and not result.rejected

            # Each request in its own app context, as on a server (the tests' client).
            from conftest import IsolatedClient

            app.test_client_class = IsolatedClient
            client = app.test_client()
            page = client.get("/organizer/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            assert client.post("/organizer/login", data={"email": owner.email, "password": PASSWORD,
                                                         "csrf_token": csrf}).status_code == 302

            def organizer_page():
                event = new_event()
                form = client.get(f"/organizer/events/{event.slug}/invitations").get_data(as_text=True)
                token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
                response = client.post(f"/organizer/events/{event.slug}/invitations/import", data={
                    "csrf_token": token, "send": "y", "file": (io.BytesIO(data), "รายชื่อผู้ได้รับเชิญ.csv"),
                }, content_type="multipart/form-data")
                assert response.status_code == 200 and f'data-invited="{rows}"' in response.get_data(as_text=True)

            results = []
            for label, run in (("baseline: csv + one INSERT", baseline), ("service: import_invitees()", service),
                               ("organizer page: upload", organizer_page)):
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - started)
                results.append((label, min(times)))
            db.session.remove()
            db.engine.dispose()
    return results


def main():
    args = parse_args()
    print(f"{os.cpu_count()} cores; {args.rows} invitees per run, best of {args.repeat}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    table = []
    with tempfile.TemporaryDirectory() as scratch:
        table += [("sqlite", *row) for row in measure(f"sqlite:///{scratch}/bench.sqlite3", args.rows, args.repeat)]
    if args.database_url:
        with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
            table += [("postgresql", *row) for row in measure(url, args.rows, args.repeat)]
    print(f"\n{'database':<11} {'row':<30} {'rows/s':>9} {'seconds':>8} {'x baseline':>11}")
    baselines = {db_name: seconds for db_name, label, seconds in table if label.startswith("baseline")}
    for db_name, label, seconds in table:
        print(f"{db_name:<11} {label:<30} {args.rows / seconds:>9.0f} {seconds:>8.3f} "
              f"{baselines[db_name] / seconds:>11.2f}")


if __name__ == "__main__":
    main()
