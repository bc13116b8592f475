"""The PDF renderer shared by the report and the certificates: Thai that reads back right, nothing fetched."""
import io
import unicodedata

import pypdf

from eventsvc.pdf import THAI_FONTS, render_pdf

TEXT = "สำนักงานพัฒนารัฐบาลดิจิทัล น้ำใจ ทำงาน การประชุมรับฟังความคิดเห็น"


def _text(pdf):
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_thai_with_sara_am_reads_back_as_written(app):
    with app.app_context():
        pdf = render_pdf(f'<html><body style=\'font-family: {THAI_FONTS}\'><p>{TEXT}</p></body></html>')

    read = unicodedata.normalize("NFKC", _text(pdf))
    assert unicodedata.normalize("NFKC", TEXT) in read
    assert "งำน" not in read  # the า after a ำ is not read back as ำ


def test_only_the_apps_static_files_are_fetched(app, tmp_path):
    outside = tmp_path / "secret.css"
    outside.write_text("p { font-size: 60pt }")
    with app.app_context():
        pdf = render_pdf(f'<html><head><link rel="stylesheet" href="file://{outside}">'
                         '<link rel="stylesheet" href="https://example.org/x.css"></head>'
                         '<body><p>ทดสอบ</p><img src="logo.svg" alt=""></body></html>')
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert "ทดสอบ" in page.extract_text()
    sizes = set()
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: sizes.add(round(size * tm[0])) if text.strip() else None)
    assert 60 not in sizes  # the stylesheet outside static/ was not read


def test_the_pdf_is_tagged_for_screen_readers(app):
    with app.app_context():
        pdf = render_pdf('<html lang="th"><head><title>สรุปผล</title></head><body><h1>สรุปผล</h1><p>ข้อความ</p></body></html>')
    catalog = pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog
