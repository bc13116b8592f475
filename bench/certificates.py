"""bench: certificates of participation, seconds per certificate and per check, next to their floors, in one run.

    .venv/bin/python bench/certificates.py [--repeat 20] [--database-url postgresql+psycopg://...]

Rows:
  baseline PDF       WeasyPrint drawing a one-line Thai page (the floor of any PDF here)
  certificate PDF    services.pdf(): the template, the QR code (SVG), the logo, the sessions taken part in
  download (HTTP)    GET /my/<token>/certificate.pdf of an issued certificate, to the last byte
  first download     the same for people who had none yet: the certificate's row and audit entry too
  baseline GET       GET /logo (the smallest page the app serves: no database)
  verify (HTTP)      GET /verify/<code> of a real certificate: one query and the page
  verify forged      GET /verify/<forged code>: refused by the signature, no query

Times are the median of --repeat runs; ratios are to the baseline of the same kind measured in this run.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from servers import scratch_postgres_database  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    return parser.parse_args()


def median_seconds(action, repeat):
    times = []
    for n in range(repeat):
        start = time.perf_counter()
        action(n)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(url, folder, repeat):
    from eventsvc import create_app
    from eventsvc.accounts.models import Role
    from eventsvc.accounts.services import create_user
    from eventsvc.certificates import services
    from eventsvc.events import services as event_services
    from eventsvc.extensions import db
    from eventsvc.livestream.services import record_join
    from eventsvc.models_base import utcnow
    from eventsvc.pdf import THAI_FONTS, render_pdf
    from eventsvc.registration import services as registration_services

    now = {"value": utcnow().replace(microsecond=0)}
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder / "instance"),
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "BASE_URL": "https://events.example.go.th",
                      "CLOCK": lambda: now["value"]})
    rows = {}
    with app.app_context():
        db.create_all()
        organizer = create_user("bench@example.org", "bench-password-123", Role.organizer)
        start = now["value"] + timedelta(hours=1)
        event = event_services.create_event(organizer, {
            "slug": "bench-certificates", "title_th": "ประชาพิจารณ์ (ร่าง) แผนพัฒนารัฐบาลดิจิทัลของประเทศไทย พ.ศ. 2566 – 2570",
            "title_en": "Hearing", "kind": "public_hearing", "format": "hybrid", "status": "published"}, [
            {"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=3)},
            {"name_th": "ช่วงบ่าย", "starts_at": start + timedelta(hours=4), "ends_at": start + timedelta(hours=7)}])
        people = []
        for n in range(2 * repeat):
            result = registration_services.register(event, {
                "title_prefix": "นางสาว", "first_name": f"สมหญิง{n}", "last_name": "รักษ์ประชาธิปไตย",
                "email": f"p{n}@example.org", "organization": "กรมการปกครอง", "sector": "government",
                "attendance": "online", "consent_processing": True})
            for session in event.sessions:
                record_join(result.registration, session, session.starts_at)
            people.append(result)
        db.session.commit()
        now["value"] = start + timedelta(days=1)
        issued = [services.issue(p.registration, actor=None) for p in people[:repeat]]
        db.session.commit()
        codes = [c.code for c in issued]
        tokens = [p.manage_token for p in people]

        rows["baseline PDF"] = median_seconds(lambda n: render_pdf(
            f'<html lang="th"><body style="font-family: {THAI_FONTS}">หนังสือรับรอง {n}</body></html>'), repeat)
        rows["certificate PDF"] = median_seconds(lambda n: services.pdf(issued[n]), repeat)
    client = app.test_client()

    def get(path):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        return response.data

    rows["download (HTTP)"] = median_seconds(lambda n: get(f"/my/{tokens[n]}/certificate.pdf"), repeat)
    rows["first download"] = median_seconds(lambda n: get(f"/my/{tokens[repeat + n]}/certificate.pdf"), repeat)
    rows["baseline GET"] = median_seconds(lambda n: get("/logo"), repeat * 5)
    rows["verify (HTTP)"] = median_seconds(lambda n: get(f"/verify/{codes[n % repeat]}"), repeat * 5)
    rows["verify forged"] = median_seconds(lambda n: get(f"/verify/{codes[n % repeat][:-4]}AAAA"), repeat * 5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return rows


def print_table(name, rows):
    print(f"\n{name}")
    print(f"{'row':<20} {'ms':>9} {'× baseline':>11}")
    for row, seconds in rows.items():
        base = rows["baseline PDF" if "PDF" in row or "download" in row else "baseline GET"]
        print(f"{row:<20} {seconds * 1000:>9.1f} {seconds / base:>11.2f}")


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print_table("sqlite", run(f"sqlite:///{folder / 'bench.sqlite3'}", folder / "sqlite", args.repeat))
        if args.database_url:
            with scratch_postgres_database(args.database_url) as url:
                print_table("postgresql", run(url, folder / "postgresql", args.repeat))


if __name__ == "__main__":
    main()
