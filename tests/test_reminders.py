"""Reminders before a session: due at the right times, written once however often or wherever the command runs."""
import subprocess
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from conftest import person
from eventsvc.events import services as event_services
from eventsvc.livestream.reminders import send_reminders
from eventsvc.mail.delivery import deliver_due
from eventsvc.mail.models import OutboxMessage
from eventsvc.models_base import utcnow
from eventsvc.registration import services as registration_services
from servers import PYTHON, ROOT, service_env


def reminders(db):
    db.session.rollback()
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder")
                              .order_by(OutboxMessage.id)).all()


def test_the_day_before_and_shortly_before(app, db, make_event):
    event = make_event(starts_in=timedelta(days=3))
    morning = event.sessions[0]
    registration_services.register(event, person(1, sessions=[morning.id]))
    db.session.commit()
    start = morning.starts_at

    assert send_reminders(start - timedelta(hours=25)) == 0
    db.session.commit()
    assert send_reminders(start - timedelta(hours=24)) == 1   # the day before
    db.session.commit()
    assert send_reminders(start - timedelta(hours=23)) == 0   # not twice
    db.session.commit()
    assert send_reminders(start - timedelta(minutes=60)) == 1  # shortly before
    db.session.commit()
    assert send_reminders(start - timedelta(minutes=5)) == 0
    db.session.commit()
    assert [m.params["which"] for m in reminders(db)] == ["day_before", "soon"]
    assert send_reminders(start + timedelta(minutes=1)) == 0  # nothing once it has started


def test_late_registrants_and_late_runs_get_only_what_still_makes_sense(app, db, make_event):
    event = make_event(starts_in=timedelta(days=3))
    morning = event.sessions[0]
    start = morning.starts_at
    early = registration_services.register(event, person(1, sessions=[morning.id]), now=start - timedelta(days=2))
    late = registration_services.register(event, person(2, sessions=[morning.id]), now=start - timedelta(hours=3))
    db.session.commit()
    # The command did not run for a day: at 30 minutes before, only the "soon" reminder still makes sense.
    send_reminders(start - timedelta(minutes=30))
    db.session.commit()
    sent = {(m.registration_id, m.params["which"]) for m in reminders(db)}
    assert sent == {(early.registration.id, "soon"), (late.registration.id, "soon")}


def test_cancelled_and_waitlisted_people_are_not_reminded(app, db, make_event):
    event = make_event(starts_in=timedelta(days=1), capacity=1)
    first = registration_services.register(event, person(1)).registration
    registration_services.register(event, person(2))  # waitlisted
    db.session.commit()
    registration_services.cancel_registration(first)   # the waitlisted person moves up
    db.session.commit()
    send_reminders(event.sessions[0].starts_at - timedelta(minutes=30))
    db.session.commit()
    assert {m.to_address for m in reminders(db)} == {"somchai2@example.org"}


def test_online_people_get_their_join_link_and_on_site_people_the_venue_and_their_qr(app, db, make_event, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    event = make_event(starts_in=timedelta(days=1), format="hybrid", venue_name="ศูนย์ราชการ", venue_room="ห้อง 301")
    afternoon = event.sessions[1]
    event_services.update_session(afternoon, {"stream_url": "https://www.youtube.com/watch?v=remind00001",
                                              "stream_visibility": "registrants"})
    online = registration_services.register(event, person(1, attendance="online", sessions=[afternoon.id]))
    onsite = registration_services.register(event, person(2, attendance="onsite", sessions=[afternoon.id]))
    db.session.commit()
    send_reminders(afternoon.starts_at - timedelta(minutes=59))
    db.session.commit()
    deliver_due(app, now=utcnow() + timedelta(days=2))
    received = {m["To"]: m for m in smtp_server.messages if m["Subject"].startswith("ใกล้เริ่มแล้ว")}
    text = received["somchai1@example.org"].get_body(preferencelist=("plain",)).get_content()
    assert f"http://testserver/my/{online.manage_token}/sessions/{afternoon.id}/join" in text
    assert "ห้อง 301" not in text
    onsite_mail = received["somchai2@example.org"]
    text = onsite_mail.get_body(preferencelist=("plain",)).get_content()
    assert "ห้อง 301" in text and f"http://testserver/t/{onsite.registration.ticket_code}" in text
    assert [p.get_filename() for p in onsite_mail.iter_attachments()] == ["ticket-qr.png"]


def test_two_runs_at_the_same_minute_on_two_machines_write_each_reminder_once(app, db, make_event):
    """Two `flask reminders send` processes at once, against the same database."""
    event = make_event(starts_in=timedelta(minutes=50))
    for n in range(30):
        registration_services.register(event, person(n))
    db.session.commit()
    db.session.remove()
    env = service_env(app.config["SQLALCHEMY_DATABASE_URI"], EVENTSVC_INSTANCE_PATH=app.instance_path)
    runs = [subprocess.Popen([PYTHON, "-m", "flask", "--app", "wsgi", "reminders", "send"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    again = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", "reminders", "send"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout.startswith("0 reminders")

    written = reminders(db)
    # 30 people, two sessions within the hour, one "soon" reminder each (the morning's; the afternoon is hours away).
    assert Counter((m.registration_id, m.params["session_id"]) for m in written).most_common(1)[0][1] == 1
    assert len(written) == 30 and {m.params["which"] for m in written} == {"soon"}
