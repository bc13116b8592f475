"""The satisfaction survey: who may answer and when, once; the mail after each session; the results against the
target; the organizer's settings; the survey's part of a person's data."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import add_member, csrf_from, field_errors, person, reload
from eventsvc.audit.models import AuditEntry
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import CheckinMethod
from eventsvc.errors import ValidationFailed
from eventsvc.events.services import cancel_session
from eventsvc.livestream.services import record_join
from eventsvc.mail.models import OutboxMessage
from eventsvc.registration import privacy
from eventsvc.registration import services as registration_services
from eventsvc.surveys import services
from eventsvc.surveys.models import Survey, SurveyResponse

SOON = timedelta(minutes=30)


def register(db, event, n, **overrides):
    registration = registration_services.register(event, person(n, **overrides)).registration
    db.session.commit()
    return registration


def check_in(db, registration, session, staff):
    checkin_services.check_in(registration, session, staff, CheckinMethod.qr, now=session.starts_at)
    db.session.commit()


def join_online(db, registration, session):
    record_join(registration, session, session.starts_at)
    db.session.commit()


def responses(db):
    db.session.rollback()
    return db.session.scalars(sa.select(SurveyResponse).order_by(SurveyResponse.id)).all()


def survey_url(registration, session):
    return f"/my/{registration.manage_token}/sessions/{session.id}/survey"


@pytest.fixture
def hearing(db, make_event, staff, clock):
    """A morning session that ended an hour ago: `onsite` checked in, `online` joined online, `absent` did not
    come, `undone` was checked in and then the check-in was undone."""
    event = make_event(starts_in=SOON)
    morning, afternoon = event.sessions
    people = {
        "onsite": register(db, event, 1, sector="government"),
        "online": register(db, event, 2, sector="private", attendance="online"),
        "absent": register(db, event, 3),
        "undone": register(db, event, 4),
    }
    check_in(db, people["onsite"], morning, staff)
    join_online(db, people["online"], morning)
    check_in(db, people["undone"], morning, staff)
    checkin_services.undo_check_in(people["undone"], morning, staff, now=morning.starts_at)
    db.session.commit()
    clock.set(morning.ends_at + timedelta(hours=1))
    return event, morning, afternoon, people


def post_answers(client, registration, session, answers):
    page = client.get(survey_url(registration, session))
    token = csrf_from(page.get_data(as_text=True)) if page.status_code == 200 else "x"
    return client.post(survey_url(registration, session), data={"csrf_token": token, **answers})


# ---- who may answer, once ----------------------------------------------------------------

def test_the_survey_is_refused_to_someone_who_did_not_take_part(db, client, hearing):
    event, morning, afternoon, people = hearing
    for who in ("absent", "undone"):  # an undone check-in is no participation
        page = client.get(survey_url(people[who], morning))
        assert page.status_code == 403
        assert "survey-refused" in page.get_data(as_text=True)
        csrf = csrf_from(client.get(f"/my/{people[who].manage_token}").get_data(as_text=True))
        answer = client.post(survey_url(people[who], morning), data={"csrf_token": csrf, "q_overall": "5"})
        assert answer.status_code == 403
    assert responses(db) == []


def test_the_survey_is_accepted_once_from_someone_who_took_part_and_the_first_answers_are_kept(db, client, hearing):
    event, morning, afternoon, people = hearing
    onsite = people["onsite"]
    answer = post_answers(client, onsite, morning, {"q_overall": "4", "q_content": "5", "q_venue": "3",
                                                   "q_suggestions": "ขอเอกสารล่วงหน้า"})
    assert answer.status_code == 302 and answer.location.endswith(f"/my/{onsite.manage_token}")
    [kept] = responses(db)
    assert (kept.overall, kept.mode.value, kept.answers) == (4, "onsite", {"content": 5, "venue": 3,
                                                                          "suggestions": "ขอเอกสารล่วงหน้า"})
    # A second attempt: the page says so, a crafted post changes nothing.
    again = client.get(survey_url(onsite, morning))
    assert again.status_code == 409 and "survey-refused" in again.get_data(as_text=True)
    csrf = csrf_from(client.get(f"/my/{onsite.manage_token}").get_data(as_text=True))
    second = client.post(survey_url(onsite, morning), data={"csrf_token": csrf, "q_overall": "1"})
    assert second.status_code == 409
    [still] = responses(db)
    assert still.id == kept.id and still.overall == 4
    # The service refuses too (the unique constraint behind it).
    with pytest.raises(services.SurveyRefused):
        services.submit_response(reload(db, onsite), morning, {"overall": 2}, actor=None)
    # /my shows it answered.
    assert "survey-" + str(morning.id) in client.get(f"/my/{onsite.manage_token}").get_data(as_text=True)


def test_the_unique_constraint_keeps_one_answer_even_past_the_checks(db, hearing):
    event, morning, afternoon, people = hearing
    onsite = people["onsite"]
    services.submit_response(onsite, morning, {"overall": 5}, actor=None)
    db.session.commit()
    db.session.add(SurveyResponse(event_id=event.id, session_id=morning.id, registration_id=onsite.id,
                                  mode="onsite", overall=1, answers={}))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert [r.overall for r in responses(db)] == [5]


def test_mode_is_online_for_someone_who_joined_online_and_they_are_asked_about_the_stream(db, client, hearing):
    event, morning, afternoon, people = hearing
    online = people["online"]
    page = client.get(survey_url(online, morning)).get_data(as_text=True)
    assert 'name="q_stream"' in page and 'name="q_venue"' not in page
    assert "survey-consent" in page
    assert post_answers(client, online, morning, {"q_overall": "2", "q_stream": "1"}).status_code == 302
    [kept] = responses(db)
    assert kept.mode.value == "online" and kept.answers == {"stream": 1}


@pytest.mark.parametrize("answers, field", [
    ({"q_overall": "6"}, "q_overall"),
    ({"q_overall": "0"}, "q_overall"),
    ({"q_overall": "4.5"}, "q_overall"),
    ({"q_overall": "4", "q_content": "9"}, "q_content"),
    ({"q_content": "4"}, "q_overall"),  # overall is required
    ({"q_overall": "4", "q_suggestions": "ดี\x1bมาก"}, "q_suggestions"),
    ({"q_overall": "4", "q_suggestions": "ก" * 2001}, "q_suggestions"),
])
def test_a_bad_answer_gets_a_field_error_and_nothing_is_written(db, client, hearing, answers, field):
    event, morning, afternoon, people = hearing
    response = post_answers(client, people["onsite"], morning, answers)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "error-summary" in page and f'id="{field}"' in page
    assert responses(db) == []


def test_a_custom_question_too_long_is_refused(db, client, hearing, organizer):
    event, morning, afternoon, people = hearing
    services.save_survey(event, {"standard": [], "custom": [{"kind": "text", "label_th": "ข้อเสนออื่น"}],
                                 "target_percent": 80}, actor=organizer)
    db.session.commit()
    response = post_answers(client, people["onsite"], morning, {"q_overall": "5", "q_q1": "ข" * 2001})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "q_q1")
    assert responses(db) == []


@pytest.mark.parametrize("case", ["before the end", "closed", "session cancelled", "registration cancelled",
                                  "erased"])
def test_the_survey_is_refused_outside_its_window_or_to_a_cancelled_session_or_person(
        db, client, app, hearing, clock, organizer, case):
    event, morning, afternoon, people = hearing
    onsite = people["onsite"]
    token = onsite.manage_token
    if case == "before the end":
        clock.set(morning.ends_at - timedelta(minutes=1))
    elif case == "closed":
        clock.set(morning.ends_at + timedelta(days=app.config["SURVEY_OPEN_DAYS"], seconds=1))
    elif case == "session cancelled":
        cancel_session(morning, "ห้องประชุมไม่พร้อม", actor=organizer)
        db.session.commit()
    elif case == "registration cancelled":
        registration_services.cancel_registration(onsite, actor=None, now=onsite.created_at)
        db.session.commit()
    else:
        privacy.erase_registration(onsite)
        db.session.commit()
        with pytest.raises(services.SurveyRefused):
            services.check_may_answer(reload(db, onsite), morning)
        assert responses(db) == []
        return
    page = client.get(f"/my/{token}/sessions/{morning.id}/survey")
    assert page.status_code == 409 and "survey-refused" in page.get_data(as_text=True)
    csrf = csrf_from(client.get(f"/my/{token}").get_data(as_text=True))
    assert client.post(f"/my/{token}/sessions/{morning.id}/survey",
                       data={"csrf_token": csrf, "q_overall": "5"}).status_code == 409
    assert responses(db) == []


def test_a_session_of_another_event_is_not_found(db, client, hearing, make_event):
    event, morning, afternoon, people = hearing
    other = make_event()
    assert client.get(survey_url(people["onsite"], other.sessions[0])).status_code == 404


# ---- the mail after each session ---------------------------------------------------------

def survey_mail(db):
    db.session.rollback()
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "survey_invitation")
                              .order_by(OutboxMessage.id)).all()


def test_the_command_mails_each_person_once_per_session_however_often_it_runs(db, app, hearing, clock, staff):
    event, morning, afternoon, people = hearing
    runner = app.test_cli_runner()
    clock.set(morning.ends_at + timedelta(minutes=app.config["SURVEY_SEND_AFTER_MINUTES"] - 1))
    assert "0 survey" in runner.invoke(args=["surveys", "send"]).output  # not yet
    clock.set(morning.ends_at + timedelta(hours=1))
    for _ in range(2):
        result = runner.invoke(args=["surveys", "send"])
        assert result.exit_code == 0, result.output
    sent = survey_mail(db)
    assert sorted((m.registration_id, m.params["session_id"]) for m in sent) == sorted(
        [(people["onsite"].id, morning.id), (people["online"].id, morning.id)])
    assert len({m.dedupe_key for m in sent}) == 2
    # The afternoon: the on-site person comes back; the afternoon's mail is another one, once.
    check_in(db, reload(db, people["onsite"]), afternoon, staff)
    clock.set(afternoon.ends_at + timedelta(hours=1))
    runner.invoke(args=["surveys", "send"])
    runner.invoke(args=["surveys", "send"])
    assert len(survey_mail(db)) == 3
    # Past the survey's close, nothing more is written.
    clock.set(afternoon.ends_at + timedelta(days=app.config["SURVEY_OPEN_DAYS"] + 1))
    assert services.send_invitations(clock.now) == 0


def test_no_mail_to_erased_people_or_for_cancelled_sessions(db, app, hearing, clock, organizer, staff):
    event, morning, afternoon, people = hearing
    # The afternoon took place (a check-in), then was cancelled after the fact: no survey for it.
    check_in(db, people["onsite"], afternoon, staff)
    cancel_session(afternoon, "งดจัด", actor=organizer)
    db.session.commit()
    # Erased once the event is over: the registration stays confirmed, blank.
    clock.set(afternoon.ends_at + timedelta(hours=1))
    privacy.erase_registration(reload(db, people["online"]))
    db.session.commit()
    assert reload(db, people["online"]).status.value == "confirmed"
    services.send_invitations(clock.now)
    db.session.commit()
    assert [(m.registration_id, m.params["session_id"]) for m in survey_mail(db)] == [(people["onsite"].id, morning.id)]


def test_the_mail_carries_the_personal_survey_link(db, app, hearing, clock):
    from eventsvc.mail.delivery import deliver_due

    event, morning, afternoon, people = hearing
    services.send_invitations(clock.now)
    db.session.commit()
    deliver_due(app, clock.now)
    assert {m.status.value for m in survey_mail(db)} == {"sent"}
    import email.policy
    from pathlib import Path

    texts = []
    for path in (Path(app.instance_path) / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        texts += [part.get_content() for part in message.walk() if part.get_content_type() == "text/plain"]
    assert any("http://testserver" + survey_url(people["onsite"], morning) in text for text in texts)
    assert any("http://testserver" + survey_url(people["online"], morning) in text for text in texts)


# ---- the results --------------------------------------------------------------------------

def test_results_match_hand_computed_numbers_by_sector_and_mode(db, hearing, make_event, staff, organizer):
    event, morning, afternoon, people = hearing
    # Six more people: who took part how, their sector, their overall and content ratings, per session.
    extra = [register(db, event, 10 + n, sector=sector, attendance=mode)
             for n, (sector, mode) in enumerate([("government", "onsite"), ("academic", "online"),
                                                 ("private", "onsite"), ("academic", "onsite"),
                                                 ("government", "online"), ("public", "online")])]
    for registration in extra:
        if registration.attendance.value == "onsite":
            check_in(db, registration, morning, staff)
        else:
            join_online(db, registration, morning)
    check_in(db, reload(db, people["onsite"]), afternoon, staff)
    services.save_survey(event, {"standard": ["content", "suggestions"], "target_percent": 60}, actor=organizer)
    db.session.commit()
    answers = [  # (registration, session, overall, content, suggestion)
        (people["onsite"], morning, 5, 4, "ดีมาก"),     # government, onsite
        (people["online"], morning, 3, 2, ""),           # private, online
        (extra[0], morning, 4, 5, ""),                    # government, onsite
        (extra[1], morning, 2, None, "เสียงไม่ชัด"),     # academic, online
        (extra[2], morning, 5, 3, ""),                    # private, onsite
        (extra[3], morning, 1, 1, ""),                    # academic, onsite
        (people["onsite"], afternoon, 4, None, ""),       # government, onsite, afternoon
    ]  # extra[4] and extra[5] took part in the morning and did not answer
    for registration, session, overall, content, text in answers:
        data = {"overall": overall, "content": content, "suggestions": text}
        services.submit_response(reload(db, registration), session, data, actor=None,
                                 now=session.ends_at + timedelta(hours=2))
        db.session.commit()
    results = services.survey_results(reload(db, event))
    # 7 answers; took part: 8 in the morning (the 2 fixtures + 6 extra), 1 in the afternoon.
    assert (results["answers"], results["took_part"]) == (7, 9)
    assert results["response_rate"] == round(100 * 7 / 9, 1)
    # Satisfied: 5, 4, 5, 4 -> 4 of 7 = 57.1 %, under the target of 60.
    assert (results["satisfied"], results["satisfied_share"], results["target_percent"], results["met"]) == \
        (4, 57.1, 60, False)
    assert results["by_sector"] == {
        "government": {"answers": 3, "satisfied": 3, "satisfied_share": 100.0},
        "private": {"answers": 2, "satisfied": 1, "satisfied_share": 50.0},
        "academic": {"answers": 2, "satisfied": 0, "satisfied_share": 0.0},
    }
    assert results["by_mode"] == {
        "onsite": {"answers": 5, "satisfied": 4, "satisfied_share": 80.0},
        "online": {"answers": 2, "satisfied": 0, "satisfied_share": 0.0},
    }
    by_session = {s["session_id"]: s for s in results["per_session"]}
    assert (by_session[morning.id]["took_part"], by_session[morning.id]["answers"],
            by_session[morning.id]["satisfied_share"], by_session[morning.id]["met"]) == (8, 6, 50.0, False)
    assert (by_session[afternoon.id]["took_part"], by_session[afternoon.id]["answers"],
            by_session[afternoon.id]["satisfied_share"], by_session[afternoon.id]["met"]) == (1, 1, 100.0, True)
    # Averages: overall (5+3+4+2+5+1+4)/7 = 3.43; content (4+2+5+3+1)/5 = 3.0.
    assert results["averages"] == {"overall": 3.43, "content": 3.0}
    assert [t["text"] for t in results["free_texts"]] == ["ดีมาก", "เสียงไม่ชัด"]


def test_results_page_shows_the_verdict_in_words_and_no_names(db, client, hearing, login_as, organizer):
    event, morning, afternoon, people = hearing
    services.submit_response(people["onsite"], morning, {"overall": 5, "suggestions": "ขอบคุณครับ"}, actor=None)
    db.session.commit()
    login_as(user=organizer)
    page = client.get(f"/organizer/events/{event.slug}/survey/results")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="verdict"' in html and "100.0%" in html and "ขอบคุณครับ" in html
    assert people["onsite"].first_name not in html and people["onsite"].email not in html
    import re
    verdict = re.search(r'id="verdict">([^<]+)<', html).group(1)
    assert verdict.strip() not in ("", "✓")  # words, not a colour or a sign alone


# ---- the organizer's settings -------------------------------------------------------------

def test_no_survey_row_is_the_standard_set_with_the_default_target(db, app, make_event):
    event = make_event()
    assert [q.key for q in services.questions_of(event)] == list(services.STANDARD)
    assert services.target_of(event) == app.config["SATISFACTION_TARGET_PERCENT"] == 85


def test_the_organizer_sets_the_questions_and_target_and_it_is_audited(db, client, make_event, login_as, organizer):
    event = make_event()
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/survey"
    csrf = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": csrf, "target_percent": "90", "ask_content": "y",
                                      "custom_scale": "ความรู้ที่ได้รับนำไปใช้ได้ | What I learnt is useful",
                                      "custom_text": "สิ่งที่ควรปรับปรุง"})
    assert response.status_code == 302
    survey = db.session.get(Survey, event.id)
    assert survey.target_percent == 90
    assert [q["key"] for q in survey.questions] == ["overall", "content", "q1", "q2"]
    assert survey.questions[2] == {"key": "q1", "kind": "scale", "label_th": "ความรู้ที่ได้รับนำไปใช้ได้",
                                   "label_en": "What I learnt is useful"}
    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "survey.changed")).all()
    assert entry.changes["target_percent"] == [None, 90]
    trail = client.get(f"/organizer/events/{event.slug}/audit?family=survey")
    assert trail.status_code == 200 and f'value="survey" selected' in trail.get_data(as_text=True).replace(
        'selected=""', "selected").replace('selected="selected"', "selected")
    # Bad settings: a field error, nothing changed.
    for bad in ({"target_percent": "0"}, {"target_percent": "80", "custom_scale": "ข้อ\x07หนึ่ง"},
                {"target_percent": "80", "custom_text": "ก" * 301}):
        response = client.post(url, data={"csrf_token": csrf, **bad})
        assert response.status_code == 422, bad
    assert reload(db, survey).target_percent == 90


@pytest.mark.parametrize("field, text, number, says", [
    ("custom_scale", "|", 1, "Thai wording"),
    ("custom_scale", "ความรู้ที่ได้รับ | Knowledge\n| Only English", 2, "Thai wording"),
    ("custom_text", "ข้อเสนออื่น |", 1, "nothing after"),
])
def test_a_custom_line_with_an_empty_side_of_the_bar_gets_a_field_error_naming_the_line(
        db, client, make_event, login_as, organizer, field, text, number, says):
    event = make_event()
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/survey?lang=en"
    csrf = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": csrf, "target_percent": "80", field: text})
    assert response.status_code == 422
    [message] = field_errors(response.get_data(as_text=True), field)
    assert f"Line {number} " in message and says in message
    assert db.session.get(Survey, event.id) is None  # nothing saved


def test_a_custom_line_without_the_bar_is_a_question_in_thai_only_as_the_hint_says(db, client, make_event, login_as,
                                                                                  organizer):
    event = make_event()
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/survey?lang=en"
    page = client.get(url).get_data(as_text=True)
    assert 'the part before "|" is the Thai wording' in page.replace("&#34;", '"').replace("&quot;", '"')
    response = client.post(url, data={"csrf_token": csrf_from(page), "target_percent": "80",
                                      "custom_scale": "Only English question"})
    assert response.status_code == 302
    custom = db.session.get(Survey, event.id).questions[-1]
    assert (custom["label_th"], custom["label_en"]) == ("Only English question", "")


def test_the_explanation_of_the_scale_describes_every_scale_question(db, client, hearing):
    event, morning, afternoon, people = hearing
    html = client.get(survey_url(people["onsite"], morning)).get_data(as_text=True)
    assert 'id="survey-scale"' in html
    fieldsets = re.findall(r"<fieldset[^>]*>", html)
    described_by = [re.search(r'aria-describedby="([^"]*)"', tag) for tag in fieldsets]
    assert fieldsets and all(found and "survey-scale" in found.group(1).split() for found in described_by)
    answer = post_answers(client, people["onsite"], morning, {"q_overall": "9"})
    tag = re.search(r'<fieldset[^>]*id="q_overall"[^>]*>', answer.get_data(as_text=True)).group(0)
    assert 'aria-describedby="q_overall-error survey-scale"' in tag  # the error first


def test_a_custom_question_keeps_its_key_while_its_thai_label_is_unchanged(db, make_event, organizer):
    event = make_event()
    services.save_survey(event, {"custom": [{"kind": "scale", "label_th": "ก"}, {"kind": "text", "label_th": "ข"}]},
                         actor=organizer)
    services.save_survey(event, {"custom": [{"kind": "text", "label_th": "ข", "label_en": "B"},
                                            {"kind": "scale", "label_th": "ค"}]}, actor=organizer)
    assert [(q.key, q.label_th) for q in services.questions_of(event)] == [("overall", ""), ("q2", "ข"), ("q3", "ค")]
    with pytest.raises(ValidationFailed):
        services.save_survey(event, {"custom": [{"kind": "scale", "label_th": "ซ้ำ"}, {"label_th": "ซ้ำ"}]},
                             actor=organizer)


def test_a_viewer_sees_the_results_but_may_not_change_the_survey(db, client, make_event, login_as, make_user):
    from eventsvc.accounts.models import Role

    event = make_event()
    viewer = make_user(Role.organizer, "viewer@example.org")
    add_member(db, event, viewer, "viewer")
    login_as(user=viewer)
    assert client.get(f"/organizer/events/{event.slug}/survey/results").status_code == 200
    assert client.get(f"/organizer/events/{event.slug}/survey").status_code == 403


# ---- personal data -------------------------------------------------------------------------

def test_the_answers_are_in_the_data_download_and_stay_anonymous_after_erasure(db, hearing):
    event, morning, afternoon, people = hearing
    onsite = people["onsite"]
    services.submit_response(onsite, morning, {"overall": 4, "suggestions": "ควรมีล่ามภาษามือ"}, actor=None)
    db.session.commit()
    data = privacy.personal_data(reload(db, onsite))
    assert data["survey_answers"][0]["overall"] == 4
    assert data["survey_answers"][0]["answers"] == {"suggestions": "ควรมีล่ามภาษามือ"}
    privacy.erase_registration(onsite)
    db.session.commit()
    [kept] = responses(db)
    assert kept.answers == {"suggestions": "ควรมีล่ามภาษามือ"}
    results = services.survey_results(reload(db, event))
    assert results["answers"] == 1 and results["by_sector"] == {
        "government": {"answers": 1, "satisfied": 1, "satisfied_share": 100.0}}


# ---- the API --------------------------------------------------------------------------------

def test_the_api_gives_the_results_to_the_team(db, client, hearing, api_token):
    event, morning, afternoon, people = hearing
    services.submit_response(people["online"], morning, {"overall": 4, "stream": 2}, actor=None)
    db.session.commit()
    response = client.get(f"/api/v1/events/{event.slug}/survey/results",
                          headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["answers"], body["took_part"], body["satisfied_share"], body["met"]) == (1, 2, 100.0, True)
    assert body["by_mode"]["online"] == {"answers": 1, "satisfied": 1, "satisfied_share": 100.0}
    assert body["averages"]["stream"] == 2.0
    assert client.get(f"/api/v1/events/{event.slug}/survey/results").status_code == 401
