"""bench: the presenter's screen polled by 200 screens, next to a bare Flask app measured in the same run.

    .venv/bin/python bench/presenter.py [--connections 200] [--duration 10] [--questions 40] [--database-url URL]

Rows (wrk, 200 connections, under gunicorn.conf.py as bench/run.py):
  hello GET /                         the bare Flask app: the ceiling of this machine
  GET /api/v1/events                  the app's cheapest page that reads the database: its floor, for comparison
  presenter JSON, unchanged (304)     GET .../presenter.json with If-None-Match: what a screen gets when nothing moved
  presenter JSON, full (200)          the same without If-None-Match: the whole board (40 approved questions)
  presenter JSON, a vote every 0.2 s  the same while a vote (or its removal) is committed every 0.2 s: the board is
                                      forgotten and built again after each (at once with Redis; within
                                      QNA_BOARD_CACHE_SECONDS in each worker's own memory without)
Each request is signed in (the session cookie of the organizer) and loads the event and the caller's role;
the board itself comes from the cache (per worker in memory, or Redis) until a change is committed.
"""
import argparse
import multiprocessing
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from run import WRK_SCRIPT, Bench, create_open_event, ensure_wrk  # noqa: E402
from servers import (ORGANIZER_EMAIL, ORGANIZER_PASSWORD, base_environ, eventsvc_server,  # noqa: E402
                     gunicorn, scratch_postgres_database)

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=200, help="screens polling at once (default 200)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int,
                        default=int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2)))
    parser.add_argument("--questions", type=int, default=40, help="approved questions on the board")
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("EVENTSVC_TEST_REDIS_URL", ""),
                        help="Redis for the cache and limits of the servers (default EVENTSVC_TEST_REDIS_URL; none: "
                             "each worker's own memory, where a change is seen within QNA_BOARD_CACHE_SECONDS)")
    parser.add_argument("--results", default=str(ROOT / "bench" / "results"))
    return parser.parse_args()


class PresenterBench(Bench):
    headers = ()

    def wrk_run(self, name, url, mode_args, seconds, connections=None):
        import json
        import subprocess

        command = [self.wrk, f"-t{self.args.threads}", f"-c{connections or self.args.connections}", f"-d{seconds}s",
                   "--timeout", "10s"]
        for header in self.headers:
            command += ["-H", header]
        command += ["-s", str(WRK_SCRIPT), url, "--", *mode_args]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60)
        (self.out_dir / f"wrk-{name}.txt").write_text(result.stdout + result.stderr)
        line = next((l for l in result.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
        if result.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
        return json.loads(line[len("WRK_JSON "):])


def sign_in(base):
    with requests.Session() as browser:
        page = browser.get(f"{base}/organizer/login", timeout=30)
        match = CSRF_RE.search(page.text)
        answer = browser.post(f"{base}/organizer/login", data={
            "email": ORGANIZER_EMAIL, "password": ORGANIZER_PASSWORD, "csrf_token": match.group(1) or match.group(2)},
            allow_redirects=False, timeout=30)
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in refused: {answer.status_code}")
        return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def fill_board(database_url, slug, questions, redis_url, prefix):
    """Registrants, and their questions approved, through the real services; returns (app, session id, people)."""
    env_before = dict(os.environ)
    os.environ["EVENTSVC_DATABASE_URL"] = database_url
    os.environ["EVENTSVC_REDIS_URL"] = redis_url
    os.environ["EVENTSVC_RATELIMIT_KEY_PREFIX"] = prefix
    try:
        from eventsvc import create_app
        from eventsvc.accounts.models import User
        from eventsvc.events.services import get_event
        from eventsvc.extensions import db
        from eventsvc.qna import services
        from eventsvc.registration import services as registration_services
        import sqlalchemy as sa

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            event = get_event(slug, with_sessions=True)
            session = sorted(event.sessions, key=lambda s: s.starts_at)[0]
            moderator = db.session.scalar(sa.select(User).where(User.email == ORGANIZER_EMAIL))
            people = []
            for n in range(questions):
                registration = registration_services.register(event, {
                    "first_name": f"ผู้ถาม{n}", "last_name": "ทดสอบ", "email": f"q{n}-{uuid.uuid4().hex[:6]}@bench.example.org",
                    "organization": "กรมทดสอบ", "sector": "public", "attendance": "onsite",
                    "consent_processing": True, "consent_listing": False}).registration
                question = services.ask(registration, session,
                                        f"คำถามที่ {n + 1}: ยุทธศาสตร์ที่ {n % 4 + 1} จะวัดผลสัมฤทธิ์อย่างไร " * 2,
                                        f"ผู้ถาม {n + 1}" if n % 3 else "")
                services.moderate(question, "approve", actor=moderator)
                people.append((registration.id, question.id))
            db.session.commit()
            return app, session.id, people
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def keep_voting(app, people, stop):
    """A vote (then its removal) every 0.2 s: the board changes all the time."""
    from eventsvc.extensions import db
    from eventsvc.qna import services
    from eventsvc.qna.models import SessionQuestion
    from eventsvc.registration.models import Registration

    with app.app_context():
        flip = False
        while not stop.is_set():
            registration_id, question_id = people[0][0], people[-1][1]
            registration = db.session.get(Registration, registration_id)
            question = db.session.get(SessionQuestion, question_id)
            (services.unvote if flip else services.vote)(registration, question)
            db.session.commit()
            flip = not flip
            time.sleep(0.2)
        db.session.remove()


def measure_eventsvc(bench, backend, database_url, questions, redis_url):
    print(f"eventsvc on {backend}, cache {'Redis' if redis_url else 'in memory'}", flush=True)
    # Keys of their own in Redis: the two databases both have a session 1, whose boards must not meet.
    prefix = f"bench-presenter-{uuid.uuid4().hex[:8]}"
    extra = {"EVENTSVC_REDIS_URL": redis_url, "EVENTSVC_RATELIMIT_KEY_PREFIX": prefix} if redis_url else {}
    with eventsvc_server(database_url, bench.out_dir / backend, workers=bench.args.workers, **extra) as (base, token):
        slug, _ = create_open_event(base, token, live=True)
        app, session_id, people = fill_board(database_url, slug, questions, redis_url, prefix)
        cookie = sign_in(base)
        url = f"{base}/organizer/events/{slug}/sessions/{session_id}/presenter.json"
        first = requests.get(url, headers={"Cookie": cookie}, timeout=30)
        first.raise_for_status()
        etag = first.headers["ETag"]
        print(f"  board: {len(first.json()['questions'])} questions, {len(first.content)} bytes, ETag {etag}")
        bench.headers = ()
        bench.measure(f"{backend}: GET /api/v1/events (the app's own floor)", f"{base}/api/v1/events", "get")
        bench.headers = (f"Cookie: {cookie}", f"If-None-Match: {etag}")
        bench.measure(f"{backend}: presenter JSON, unchanged (304)", url, "get", expect_status=304)
        bench.headers = (f"Cookie: {cookie}",)
        bench.measure(f"{backend}: presenter JSON, full (200)", url, "get")
        stop = threading.Event()
        voter = threading.Thread(target=keep_voting, args=(app, people, stop), daemon=True)
        voter.start()
        try:
            bench.measure(f"{backend}: presenter JSON, a vote every 0.2 s", url, "get")
        finally:
            stop.set()
            voter.join(timeout=10)
        with app.app_context():
            from eventsvc.extensions import db
            db.engine.dispose()


def main():
    args = parse_args()
    wrk = ensure_wrk()
    out_dir = Path(args.results) / ("presenter-" + datetime.now().strftime("%Y%m%d-%H%M%S"))
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores, {args.workers} gunicorn workers, wrk -c{args.connections}, {args.duration} s "
          f"per row; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; logs in {out_dir}", flush=True)
    bench = PresenterBench(args, wrk, out_dir)
    env = base_environ()
    env["GUNICORN_ACCESSLOG"] = "/dev/null"
    with gunicorn("bench.hello:app", env, out_dir / "hello", workers=args.workers) as url:
        bench.measure("hello GET /", url + "/", "get")
    measure_eventsvc(bench, "sqlite", f"sqlite:///{out_dir / 'sqlite' / 'eventsvc.sqlite3'}", args.questions,
                     args.redis_url)
    if args.database_url:
        with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
            measure_eventsvc(bench, "postgresql", url, args.questions, args.redis_url)
    table = bench.table()
    print()
    print(table)
    (out_dir / "table.txt").write_text(table + "\n")


if __name__ == "__main__":
    main()
