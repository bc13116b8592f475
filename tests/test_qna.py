"""Questions during a session: who may ask and when, bad input, votes, moderation, the polled board, personal data."""
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_from, field_errors, person, reload

from eventsvc.audit.models import AuditEntry
from eventsvc.events.models import EventSession
from eventsvc.qna import services
from eventsvc.qna.models import QuestionStatus, SessionQuestion, SessionQuestionVote
from eventsvc.registration import services as registration_services


@pytest.fixture
def hearing(make_event, clock):
    """A hearing whose morning session starts in 10 minutes: its stream (and questions) opened 5 minutes ago."""
    return make_event(starts_in=timedelta(minutes=10))


def register(db, event, n=1, **overrides):
    result = registration_services.register(event, person(n, **overrides))
    db.session.commit()
    return result.registration, result.manage_token


def morning(event):
    return sorted(event.sessions, key=lambda s: s.starts_at)[0]


def afternoon(event):
    return sorted(event.sessions, key=lambda s: s.starts_at)[1]


def ask_url(token, session):
    return f"/my/{token}/sessions/{session.id}/questions"


def post_question(client, token, session, body="ระยะเวลาดำเนินการของยุทธศาสตร์ที่ 2 เท่าไร", name="สมชาย"):
    page = client.get(ask_url(token, session))
    return client.post(ask_url(token, session), data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "body": body, "display_name": name})


def question_count(db):
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(SessionQuestion))


# ---- asking --------------------------------------------------------------------------------------

def test_a_registrant_asks_during_the_session_and_the_question_waits_for_the_moderator(db, client, hearing):
    registration, token = register(db, hearing)
    response = post_question(client, token, morning(hearing))
    assert response.status_code == 302
    [question] = db.session.scalars(sa.select(SessionQuestion)).all()
    assert question.status == QuestionStatus.pending and question.display_name == "สมชาย"
    assert question.registration_id == registration.id
    page = client.get(ask_url(token, morning(hearing))).get_data(as_text=True)
    assert f'id="mine-{question.id}" data-status="pending"' in page
    # Pre-moderation: nobody else sees it yet.
    assert json.loads(client.get(ask_url(token, morning(hearing)) + ".json").data)["questions"] == []
    assert db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("qna.%"))).all() == ["qna.asked"]


def test_the_window_runs_from_the_stream_opening_to_the_end_of_the_session(db, client, hearing, clock, app):
    _, token = register(db, hearing)
    session = morning(hearing)
    opens = session.starts_at - timedelta(minutes=app.config["STREAM_OPENS_MINUTES"])
    csrf = csrf_from(client.get(ask_url(token, session)).get_data(as_text=True))
    clock.set(opens - timedelta(seconds=1))
    response = client.post(ask_url(token, session), data={"csrf_token": csrf, "body": "ก่อนเวลา"})
    assert response.status_code == 409
    assert 'id="qna-not-yet"' in response.get_data(as_text=True)
    clock.set(session.ends_at + timedelta(seconds=1))
    response = client.post(ask_url(token, session), data={"csrf_token": csrf, "body": "หลังเวลา"})
    assert response.status_code == 409
    assert 'id="qna-closed"' in response.get_data(as_text=True)
    assert question_count(db) == 0
    clock.set(session.ends_at)
    assert post_question(client, token, session).status_code == 302
    assert question_count(db) == 1


def test_a_cancelled_session_never_takes_questions(db, client, hearing, organizer):
    from eventsvc.events import services as event_services

    _, token = register(db, hearing)
    session = morning(hearing)
    page = client.get(ask_url(token, session))
    event_services.cancel_session(reload(db, session), "ผู้บรรยายติดภารกิจ", actor=organizer)
    db.session.commit()
    response = client.post(ask_url(token, session), data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "body": "คำถาม", "display_name": ""})
    assert response.status_code in (403, 409)
    assert question_count(db) == 0
    assert client.get(f"/events/{hearing.slug}/sessions/{session.id}/ask").status_code == 200


@pytest.mark.parametrize("body, name, field, status", [
    ("", "", "body", 422),
    ("ก" * 501, "", "body", 422),
    ("คำถาม\x07มีอักขระควบคุม", "", "body", 422),
    ("คำถามปกติ", "ชื่อ\x1bแปลก", "display_name", 422),
    ("คำถามปกติ", "ก" * 101, "display_name", 422),
])
def test_bad_questions_get_a_field_error_and_nothing_is_written(db, client, hearing, body, name, field, status):
    _, token = register(db, hearing)
    response = post_question(client, token, morning(hearing), body=body, name=name)
    assert response.status_code == status
    assert field_errors(response.get_data(as_text=True), field)
    assert question_count(db) == 0


def test_a_cancelled_registration_may_not_ask(db, client, hearing):
    registration, token = register(db, hearing)
    page = client.get(ask_url(token, morning(hearing)))
    from eventsvc.audit.services import REGISTRANT
    from eventsvc.registration.management import cancel_registration

    cancel_registration(reload(db, registration), actor=REGISTRANT)
    db.session.commit()
    response = client.post(ask_url(token, morning(hearing)), data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "body": "คำถาม", "display_name": ""})
    assert response.status_code == 403
    assert question_count(db) == 0


def test_someone_not_registered_for_that_session_may_not_ask(db, client, hearing):
    _, token = register(db, hearing, sessions=[afternoon(hearing).id])
    response = client.get(ask_url(token, morning(hearing)))
    assert response.status_code == 403
    response = client.post(ask_url(token, morning(hearing)), data={"body": "คำถาม"})
    assert response.status_code in (400, 403)
    assert question_count(db) == 0


def test_a_session_of_another_event_is_not_found(db, client, hearing, make_event):
    other = make_event(starts_in=timedelta(minutes=10))
    _, token = register(db, hearing)
    assert client.get(ask_url(token, morning(other))).status_code == 404


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_QUESTIONS="3 per minute", RATELIMIT_TOKEN="1000 per minute")
def test_a_flood_of_questions_is_refused_with_a_message_and_nothing_written(db, client, hearing, app):
    _, token = register(db, hearing)
    for n in range(3):
        assert post_question(client, token, morning(hearing), body=f"คำถามที่ {n}").status_code == 302
    response = post_question(client, token, morning(hearing), body="คำถามที่ 4")
    assert response.status_code == 429
    errors = field_errors(response.get_data(as_text=True), "body")
    assert errors and "รอ" in errors[0]  # Thai by default: "please wait a minute"
    assert question_count(db) == 3


@pytest.mark.app_config(QNA_MAX_QUESTIONS_PER_SESSION=2)
def test_at_most_so_many_questions_per_person_and_session(db, client, hearing):
    _, token = register(db, hearing)
    assert post_question(client, token, morning(hearing), body="หนึ่ง").status_code == 302
    assert post_question(client, token, morning(hearing), body="สอง").status_code == 302
    assert post_question(client, token, morning(hearing), body="สาม").status_code == 429
    assert question_count(db) == 2


# ---- votes ---------------------------------------------------------------------------------------

def _approved_question(db, hearing, organizer, registration):
    question = services.ask(registration, morning(hearing), "คำถามที่อนุมัติแล้ว", "")
    services.moderate(question, "approve", actor=organizer)
    db.session.commit()
    return question


def vote(client, token, session, question, action="vote"):
    page = client.get(ask_url(token, session))
    return client.post(f"{ask_url(token, session)}/{question.id}/{action}",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_one_vote_per_registrant_and_question_the_counter_kept_equal(db, client, hearing, organizer):
    asker, _ = register(db, hearing, 1)
    _, token = register(db, hearing, 2)
    question = _approved_question(db, hearing, organizer, asker)
    assert vote(client, token, morning(hearing), question).status_code == 302
    assert vote(client, token, morning(hearing), question).status_code == 302  # twice: no change
    question = reload(db, question)
    assert question.votes == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionQuestionVote)) == 1
    assert vote(client, token, morning(hearing), question, "unvote").status_code == 302
    assert reload(db, question).votes == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionQuestionVote)) == 0


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_QUESTION_VOTES="2 per minute",
                        RATELIMIT_TOKEN="1000 per minute")
def test_votes_are_rate_limited_per_registrant_and_the_counter_stays_right(db, client, hearing, organizer):
    asker, _ = register(db, hearing, 1)
    _, token = register(db, hearing, 2)
    question = _approved_question(db, hearing, organizer, asker)
    vote(client, token, morning(hearing), question)
    vote(client, token, morning(hearing), question, "unvote")
    response = vote(client, token, morning(hearing), question)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash error"' in page
    assert reload(db, question).votes == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionQuestionVote)) == 0


def test_a_pending_question_cannot_be_voted_for(db, client, hearing):
    asker, _ = register(db, hearing, 1)
    _, token = register(db, hearing, 2)
    question = services.ask(asker, morning(hearing), "ยังไม่อนุมัติ", "")
    db.session.commit()
    vote(client, token, morning(hearing), question)
    assert reload(db, question).votes == 0


# ---- moderation and the board -----------------------------------------------------------------------

def moderate(client, hearing, question, action):
    page = client.get(f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/questions")
    assert page.status_code == 200
    return client.post(f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/questions/{question.id}/{action}",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_the_moderator_approves_pins_and_marks_answered_and_the_board_follows(db, client, hearing, organizer, login_as):
    asker, _ = register(db, hearing, 1)
    first = services.ask(asker, morning(hearing), "คำถามแรก", "")
    second = services.ask(asker, morning(hearing), "คำถามที่สอง", "นิรนาม")
    db.session.commit()
    login_as(user=organizer)
    board_url = f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/presenter.json"
    empty = client.get(board_url)
    assert empty.status_code == 200 and json.loads(empty.data)["questions"] == []
    etag = empty.headers["ETag"]
    assert client.get(board_url, headers={"If-None-Match": etag}).status_code == 304

    assert moderate(client, hearing, first, "approve").status_code == 302
    changed = client.get(board_url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and [q["body"] for q in json.loads(changed.data)["questions"]] == ["คำถามแรก"]
    moderate(client, hearing, second, "pin")  # pinning approves, and puts it on top
    board = json.loads(client.get(board_url).data)["questions"]
    assert [q["body"] for q in board] == ["คำถามที่สอง", "คำถามแรก"] and board[0]["pinned"]
    moderate(client, hearing, first, "pin")  # one pinned question at a time
    board = json.loads(client.get(board_url).data)["questions"]
    assert [(q["body"], q["pinned"]) for q in board] == [("คำถามแรก", True), ("คำถามที่สอง", False)]
    moderate(client, hearing, first, "answer")
    board = json.loads(client.get(board_url).data)["questions"]
    assert [(q["body"], q["answered"]) for q in board] == [("คำถามที่สอง", False), ("คำถามแรก", True)]
    moderate(client, hearing, second, "hide")
    assert [q["body"] for q in json.loads(client.get(board_url).data)["questions"]] == ["คำถามแรก"]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("qna.%"))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["qna.asked", "qna.asked", "qna.approved", "qna.pinned", "qna.pinned", "qna.answered",
                       "qna.hidden"]


def test_the_pending_questions_come_first_on_the_moderation_page(db, client, hearing, organizer, login_as):
    asker, _ = register(db, hearing, 1)
    approved = _approved_question(db, hearing, organizer, asker)
    pending = services.ask(asker, morning(hearing), "รอการอนุมัติ", "")
    db.session.commit()
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/questions").get_data(as_text=True)
    assert page.index(f'id="q-{pending.id}"') < page.index(f'id="q-{approved.id}"')


def test_door_staff_may_show_the_presenter_screen_but_not_moderate(db, client, hearing, staff, login_as):
    login_as(user=staff)  # on the door team of every event (the fixture)
    base = f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}"
    assert client.get(base + "/presenter").status_code == 200
    assert client.get(base + "/presenter.json").status_code == 200
    assert client.get(base + "/questions").status_code == 403


def test_a_viewer_reads_the_questions_without_the_buttons_and_may_not_moderate(db, client, hearing, organizer,
                                                                                login_as, make_user):
    from conftest import add_member
    from eventsvc.accounts.models import Role

    asker, _ = register(db, hearing, 1)
    question = services.ask(asker, morning(hearing), "คำถามที่รออนุมัติ", "")
    db.session.commit()
    viewer = make_user(Role.organizer, "viewer@example.org")
    add_member(db, hearing, viewer, "viewer")
    login_as(user=viewer)
    base = f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/questions"
    response = client.get(base)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "คำถามที่รออนุมัติ" in page and 'id="qna-read-only"' in page
    assert f"{base}/{question.id}/approve" not in page and "/hide" not in page and "<form" not in page.split(
        'id="qna-moderation"')[1]
    assert client.get(base + "/counts.json").status_code == 200
    approve = client.post(f"{base}/{question.id}/approve", data={"csrf_token": csrf_from(page)})
    assert approve.status_code == 403
    assert reload(db, question).status == QuestionStatus.pending
    # The event's page links the viewer to that list.
    assert base in client.get(f"/organizer/events/{hearing.slug}").get_data(as_text=True)


def test_the_moderator_still_gets_the_buttons(db, client, hearing, organizer, login_as):
    asker, _ = register(db, hearing, 1)
    question = services.ask(asker, morning(hearing), "คำถาม", "")
    db.session.commit()
    login_as(user=organizer)
    base = f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/questions"
    page = client.get(base).get_data(as_text=True)
    assert f"{base}/{question.id}/approve" in page and 'id="qna-read-only"' not in page


def test_the_board_is_served_from_the_cache_without_building_it_again(db, client, hearing, organizer, login_as, queries):
    login_as(user=organizer)
    board_url = f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/presenter.json"
    client.get(board_url)
    with queries() as statements:
        assert client.get(board_url).status_code == 200
    assert not any("session_questions" in s for s in statements)


# ---- the room's QR page ------------------------------------------------------------------------------

def test_the_room_page_is_public_and_asks_for_the_personal_link(db, client, hearing):
    response = client.get(f"/events/{hearing.slug}/sessions/{morning(hearing).id}/ask")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="my-link"' in page and "/my/" not in page
    qr = client.get(f"/events/{hearing.slug}/sessions/{morning(hearing).id}/ask/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_the_room_page_of_a_cancelled_event_says_the_event_was_cancelled_with_the_reason_and_offers_no_form(
        db, client, hearing, organizer):
    from eventsvc.events import services as event_services

    event_services.cancel_event(reload(db, hearing), "งบประมาณไม่ได้รับอนุมัติ", actor=organizer)
    db.session.commit()
    response = client.get(f"/events/{hearing.slug}/sessions/{morning(hearing).id}/ask")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="qna-room-cancelled"' in page and "งบประมาณไม่ได้รับอนุมัติ" in page
    english = client.get(f"/events/{hearing.slug}/sessions/{morning(hearing).id}/ask?lang=en").get_data(as_text=True)
    assert "This event has been cancelled by the organizer." in english
    assert "This session has been cancelled" not in english
    assert 'id="my-link"' not in page and 'id="my-link"' not in english


def test_the_room_page_of_a_cancelled_session_says_the_session_was_cancelled_with_its_reason(db, client, hearing,
                                                                                           organizer):
    from eventsvc.events import services as event_services

    event_services.cancel_session(reload(db, morning(hearing)), "ผู้บรรยายติดภารกิจ", actor=organizer)
    db.session.commit()
    page = client.get(f"/events/{hearing.slug}/sessions/{morning(hearing).id}/ask?lang=en").get_data(as_text=True)
    assert "This session has been cancelled by the organizer." in page and "ผู้บรรยายติดภารกิจ" in page
    assert "This event has been cancelled" not in page


def test_the_room_page_takes_a_browser_that_opened_its_personal_link_straight_on(db, client, hearing):
    _, token = register(db, hearing)
    assert client.get(f"/my/{token}").status_code == 200
    response = client.get(f"/events/{hearing.slug}/sessions/{morning(hearing).id}/ask")
    assert response.status_code == 302 and response.headers["Location"].endswith(ask_url(token, morning(hearing)))


def test_the_my_page_links_to_the_questions_while_the_session_is_on(db, client, hearing, clock):
    _, token = register(db, hearing)
    assert f'href="{ask_url(token, morning(hearing))}"' in client.get(f"/my/{token}").get_data(as_text=True)
    clock.move(timedelta(days=1))
    assert 'id="qna-on-my-page"' not in client.get(f"/my/{token}").get_data(as_text=True)


# ---- the report and personal data -----------------------------------------------------------------

def test_questions_for_report_gives_the_approved_questions_per_session(db, hearing, organizer):
    asker, _ = register(db, hearing)
    approved = _approved_question(db, hearing, organizer, asker)
    services.moderate(approved, "answer", actor=organizer)
    services.ask(asker, morning(hearing), "ยังรออยู่", "")
    db.session.commit()
    report = services.questions_for_report(hearing)
    assert [isinstance(row["session"], EventSession) for row in report] == [True, True]
    assert report[0]["questions"] == [{"body": "คำถามที่อนุมัติแล้ว", "votes": 0, "answered": True, "display_name": ""}]
    assert report[1]["questions"] == []


def test_the_data_download_has_the_questions_and_votes_and_erasure_keeps_the_text_without_the_name(
        db, client, hearing, organizer):
    from eventsvc.registration import privacy

    asker, token = register(db, hearing, 1)
    voter, _ = register(db, hearing, 2)
    question = services.ask(asker, morning(hearing), "คำถามของฉัน", "สมชาย ใจดี")
    services.moderate(question, "approve", actor=organizer)
    services.vote(voter, question)
    services.vote(asker, question)
    db.session.commit()
    data = client.get(f"/my/{token}/data.json").get_json()
    part = data["session_questions"]
    assert part["asked"][0]["body"] == "คำถามของฉัน" and part["asked"][0]["display_name"] == "สมชาย ใจดี"
    assert part["upvoted"] == [{"question_id": question.id, "at": part["upvoted"][0]["at"]}]

    privacy.erase_registration(reload(db, asker), actor=None)
    db.session.commit()
    question = reload(db, question)
    assert question.display_name == "" and question.body == "คำถามของฉัน" and question.votes == 2


def test_the_join_page_links_to_the_questions_while_the_session_is_on(db, client, hearing):
    _, token = register(db, hearing)
    # No stream link yet: the join page is shown (with a stream it redirects to the player).
    page = client.get(f"/my/{token}/sessions/{morning(hearing).id}/join")
    assert page.status_code == 200
    assert f'id="qna-join-ask" href="{ask_url(token, morning(hearing))}"' in page.get_data(as_text=True)


def test_the_presenter_screen_shows_the_public_room_address_never_a_personal_link(db, client, hearing, organizer,
                                                                                   login_as):
    _, token = register(db, hearing)
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{hearing.slug}/sessions/{morning(hearing).id}/presenter")
    html = page.get_data(as_text=True)
    assert f"http://testserver/events/{hearing.slug}/sessions/{morning(hearing).id}/ask" in html
    assert "/my/" not in html and 'id="qna-room-qr"' in html
    # A page for the projector: none of the site's header, navigation (sign out...) or footer.
    assert 'class="qna-projector"' in html and "<h1" in html
    assert 'id="site-header"' not in html and 'id="site-footer"' not in html and "/organizer/logout" not in html


def test_a_double_click_on_vote_counts_once_under_concurrency(db, app, hearing, organizer):
    import threading

    from eventsvc.extensions import write_transactions
    from eventsvc.qna.models import SessionQuestion as Question
    from eventsvc.registration.models import Registration

    asker, _ = register(db, hearing, 1)
    voter, _ = register(db, hearing, 2)
    question = _approved_question(db, hearing, organizer, asker)
    barrier, errors = threading.Barrier(4), []

    def click():
        try:
            # As the POST does: on SQLite its transaction takes the write lock when it begins.
            with app.app_context(), write_transactions():
                barrier.wait(timeout=10)
                registration, target = db.session.get(Registration, voter.id), db.session.get(Question, question.id)
                services.vote(registration, target)
                db.session.commit()
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert reload(db, question).votes == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionQuestionVote)) == 1
