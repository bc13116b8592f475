"""The report's PDF lays out well: a session's questions start on the page of its heading, headers do not wrap."""
import io

import pypdf
import pytest

from eventsvc.reports import data
from test_reports import _viewer, hearing  # noqa: F401  (the fixture)

FIRST, SECOND = "คำถามช่วงเช้าข้อที่", "คำถามช่วงบ่ายข้อที่"


def _pages(content):
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def _questions(monkeypatch, before):
    """`before` questions in the morning push the afternoon's heading down the page, one line at a time."""
    def fake(event):
        morning, afternoon = event.sessions
        return [{"session": morning, "questions": [
                    {"body": f"{FIRST} {n} เรื่องการเชื่อมโยงข้อมูลระหว่างหน่วยงาน", "display_name": "", "votes": n,
                     "answered": n % 2 == 0} for n in range(1, before + 1)]},
                {"session": afternoon, "questions": [
                    {"body": f"{SECOND} {n}", "display_name": "", "votes": 1, "answered": False}
                    for n in range(1, 4)]}]
    monkeypatch.setattr(data, "questions_for_report", fake)


# 13 morning questions put the afternoon's heading on the last line of page 2, 3 put the survey's "By sector"
# there (with the fonts of this image); the layout must carry each heading over with its table.
@pytest.mark.parametrize("before", [3, 13])
def test_a_table_heading_is_never_alone_at_the_bottom_of_a_page(db, client, login_as, make_user, hearing,  # noqa: F811
                                                                 monkeypatch, before):
    _viewer(db, login_as, make_user, hearing)
    _questions(monkeypatch, before)
    content = client.get(f"/organizer/events/{hearing.slug}/report.pdf").data
    pages = _pages(content)
    captions = {"ช่วงเช้า", "ช่วงบ่าย", "ตามภาคส่วน", "ตามหน่วยงาน", "ณ สถานที่จัดงานหรือออนไลน์"}
    for number, text in enumerate(pages[:-1], 1):
        lines = [line.strip() for line in text.splitlines()]
        # The running title and the page number come last; list markers of the comments are read as "1.".
        body = [line for line in lines if line and line not in ("1.",) and not line.startswith("หน้า ")
                and line != hearing.title_th]
        assert body[-1] not in captions, (number, body[-3:])
    assert any("ช่วงบ่ายข้อที่ 1 " in text for text in pages)
    # The votes and answered headers on one line each.
    assert all(("ผู้สนับสนุน" in text) for text in pages if "ช่วงบ่ายข้อที่ 1 " in text)
