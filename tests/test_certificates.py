"""Certificates of participation: who gets one, the PDF read back, /verify/<code> for anyone, erasure."""
import io
import string
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from conftest import REDIS_URL, reload
from eventsvc.audit.models import AuditEntry
from eventsvc.certificates import codes, services
from eventsvc.certificates.models import Certificate
from eventsvc.checkin import services as checkin_services
from eventsvc.checkin.models import CheckinMethod
from eventsvc.livestream.services import record_join
from eventsvc.registration import privacy
from eventsvc.registration import services as registration_services


def flip(code, position):
    alphabet = string.ascii_letters + string.digits + "-_"
    replacement = alphabet[(alphabet.index(code[position]) + 1) % len(alphabet)]
    return code[:position] + replacement + code[position + 1:]


@pytest.fixture
def hearing(make_event, clock):
    """A hearing whose morning session starts in an hour (check-in open now) and the afternoon after it."""
    return make_event(starts_in=timedelta(hours=1))


def took_part(db, registration, staff, session_index=0, online=False):
    session = registration.event.sessions[session_index]
    if online:
        record_join(registration, session, session.starts_at)
    else:
        checkin_services.check_in(registration, session, staff, CheckinMethod.search)
    db.session.commit()
    return session


def after(clock, session):
    clock.set(session.ends_at + timedelta(minutes=1))


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    return reader, "".join(page.extract_text() for page in reader.pages)


def issued(db, client, registration, clock, staff):
    session = took_part(db, registration, staff)
    after(clock, session)
    response = client.get(f"/my/{registration.manage_token}/certificate.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return db.session.scalar(sa.select(Certificate).where(Certificate.registration_id == registration.id))


# ---- the code --------------------------------------------------------------------------------

def test_a_forged_certificate_code_is_refused_without_a_query(db, client, hearing, make_registration, staff, clock,
                                                             queries):
    registration = make_registration(hearing)
    certificate = issued(db, client, registration, clock, staff)
    real = certificate.code
    forged = [flip(real, 30), flip(real, 3), real[:43], real + "A", codes.new_code_id() + codes.new_code_id(),
              registration.ticket_code,  # a genuine ticket is not a certificate: the signatures differ
              "A" * 44, "not-a-code"]
    for code in forged:
        with queries() as statements:
            response = client.get(f"/verify/{code}")
        assert response.status_code == 404, code
        assert statements == [], (code, statements)
        assert 'data-valid="no"' in response.get_data(as_text=True)


def test_an_unknown_but_well_signed_code_is_not_valid(app, client):
    with app.test_request_context():
        code = codes.code_for(codes.new_code_id())
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404 and 'data-valid="no"' in response.get_data(as_text=True)


def test_a_real_code_shows_the_name_the_event_and_the_dates_and_nothing_else(db, client, hearing, make_registration,
                                                                             staff, clock):
    registration = make_registration(hearing, phone="0899999999")
    certificate = issued(db, client, registration, clock, staff)
    response = client.get(f"/verify/{certificate.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-valid="yes"' in html
    assert "นายสมชาย1 ใจดี" in html and hearing.title_th in html
    morning = hearing.sessions[0].starts_at
    from eventsvc.timefmt import format_day
    assert format_day(morning, "th") in html and str(morning.year + 543) in html
    assert registration.email not in html and "0899999999" not in html and registration.organization not in html
    assert response.headers["Cache-Control"].startswith("no-store") or "private" in response.headers["Cache-Control"]


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_CERTIFICATE="3 per minute")
def test_wrong_codes_are_rate_limited_per_address(db, client, hearing, make_registration, staff, clock):
    registration = make_registration(hearing)
    certificate = issued(db, client, registration, clock, staff)
    for n in range(3):
        assert client.get(f"/verify/{flip(certificate.code, 30 + n)}").status_code == 404
    refused = client.get(f"/verify/{flip(certificate.code, 40)}")
    assert refused.status_code == 429 and refused.headers.get("Retry-After")
    # Beyond the limit a right code is refused too, else the answers would tell the guess that worked.
    assert client.get(f"/verify/{certificate.code}").status_code == 429
    other = client.get(f"/verify/{certificate.code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


# ---- the PDF ---------------------------------------------------------------------------------

def test_the_pdf_carries_the_thai_name_and_title_with_its_fonts_embedded(db, client, hearing, make_registration,
                                                                        staff, clock):
    registration = make_registration(hearing)
    session = took_part(db, registration, staff)
    after(clock, session)
    response = client.get(f"/my/{registration.manage_token}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    reader, text = pdf_text(response.data)
    compact = text.replace("\n", "").replace(" ", "")
    assert "สมชาย1" in compact and "ใจดี" in compact
    assert hearing.title_th.replace(" ", "") in compact
    assert "หนังสือรับรองการเข้าร่วม" in compact
    assert str(session.starts_at.year + 543) in text          # the Buddhist era
    certificate = db.session.scalar(sa.select(Certificate))
    assert certificate.code in compact                        # the code printed (in groups), and the URL beside the QR
    assert "http://testserver/verify" in compact            # the page with a field to type the code
    page = reader.pages[0]
    assert len(reader.pages) == 1
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    assert round(float(page.mediabox.width)) == 842                  # A4
    fonts = []
    for font in page["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)["/FontDescriptor"]
        fonts.append((font["/BaseFont"], any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))))
    assert fonts and all(embedded for _, embedded in fonts), fonts
    assert any("Arundina" in str(name) for name, _ in fonts), fonts


def test_an_english_registrant_gets_an_english_certificate_with_the_gregorian_year(db, client, hearing,
                                                                                  make_registration, staff, clock):
    registration = make_registration(hearing)
    registration.locale = "en"
    db.session.commit()
    session = took_part(db, registration, staff, online=True)
    after(clock, session)
    _, text = pdf_text(client.get(f"/my/{registration.manage_token}/certificate.pdf").data)
    assert "Certificate of participation" in text and hearing.title_en in text
    assert str(session.starts_at.year) in text and str(session.starts_at.year + 543) not in text
    assert "online" in text


# ---- who gets one ----------------------------------------------------------------------------

def test_someone_who_did_not_take_part_is_refused_with_a_clear_message(db, client, hearing, make_registration, clock):
    registration = make_registration(hearing)
    after(clock, hearing.sessions[1])
    response = client.get(f"/my/{registration.manage_token}/certificate.pdf")
    assert response.status_code == 404
    assert "หนังสือรับรองการเข้าร่วมออกให้แก่ผู้ที่ได้เข้าร่วม" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    assert 'id="certificate"' not in client.get(f"/my/{registration.manage_token}").get_data(as_text=True)


def test_an_undone_check_in_does_not_count(db, client, hearing, make_registration, staff, clock):
    registration = make_registration(hearing)
    session = took_part(db, registration, staff)
    checkin_services.undo_check_in(registration, session, staff)
    db.session.commit()
    after(clock, session)
    assert client.get(f"/my/{registration.manage_token}/certificate.pdf").status_code == 404


def test_the_certificate_comes_once_the_session_taken_part_in_has_ended(db, client, hearing, make_registration,
                                                                        staff, clock):
    registration = make_registration(hearing)
    session = took_part(db, registration, staff)
    page = client.get(f"/my/{registration.manage_token}").get_data(as_text=True)
    assert 'id="certificate-pending"' in page and 'id="certificate-download"' not in page
    assert client.get(f"/my/{registration.manage_token}/certificate.pdf").status_code == 404
    after(clock, session)
    page = client.get(f"/my/{registration.manage_token}").get_data(as_text=True)
    assert 'id="certificate-download"' in page
    assert client.get(f"/my/{registration.manage_token}/certificate.pdf").status_code == 200


def test_an_online_join_counts(db, client, hearing, make_registration, staff, clock):
    registration = make_registration(hearing, attendance="online")
    session = took_part(db, registration, staff, session_index=1, online=True)
    after(clock, session)
    assert client.get(f"/my/{registration.manage_token}/certificate.pdf").status_code == 200
    [attended] = services.attended(reload(db, registration))
    assert attended.session.id == session.id and attended.online and not attended.onsite


def test_a_cancelled_event_keeps_the_sessions_that_took_place_before(db, client, hearing, make_registration, staff,
                                                                      clock, organizer):
    from eventsvc.events import services as event_services

    registration = make_registration(hearing)
    morning = took_part(db, registration, staff, 0)
    took_part(db, registration, staff, 1, online=True)
    after(clock, morning)  # between the sessions: the afternoon never takes place
    event_services.cancel_event(reload(db, hearing), "น้ำท่วม", actor=organizer)
    db.session.commit()
    clock.move(timedelta(days=1))
    sessions = services.attended(reload(db, registration))
    assert [a.session.id for a in sessions] == [morning.id]
    assert client.get(f"/my/{registration.manage_token}/certificate.pdf").status_code == 200


def test_a_cancelled_registration_that_took_part_keeps_its_certificate(db, client, hearing, make_registration, staff,
                                                                       clock):
    registration = make_registration(hearing)
    session = took_part(db, registration, staff)
    registration_services.cancel_registration(reload(db, registration), actor=None)
    db.session.commit()
    after(clock, session)
    assert client.get(f"/my/{registration.manage_token}/certificate.pdf").status_code == 200


# ---- issued once, audited, in the person's data ---------------------------------------------------

def test_the_certificate_is_issued_once_and_audited_once(db, client, hearing, make_registration, staff, clock):
    registration = make_registration(hearing)
    first = issued(db, client, registration, clock, staff)
    assert client.get(f"/my/{registration.manage_token}/certificate.pdf").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "certificate.issued")).all()
    assert len(entries) == 1 and entries[0].registration_id == registration.id
    assert entries[0].target_id == first.id and entries[0].actor_kind.value == "registrant"


# PostgreSQL only (not a skip): on SQLite the download begins IMMEDIATE, so two of them queue (the threaded test below).
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_row_made_by_a_concurrent_download_is_read_back_not_duplicated(db, backend, hearing, make_registration,
                                                                          staff, clock):
    """The losing INSERT of two downloads at once does nothing (ON CONFLICT) and reads the winner's row."""
    registration = make_registration(hearing)
    session = took_part(db, registration, staff)
    after(clock, session)
    original = services.existing
    winner = {}

    def raced(registration_):
        found = original(registration_)
        if found is None and not winner:  # the other download commits its row between our look and our INSERT
            with db.engine.begin() as other:
                other.execute(sa.insert(Certificate.__table__).values(
                    registration_id=registration_.id, code_id=codes.new_code_id(), issued_at=clock()))
            winner["done"] = True
        return found

    services.existing = raced
    try:
        certificate = services.issue(reload(db, registration), actor=None)
        db.session.commit()
    finally:
        services.existing = original
    assert winner and certificate is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "certificate.issued")) == 0


def test_erasure_keeps_the_certificate_but_not_the_name(db, client, hearing, make_registration, staff, clock):
    registration = make_registration(hearing)
    certificate = issued(db, client, registration, clock, staff)
    code = certificate.code
    data = privacy.personal_data(reload(db, registration))
    assert data["certificate"]["code"] == code and data["certificate"]["issued_at"]
    privacy.erase_registration(reload(db, registration))
    db.session.commit()
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-valid="erased"' in html
    assert "สมชาย1" not in html and "ใจดี" not in html
    assert hearing.title_th in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1


def test_the_organizer_downloads_a_persons_certificate(db, client, hearing, make_registration, staff, clock,
                                                       login_as, organizer):
    registration = make_registration(hearing)
    session = took_part(db, registration, staff)
    after(clock, session)
    url = f"/organizer/events/{hearing.slug}/registrations/{registration.id}/certificate.pdf"
    login_as(user=organizer)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "certificate.issued"))
    assert entry.actor_user_id == organizer.id
    assert client.get(url).status_code == 200
    db.session.rollback()  # a new snapshot: the second download's entry
    exports = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export.downloaded")).all()
    assert [(e.data["kind"], e.registration_id, e.actor_user_id) for e in exports] == [
        ("certificate", registration.id, organizer.id)] * 2


def test_door_staff_may_not_download_a_persons_certificate(db, client, hearing, make_registration, staff, clock,
                                                          login_as):
    registration = make_registration(hearing)
    after(clock, took_part(db, registration, staff))
    login_as(user=staff)
    url = f"/organizer/events/{hearing.slug}/registrations/{registration.id}/certificate.pdf"
    assert client.get(url).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_downloads_at_the_same_time_make_one_certificate(app, db, hearing, make_registration, staff, clock):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    registration = make_registration(hearing)
    after(clock, took_part(db, registration, staff))
    url = f"/my/{registration.manage_token}/certificate.pdf"
    barrier = Barrier(6)

    def download(_):
        client = app.test_client()
        barrier.wait()
        return client.get(url).status_code

    with ThreadPoolExecutor(6) as pool:
        statuses = list(pool.map(download, range(6)))
    assert statuses == [200] * 6
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "certificate.issued")) == 1


def test_the_qr_code_printed_on_the_certificate_opens_its_verify_page(db, client, hearing, make_registration, staff,
                                                                     clock, tmp_path):
    """The page drawn to pixels (poppler's pdftoppm) and read by a real QR decoder (zbar)."""
    import shutil
    import subprocess

    from qr_decode import decode

    if shutil.which("pdftoppm") is None:
        pytest.skip("needs poppler-utils (pdftoppm)")
    registration = make_registration(hearing)
    certificate = issued(db, client, registration, clock, staff)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(client.get(f"/my/{registration.manage_token}/certificate.pdf").data)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    url = decode((tmp_path / "page.png").read_bytes())
    assert url == f"http://testserver/verify/{certificate.code}"
    assert client.get(url.removeprefix("http://testserver")).status_code == 200


@pytest.mark.skipif(not REDIS_URL, reason="needs EVENTSVC_TEST_REDIS_URL (CI sets it)")
def test_wrong_codes_are_counted_in_redis(db, client, app, hearing, make_registration, staff, clock):
    import uuid

    from eventsvc import create_app

    registration = make_registration(hearing)
    code = issued(db, client, registration, clock, staff).code
    shared = dict(app.config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_CERTIFICATE="3 per minute",
                  RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    # Two app instances (two workers) share the count through Redis.
    first, second = create_app(shared).test_client(), create_app(shared).test_client()
    assert [first.get(f"/verify/{flip(code, 30 + n)}").status_code for n in range(2)] == [404, 404]
    assert second.get(f"/verify/{flip(code, 40)}").status_code == 404
    assert first.get(f"/verify/{flip(code, 41)}").status_code == 429


@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_CERTIFICATE="2 per minute",
                        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
def test_with_the_limit_storage_down_wrong_codes_are_still_counted_and_right_ones_answered(
        app, db, client, hearing, make_registration, staff, clock):
    import uuid

    # The in-process count outlives the app (as in a worker): a key of this test's own.
    app.config["RATELIMIT_KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    registration = make_registration(hearing)
    code = issued(db, client, registration, clock, staff).code
    assert client.get(f"/verify/{code}").status_code == 200
    assert [client.get(f"/verify/{flip(code, 30 + n)}").status_code for n in range(3)] == [404, 404, 429]


# ---- the code as printed, and typed back (tryout findings) ---------------------------------------

LONG_TITLE = ("การรับฟังความคิดเห็นต่อร่างพระราชบัญญัติการพัฒนาโครงสร้างพื้นฐานดิจิทัลและการคุ้มครองข้อมูลส่วนบุคคล"
              "ของประเทศไทย ระยะที่ 2 พ.ศ. 2570–2575 สำหรับหน่วยงานของรัฐ ภาคเอกชน และภาคประชาสังคมทั่วประเทศไทย")


def with_dashes(db, certificate):
    """Give the certificate an id with '-' and '_' in it (as a random one often has): where the tryout's code wrapped."""
    certificate.code_id = "Nb-Sq_MUWKH6FXJlewiv-Q"
    db.session.commit()
    return certificate


def _positions(reader):
    """(x, y, text) of every piece of text on the first page, in PDF points from the bottom left."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y, text))

    reader.pages[0].extract_text(visitor_text=visit)
    return found


def test_the_code_is_printed_whole_on_one_line_in_groups_and_read_back_with_or_without_spaces(
        db, client, hearing, make_registration, staff, clock):
    registration = make_registration(hearing)
    certificate = with_dashes(db, issued(db, client, registration, clock, staff))
    reader, text = pdf_text(client.get(f"/my/{registration.manage_token}/certificate.pdf").data)
    printed = codes.grouped(certificate.code)
    assert printed.replace(" ", "") == certificate.code and printed.count(" ") == 10
    # One line holds the whole code (never wrapped at its own '-'), and the short form URL is beside it.
    assert any(printed in line for line in text.splitlines()), text
    assert "http://testserver/verify" in text
    for typed in (printed, certificate.code, f"  {printed}\n", printed.replace(" ", "\u00a0")):
        response = client.get("/verify/" + typed.replace("\n", "%0A"))
        assert response.status_code == 200 and 'data-valid="yes"' in response.get_data(as_text=True), repr(typed)
        response = client.get("/verify", query_string={"code": typed})
        assert response.status_code == 200 and 'data-valid="yes"' in response.get_data(as_text=True), repr(typed)
    # The '-' and '_' are the code's own: dropping them gives a different (refused) code.
    assert client.get("/verify/" + certificate.code.replace("-", "").replace("_", "")).status_code == 404


def test_a_forged_code_typed_in_groups_still_costs_no_query(db, client, hearing, make_registration, staff, clock,
                                                           queries):
    registration = make_registration(hearing)
    certificate = issued(db, client, registration, clock, staff)
    for typed in (codes.grouped(flip(certificate.code, 30)), "x" * 5000, " ", codes.grouped("A" * 44)):
        with queries() as statements:
            response = client.get("/verify", query_string={"code": typed})
        assert response.status_code in (400, 404), typed[:50]
        assert statements == [], (typed[:50], statements)


def test_verify_has_a_field_to_type_a_code_and_not_valid_offers_to_try_again(client):
    page = client.get("/verify")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="verify-form"' in html and 'name="code"' in html
    assert 'method="get"' in html and 'for="verify-code"' in html and 'data-valid' not in html
    empty = client.get("/verify?code=+")
    assert empty.status_code == 400 and 'id="verify-code-error"' in empty.get_data(as_text=True)
    wrong = client.get("/verify", query_string={"code": "AbCd EfGh <b>"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 404 and 'data-valid="no"' in html
    assert 'id="try-again"' in html and 'id="verify-form"' in html
    assert 'value="AbCd EfGh &lt;b&gt;"' in html                   # kept to correct, escaped
    control = client.get("/verify", query_string={"code": "AbCd\x1b\x7fEf"})
    assert control.status_code in (400, 404) and "\x1b" not in control.get_data(as_text=True)  # not echoed back
    assert 'id="verify-form"' in client.get("/verify/not-a-code").get_data(as_text=True)


def test_no_certificate_yet_links_back_to_the_persons_own_page(db, client, hearing, make_registration, staff):
    registration = make_registration(hearing)
    took_part(db, registration, staff)                             # the session has not ended
    response = client.get(f"/my/{registration.manage_token}/certificate.pdf")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f'href="/my/{registration.manage_token}"' in html and 'id="back-to-my-page"' in html


@pytest.mark.app_config(BASE_URL="https://hearings.digital-government.example.go.th:8443")
def test_a_long_thai_title_and_name_stay_on_one_page_inside_the_frame(db, client, make_event, make_registration,
                                                                      staff, clock, tmp_path):
    event = make_event(starts_in=timedelta(hours=1), title_th=LONG_TITLE)
    registration = make_registration(event, first_name="วรรณวิศาลักษณ์ศรีสุวรรณประเสริฐ",
                                     last_name="ณ อยุธยาศักดิ์สิทธิ์ประเสริฐวงศ์สกุลไทย")
    took_part(db, registration, staff, 0)
    took_part(db, registration, staff, 1, online=True)
    after(clock, event.sessions[1])
    with_dashes(db, services.issue(registration, actor=None))
    data = client.get(f"/my/{registration.manage_token}/certificate.pdf").data
    (tmp_path / "long.pdf").write_bytes(data)
    reader, text = pdf_text(data)
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    frame = 12 * 72 / 25.4                                         # the page margin: the frame's outer edge
    room = 3 * 72 / 25.4                                           # the border, and a line's descenders above it
    positions = _positions(reader)
    assert len(positions) > 10
    for x, y, piece in positions:
        assert frame + room < y < height - frame, (y, piece)        # every line's baseline well above the bottom line
        assert frame < x < width - frame, (x, piece)
    # The title breaks only between its words: "ประเทศไทย" is never split across two lines.
    assert "ประเทศไทย" in text.replace(" ", "") and all(
        not line.rstrip().endswith("ประเทศ") for line in text.splitlines()), text
