"""bench: the satisfaction survey of an event of 2,000 participants, next to the floor of reading its rows, in one run.

    .venv/bin/python bench/surveys.py [--people 2000] [--repeat 3] [--database-url postgresql+psycopg://...]

The event has two sessions that ended an hour ago; every person took part in both (half checked in at the door,
half joined online) and 70 % of (person, session) pairs answered (overall, two rated questions, a free text in
one of five). Rows:
  baseline        one SELECT of the answers with each person's sector: the floor of any results
  survey_results  eventsvc.surveys.services.survey_results(event): the dict the page, the API and the report use
  results (HTTP)  GET /organizer/events/<slug>/survey/results, signed in, the whole page
  send (1st run)  `surveys send`'s work: who took part, what was sent, one INSERT of the mails still due
  send (2nd run)  the same again at once: everything already written, nothing to do
"""
import argparse
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
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("EVENTSVC_TEST_DATABASE_URL", ""))
    return parser.parse_args()


def fill(db, event, people):
    from eventsvc.checkin.models import Checkin
    from eventsvc.livestream.models import OnlineAttendance
    from eventsvc.models_base import utcnow
    from eventsvc.registration.models import Registration, registration_sessions
    from eventsvc.surveys.models import SurveyResponse

    now = utcnow()
    sectors = ["government", "state_enterprise", "private", "academic", "civil_society", "public"]
    table = Registration.__table__
    values = [dict(event_id=event.id, status="confirmed", first_name=f"ผู้เข้าร่วม{n}", last_name="ทดสอบ",
                   email=f"p{n}@example.org", email_normalized=f"p{n}@example.org", sector=sectors[n % 6],
                   attendance="onsite" if n % 2 == 0 else "online", locale="th", consent_processing_at=now,
                   manage_token_hash=f"{n:064d}", created_at=now, updated_at=now) for n in range(people)]
    ids = db.session.execute(sa.insert(table).returning(table.c.id), values).scalars().all()
    sessions = event.sessions
    db.session.execute(sa.insert(registration_sessions),
                       [{"registration_id": i, "session_id": s.id} for i in ids for s in sessions])
    db.session.execute(sa.insert(Checkin.__table__), [
        dict(event_id=event.id, session_id=s.id, registration_id=i, method="qr", created_at=s.starts_at)
        for n, i in enumerate(ids) if n % 2 == 0 for s in sessions])
    db.session.execute(sa.insert(OnlineAttendance.__table__), [
        dict(event_id=event.id, session_id=s.id, registration_id=i, first_joined_at=s.starts_at,
             last_joined_at=s.starts_at, joins=1)
        for n, i in enumerate(ids) if n % 2 == 1 for s in sessions])
    answers = []
    for n, i in enumerate(ids):
        for k, s in enumerate(sessions):
            if (n + k) % 10 < 7:
                extra = {"content": 1 + (n * 7) % 5, "speakers": 1 + (n * 3) % 5}
                if n % 5 == 0:
                    extra["suggestions"] = "ควรเผยแพร่เอกสารประกอบการประชุมล่วงหน้าอย่างน้อยหนึ่งสัปดาห์"
                answers.append(dict(event_id=event.id, session_id=s.id, registration_id=i,
                                    mode="onsite" if n % 2 == 0 else "online", overall=1 + (n * 11 + k) % 5,
                                    answers=extra, submitted_at=now))
    db.session.execute(sa.insert(SurveyResponse.__table__), answers)
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return len(answers)


def measure(database_url, people, repeat):
    from eventsvc import create_app
    from eventsvc.accounts.models import Role
    from eventsvc.accounts.services import create_user
    from eventsvc.events import services as events
    from eventsvc.extensions import db
    from eventsvc.mail.models import OutboxMessage
    from eventsvc.models_base import utcnow
    from eventsvc.registration.models import Registration
    from eventsvc.surveys import services
    from eventsvc.surveys.models import SurveyResponse
    from conftest import IsolatedClient

    results = []
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": instance, "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False})
        app.test_client_class = IsolatedClient
        with app.app_context():
            db.create_all()
            owner = create_user("bench-organizer@example.org", PASSWORD, Role.organizer)
            start = utcnow() - timedelta(hours=8)
            event = events.create_event(owner, {"slug": "bench-survey", "title_th": "ประชาพิจารณ์", "status": "published"}, [
                {"name_th": "ช่วงเช้า", "starts_at": start, "ends_at": start + timedelta(hours=3)},
                {"name_th": "ช่วงบ่าย", "starts_at": start + timedelta(hours=4), "ends_at": start + timedelta(hours=7)}])
            db.session.commit()
            print(f"  {people} people, two sessions ...", flush=True)
            answered = fill(db, event, people)
            now = utcnow()

            def baseline():
                return len(db.session.execute(
                    sa.select(SurveyResponse.session_id, SurveyResponse.mode, SurveyResponse.overall,
                              SurveyResponse.answers, Registration.sector)
                    .join(Registration, Registration.id == SurveyResponse.registration_id)
                    .where(SurveyResponse.event_id == event.id)).all())

            def results_dict():
                result = services.survey_results(db.session.get(type(event), event.id))
                assert result["answers"] == answered and result["took_part"] == 2 * people

            client = app.test_client()
            page = client.get("/organizer/login").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            client.post("/organizer/login", data={"email": owner.email, "password": PASSWORD, "csrf_token": csrf})

            def over_http():
                response = client.get("/organizer/events/bench-survey/survey/results")
                assert response.status_code == 200, response.status_code

            for label, run in (("baseline: SELECT answers", baseline), ("survey_results", results_dict),
                               ("results page (HTTP)", over_http)):
                times = []
                for _ in range(repeat):
                    db.session.expunge_all()
                    started = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - started)
                results.append((label, min(times)))
            # The mail: the first run writes one per (person, session) not answered; the second finds all written.
            for label in ("send (1st run)", "send (2nd run)"):
                db.session.expunge_all()
                started = time.perf_counter()
                services.send_invitations(now)
                db.session.commit()
                results.append((label, time.perf_counter() - started))
            written = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.kind == "survey_invitation"))
            assert written == 2 * people - answered, (written, 2 * people - answered)
            db.session.remove()
            db.engine.dispose()
    return results


def main():
    args = parse_args()
    print(f"{os.cpu_count()} cores; {args.people} people; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    table = []
    with tempfile.TemporaryDirectory() as scratch:
        print("sqlite", flush=True)
        table += [("sqlite", *row) for row in measure(f"sqlite:///{scratch}/bench.sqlite3", args.people, args.repeat)]
    if args.database_url:
        print("postgresql", flush=True)
        with scratch_postgres_database(args.database_url, prefix="evs_bench") as url:
            table += [("postgresql", *row) for row in measure(url, args.people, args.repeat)]
    print(f"\n{'database':<11} {'row':<26} {'seconds':>8} {'x baseline':>11}")
    floors = {name: seconds for name, label, seconds in table if label.startswith("baseline")}
    for name, label, seconds in table:
        print(f"{name:<11} {label:<26} {seconds:>8.3f} {seconds / floors[name]:>11.1f}")
    print("(x baseline: this row's seconds / the SELECT of the same answers; best of --repeat, the sends once each)")


if __name__ == "__main__":
    main()
