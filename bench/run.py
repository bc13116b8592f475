"""Requests per second of eventsvc next to a bare Flask app, both under gunicorn.conf.py, measured with wrk.

Usage: .venv/bin/python bench/run.py [--duration 10] [--connections 16] [--database-url URL]  (see bench/README.md)
"""
import argparse
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the gunicorn helpers are shared with the server tests
sys.path.insert(0, str(ROOT))

from servers import base_environ, eventsvc_server, gunicorn, scratch_postgres_database  # noqa: E402

WRK_SCRIPT = ROOT / "bench" / "wrk.lua"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measurement (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before each measurement, not counted (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections, the same for every target (default 16)")
    parser.add_argument("--threads", type=int, default=1,
                        help="wrk threads (default 1: on 2 cores every core wrk takes is one gunicorn does not get)")
    parser.add_argument("--workers", type=int,
                        default=int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2)),
                        help="gunicorn workers for every server (default: what gunicorn.conf.py picks, 2 per core)")
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""),
                        help="PostgreSQL server to measure too (default: EVENTSVC_TEST_DATABASE_URL); a scratch "
                             "database is created next to the one named and dropped afterwards")
    parser.add_argument("--no-form", action="store_true", help="skip the HTML form POST")
    parser.add_argument("--no-door", action="store_true", help="skip the check-in, ticket, calendar and QR rows")
    parser.add_argument("--no-streams", action="store_true", help="skip the join-redirect and attendee-list rows")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"),
                        help="folder for server logs and results-<time>.json (default bench/results, not in git)")
    return parser.parse_args()


def ensure_wrk():
    """The wrk binary; installs Debian's package when missing and we are root."""
    path = shutil.which("wrk")
    if path:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: apt-get install -y wrk", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
            subprocess.run(install, stdout=subprocess.DEVNULL, check=True)
        path = shutil.which("wrk")
    if not path:
        sys.exit("bench needs wrk: install it with `sudo apt-get install wrk` (Debian/Ubuntu) and run again.")
    return path


class Bench:
    def __init__(self, args, wrk, out_dir):
        self.args, self.wrk, self.out_dir = args, wrk, out_dir
        self.rows = []

    def wrk_run(self, name, url, mode_args, seconds, connections=None):
        """One wrk run; returns its JSON summary (see bench/wrk.lua)."""
        command = [
            self.wrk, f"-t{self.args.threads}", f"-c{connections or self.args.connections}", f"-d{seconds}s",
            "--timeout", "10s",
            "-s", str(WRK_SCRIPT), url, "--", *mode_args,
        ]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60)
        (self.out_dir / f"wrk-{name}.txt").write_text(result.stdout + result.stderr)
        line = next((l for l in result.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
        if result.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
        return json.loads(line[len("WRK_JSON "):])

    def measure(self, label, url, mode, *extra, expect_status=200, connections=None):
        """Warm up, then measure; adds a row to the table and returns the wrk summary."""
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        print(f"  {label}: {self.args.warmup} s warm-up, {self.args.duration} s measured ...", flush=True)
        warm = None
        if self.args.warmup:
            warm = self.wrk_run(name + "-warmup", url, [mode, f"w{uuid.uuid4().hex[:8]}", *extra], self.args.warmup,
                                connections)
        summary = self.wrk_run(name, url, [mode, f"m{uuid.uuid4().hex[:8]}", *extra], self.args.duration,
                               connections)
        unexpected = {s: n for s, n in summary["statuses"].items() if int(s) != expect_status}
        socket_errors = sum(n for k, n in summary["errors"].items() if k != "status")
        summary.update(
            label=label, url=url, rps=summary["requests"] / (summary["duration_us"] / 1e6),
            unexpected=unexpected, socket_errors=socket_errors, warmup=warm,
        )
        self.rows.append(summary)
        return summary

    # ---- targets ----------------------------------------------------------------

    def hello(self):
        print("hello (bare Flask)", flush=True)
        env = base_environ()
        env["GUNICORN_ACCESSLOG"] = "/dev/null"
        with gunicorn("bench.hello:app", env, self.out_dir / "hello", workers=self.args.workers) as url:
            self.measure("hello GET /", url + "/", "get")

    def eventsvc(self, backend, database_url):
        print(f"eventsvc on {backend}", flush=True)
        with eventsvc_server(database_url, self.out_dir / backend, workers=self.args.workers) as (base, token):
            slug, session_ids = create_open_event(base, token)
            self.measure(f"{backend}: event page GET", f"{base}/events/{slug}", "get")
            api = self.measure(f"{backend}: API registration POST", f"{base}/api/v1/events/{slug}/registrations",
                               "api", expect_status=201)
            posts = [api]
            if not self.args.no_form:
                csrf, cookie = form_credentials(base, slug)
                posts.append(self.measure(
                    f"{backend}: HTML form registration POST", f"{base}/events/{slug}/register",
                    "form", csrf, cookie, ",".join(map(str, session_ids)), expect_status=201,
                ))
            # Every 201 must be a row of its own (distinct e-mails, nothing lost). wrk stops with up to one
            # request per connection in flight, which the server still completes but wrk does not count.
            created = sum(_count(p, 201) + _count(p["warmup"], 201) for p in posts)
            runs = len(posts) * (2 if self.args.warmup else 1)
            rows = registration_rows(database_url, slug)
            consistent = created <= rows <= created + runs * self.args.connections
            if not consistent:
                print(f"  WARNING: {created} registrations answered 201 but the database holds {rows}", flush=True)
            for summary in posts:
                summary["db_rows"], summary["db_rows_consistent"] = rows, consistent
            if not self.args.no_door:
                self.door(backend, base, token, database_url)
            if not self.args.no_streams:
                self.streams(backend, base, token, database_url)

    def door(self, backend, base, token, database_url):
        """The door on the day: 20 scanners at once on real tickets, and what people download."""
        slug, session_ids, tickets = make_tickets(base, token, database_url, self.out_dir / backend, TICKETS)
        files = self.out_dir / backend
        write_lines(files / "codes.txt", [code for code, _ in tickets])
        write_lines(files / "tickets.txt", [f"/t/{code}" for code, _ in tickets])
        write_lines(files / "my-ics.txt", [f"/my/{manage}/calendar.ics" for _, manage in tickets])
        # 50 people fetching their QR again and again: drawn once (in the warm-up), then from the cache.
        write_lines(files / "qr.txt", [f"/t/{code}/qr.png" for code, _ in tickets[:50]])
        self.measure(f"{backend}: check-in API POST, 20 scanners", f"{base}/api/v1/checkins", "checkin",
                     str(files / "codes.txt"), str(session_ids[0]), token, connections=SCANNERS)
        self.measure(f"{backend}: ticket page GET /t/<code>, 20 scanners", base, "paths", str(files / "tickets.txt"),
                     connections=SCANNERS)
        self.measure(f"{backend}: event calendar GET .ics", f"{base}/events/{slug}/calendar.ics", "get")
        self.measure(f"{backend}: personal calendar GET .ics", base, "paths", str(files / "my-ics.txt"))
        self.measure(f"{backend}: ticket QR GET .png (cached)", base, "paths", str(files / "qr.txt"))

    def streams(self, backend, base, token, database_url):
        """The thundering herd when a session goes live, and the published list of participants."""
        slug, session_ids, people = make_tickets(base, token, database_url, self.out_dir / backend, JOINERS,
                                                 live=True, listed=True)
        files = self.out_dir / backend
        write_lines(files / "joins.txt", [f"/my/{manage}/sessions/{session_ids[0]}/join" for _, manage in people])
        requests.patch(f"{base}/api/v1/events/{slug}", json={"attendee_list_published": True},
                       headers={"Authorization": f"Bearer {token}"}, timeout=30).raise_for_status()
        self.measure(f"{backend}: join redirect, 1,000 people, 100 at once", base, "paths", str(files / "joins.txt"),
                     expect_status=302, connections=HERD)
        self.measure(f"{backend}: attendee list GET, 1,000 names", f"{base}/events/{slug}/attendees", "get")

    def table(self):
        hello = next((r["rps"] for r in self.rows if r["label"].startswith("hello")), None)
        width = max(len(r["label"]) for r in self.rows) if self.rows else 45
        header = f"{'target':<{width}} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× hello':>8}  problems"
        lines = [header, "-" * len(header)]
        for row in self.rows:
            problems = []
            if row["unexpected"]:
                problems.append("statuses " + ", ".join(f"{s}×{n}" for s, n in sorted(row["unexpected"].items())))
            if row["socket_errors"]:
                problems.append(f"{row['socket_errors']} socket errors/timeouts")
            if row.get("db_rows_consistent") is False:
                problems.append("database rows do not match the 201s")
            ratio = f"{row['rps'] / hello:.2f}" if hello else "-"
            lines.append(
                f"{row['label']:<{width}} {row['rps']:>8.0f} {row['p50_us'] / 1000:>8.1f} {row['p99_us'] / 1000:>8.1f} "
                f"{ratio:>8}  {'; '.join(problems) or '-'}"
            )
        return "\n".join(lines)


TICKETS = 2000
SCANNERS = 20
JOINERS = 1000
HERD = 100


def write_lines(path, lines):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def make_tickets(base, token, database_url, instance, count, live=False, listed=False):
    """An event of `count` confirmed registrations made by the real service.

    live: its first session is on now, with a public stream (for joins);
    listed: everyone agreed to be on the public list.
    Returns (slug, session ids, [(ticket code, personal link token)]).
    """
    from eventsvc import create_app
    from eventsvc.events.services import get_event
    from eventsvc.extensions import db
    from eventsvc.registration import services as registrations
    from servers import SECRET_KEY

    slug, session_ids = create_open_event(base, token, live=live)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY, "BASE_URL": base,
                      "INSTANCE_PATH": str(instance)})
    tickets = []
    with app.app_context():
        event = get_event(slug, with_sessions=True)
        for n in range(count):
            result = registrations.register(event, {
                "first_name": f"ผู้เข้าร่วม{n}", "last_name": "ทดสอบประตู", "email": f"door{n}@bench.example.org",
                "organization": f"หน่วยงานทดสอบที่ {n % 40}", "sector": "public",
                "attendance": "online" if live else "onsite", "consent_processing": True, "consent_listing": listed})
            tickets.append((result.registration.ticket_code, result.manage_token))
            if n % 200 == 199:
                db.session.commit()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return slug, session_ids, tickets


def _count(summary, status):
    return (summary or {}).get("statuses", {}).get(str(status), 0)


def create_open_event(base, token, live=False):
    """A published event with no capacity limit, so that registration stays open the whole run.

    live: the first session started five minutes ago (its stream is on for the whole run).
    """
    start = datetime.now(timezone.utc).replace(microsecond=0) + (timedelta(minutes=-5) if live else timedelta(days=30))
    body = {
        "slug": f"bench-{uuid.uuid4().hex[:8]}", "title_th": "ประชาพิจารณ์ (ร่าง) แผนทดสอบสมรรถนะ",
        "title_en": "Benchmark hearing", "kind": "public_hearing", "format": "hybrid", "registration_mode": "open",
        "capacity": None, "waitlist": False, "status": "published",
        "venue_name": "ศูนย์ราชการเฉลิมพระเกียรติ", "venue_room": "ห้องประชุม 1", "venue_floor": "3",
        "contact_name": "ผู้ประสานงาน", "contact_phone": "02 000 0000", "contact_email": "contact@example.org",
        "sessions": [
            {"name_th": "ช่วงเช้า", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
             "stream_url": "https://www.youtube.com/watch?v=bench", "stream_visibility": "public"},
            {"name_th": "ช่วงบ่าย", "starts_at": (start + timedelta(hours=4)).isoformat(),
             "ends_at": (start + timedelta(hours=7)).isoformat()},
        ],
    }
    response = requests.post(f"{base}/api/v1/events", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    response.raise_for_status()
    event = response.json()
    return event["slug"], [s["id"] for s in event["sessions"]]


def form_credentials(base, slug):
    """A CSRF token and the cookie of the session it belongs to; Flask-WTF accepts the pair for an hour."""
    with requests.Session() as browser:
        page = browser.get(f"{base}/events/{slug}/register", timeout=30)
        page.raise_for_status()
        match = CSRF_RE.search(page.text)
        if not match:
            raise RuntimeError("no csrf_token in the registration form")
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    return match.group(1) or match.group(2), cookie


def registration_rows(database_url, slug):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(
                "SELECT count(*) FROM registrations r JOIN events e ON e.id = r.event_id WHERE e.slug = :slug"
            ), {"slug": slug}).scalar_one()
    finally:
        engine.dispose()


def main():
    args = parse_args()
    wrk = ensure_wrk()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = Path(args.results) / stamp
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, {args.workers} gunicorn workers, wrk -t{args.threads} -c{args.connections}, "
          f"{args.duration} s per target; logs in {out_dir}", flush=True)
    # Anything else running on the machine takes cores from the servers: say so next to the numbers.
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    bench = Bench(args, wrk, out_dir)
    started = time.monotonic()
    bench.hello()
    bench.eventsvc("sqlite", f"sqlite:///{out_dir / 'sqlite' / 'eventsvc.sqlite3'}")
    if args.database_url:
        with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
            bench.eventsvc("postgresql", url)
    else:
        print("(no PostgreSQL: give --database-url or EVENTSVC_TEST_DATABASE_URL to measure it too)", flush=True)
    table = bench.table()
    print()
    print(table)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    (out_dir / "results.json").write_text(json.dumps({
        "settings": vars(args), "cores": os.cpu_count(), "seconds": round(time.monotonic() - started),
        "load_average_after": os.getloadavg(), "rows": bench.rows,
    }, indent=2, ensure_ascii=False))
    (out_dir / "table.txt").write_text(table + "\n")


if __name__ == "__main__":
    main()
