"""bench: the outbox delivering 1,000 messages to a local SMTP server, next to bare smtplib in the same run.

    .venv/bin/python bench/outbox.py [--messages 1000] [--database-url postgresql+psycopg://...]

Rows (messages per second, and the ratio to the baseline):
  baseline   smtplib sending the same number of ready-made messages over one connection
             to the same aiosmtpd server: the ceiling of Python's SMTP client and this server
  <db> 1 worker    `deliver_due()` in one process: claim, render MIME, send, mark sent
  <db> 2 workers   two `flask outbox deliver` processes at once on the same outbox
  <db> .eml files  no SMTP configured: one file per message under instance/mail/
"""
import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from mailserver import SMTPServer  # noqa: E402
from servers import PYTHON, flask_cli, prepare_database, scratch_postgres_database, service_env  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    return parser.parse_args()


def baseline(server, count):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "no-reply@localhost", "p@example.org", "ยืนยันการลงทะเบียน"
    message.set_content("เรียน ผู้ลงทะเบียน\n" * 20, cte="base64")
    message.add_alternative("<p>เรียน ผู้ลงทะเบียน</p>" * 20, subtype="html", cte="base64")
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", server.port) as connection:
        for _ in range(count):
            connection.send_message(message)
    return time.perf_counter() - started


def fill_outbox(database_url, count):
    """`count` registration confirmations, rendered and written exactly as the registration service does."""
    script = f"""
from eventsvc import create_app
from eventsvc.extensions import db
from eventsvc.events import services as events
from eventsvc.registration import services as registration
from eventsvc.accounts.models import User
from eventsvc.models_base import utcnow
from datetime import timedelta
import sqlalchemy as sa
app = create_app({{"SQLALCHEMY_DATABASE_URI": {database_url!r}}})
with app.app_context():
    owner = db.session.scalars(sa.select(User)).first()
    start = utcnow() + timedelta(days=30)
    event = events.create_event(owner, {{"slug": "bench-outbox", "title_th": "ประชาพิจารณ์ร่างแผนพัฒนารัฐบาลดิจิทัล",
        "status": "published", "format": "onsite", "venue_name": "ศูนย์ราชการ"}},
        [{{"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=3)}}])
    for n in range({count}):
        registration.register(event, {{"first_name": f"สมชาย{{n}}", "last_name": "ใจดี", "email": f"p{{n}}@example.org",
            "sector": "public", "consent_processing": True}})
    db.session.commit()
"""
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=service_env(database_url), check=True)


def timed_workers(database_url, workers, **env):
    environment = service_env(database_url, **env)
    started = time.perf_counter()
    processes = [subprocess.Popen([PYTHON, "-m", "flask", "--app", "wsgi", "outbox", "deliver"], cwd=ROOT,
                                  env=environment, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    outputs = [p.communicate()[0] for p in processes]
    elapsed = time.perf_counter() - started
    sent = sum(int(out.split()[0]) for out in outputs)
    return elapsed, sent


def measure_backend(name, database_url, server, count, instance):
    rows = []
    for label, workers, env in (("1 worker", 1, {"EVENTSVC_SMTP_URL": server.url}),
                                ("2 workers", 2, {"EVENTSVC_SMTP_URL": server.url}),
                                (".eml files", 1, {})):
        if database_url.startswith("sqlite"):
            Path(database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        prepare_database(database_url)
        fill_outbox(database_url, count)
        received_before = len(server.messages)
        elapsed, sent = timed_workers(database_url, workers, EVENTSVC_INSTANCE_PATH=instance, **env)
        if env and len(server.messages) - received_before != count:
            raise SystemExit(f"{name} {label}: the server received {len(server.messages) - received_before}, not {count}")
        if sent != count:
            raise SystemExit(f"{name} {label}: {sent} sent, not {count}")
        rows.append((f"{name}: {label}", count / elapsed, elapsed))
    return rows


def main():
    args = parse_args()
    server = SMTPServer(parse=False).start()  # a sink: the server costs the same little for every row
    print(f"{os.cpu_count()} cores; {args.messages} messages per row; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    try:
        base_seconds = baseline(server, args.messages)
        rows = [("baseline: smtplib, one connection", args.messages / base_seconds, base_seconds)]
        with tempfile.TemporaryDirectory() as scratch:
            rows += measure_backend("sqlite", f"sqlite:///{scratch}/outbox.sqlite3", server, args.messages, scratch)
            if args.database_url:
                with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
                    rows += measure_backend("postgresql", url, server, args.messages, scratch)
    finally:
        server.stop()
    base_rate = rows[0][1]
    print(f"\n{'row':<36} {'msg/s':>9} {'seconds':>8} {'x baseline':>11}")
    for label, rate, seconds in rows:
        print(f"{label:<36} {rate:>9.0f} {seconds:>8.2f} {rate / base_rate:>11.2f}")
    print("(worker rows include starting the flask process: about 1 s of the total)")


if __name__ == "__main__":
    main()
