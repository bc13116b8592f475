"""Wrong invitation links are counted per address across worker processes, through Redis: two real gunicorn servers."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from conftest import REDIS_URL
from servers import gunicorn, prepare_database, service_env

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(not REDIS_URL, reason="needs EVENTSVC_TEST_REDIS_URL (CI sets it)")]
TIMEOUT = 30


def wrong_link(base_url, slug):
    return requests.get(f"{base_url}/events/{slug}/register", params={"invite": uuid.uuid4().hex + "A" * 11},
                        timeout=TIMEOUT)


def test_two_worker_processes_share_the_count_of_wrong_links(tmp_path):
    url = f"sqlite:///{tmp_path / 'eventsvc.sqlite3'}"
    api_token = prepare_database(url)
    env = service_env(url, EVENTSVC_REDIS_URL=REDIS_URL, EVENTSVC_RATELIMIT_ENABLED="1",
                      EVENTSVC_RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                      EVENTSVC_RATELIMIT_INVITATION="10 per minute")
    # Two servers of one worker each: whatever one counts, the other must see.
    with gunicorn("wsgi:app", env, tmp_path, workers=1) as first, gunicorn("wsgi:app", env, tmp_path, workers=1) as second:
        start = datetime.now(timezone.utc) + timedelta(days=10)
        created = requests.post(f"{first}/api/v1/events", headers={"Authorization": f"Bearer {api_token}"}, json={
            "slug": "limits-workshop", "title_th": "ประชุมเชิงปฏิบัติการ", "registration_mode": "invite_only",
            "status": "published", "sessions": [{"name_th": "ช่วงเช้า", "starts_at": start.isoformat(),
                                                 "ends_at": (start + timedelta(hours=3)).isoformat()}],
        }, timeout=TIMEOUT)
        assert created.status_code == 201, created.text
        invited = requests.post(f"{first}/api/v1/events/limits-workshop/invitations",
                                headers={"Authorization": f"Bearer {api_token}"},
                                json={"invitees": [{"email": "invitee@example.org"}], "send": True}, timeout=TIMEOUT)
        good_link = invited.json()["results"][0]["invite_url"].split("?", 1)[1]

        statuses = [wrong_link(server, "limits-workshop").status_code for server in (first, second) * 5]
        assert statuses == [403] * 10  # five on each: with a limit per process, each would allow five more

        limited = wrong_link(first, "limits-workshop")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert wrong_link(second, "limits-workshop").status_code == 429
        # Once over the limit, a link is not even looked at; the rest of the site still answers.
        assert requests.get(f"{second}/events/limits-workshop/register?{good_link}", timeout=TIMEOUT).status_code == 429
        assert requests.get(f"{second}/events/limits-workshop", timeout=TIMEOUT).status_code == 200
