"""Event descriptions: Markdown paragraphs, lists and links, with nothing an organizer types able to run."""
import re

import pytest

from eventsvc.richtext import render_markdown, sanitize

AGENDA = """การประชุมรับฟังความคิดเห็นต่อ (ร่าง) แผนพัฒนารัฐบาลดิจิทัล

กำหนดการ
- 09:00 ลงทะเบียน
- 09:30 เปิดการประชุม

ขั้นตอน
1. อ่านร่างแผน
2. แสดงความคิดเห็น

ดูร่างแผนได้ที่ [เว็บไซต์สำนักงาน](https://www.dga.or.th/plan) หรือสอบถาม [อีเมล](mailto:plan@dga.or.th)"""


def test_blank_lines_make_paragraphs_and_dashes_make_a_list():
    html = str(render_markdown(AGENDA))
    assert html.count("<p>") == 4
    assert re.search(r"<ul>\s*<li>09:00 ลงทะเบียน</li>\s*<li>09:30 เปิดการประชุม</li>\s*</ul>", html)
    assert re.search(r"<ol>\s*<li>อ่านร่างแผน</li>\s*<li>แสดงความคิดเห็น</li>\s*</ol>", html)
    assert '<a href="https://www.dga.or.th/plan" rel="nofollow noopener">เว็บไซต์สำนักงาน</a>' in html
    assert '<a href="mailto:plan@dga.or.th" rel="nofollow noopener">อีเมล</a>' in html
    assert "target=" not in html  # links open normally


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "ก่อน\n\n<script>alert(1)</script>\n\nหลัง",
    '[คลิก](javascript:alert(1))',
    '[คลิก](JaVaScRiPt:alert(1))',
    '[คลิก](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '<img src=x onerror="alert(1)">',
    '![รูป](https://evil.example/x.png" onerror="alert(1))',
    '<div onclick="alert(1)">กล่อง</div>',
    '<a href="https://evil.example" onmouseover="alert(1)">ลิงก์</a>',
    "<iframe src=https://evil.example></iframe>",
    '<style>body{display:none}</style>',
    "<!-- <script>alert(1)</script> -->",
])
def test_nothing_typed_into_a_description_comes_out_live(text):
    html = str(render_markdown(text))
    tags = re.findall(r"<\s*([a-zA-Z0-9]+)([^>]*)>", html)
    assert {name.lower() for name, _ in tags} <= {"p", "br", "ul", "ol", "li", "a", "strong", "em", "h3", "h4",
                                                   "blockquote", "code"}, html
    for name, attributes in tags:  # the only attribute left anywhere is a link's safe href and rel
        for attribute in re.findall(r"([a-zA-Z-]+)=", attributes):
            assert attribute in ("href", "rel"), html
    assert not re.search(r"href=\"(?!https?:|mailto:)", html), html


@pytest.mark.parametrize("html, left", [
    ("<p>ก่อน</p><script>alert(1)</script>", "<p>ก่อน</p>"),
    ('<p><a href="javascript:alert(1)">คลิก</a></p>', '<p><a rel="nofollow noopener">คลิก</a></p>'),
    ('<p><img src="x" onerror="alert(1)">ข้อความ</p>', "<p>ข้อความ</p>"),
    ('<div onclick="alert(1)"><p>กล่อง</p></div>', "<p>กล่อง</p>"),
    ('<p><a href="https://www.dga.or.th" target="_blank" onclick="x()">ลิงก์</a></p>',
     '<p><a href="https://www.dga.or.th" rel="nofollow noopener">ลิงก์</a></p>'),
])
def test_the_sanitizer_holds_even_if_the_renderer_let_html_through(html, left):
    assert sanitize(html) == left


def test_headings_never_outrank_the_page_s_own():
    html = str(render_markdown("# วาระ\n\n## รายละเอียด"))
    assert "<h3>วาระ</h3>" in html and "<h4>รายละเอียด</h4>" in html and "<h1>" not in html


def test_the_event_page_shows_the_description_in_each_language_as_markdown(db, client, make_event):
    event = make_event(description_th=AGENDA + "\n\n<script>alert('th')</script>",
                       description_en="Agenda\n\n- Registration\n- Opening\n\n<img src=x onerror=alert(1)>")
    thai = client.get(f"/events/{event.slug}").get_data(as_text=True)
    description = thai[thai.index('id="event-description"'):]
    assert "<li>09:00 ลงทะเบียน</li>" in description and "<script>alert" not in thai
    assert "&lt;script&gt;" in description  # shown as the text that was typed, never run
    english = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    description = english[english.index('id="event-description"'):]
    assert "<li>Registration</li>" in description and "<img" not in description
