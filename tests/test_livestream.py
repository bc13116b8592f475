"""Livestreams: each session's stream at the right time (a controlled clock), the stable join link, who may watch."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import csrf_from, person
from eventsvc.events import services as event_services
from eventsvc.livestream import services
from eventsvc.livestream.models import OnlineAttendance
from eventsvc.registration import services as registration_services

MORNING = "https://www.youtube.com/watch?v=morning0001"
AFTERNOON = "https://www.youtube.com/watch?v=afternoon01"
RECORDING = "https://www.youtube.com/watch?v=recording01"


@pytest.fixture
def hearing(db, make_event):
    """Online: a public morning stream and a registrants-only afternoon one."""
    event = make_event(format="online")
    morning, afternoon = event.sessions
    event_services.update_session(morning, {"stream_url": MORNING, "stream_visibility": "public"})
    event_services.update_session(afternoon, {"stream_url": AFTERNOON, "stream_visibility": "registrants"})
    db.session.commit()
    return event


def register(db, event, n=1, **overrides):
    result = registration_services.register(event, person(n, attendance="online", **overrides))
    db.session.commit()
    return result.registration, result.manage_token


def attendance(db):
    db.session.rollback()
    return db.session.scalars(sa.select(OnlineAttendance).order_by(OnlineAttendance.id)).all()


def join(client, token, session):
    return client.get(f"/my/{token}/sessions/{session.id}/join")


# ---- the time windows --------------------------------------------------------------------

def test_before_the_window_the_join_link_says_when_and_records_nothing(db, client, clock, hearing):
    _, token = register(db, hearing)
    afternoon = hearing.sessions[1]
    clock.set(afternoon.starts_at - timedelta(minutes=16))
    response = join(client, token, afternoon)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-state="upcoming"' in html
    assert f'data-until="{services.opens_at(afternoon).isoformat()}"' in html
    assert AFTERNOON not in html and attendance(db) == []
    page = client.get(f"/events/{hearing.slug}").get_data(as_text=True)
    assert "badge live" not in page and 'class="countdown"' in page


def test_during_the_window_the_link_leads_to_the_stream_and_records_each_join(db, client, clock, hearing):
    registration, token = register(db, hearing)
    afternoon = hearing.sessions[1]
    clock.set(afternoon.starts_at - timedelta(minutes=15))  # the window opens 15 minutes before
    first = join(client, token, afternoon)
    assert first.status_code == 302 and first.headers["Location"] == AFTERNOON
    clock.move(timedelta(minutes=40))
    assert join(client, token, afternoon).headers["Location"] == AFTERNOON
    [row] = attendance(db)
    assert (row.registration_id, row.session_id, row.joins) == (registration.id, afternoon.id, 2)
    assert row.first_joined_at == afternoon.starts_at - timedelta(minutes=15)
    assert row.last_joined_at == afternoon.starts_at + timedelta(minutes=25)


def test_a_link_changed_during_the_session_is_followed_by_the_same_join_link(db, client, clock, hearing):
    _, token = register(db, hearing)
    afternoon = hearing.sessions[1]
    clock.set(afternoon.starts_at + timedelta(minutes=5))
    assert join(client, token, afternoon).headers["Location"] == AFTERNOON
    event_services.update_session(db.session.get(type(afternoon), afternoon.id),
                                  {"stream_url": "https://zoom.us/j/123456789"})
    db.session.commit()
    assert join(client, token, afternoon).headers["Location"] == "https://zoom.us/j/123456789"


def test_after_the_session_the_link_leads_to_the_recording(db, client, clock, hearing):
    _, token = register(db, hearing)
    afternoon = hearing.sessions[1]
    clock.set(afternoon.ends_at + timedelta(minutes=1))
    ended = join(client, token, afternoon)
    assert ended.status_code == 200 and 'data-state="ended"' in ended.get_data(as_text=True)
    event_services.update_session(db.session.get(type(afternoon), afternoon.id), {"recording_url": RECORDING})
    db.session.commit()
    assert join(client, token, afternoon).headers["Location"] == RECORDING
    assert attendance(db) == []  # watching the recording is not taking part
    page = client.get(f"/events/{hearing.slug}").get_data(as_text=True)
    assert RECORDING in page


def test_the_event_page_and_the_list_say_live_now_and_embed_the_player(db, client, clock, hearing):
    morning = hearing.sessions[0]
    clock.set(morning.starts_at + timedelta(minutes=1))
    page = client.get(f"/events/{hearing.slug}")
    html = page.get_data(as_text=True)
    assert 'class="badge live"' in html
    assert 'src="https://www.youtube.com/embed/morning0001"' in html and MORNING in html
    assert "frame-src https://youtube.com https://www.youtube.com" in page.headers["Content-Security-Policy"]
    listing = client.get("/").get_data(as_text=True)
    assert f'data-live="{hearing.id}"' in listing
    clock.set(morning.ends_at + timedelta(minutes=1))
    assert f'data-live="{hearing.id}"' not in client.get("/").get_data(as_text=True)


def test_a_stream_that_cannot_be_embedded_gets_a_big_button(db, client, clock, make_event):
    event = make_event(format="online", sessions=1)
    event_services.update_session(event.sessions[0], {"stream_url": "https://zoom.us/j/987654321"})
    db.session.commit()
    clock.set(event.sessions[0].starts_at)
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<iframe" not in html and 'href="https://zoom.us/j/987654321"' in html and "big stream" in html


@pytest.mark.parametrize("url, embed", [
    ("https://www.youtube.com/watch?v=abcdefghijk", "https://www.youtube.com/embed/abcdefghijk"),
    ("https://youtu.be/abcdefghijk", "https://www.youtube.com/embed/abcdefghijk"),
    ("https://www.youtube.com/live/abcdefghijk?si=x", "https://www.youtube.com/embed/abcdefghijk"),
    ("https://vimeo.com/123456", "https://player.vimeo.com/video/123456"),
    ("https://www.facebook.com/dga.or.th/videos/12345/",
     "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com%2Fdga.or.th%2Fvideos%2F12345%2F&show_text=false"),
    ("https://teams.microsoft.com/l/meetup-join/abc", None),
    ("https://www.youtube.com/watch?v=<script>", None),
    ("", None),
])
def test_which_links_embed(app, url, embed):
    assert services.embed_url(url) == embed


@pytest.mark.app_config(STREAM_HOSTS=["zoom.us"])
def test_only_configured_hosts_are_embedded_or_framed(app, client):
    assert services.embed_url("https://www.youtube.com/watch?v=abcdefghijk") is None
    assert "frame-src https://zoom.us;" in client.get("/").headers["Content-Security-Policy"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "http://www.youtube.com/watch?v=x", "https://evil.example/live",
                                 "https://user:pw@www.youtube.com/x", "ftp://youtube.com/x", "https://www.youtube.com/x\nX"])
def test_a_bad_stream_link_is_refused_with_a_clear_message(db, client, login_as, organizer, make_event, url):
    event = make_event()
    session = event.sessions[0]
    login_as(user=organizer)
    form = client.get(f"/organizer/events/{event.slug}/sessions/{session.id}/edit").get_data(as_text=True)
    response = client.post(f"/organizer/events/{event.slug}/sessions/{session.id}/edit", data={
        "csrf_token": csrf_from(form), "name_th": session.name_th, "starts_at": "2030-01-01T09:00",
        "ends_at": "2030-01-01T12:00", "stream_url": url, "stream_visibility": "public"})
    assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(type(session), session.id).stream_url == ""


# ---- who may watch -------------------------------------------------------------------------

def test_the_visibility_matrix(db, client, clock, login_as, make_user, organizer, hearing, make_event):
    """Anonymous, a registrant of the session, of another session, an organizer of another event, the owner."""
    from eventsvc.accounts.models import Role

    morning, afternoon = hearing.sessions
    _, mine = register(db, hearing, 1, sessions=[afternoon.id])   # a registrant of the afternoon
    _, other = register(db, hearing, 2, sessions=[morning.id])    # a registrant of the morning only
    clock.set(afternoon.starts_at + timedelta(minutes=1))
    event_services.update_event(hearing, {"attendee_list_published": True})
    db.session.commit()

    def public_surfaces():
        return (client.get(f"/events/{hearing.slug}").get_data(as_text=True)
                + client.get(f"/api/v1/events/{hearing.slug}").get_data(as_text=True)
                + client.get("/api/v1/events").get_data(as_text=True)
                + client.get(f"/events/{hearing.slug}/calendar.ics").get_data(as_text=True)
                + client.get("/calendar.ics").get_data(as_text=True))

    # Anonymous: never the registrants-only link, no join without a personal link, the published list, no exports.
    assert AFTERNOON not in public_surfaces()
    assert client.get(f"/my/{'x' * 43}/sessions/{afternoon.id}/join").status_code == 404
    assert client.get(f"/events/{hearing.slug}/attendees").status_code == 200
    assert client.get(f"/organizer/events/{hearing.slug}/registrations.csv").status_code == 302  # to sign in
    # The afternoon's registrant is let in; the morning's is told they did not register for it.
    assert join(client, mine, afternoon).headers["Location"] == AFTERNOON
    refused = join(client, other, afternoon)
    assert refused.status_code == 403 and 'data-state="not_registered_for_session"' in refused.get_data(as_text=True)
    assert AFTERNOON not in refused.get_data(as_text=True)
    # Nor do their own pages show another session's link.
    assert AFTERNOON not in client.get(f"/my/{other}").get_data(as_text=True)
    # An organizer of another event: no exports, no numbers, and still no registrants-only link in public.
    login_as(user=make_user(Role.organizer))
    for url in (f"/organizer/events/{hearing.slug}/registrations.csv", f"/organizer/events/{hearing.slug}/registrations.xlsx",
                f"/organizer/events/{hearing.slug}/attendance",
                f"/organizer/events/{hearing.slug}/sessions/{afternoon.id}/sign-in-sheet"):
        assert client.get(url).status_code == 403, url
    assert AFTERNOON not in public_surfaces()
    # The owner: exports and the link on the organizer's pages.
    client.post("/organizer/logout", data={"csrf_token": csrf_from(client.get("/organizer/").get_data(as_text=True))})
    login_as(user=organizer)
    assert client.get(f"/organizer/events/{hearing.slug}/registrations.csv").status_code == 200
    assert client.get(f"/organizer/events/{hearing.slug}/registrations.xlsx").status_code == 200
    manage = client.get(f"/organizer/events/{hearing.slug}/sessions/{afternoon.id}/edit").get_data(as_text=True)
    assert AFTERNOON in manage


def test_a_waitlisted_or_cancelled_registrant_is_told_why_not(db, client, clock, make_event):
    event = make_event(format="online", capacity=1)
    event_services.update_session(event.sessions[0], {"stream_url": MORNING, "stream_visibility": "registrants"})
    db.session.commit()
    first, first_token = register(db, event, 1)
    _, waiting_token = register(db, event, 2)
    clock.set(event.sessions[0].starts_at)
    waiting = join(client, waiting_token, event.sessions[0])
    assert waiting.status_code == 403 and 'data-state="waitlisted"' in waiting.get_data(as_text=True)
    registration_services.cancel_registration(db.session.get(type(first), first.id), now=clock.now - timedelta(hours=1))
    db.session.commit()
    # The seat went to the waitlisted person, who may now join; the cancelled one may not.
    assert join(client, waiting_token, event.sessions[0]).status_code == 302
    cancelled = join(client, first_token, event.sessions[0])
    assert cancelled.status_code == 403 and 'data-state="cancelled"' in cancelled.get_data(as_text=True)


def test_a_join_link_for_an_unknown_session_is_404(db, client, hearing):
    _, token = register(db, hearing)
    assert client.get(f"/my/{token}/sessions/999999/join").status_code == 404
    assert client.get(f"/my/{token}/sessions/0/join").status_code == 404
    assert client.get(f"/my/{token}/sessions/abc/join").status_code == 404


def test_the_calendar_and_the_page_carry_the_join_link(db, client, hearing):
    registration, token = register(db, hearing)
    join_link = f"http://testserver/my/{token}/sessions/{hearing.sessions[1].id}/join"
    assert join_link in client.get(f"/my/{token}").get_data(as_text=True)
    assert join_link.encode() in client.get(f"/my/{token}/calendar.ics").get_data().replace(b"\r\n ", b"")
