"""Personal links stay with their owner: one exact limit on wrong links for every /my/ route; no link in third parties' URLs."""
import threading
import uuid
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from conftest import REDIS_URL
from servers import eventsvc_server


def _wrong(n):
    return f"wrong{n:040d}"


def _in_parallel(count, threads, ask):
    """`count` calls of ask(n) from `threads` threads at once; the status codes and the 429 answers' Retry-After."""
    statuses, retry_afters, lock = Counter(), [], threading.Lock()
    numbers = iter(range(count))
    start = threading.Barrier(threads)

    def work():
        start.wait()
        while True:
            with lock:
                n = next(numbers, None)
            if n is None:
                return
            status, retry_after = ask(n)
            with lock:
                statuses[status] += 1
                if status == 429:
                    retry_afters.append(retry_after)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return statuses, retry_afters


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_TOKEN="20 per minute",
                        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
@pytest.mark.parametrize("backend", ["sqlite"])  # the limit does not depend on the database
def test_parallel_wrong_links_get_exactly_the_limit_in_process(app, backend):
    paths = ["/my/{}", "/my/{}/calendar.ics"]

    def ask(n):
        response = app.test_client().get(paths[n % 2].format(_wrong(n)))
        return response.status_code, response.headers.get("Retry-After")

    statuses, retry_afters = _in_parallel(40, 8, ask)
    assert statuses == {404: 20, 429: 20}
    assert all(0 < int(value) <= 60 for value in retry_afters)


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
def test_every_my_route_draws_on_one_count(app, client, make_event, make_registration, backend):
    """Walks the url_map: one wrong link on each GET route under /my/ uses up a limit of that many."""
    event = make_event()
    registration = make_registration(event, 1)
    address = {"REMOTE_ADDR": f"10.7.{len(backend)}.1"}
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/my/") and "GET" in rule.methods]
    assert {"/my/<token>", "/my/<token>/calendar.ics"} <= {rule.rule for rule in rules}
    app.config["RATELIMIT_TOKEN"] = f"{len(rules)} per minute"
    wrong = [rule.rule.replace("<token>", _wrong(n)).replace("<id:session_id>", str(event.sessions[0].id))
             for n, rule in enumerate(rules)]
    assert [client.get(path, environ_base=address).status_code for path in wrong] == [404] * len(rules)
    refused = client.get(f"/my/{_wrong(6)}/calendar.ics", environ_base=address)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Over the limit, a right link is refused too: its answer must not tell which guess worked.
    assert client.get(f"/my/{registration.manage_token}", environ_base=address).status_code == 429
    # Another address is not affected, and a right link with a wrong session id is not a guess.
    other = {"REMOTE_ADDR": "10.8.0.1"}
    join_unknown = f"/my/{registration.manage_token}/sessions/999999/join"
    assert [client.get(join_unknown, environ_base=other).status_code for _ in range(7)] == [404] * 7
    assert client.get(f"/my/{registration.manage_token}", environ_base=other).status_code == 200


@pytest.mark.skipif(not REDIS_URL, reason="needs EVENTSVC_TEST_REDIS_URL (CI sets it)")
def test_parallel_wrong_links_get_exactly_the_limit_across_gunicorn_workers(tmp_path):
    """8 parallel guessers against 4 workers sharing Redis: 20 answers, then 429, never 21-23."""
    database = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    with eventsvc_server(database, tmp_path, workers=4, EVENTSVC_RATELIMIT_ENABLED="1",
                         EVENTSVC_REDIS_URL=REDIS_URL, EVENTSVC_RATELIMIT_TOKEN="20 per minute",
                         EVENTSVC_RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}") as (base_url, _token):
        paths = ["/my/{}", "/my/{}/calendar.ics"]

        def ask(n):
            response = requests.get(base_url + paths[n % 2].format(_wrong(n)), timeout=30)
            return response.status_code, response.headers.get("Retry-After")

        statuses, retry_afters = _in_parallel(48, 8, ask)
    assert statuses == {404: 20, 429: 28}
    assert all(0 < int(value) <= 60 for value in retry_afters)


@pytest.mark.parametrize("attendance", ["onsite", "online"])
def test_google_and_outlook_links_carry_the_event_page_never_the_personal_link(client, db, make_event,
                                                                                 make_registration, attendance):
    import html as html_module
    import re

    event = make_event(format="hybrid")
    event.sessions[0].stream_url = "https://www.youtube.com/watch?v=public123"
    event.sessions[1].stream_url = "https://zoom.us/j/123456789"
    event.sessions[1].stream_visibility = "registrants"
    db.session.commit()
    registration = make_registration(event, 1, attendance=attendance)
    token = registration.manage_token
    page = client.get(f"/my/{token}").get_data(as_text=True)
    links = [html_module.unescape(href) for href in
             re.findall(r'href="(https://(?:calendar\.google\.com|outlook\.live\.com)/[^"]+)"', page)]
    assert len(links) == 4  # Google and Outlook for each of the two sessions
    for link in links:
        values = " ".join(v for vs in parse_qs(urlsplit(link).query).values() for v in vs)
        assert token not in link and token not in values and "/my/" not in values
        assert f"http://testserver/events/{event.slug}" in values
        assert "zoom.us" not in values  # a registrants-only stream is not handed out either
    # The registrant's own .ics keeps the personal page: that file stays with the person.
    assert token in client.get(f"/my/{token}/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
