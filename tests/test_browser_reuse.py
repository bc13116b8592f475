"""Questions and duplicating in the browser: the organizer's pages and the form with questions, by keyboard, with axe-core."""
import pytest
from playwright.sync_api import expect

from test_accessibility import HEARING_SLUG, VIEWPORTS, _context, assert_accessible, sign_in
from test_browser import browser, live_server  # noqa: F401  (fixtures: one live server and one browser for this module)

pytestmark = pytest.mark.browser


def test_an_organizer_adds_a_choice_question_by_keyboard_and_a_person_answers_it(browser, live_server):
    context = _context(browser, live_server, VIEWPORTS["desktop"])
    try:
        page = context.new_page()
        sign_in(page)
        page.goto(f"/organizer/events/{HEARING_SLUG}")
        page.locator("#questions-link").click()
        assert_accessible(page, "questions page, empty")

        # A choice kind without choices: the error summary takes the focus and links to the field.
        page.locator("#label_th").focus()
        page.keyboard.type("อาหารกลางวัน")
        page.locator("#kind").select_option("one_choice")
        page.locator("#required").check()
        with page.expect_navigation():
            page.locator("#label_th").press("Enter")
        expect(page.locator("#error-summary")).to_be_focused()
        expect(page.locator("#choices")).to_have_attribute("aria-invalid", "true")
        assert_accessible(page, "questions page with errors")

        page.locator("#choices").fill("อาหารทั่วไป | Regular\nอาหารมังสวิรัติ | Vegetarian")
        with page.expect_navigation():
            page.locator("main form button.primary").click()
        expect(page.locator("#questions tbody tr")).to_have_count(1)
        assert_accessible(page, "questions page with a question")

        page.goto(f"/organizer/events/{HEARING_SLUG}/duplicate")
        assert_accessible(page, "duplicate page")

        person = context.new_page()
        person.goto(f"/events/{HEARING_SLUG}/register")
        radios = person.locator("#questions input[type=radio]")
        expect(radios).to_have_count(2)
        with person.expect_navigation():
            person.locator("#register-submit").click()
        expect(person.locator("#error-summary")).to_be_focused()
        question = person.locator("#questions ul")
        expect(question).to_have_attribute("aria-invalid", "true")
        assert_accessible(person, "registration form with a question, with errors")
        radios.nth(1).focus()
        person.keyboard.press("Space")
        expect(radios.nth(1)).to_be_checked()
        person.locator("#first_name").fill("อารีย์")
        person.locator("#last_name").fill("ถามตอบ")
        person.locator("#email").fill("aree.questions@example.org")
        person.locator("#sector").select_option("public")
        if person.locator("#attendance-0").count():  # a hybrid hearing asks how the person attends
            person.locator("#attendance-0").check()
        person.locator("#consent_processing").check()
        with person.expect_navigation():
            person.locator("#register-submit").click()
        person.goto(person.locator("#personal-link").get_attribute("href") + "/edit")
        expect(person.locator("#questions input[type=radio]").nth(1)).to_be_checked()
        assert_accessible(person, "the person's edit page with a question")
    finally:
        context.close()
