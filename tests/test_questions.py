"""Registration questions: the organizer's page, the form, the API, the exports, the data download and erasure."""
import csv
import io
import json

import lxml.html
import pytest
import sqlalchemy as sa

from conftest import csrf_from, field_errors, person, reload
from eventsvc.audit.models import AuditEntry
from eventsvc.errors import ValidationFailed
from eventsvc.questions import services
from eventsvc.questions.models import RegistrationAnswer, RegistrationQuestion
from eventsvc.registration import services as registration_services
from eventsvc.registration import privacy as registration_privacy
from test_api import assert_error

MEAL = {"kind": "one_choice", "label_th": "อาหารกลางวัน", "label_en": "Lunch", "required": True,
        "choices": [{"th": "อาหารทั่วไป", "en": "Regular"}, {"th": "อาหารมังสวิรัติ", "en": "Vegetarian"},
                    {"th": "อาหารฮาลาล", "en": "Halal"}]}
TOPICS = {"kind": "several_choices", "label_th": "ประเด็นที่สนใจ", "label_en": "Topics of interest",
          "choices": [{"th": "ข้อมูลเปิด", "en": "Open data"}, {"th": "ดิจิทัลไอดี", "en": "Digital ID"}]}
NEEDS = {"kind": "long_text", "label_th": "ความต้องการพิเศษ", "label_en": "Special needs"}
UNIT = {"kind": "short_text", "label_th": "หน่วยงานย่อย", "label_en": "Division"}


@pytest.fixture
def asked(db, make_event, organizer):
    """A published event asking four questions: (event, {name: question})."""
    event = make_event()
    questions = {name: services.add_question(event, spec, actor=organizer)
                 for name, spec in (("meal", MEAL), ("topics", TOPICS), ("needs", NEEDS), ("unit", UNIT))}
    db.session.commit()
    return event, questions


def keys(question):
    return [c["key"] for c in question.choices]


def answers_of(db, registration):
    return {a.question_id: (a.text, a.choices) for a in db.session.scalars(
        sa.select(RegistrationAnswer).where(RegistrationAnswer.registration_id == registration.id))}


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# ---- the organizer's questions --------------------------------------------------------------

@pytest.mark.parametrize("spec, field", [
    ({**MEAL, "choices": []}, "choices"),
    ({**TOPICS, "choices": [{"th": "  ", "en": "x"}]}, "choices.0.th"),
    ({**MEAL, "choices": [{"th": "อย่างเดียว"}]}, "choices"),
    ({**MEAL, "choices": [{"th": "ซ้ำ"}, {"th": "ซ้ำ"}]}, "choices.1.th"),
    ({**UNIT, "kind": "essay"}, "kind"),
    ({**UNIT, "label_th": ""}, "label_th"),
    ({**UNIT, "label_th": "บรรทัด\nใหม่"}, "label_th"),
    ({**UNIT, "required": "yes"}, "required"),
])
def test_a_bad_question_is_a_field_error_and_nothing_is_written(db, make_event, organizer, spec, field):
    event = make_event()
    entries = count(db, AuditEntry)  # the event's own (created, published)
    with pytest.raises(ValidationFailed) as refused:
        services.add_question(event, spec, actor=organizer)
    assert field in refused.value.fields
    db.session.rollback()
    assert count(db, RegistrationQuestion) == 0 and count(db, AuditEntry) == entries


def test_the_organizer_adds_reorders_edits_and_removes_questions_on_their_page(db, client, login_as, organizer,
                                                                              make_event):
    event = make_event()
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/questions"
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(html), "kind": "one_choice", "label_th": "อาหาร",
                                      "label_en": "Meal", "required": "y", "choices": "ทั่วไป | Regular\nมังสวิรัติ | Vegetarian"})
    assert response.status_code == 302
    client.post(url, data={"csrf_token": csrf_from(html), "kind": "short_text", "label_th": "หน่วยงานย่อย"})
    meal, unit = services.questions_of(event)
    assert meal.choices == [{"key": "c1", "th": "ทั่วไป", "en": "Regular"},
                            {"key": "c2", "th": "มังสวิรัติ", "en": "Vegetarian"}] and meal.required

    assert client.post(f"{url}/{unit.id}/up", data={"csrf_token": csrf_from(html)}).status_code == 302
    db.session.rollback()
    assert [q.id for q in services.questions_of(event)] == [unit.id, meal.id]

    # A label corrected and a choice added: the others keep their keys.
    edit = client.get(f"{url}/{meal.id}/edit").get_data(as_text=True)
    assert "ทั่วไป | Regular" in edit
    client.post(f"{url}/{meal.id}/edit", data={"csrf_token": csrf_from(edit), "kind": "one_choice", "label_th": "อาหาร",
                                                "choices": "มังสวิรัติ | Vegetarian meal\nทั่วไป | Regular\nฮาลาล | Halal"})
    assert reload(db, meal).choices == [{"key": "c2", "th": "มังสวิรัติ", "en": "Vegetarian meal"},
                                        {"key": "c1", "th": "ทั่วไป", "en": "Regular"},
                                        {"key": "c3", "th": "ฮาลาล", "en": "Halal"}]

    assert client.post(f"{url}/{unit.id}/remove", data={"csrf_token": csrf_from(html)}).status_code == 302
    db.session.rollback()
    assert [q.id for q in services.questions_of(event, with_removed=True)] == [meal.id]  # never answered: gone
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.event_id == event.id,
                                                                    AuditEntry.action.startswith("question."))
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["question.added", "question.added", "question.moved", "question.changed", "question.removed"]


def test_a_choice_question_without_choices_is_shown_again_with_the_error(db, client, login_as, organizer, make_event):
    event = make_event()
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/questions"
    html = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": csrf_from(html), "kind": "several_choices", "label_th": "ประเด็น"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "choices")
    assert count(db, RegistrationQuestion) == 0


def test_a_question_answered_already_is_hidden_when_removed_and_its_answers_stay(db, asked, organizer):
    event, q = asked
    registration_services.register(event, person(1, answers={str(q["meal"].id): keys(q["meal"])[1]}))
    assert services.remove_question(q["meal"], actor=organizer) is True
    db.session.commit()
    assert q["meal"].id not in [x.id for x in services.questions_of(event)]
    assert count(db, RegistrationAnswer) == 1
    # No longer asked: registering without it is fine.
    assert registration_services.register(event, person(2)).created


def test_a_viewer_cannot_change_questions(db, client, login_as, make_event, make_user):
    from conftest import add_member

    event = make_event()
    viewer = login_as("organizer")
    add_member(db, event, viewer, "viewer")
    assert client.get(f"/organizer/events/{event.slug}/questions").status_code == 403


# ---- answers --------------------------------------------------------------------------------

def test_answers_are_kept_by_the_choices_keys(db, asked):
    event, q = asked
    result = registration_services.register(event, person(1, answers={
        str(q["meal"].id): keys(q["meal"])[2], str(q["topics"].id): keys(q["topics"]),
        str(q["needs"].id): "ต้องการล่ามภาษามือ\nและทางลาด", str(q["unit"].id): "  กองแผนงาน "}))
    db.session.commit()
    assert answers_of(db, result.registration) == {
        q["meal"].id: ("", ["c3"]), q["topics"].id: ("", ["c1", "c2"]),
        q["needs"].id: ("ต้องการล่ามภาษามือ\nและทางลาด", []), q["unit"].id: ("กองแผนงาน", [])}


@pytest.mark.parametrize("answer, message", [
    ({"meal": "c9"}, "Not one of the choices."),
    ({"meal": ["c1"]}, "Not one of the choices."),
    ({"topics": ["c1", "nope"]}, "Not one of the choices."),
    ({"unit": "x" * 301}, "At most 300 characters."),
    ({"needs": "x" * 3001}, "At most 3000 characters."),
    ({"unit": "two\nlines"}, "Line breaks and control characters are not allowed."),
    ({"unit": 12}, "Must be text."),
    ({"meal": ""}, "This question needs an answer."),
])
def test_a_bad_answer_in_the_api_is_a_422_on_its_field_and_nothing_is_written(db, client, asked, answer, message):
    event, q = asked
    answers = {str(q["meal"].id): "c1"}
    answers.update({str(q[name].id): value for name, value in answer.items()})
    [(name, _value)] = answer.items()
    body = {**person(1), "answers": answers}
    error = assert_error(client.post(f"/api/v1/events/{event.slug}/registrations", json=body,
                                     headers={"Accept-Language": "en"}), 422, "invalid")
    assert error["fields"] == {f"answers.{q[name].id}": [message]}
    assert count(db, RegistrationAnswer) == 0 and registration_services.counts_by_status(event)["confirmed"] == 0


def test_an_answer_to_a_question_of_another_event_is_refused(db, client, asked, make_event, organizer):
    event, q = asked
    other = make_event()
    foreign = services.add_question(other, UNIT, actor=organizer)
    db.session.commit()
    body = {**person(1), "answers": {str(q["meal"].id): "c1", str(foreign.id): "x"}}
    error = assert_error(client.post(f"/api/v1/events/{event.slug}/registrations", json=body,
                                     headers={"Accept-Language": "en"}), 422, "invalid")
    assert error["fields"] == {f"answers.{foreign.id}": ["Not a question of this event."]}


def test_the_api_shows_the_questions_and_takes_the_answers(db, client, asked):
    event, q = asked
    shown = client.get(f"/api/v1/events/{event.slug}").get_json()["questions"]
    assert [x["id"] for x in shown] == [q[n].id for n in ("meal", "topics", "needs", "unit")]
    assert shown[0] == {"id": q["meal"].id, "kind": "one_choice", "label_th": "อาหารกลางวัน", "label_en": "Lunch",
                        "required": True, "choices": [{"key": "c1", "th": "อาหารทั่วไป", "en": "Regular"},
                                                      {"key": "c2", "th": "อาหารมังสวิรัติ", "en": "Vegetarian"},
                                                      {"key": "c3", "th": "อาหารฮาลาล", "en": "Halal"}]}
    body = {**person(1), "answers": {str(q["meal"].id): "c2", str(q["topics"].id): ["c2"]}}
    response = client.post(f"/api/v1/events/{event.slug}/registrations", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    [registration] = db.session.scalars(registration_services.registrations_for(event)).all()
    assert answers_of(db, registration) == {q["meal"].id: ("", ["c2"]), q["topics"].id: ("", ["c2"])}
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "answers" in spec["RegistrationIn"]["properties"] and "questions" not in spec["EventOut"]["properties"]
    assert spec["EventDetailOut"]["properties"]["questions"]["items"] == {"$ref": "#/components/schemas/QuestionOut"}


def test_the_form_asks_the_questions_and_says_what_is_wrong_with_an_answer(db, client, asked):
    event, q = asked
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "อาหารมังสวิรัติ" in html and f'name="answer_{q["needs"].id}"' in html
    form = {**{k: v for k, v in person(1).items() if k not in ("consent_processing", "consent_listing")},
            "consent_processing": "y", "sessions": [s.id for s in event.sessions],
            "submission_key": "k" * 22, "csrf_token": csrf_from(html), f"answer_{q['unit'].id}": "x" * 301}
    response = client.post(f"/events/{event.slug}/register", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(page, f"answer_{q['meal'].id}") and field_errors(page, f"answer_{q['unit'].id}")
    assert 'id="error-summary"' in page and f'href="#answer_{q["meal"].id}"' in page
    assert registration_services.counts_by_status(event)["confirmed"] == 0

    form.update({f"answer_{q['unit'].id}": "กองแผนงาน", f"answer_{q['meal'].id}": "c2",
                 f"answer_{q['topics'].id}": ["c1", "c2"]})
    response = client.post(f"/events/{event.slug}/register", data=form)
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.rollback()
    [registration] = db.session.scalars(registration_services.registrations_for(event)).all()
    assert answers_of(db, registration) == {q["meal"].id: ("", ["c2"]), q["topics"].id: ("", ["c1", "c2"]),
                                            q["unit"].id: ("กองแผนงาน", [])}


# ---- exports, the person's data, erasure ------------------------------------------------------

def test_the_exports_have_one_column_per_question_in_words_or_in_codes(db, client, login_as, organizer, asked):
    from openpyxl import load_workbook

    event, q = asked
    registration_services.register(event, person(1, answers={
        str(q["meal"].id): "c2", str(q["topics"].id): ["c1", "c2"], str(q["needs"].id): "=1+1"}))
    registration_services.register(event, person(2, answers={str(q["meal"].id): "c1"}))
    db.session.commit()
    login_as(user=organizer)

    rows = list(csv.reader(io.StringIO(client.get(f"/organizer/events/{event.slug}/registrations.csv")
                                       .get_data().decode("utf-8-sig"))))
    assert rows[0][-4:] == ["อาหารกลางวัน", "ประเด็นที่สนใจ", "ความต้องการพิเศษ", "หน่วยงานย่อย"]
    assert rows[1][-4:] == ["อาหารมังสวิรัติ", "ข้อมูลเปิด; ดิจิทัลไอดี", "'=1+1", ""]
    assert rows[2][-4:] == ["อาหารทั่วไป", "", "", ""]

    english = list(csv.reader(io.StringIO(client.get(f"/organizer/events/{event.slug}/registrations.csv?lang=en")
                                          .get_data().decode("utf-8-sig"))))
    assert english[0][-4:] == ["Lunch", "Topics of interest", "Special needs", "Division"]
    assert english[1][-4:-1] == ["Vegetarian", "Open data; Digital ID", "'=1+1"]

    sheet = load_workbook(io.BytesIO(client.get(f"/organizer/events/{event.slug}/registrations.xlsx?codes=1")
                                     .get_data())).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]]))
    assert row[f"answer_{q['meal'].id}"] == "c2" and row[f"answer_{q['topics'].id}"] == "c1;c2"


def test_the_data_download_has_the_answers_and_erasure_blanks_the_text_and_keeps_the_choices(db, client, asked):
    event, q = asked
    result = registration_services.register(event, person(1, answers={
        str(q["meal"].id): "c3", str(q["needs"].id): "ใช้รถเข็น", str(q["unit"].id): "กองแผนงาน"}))
    db.session.commit()
    data = json.loads(client.get(f"/my/{result.manage_token}/data.json").get_data())
    assert [(a["question_id"], a["text"], [c["key"] for c in a["choices"]]) for a in data["answers"]] == [
        (q["meal"].id, "", ["c3"]), (q["needs"].id, "ใช้รถเข็น", []), (q["unit"].id, "กองแผนงาน", [])]
    assert data["answers"][0]["choices"][0] == {"key": "c3", "th": "อาหารฮาลาล", "en": "Halal"}
    assert set(data) >= {"event", "registration", "consents", "check_ins", "online_joins", "messages"}

    registration_privacy.erase_registration(result.registration)
    db.session.commit()
    assert answers_of(db, result.registration) == {q["meal"].id: ("", ["c3"]), q["needs"].id: ("", []),
                                                   q["unit"].id: ("", [])}
    dump = json.dumps([list(r) for r in db.session.execute(sa.text("SELECT * FROM registration_answers")).all()],
                      ensure_ascii=False)
    assert "ใช้รถเข็น" not in dump and "กองแผนงาน" not in dump


def test_more_answers_than_any_event_asks_are_refused_whole(db, client, asked):
    event, q = asked
    body = {**person(1), "answers": {str(n): "x" for n in range(1, 60)}}
    error = assert_error(client.post(f"/api/v1/events/{event.slug}/registrations", json=body,
                                     headers={"Accept-Language": "en"}), 422, "invalid")
    assert error["fields"] == {"answers": ["At most 50 answers."]}


def test_the_person_changes_their_answers_on_their_page_and_a_bad_one_is_said_on_its_field(db, client, asked):
    event, q = asked
    result = registration_services.register(event, person(1, answers={
        str(q["meal"].id): "c1", str(q["topics"].id): ["c2"], str(q["needs"].id): "ทางลาด"}))
    db.session.commit()
    url = f"/my/{result.manage_token}/edit"
    html = client.get(url).get_data(as_text=True)
    page = lxml.html.fromstring(html)
    assert page.get_element_by_id(f"answer_{q['needs'].id}").text_content().strip() == "ทางลาด"
    assert page.xpath(f'//input[@name="answer_{q["meal"].id}" and @checked]/@value') == ["c1"]
    assert page.xpath(f'//input[@name="answer_{q["topics"].id}" and @checked]/@value') == ["c2"]
    form = {**{k: v for k, v in person(1).items() if k not in ("consent_processing", "consent_listing")},
            "sessions": [s.id for s in event.sessions], "csrf_token": csrf_from(html),
            f"answer_{q['meal'].id}": "c3", f"answer_{q['needs'].id}": "", f"answer_{q['unit'].id}": "สองบรรทัด\x01"}
    response = client.post(url, data=form)
    assert response.status_code == 422 and field_errors(response.get_data(as_text=True), f"answer_{q['unit'].id}")
    form[f"answer_{q['unit'].id}"] = "กองแผนงาน"
    assert client.post(url, data=form).status_code == 302
    db.session.rollback()
    # The topics left unticked: no answer any more; the long text emptied: none either.
    assert answers_of(db, result.registration) == {q["meal"].id: ("", ["c3"]), q["unit"].id: ("กองแผนงาน", [])}


def test_the_registrants_record_shows_their_answers_in_the_readers_language(db, client, login_as, organizer, asked):
    event, q = asked
    result = registration_services.register(event, {**person(1), "answers": {
        str(q["meal"].id): "c3", str(q["topics"].id): ["c1", "c2"], str(q["unit"].id): "กองยุทธศาสตร์"}})
    db.session.commit()
    login_as(user=organizer)
    url = f"/organizer/events/{event.slug}/registrations/{result.registration.id}"
    answers = lxml.html.fromstring(client.get(url).get_data(as_text=True)).get_element_by_id("registrant-answers")
    shown = dict(zip([dt.text_content() for dt in answers.findall("dt")], [dd.text_content() for dd in answers.findall("dd")]))
    assert shown == {"อาหารกลางวัน": "อาหารฮาลาล", "ประเด็นที่สนใจ": "ข้อมูลเปิด; ดิจิทัลไอดี",
                     "หน่วยงานย่อย": "กองยุทธศาสตร์"}  # the question left blank is not there
    english = lxml.html.fromstring(client.get(url + "?lang=en").get_data(as_text=True))
    assert "Halal" in english.get_element_by_id("registrant-answers").text_content()
