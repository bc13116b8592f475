"""Tickets: the signed code, the QR that a real decoder reads back, and /t/<code> for anyone and for staff."""
import random
import string

import pytest
import sqlalchemy as sa

from conftest import csrf_from, person
from eventsvc.registration import services as registration_services
from eventsvc.tickets import codes, qr
from qr_decode import decode


def flip(code, position):
    """The code with one character changed at `position`."""
    alphabet = string.ascii_letters + string.digits + "-_"
    replacement = alphabet[(alphabet.index(code[position]) + 1) % len(alphabet)]
    return code[:position] + replacement + code[position + 1:]


def test_a_code_is_a_random_id_and_its_signature(app):
    ids = {codes.new_ticket_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 22 for i in ids)  # 128 random bits each
    ticket_id = ids.pop()
    code = codes.code_for(ticket_id)
    assert len(code) == 44 and code.startswith(ticket_id)
    assert codes.ticket_id_from(code) == ticket_id


def test_altered_truncated_and_invented_codes_are_refused(app):
    code = codes.code_for(codes.new_ticket_id())
    generator = random.Random(5)
    altered = [flip(code, position) for position in range(44)]
    invented = ["".join(generator.choice(string.ascii_letters + string.digits + "-_") for _ in range(44))
                for _ in range(50)]
    others = [code[:-1], code[:43], code + "A", "", " " + code[1:], code.upper(), "ก" * 44, None, 44]
    for bad in altered + invented + others:
        assert codes.ticket_id_from(bad) is None, bad


def test_a_code_signed_with_another_key_is_refused(app):
    code = codes.code_for(codes.new_ticket_id())
    app.config["SECRET_KEY"] = "another-secret"
    assert codes.ticket_id_from(code) is None


def test_the_qr_decodes_to_exactly_the_ticket_url(app, db, make_event, make_registration):
    registration = make_registration(make_event(), 1)
    url = f"http://testserver/t/{registration.ticket_code}"
    png, mimetype = qr.image(url, "png")
    assert mimetype == "image/png" and png.startswith(b"\x89PNG")
    assert decode(png) == url


def test_a_qr_is_drawn_once_and_then_read_from_the_cache(app, tmp_path):
    from pathlib import Path

    folder = Path(app.instance_path) / "qr"
    first, _ = qr.image("http://testserver/t/" + "A" * 44, "svg")
    files = list(folder.iterdir())
    assert len(files) == 1 and first.startswith(b"<?xml") and b"<path" in first
    stamp = files[0].stat().st_mtime_ns
    again, _ = qr.image("http://testserver/t/" + "A" * 44, "svg")
    assert again == first and files[0].stat().st_mtime_ns == stamp and len(list(folder.iterdir())) == 1


def test_anyone_with_the_code_sees_the_ticket_and_no_check_in(client, make_event, make_registration):
    event = make_event(venue_name="ศูนย์ราชการเฉลิมพระเกียรติ", format="onsite")
    registration = make_registration(event, 1, attendance="onsite")
    page = client.get(f"/t/{registration.ticket_code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-valid="yes"' in html and "นายสมชาย1 ใจดี" in html and "ช่วงเช้า" in html and "ช่วงบ่าย" in html
    assert 'id="checkin-form"' not in html
    assert f'src="/t/{registration.ticket_code}/qr.svg"' in html
    assert "somchai1@example.org" not in html and "0812345678" not in html  # no contact data on the ticket


def test_a_cancelled_or_waitlisted_ticket_says_so(db, client, make_event, make_registration):
    event = make_event(capacity=1)
    first = make_registration(event, 1)
    waiting = make_registration(event, 2)
    registration_services.cancel_registration(db.session.get(type(first), first.id))
    registration_services.cancel_registration(db.session.get(type(waiting), waiting.id))
    db.session.commit()
    third = make_registration(event, 3)
    fourth = make_registration(event, 4)
    statuses = {r.ticket_code: r for r in (first, third, fourth)}
    answers = {code: client.get(f"/t/{code}").get_data(as_text=True) for code in statuses}
    assert 'data-status="cancelled"' in answers[first.ticket_code] and 'data-valid="no"' in answers[first.ticket_code]
    assert 'data-valid="yes"' in answers[third.ticket_code]
    assert 'data-status="waitlisted"' in answers[fourth.ticket_code]


@pytest.mark.parametrize("kind", ["page", "png", "svg", "checkin"])
def test_a_forged_code_is_refused_before_the_database_is_asked(client, make_event, make_registration, queries,
                                                               login_as, staff, kind):
    registration = make_registration(make_event(), 1)
    login_as(user=staff)
    csrf = csrf_from(client.get(f"/t/{registration.ticket_code}").get_data(as_text=True))
    forged = [flip(registration.ticket_code, 30), flip(registration.ticket_code, 3), registration.ticket_code[:43],
              codes.new_ticket_id() + codes.new_ticket_id()]
    for code in forged:
        url = {"page": f"/t/{code}", "png": f"/t/{code}/qr.png", "svg": f"/t/{code}/qr.svg",
               "checkin": f"/t/{code}/checkin"}[kind]
        with queries() as statements:
            if kind == "checkin":
                response = client.post(url, data={"csrf_token": csrf, "session_id": registration.sessions[0].id})
            else:
                response = client.get(url)
        assert response.status_code == 404, (kind, code)
        ticket_queries = [s for s in statements if "registrations" in s]
        assert ticket_queries == [], ticket_queries


def test_the_qr_images_are_served_with_the_right_types(client, make_event, make_registration):
    registration = make_registration(make_event(), 1)
    png = client.get(f"/t/{registration.ticket_code}/qr.png")
    svg = client.get(f"/t/{registration.ticket_code}/qr.svg")
    assert png.mimetype == "image/png" and svg.mimetype == "image/svg+xml"
    assert decode(png.get_data()) == f"http://testserver/t/{registration.ticket_code}"
    assert "immutable" in png.headers["Cache-Control"] and "private" in png.headers["Cache-Control"]


def test_the_registration_request_draws_no_qr(app, db, client, make_event):
    """Drawing costs 13–24 ms: it happens when the image is first asked for, not when registering."""
    from pathlib import Path

    event = make_event()
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    import re

    key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(f"/events/{event.slug}/register", data={
        **person(1), "consent_processing": "y", "csrf_token": csrf_from(html), "submission_key": key})
    assert response.status_code == 201
    folder = Path(app.instance_path) / "qr"
    assert not folder.exists() or list(folder.iterdir()) == []
    db.session.rollback()
    assert db.session.scalar(sa.text("SELECT count(*) FROM registrations WHERE ticket_id IS NOT NULL")) == 1
