"""A session's recording: one rule (after the session has ended) for the event page, the anonymous API and the calendars."""
from datetime import timedelta

import pytest

RECORDING = "https://www.youtube.com/watch?v=recording01"


def _unfolded(response):
    return response.get_data(as_text=True).replace("\r\n ", "")


def _what_each_shows(client, event):
    """For the first session: does the page, the API, the event .ics and the feed show its recording?"""
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    api = client.get(f"/api/v1/events/{event.slug}").get_json()["sessions"][0]["recording_url"]
    listed = next(e for e in client.get("/api/v1/events").get_json() if e["slug"] == event.slug)
    return {
        "page": RECORDING in page,
        "api": api == RECORDING,
        "api list": listed["sessions"][0]["recording_url"] == RECORDING,
        "event ics": RECORDING in _unfolded(client.get(f"/events/{event.slug}/calendar.ics")),
        "feed": RECORDING in _unfolded(client.get("/calendar.ics")),
    }


@pytest.mark.parametrize("visibility", ["public", "registrants"])
def test_the_recording_is_shown_everywhere_once_the_session_has_ended_and_nowhere_before(
        client, db, clock, make_event, visibility):
    event = make_event()
    session = event.sessions[0]
    session.stream_url = "https://www.youtube.com/watch?v=livestream1"
    session.stream_visibility = visibility
    session.recording_url = RECORDING  # entered ahead of time by the organizer
    db.session.commit()
    nowhere = dict.fromkeys(["page", "api", "api list", "event ics", "feed"], False)
    everywhere = dict.fromkeys(nowhere, True)

    assert _what_each_shows(client, event) == nowhere  # upcoming
    clock.set(session.starts_at + timedelta(minutes=30))
    assert _what_each_shows(client, event) == nowhere  # live
    clock.set(session.ends_at + timedelta(minutes=1))
    assert _what_each_shows(client, event) == everywhere


def test_the_registrants_own_calendar_follows_the_same_rule(client, db, clock, make_event, make_registration):
    event = make_event()
    event.sessions[0].recording_url = RECORDING
    db.session.commit()
    token = make_registration(event, 1).manage_token
    assert RECORDING not in _unfolded(client.get(f"/my/{token}/calendar.ics"))
    clock.set(event.sessions[0].ends_at + timedelta(minutes=1))
    assert RECORDING in _unfolded(client.get(f"/my/{token}/calendar.ics"))


def test_the_organizer_api_shows_the_recording_ahead_of_time(client, db, make_event, api_token):
    event = make_event()
    event.sessions[0].recording_url = RECORDING
    db.session.commit()
    answer = client.patch(f"/api/v1/events/{event.slug}", json={},
                          headers={"Authorization": f"Bearer {api_token}"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["sessions"][0]["recording_url"] == RECORDING
