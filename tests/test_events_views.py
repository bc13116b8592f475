"""Public event pages and the organizer's event pages."""
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, reload
from eventsvc.accounts.models import Role
from eventsvc.events.models import Attachment, Event
from eventsvc.models_base import utcnow


def test_index_lists_published_events_upcoming_first(client, make_event):
    later = make_event(title_th="งานที่สอง", starts_in=timedelta(days=60))
    sooner = make_event(title_th="งานที่หนึ่ง", starts_in=timedelta(days=10))
    make_event(title_th="ฉบับร่างลับ", status="draft")
    page = client.get("/").get_data(as_text=True)
    assert page.index(sooner.title_th) < page.index(later.title_th)
    assert "ฉบับร่างลับ" not in page


def test_event_page_shows_what_the_announcement_shows(client, db, make_event):
    from eventsvc.demo import at

    event = make_event(
        format="onsite", venue_name="สำนักงานรัฐบาลอิเล็กทรอนิกส์ (องค์การมหาชน)", venue_room="ห้องวิภาวดี",
        venue_floor="18", venue_address="ถนนรางน้ำ กรุงเทพฯ", contact_name="นายธรรณพ ศิริธรรมวิไล",
        contact_phone="08 1845 1459", contact_email="thannop@example.org", sessions=0, status="draft",
    )
    from eventsvc.events.services import add_session, publish_event

    add_session(event, {"name_th": "ช่วงเช้า", "starts_at": at("2027-02-25", "09:30"), "ends_at": at("2027-02-25", "12:00"),
                        "stream_url": "https://www.youtube.com/watch?v=morning"})
    add_session(event, {"name_th": "ช่วงบ่าย", "starts_at": at("2027-02-25", "13:00"), "ends_at": at("2027-02-25", "16:00"),
                        "stream_url": "https://www.youtube.com/watch?v=hidden", "stream_visibility": "registrants"})
    publish_event(event)
    db.session.commit()
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert event.title_th in html
    assert "25 กุมภาพันธ์ 2570" in html  # Buddhist era on Thai pages
    assert "09:30–12:00" in html and "13:00–16:00" in html and "09:30–16:00" in html
    assert "ห้องวิภาวดี" in html and "ถนนรางน้ำ" in html
    assert "นายธรรณพ ศิริธรรมวิไล" in html and "08 1845 1459" in html
    assert "https://www.youtube.com/watch?v=morning" in html
    assert "watch?v=hidden" not in html  # registrants-only stream stays private
    assert f"/events/{event.slug}/register" in html


def test_english_page_uses_the_gregorian_year(client, db, make_event):
    from eventsvc.demo import at
    from eventsvc.events.services import add_session, publish_event

    event = make_event(sessions=0, status="draft")
    add_session(event, {"name_th": "ช่วงเช้า", "name_en": "Morning", "starts_at": at("2027-02-25", "09:30"),
                        "ends_at": at("2027-02-25", "12:00")})
    publish_event(event)
    db.session.commit()
    html = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert event.title_en in html and "25 February 2027" in html and "2570" not in html
    # the choice sticks for the next page
    assert "25 February 2027" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_page_views_are_counted(client, db, make_event):
    event = make_event()
    for _ in range(3):
        client.get(f"/events/{event.slug}")
    reload(db, event)
    assert event.view_count == 3


def test_draft_and_unknown_events_are_404(client, make_event):
    assert client.get(f"/events/{make_event(status='draft').slug}").status_code == 404
    assert client.get("/events/no-such-event").status_code == 404


def test_cancelled_event_says_so_and_offers_no_registration(client, db, make_event):
    from eventsvc.events.services import cancel_event

    event = make_event()
    cancel_event(event)
    db.session.commit()
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'class="flash error"' in html
    assert f'href="/events/{event.slug}/register"' not in html


# ---- organizer pages ------------------------------------------------------------

ORGANIZER_PAGES = ["/organizer/", "/organizer/events/new"]


@pytest.mark.parametrize("path", ORGANIZER_PAGES)
def test_organizer_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/organizer/login" in response.headers["Location"]


def test_event_management_needs_login(client, make_event):
    event = make_event()
    for path in (f"/organizer/events/{event.slug}", f"/organizer/events/{event.slug}/edit",
                 f"/organizer/events/{event.slug}/registrations"):
        response = client.get(path)
        assert response.status_code == 302 and "/organizer/login" in response.headers["Location"]


def test_an_organizer_cannot_touch_another_organizers_event(client, db, make_event, login_as):
    event = make_event(capacity=5)
    login_as(Role.organizer)
    for path in (f"/organizer/events/{event.slug}", f"/organizer/events/{event.slug}/edit",
                 f"/organizer/events/{event.slug}/registrations"):
        assert client.get(path).status_code == 403
    token = csrf_from(client.get("/organizer/").get_data(as_text=True))
    assert client.post(f"/organizer/events/{event.slug}/cancel", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/organizer/events/{event.slug}/edit", data={"csrf_token": token, "slug": "stolen",
                                                                      "title_th": "x"}).status_code == 403
    reload(db, event)
    assert event.status == "published" and event.slug != "stolen"


def test_admin_manages_every_event(client, make_event, login_as):
    event = make_event()
    login_as(Role.admin)
    assert client.get(f"/organizer/events/{event.slug}").status_code == 200


def test_checkin_staff_cannot_manage_events(client, make_event, login_as):
    event = make_event()
    login_as(Role.checkin)
    assert client.get(f"/organizer/events/{event.slug}").status_code == 403
    assert client.get("/organizer/events/new").status_code == 403


def _form(client, path):
    return csrf_from(client.get(path).get_data(as_text=True))


def test_organizer_creates_adds_sessions_and_publishes_an_event(client, db, login_as):
    user = login_as(Role.organizer)
    token = _form(client, "/organizer/events/new")
    response = client.post("/organizer/events/new", data={
        "csrf_token": token, "slug": "provincial-workshop", "kind": "workshop", "title_th": "ประชุมเชิงปฏิบัติการ",
        "format": "onsite", "registration_mode": "open", "capacity": "40", "waitlist": "y",
        "venue_room": "ห้องวิภาวดี", "venue_floor": "18",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    event = db.session.scalar(sa.select(Event).where(Event.slug == "provincial-workshop"))
    assert event.owner_id == user.id and event.status == "draft" and event.capacity == 40
    token = _form(client, "/organizer/events/provincial-workshop")
    # publishing without a session is refused with a message
    client.post("/organizer/events/provincial-workshop/publish", data={"csrf_token": token})
    reload(db, event)
    assert event.status == "draft"
    response = client.post("/organizer/events/provincial-workshop/sessions", data={
        "csrf_token": token, "name_th": "ช่วงเช้า", "starts_at": "2027-05-24T09:00", "ends_at": "2027-05-24T12:00",
        "stream_visibility": "public",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    reload(db, event)
    assert event.sessions[0].starts_at.isoformat() == "2027-05-24T02:00:00+00:00"  # typed in Bangkok time
    client.post("/organizer/events/provincial-workshop/publish", data={"csrf_token": token})
    reload(db, event)
    assert event.status == "published"
    assert client.get("/events/provincial-workshop").status_code == 200


def test_session_form_errors_are_shown_on_the_fields(client, db, make_event, login_as, organizer):
    event = make_event(sessions=1)
    login_as(user=organizer)
    token = _form(client, f"/organizer/events/{event.slug}")
    response = client.post(f"/organizer/events/{event.slug}/sessions", data={
        "csrf_token": token, "name_th": "ช่วงบ่าย", "starts_at": "2027-05-24T13:00", "ends_at": "2027-05-24T12:00",
        "stream_url": "javascript:alert(1)", "stream_visibility": "public",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count('class="error"') >= 1
    reload(db, event)
    assert len(event.sessions) == 1


def test_edit_event_form_keeps_times_in_bangkok(client, db, make_event, login_as, organizer):
    event = make_event(registration_closes_at=utcnow().replace(second=0, microsecond=0) + timedelta(days=3))
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{event.slug}/edit").get_data(as_text=True)
    from eventsvc.timefmt import to_local

    assert to_local(event.registration_closes_at).strftime("%Y-%m-%dT%H:%M") in page


def test_attachments_upload_download_and_count(client, db, make_event, login_as, organizer, app):
    event = make_event()
    login_as(user=organizer)
    token = _form(client, f"/organizer/events/{event.slug}")
    response = client.post(f"/organizer/events/{event.slug}/attachments", data={
        "csrf_token": token, "title": "(ร่าง) แผนพัฒนารัฐบาลดิจิทัล",
        "file": (io.BytesIO(b"%PDF-1.4 draft plan"), "ร่างแผน-2566.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    attachment = db.session.scalar(sa.select(Attachment))
    assert attachment.filename == "ร่างแผน-2566.pdf"
    url = f"/events/{event.slug}/documents/{attachment.id}/{attachment.filename}"
    from urllib.parse import quote

    assert quote(url) in client.get(f"/events/{event.slug}").get_data(as_text=True)
    download = client.get(url)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 draft plan"
    assert "attachment" in download.headers["Content-Disposition"]
    client.get(url)
    reload(db, attachment)
    assert attachment.download_count == 2


def test_dangerous_upload_types_are_refused(client, db, make_event, login_as, organizer):
    event = make_event()
    login_as(user=organizer)
    token = _form(client, f"/organizer/events/{event.slug}")
    response = client.post(f"/organizer/events/{event.slug}/attachments", data={
        "csrf_token": token, "file": (io.BytesIO(b"<script>alert(1)</script>"), "evil.html"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_forms_without_csrf_token_are_refused(client, db, make_event, login_as, organizer):
    event = make_event()
    login_as(user=organizer)
    response = client.post(f"/organizer/events/{event.slug}/cancel", data={"reason": "ย้ายวันประชุม"})
    # The cancel dialog comes back with what was typed and "please submit again" (tests/test_resubmit.py).
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="resubmit"' in html and "ย้ายวันประชุม" in html
    reload(db, event)
    assert event.status == "published"


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_last_session_of_a_published_event_cannot_be_deleted(client, db, make_event, login_as, organizer):
    event = make_event(sessions=1)
    login_as(user=organizer)
    token = _form(client, f"/organizer/events/{event.slug}")
    client.post(f"/organizer/events/{event.slug}/sessions/{event.sessions[0].id}/delete", data={"csrf_token": token})
    assert len(reload(db, event).sessions) == 1


@pytest.mark.app_config(VIEW_COUNT_FLUSH_SECONDS=3600)
def test_page_views_are_written_in_batches(client, db, make_event):
    from eventsvc.events.services import page_views

    event = make_event()
    for _ in range(4):
        client.get(f"/events/{event.slug}")
    assert reload(db, event).view_count == 0  # still in memory: no write per view
    page_views.write()
    assert reload(db, event).view_count == 4
