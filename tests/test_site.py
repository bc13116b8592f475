"""The agency's site (issue 12, item 9) and the fixes users noticed (item 10), below the browser."""
import email
import email.policy
import re
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import csrf_from, field_errors
from eventsvc.accounts.models import Role
from eventsvc.events import services as event_services
from eventsvc.events.venue import venue_line
from eventsvc.mail.delivery import deliver_due
from eventsvc.mail.models import OutboxMessage
from eventsvc.mail.reasons import readable_reason
from eventsvc.registration import services as registration_services

AGENCY_TH = "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)"


def _person(n=1, **overrides):
    data = {"first_name": "สมชาย", "last_name": f"ใจดี{n}", "email": f"somchai{n}@example.org",
            "organization": "กรมการปกครอง", "sector": "government", "attendance": "onsite",
            "consent_processing": True}
    data.update(overrides)
    return data


def _sent_mail(app, db):
    deliver_due(app)
    files = sorted((Path(app.instance_path) / "mail").glob("*.eml"), key=lambda f: f.stat().st_mtime)
    assert files, "no .eml written"
    return email.message_from_bytes(files[-1].read_bytes(), policy=email.policy.compat32)


# ---- item 9 -------------------------------------------------------------------------------

def test_pages_name_the_agency_in_the_title_and_header(client, make_event):
    event = make_event()
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title.strip().endswith(f"· {AGENCY_TH}") and "eventsvc" not in title
    assert 'id="agency-name"' in html and AGENCY_TH in html
    english = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "Digital Government Development Agency</span>" in english


@pytest.mark.app_config(PRIVACY_URL="https://example.go.th/privacy", ACCESSIBILITY_URL="https://example.go.th/a11y")
def test_the_footer_links_only_what_is_configured(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a href="https://example.go.th/privacy" id="footer-privacy">' in html
    assert 'id="footer-accessibility"' in html
    assert 'id="footer-contact"' not in html


def test_the_favicon_and_the_bundled_logo_answer(client):
    for path in ("/favicon.ico", "/logo"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml", path
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in html


@pytest.mark.app_config(AGENCY_LOGO="logo.png")
def test_a_configured_logo_is_served_from_the_instance_folder_and_a_missing_one_is_a_404(app, client):
    assert client.get("/logo").status_code == 404  # not there yet: the <img> shows nothing, pages still work
    (Path(app.instance_path) / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get("/logo")
    assert response.status_code == 200 and response.mimetype == "image/png"


@pytest.mark.app_config(AGENCY_LOGO="secret_key")
def test_the_logo_setting_cannot_serve_other_files(client):
    assert client.get("/logo").status_code == 404


def test_a_500_page_keeps_the_header_without_asking_the_database(app, client, login_as, monkeypatch):
    @app.route("/_boom")
    def boom():
        raise RuntimeError("boom")

    login_as("organizer")

    from eventsvc.extensions import login_manager

    def database_down(_):
        raise sa.exc.OperationalError("SELECT", {}, Exception("the database is down"))

    monkeypatch.setattr(login_manager, "_user_callback", database_down)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/_boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert 'id="site-header"' in html and 'id="agency-name"' in html and 'data-status="500"' in html


@pytest.mark.parametrize("status,path", [(404, "/events/no-such-event"), (404, "/my/not-a-token-at-all-xxxxxxxxxxxxxxxxxxxx")])
def test_error_pages_keep_the_sites_header(client, status, path):
    response = client.get(path)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'id="site-header"' in html and 'id="site-footer"' in html and 'href="#main"' in html


@pytest.mark.app_config(MAIL_FROM_NAME="")
def test_mail_comes_from_the_agency_and_replies_reach_the_events_contact(app, db, make_event):
    event = make_event(contact_email="thannop@ega.or.th", contact_name="นายธรรณพ")
    registration_services.register(event, _person())
    db.session.commit()
    message = _sent_mail(app, db)
    name, address = email.utils.parseaddr(str(make_header(decode_header(message["From"]))))
    assert name == AGENCY_TH and address == "no-reply@testserver"
    assert "=?utf-8?" in message["From"].lower()  # the Thai name is encoded, not raw 8-bit
    assert message["Reply-To"] == "thannop@ega.or.th"


@pytest.mark.app_config(MAIL_FROM_NAME="ระบบลงทะเบียน สพร.", MAIL_FROM="events@dga.or.th")
def test_mail_from_name_setting_and_no_reply_to_without_a_contact(app, db, make_event):
    event = make_event(contact_email="")
    registration_services.register(event, _person())
    db.session.commit()
    message = _sent_mail(app, db)
    name, address = email.utils.parseaddr(str(make_header(decode_header(message["From"]))))
    assert (name, address) == ("ระบบลงทะเบียน สพร.", "events@dga.or.th")
    assert message["Reply-To"] is None


def test_a_contact_email_that_would_inject_a_header_is_not_used_as_reply_to():
    # The event service refuses control characters already; the mail does not rely on it.
    from types import SimpleNamespace

    from eventsvc.mail.render import _reply_to

    assert _reply_to(SimpleNamespace(contact_email="a@example.org\r\nBcc: all@example.org")) == ""
    assert _reply_to(SimpleNamespace(contact_email="Eve <eve@example.org>, b@example.org")) == ""
    assert _reply_to(SimpleNamespace(contact_email=" contact@dga.or.th ")) == "contact@dga.or.th"
    assert _reply_to(None) == ""


# ---- item 10 ------------------------------------------------------------------------------

def test_english_venue_is_used_on_english_pages_and_falls_back_to_thai(app, make_event):
    event = make_event(venue_name="สำนักงานรัฐบาลอิเล็กทรอนิกส์", venue_room="ห้องวิภาวดี", venue_floor="18",
                       venue_address="ถนนรางน้ำ กรุงเทพฯ", venue_name_en="Electronic Government Agency",
                       venue_room_en="Vibhavadi Room", venue_address_en="")
    with app.test_request_context("/?lang=en"):
        line = venue_line(event, "en")
    assert line.startswith("Vibhavadi Room, floor 18, Electronic Government Agency")
    assert "ห้องวิภาวดี" not in line and "ถนนรางน้ำ" in line  # no English address given: the Thai one
    with app.test_request_context("/"):
        assert venue_line(event, "th").startswith("ห้องวิภาวดี ชั้น 18")


def test_english_venue_in_english_mails(app, db, make_event):
    event = make_event(format="onsite", venue_name="สำนักงานรัฐบาลอิเล็กทรอนิกส์", venue_room="ห้องวิภาวดี",
                       venue_floor="18", venue_name_en="Electronic Government Agency", venue_room_en="Vibhavadi Room")
    registration_services.register(event, _person(locale="en"))
    db.session.commit()
    message = _sent_mail(app, db)
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "Vibhavadi Room, floor 18, Electronic Government Agency" in text and "ห้องวิภาวดี" not in text


def test_a_new_event_without_an_address_gets_one_from_its_english_title(db, organizer, make_event):
    event = event_services.create_event(organizer, {"slug": "", "title_th": "ประชาพิจารณ์",
                                                    "title_en": "Public Hearing: Open Data 2027!"})
    assert event.slug == "public-hearing-open-data-2027"
    again = event_services.create_event(organizer, {"title_th": "ประชาพิจารณ์", "title_en": "Public hearing - open data 2027"})
    assert again.slug == "public-hearing-open-data-2027-2"
    thai_only = event_services.create_event(organizer, {"title_th": "ประชาพิจารณ์"})
    assert re.fullmatch(r"event-\d{4}-[0-9a-f]{6}", thai_only.slug)


def test_the_event_form_shows_the_forms_and_the_services_errors_in_one_round(client, login_as, make_event):
    taken = make_event()
    login_as("organizer")
    page = client.get("/organizer/events/new").get_data(as_text=True)
    response = client.post("/organizer/events/new", data={
        "csrf_token": csrf_from(page), "slug": taken.slug, "kind": "public_hearing", "title_th": "",
        "format": "onsite", "registration_mode": "open", "capacity": "-1",
        "registration_opens_at": "2027-03-01T09:00", "registration_closes_at": "2027-02-01T09:00",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_errors(html, "title_th")          # the form's rule
    assert field_errors(html, "capacity")          # the form's rule
    assert field_errors(html, "slug")              # the service's rule (address taken), same round
    assert field_errors(html, "registration_closes_at")  # the service's rule, same round
    assert 'id="error-summary"' in html and 'href="#slug"' in html


def test_the_api_reports_every_service_error_in_one_round(client, api_token, make_event):
    taken = make_event()
    response = client.post("/api/v1/events", headers={"Authorization": f"Bearer {api_token}"}, json={
        "slug": taken.slug, "title_th": "ประชาพิจารณ์", "kind": "public_hearing",
        "registration_opens_at": "2027-03-01T09:00:00+07:00", "registration_closes_at": "2027-02-01T09:00:00+07:00"})
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    assert "slug" in fields and "registration_closes_at" in fields


def test_fields_with_errors_are_tied_to_their_messages(client, make_event):
    event = make_event()
    page = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    html = client.post(f"/events/{event.slug}/register", data={"csrf_token": csrf_from(page)}).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="first_name"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="first_name-error"' in field
    assert 'id="first_name-error"' in html
    summary = re.search(r'<div class="error-summary" role="alert" tabindex="-1" id="error-summary".*?</div>', html, re.S).group(0)
    assert 'href="#first_name"' in summary and 'href="#email"' in summary


def test_parallel_groups_are_radio_buttons_and_sessions_in_a_row_are_checkboxes(client, make_event, db):
    in_a_row = make_event()
    html = client.get(f"/events/{in_a_row.slug}/register").get_data(as_text=True)
    assert re.findall(r'<input[^>]*name="sessions"[^>]*>', html) and 'type="radio" name="sessions"' not in html
    parallel = make_event()
    afternoon = parallel.sessions[1]
    afternoon.starts_at, afternoon.ends_at = parallel.sessions[0].starts_at, parallel.sessions[0].ends_at
    db.session.commit()
    html = client.get(f"/events/{parallel.slug}/register").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="sessions"[^>]*>', html)
    assert len(boxes) == 2 and all('type="radio"' in box for box in boxes)


def test_searching_the_published_list_keeps_the_listed_count(app, db, client, make_event):
    from eventsvc.attendees.services import set_list_published

    event = make_event()
    for n, name in enumerate(["สมชาย", "สมหญิง", "ปรีดา"], start=1):
        registration_services.register(event, _person(n, first_name=name, consent_listing=True))
    set_list_published(event, True)
    db.session.commit()
    html = client.get(f"/events/{event.slug}/attendees?q=ปรีดา").get_data(as_text=True)
    assert 'data-shown="3"' in html and 'data-hits="1"' in html


def test_the_organizer_page_shows_the_draft_status_once(client, login_as, make_event, organizer):
    login_as(user=organizer)
    event = make_event(status="draft")
    html = client.get(f"/organizer/events/{event.slug}").get_data(as_text=True)
    status = re.search(r'<p class="kind" id="event-status">(.*?)</p>', html, re.S).group(1)
    assert status.count("ฉบับร่าง") == 1, status


def test_the_attendance_report_is_not_named_like_the_attendance_field(client, login_as, make_event, organizer):
    login_as(user=organizer)
    event = make_event()
    html = client.get(f"/organizer/events/{event.slug}/attendance").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert heading.strip() != "รูปแบบการเข้าร่วม"


def test_the_door_code_field_allows_an_on_screen_keyboard(client, login_as, make_event, organizer):
    login_as(user=organizer)
    event = make_event()
    html = client.get(f"/organizer/events/{event.slug}/checkin").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    assert 'inputmode="none"' not in field


def test_invitations_never_sent_are_not_offered_send_again(client, login_as, make_event, make_invitation, organizer):
    login_as(user=organizer)
    event = make_event()
    make_invitation(event, n=1, send=False)
    html = client.get(f"/organizer/events/{event.slug}/invitations").get_data(as_text=True)
    row = re.search(r'<tr class="invitation-pending".*?</tr>', html, re.S).group(0)
    assert "link resend" not in row and "link send" in row


def test_pending_messages_show_their_subject_and_failures_a_readable_reason(app, db, client, login_as, make_event, organizer):
    login_as(user=organizer)
    event = make_event()
    registration_services.register(event, _person())
    db.session.commit()
    message = db.session.scalar(sa.select(OutboxMessage))
    html = client.get(f"/organizer/events/{event.slug}/messages").get_data(as_text=True)
    assert 'class="pending-subject"' in html
    message.status = "failed"
    message.last_error = "SMTPRecipientsRefused: {'x@example.org': (550, b'5.1.1 User unknown')}"
    db.session.commit()
    html = client.get(f"/organizer/events/{event.slug}/messages?status=failed").get_data(as_text=True)
    reason = re.search(r'<p class="reason"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "SMTP" not in reason and "ที่อยู่" in reason
    assert "User unknown" in html  # the raw text stays, in the details, for whoever needs it


@pytest.mark.parametrize("raw,expected", [
    ("SMTPRecipientsRefused: {'a@b': (550, b'5.1.1 User unknown')}", "does not know this address"),
    ("ConnectionRefusedError: [Errno 111] Connection refused", "could not be reached"),
    ("TimeoutError: timed out", "did not answer in time"),
    ("SMTPAuthenticationError: (535, b'5.7.8 Authentication failed')", "refused the sign-in"),
    ("gaierror: [Errno -2] Name or service not known", "could not be found"),
    ("SMTPDataError: (552, b'5.3.4 Message size exceeds fixed limit')", "too large"),
    ("", ""),
])
def test_delivery_errors_read_as_reasons(app, raw, expected):
    with app.test_request_context("/?lang=en"):
        assert expected in str(readable_reason(raw))


def test_counts_have_thousands_separators(app):
    with app.test_request_context("/"):
        assert app.jinja_env.from_string("{{ 1234567 | number }}").render() == "1,234,567"


def test_the_countdown_says_days_in_the_pages_language(client, make_event, db):
    event = make_event()
    event.sessions[0].stream_url = "https://www.youtube.com/watch?v=abc"
    db.session.commit()
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'class="countdown" data-days="วัน"' in html
