"""Importing invitees: the files Thai offices make (Excel's CSV UTF-8 with its BOM, pasted rows, Thai headers), and bad ones."""
import codecs

import pytest
import sqlalchemy as sa

from eventsvc.errors import ValidationFailed
from eventsvc.invitations import importing, services
from eventsvc.invitations.models import Invitation
from eventsvc.mail.models import OutboxMessage

HEADER = "email,name,organization,position,language\r\n"
THAI_ROWS = (
    "somchai@example.go.th,นายสมชาย ใจดี,สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน),ผู้อำนวยการฝ่าย,th\r\n"
    "\"wipa@example.ac.th\",\"ผศ.ดร.วิภา ศรีสุข\",\"มหาวิทยาลัยเชียงใหม่, คณะวิทยาศาสตร์\",อาจารย์,\r\n"
    "jane@undp.org,Ms. Jane Doe,UNDP Thailand,Programme Officer,en\r\n"
)


def invitations(db, event):
    db.session.rollback()
    return {i.email: i for i in db.session.scalars(sa.select(Invitation).where(Invitation.event_id == event.id))}


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def workshop(make_event):
    return make_event(registration_mode="invite_only", kind="workshop")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16"])
def test_a_thai_list_is_imported_with_or_without_a_bom(db, workshop, encoding):
    data = (HEADER + THAI_ROWS).encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)

    result = services.import_invitees(workshop, data)
    db.session.commit()

    assert [i.email for i in result.invited] == ["somchai@example.go.th", "wipa@example.ac.th", "jane@undp.org"]
    assert result.rejected == []
    stored = invitations(db, workshop)
    assert stored["somchai@example.go.th"].name == "นายสมชาย ใจดี"
    assert stored["wipa@example.ac.th"].organization == "มหาวิทยาลัยเชียงใหม่, คณะวิทยาศาสตร์"
    assert stored["wipa@example.ac.th"].locale == "th"  # an empty language is Thai
    assert stored["jane@undp.org"].locale == "en"
    assert count(db, OutboxMessage) == 3


def test_rows_pasted_from_a_spreadsheet_with_thai_column_names(db, workshop):
    pasted = ("อีเมล\tชื่อ-นามสกุล\tหน่วยงาน\tตำแหน่ง\tภาษา\n"
              "a@example.go.th\tนางสาวกานดา มีสุข\tกรมการปกครอง\tนักวิเคราะห์\tไทย\n"
              "b@example.go.th\tMr. Tom Lee\tBOI\tOfficer\tEnglish\n")
    result = services.import_invitees(workshop, pasted)
    stored = {i.email: i for i in db.session.scalars(sa.select(Invitation))}
    assert len(result.invited) == 2 and not result.rejected
    assert stored["a@example.go.th"].organization == "กรมการปกครอง" and stored["b@example.go.th"].locale == "en"


def test_columns_in_another_order_and_a_list_without_a_header(db, workshop):
    reordered = "ชื่อ;อีเมล์\nนายก ข;k1@example.org\n"
    headerless = "k2@example.org,นายค ง,สำนักงานสถิติ\n"
    assert [i.email for i in services.import_invitees(workshop, reordered).invited] == ["k1@example.org"]
    result = services.import_invitees(workshop, headerless)
    assert [(i.email, i.name) for i in result.invited] == [("k2@example.org", "นายค ง")]


def test_bad_rows_are_reported_with_their_line_numbers_and_the_rest_imported(db, workshop, make_invitation):
    make_invitation(workshop, 99, email="already@example.org")
    data = (
        HEADER                                                       # line 1
        + "ok1@example.org,นายหนึ่ง,กรม,,th\n"                        # 2
        + "not-an-email,นายสอง,กรม,,th\n"                             # 3
        + "OK1@example.org,นายหนึ่งซ้ำ,กรม,,th\n"                     # 4: the same person again
        + "\n"                                                       # 5: blank, skipped
        + "already@example.org,นางสาวเดิม,กรม,,th\n"                  # 6
        + "\"bcc@example.org\nBcc: victim@example.org\",นายแทรก,,,\n"  # 7-8: a newline inside the e-mail
        + "ok2@example.org,นายสาม,กรม,,fr\n"                          # 9: unknown language
        + ",นายไม่มีอีเมล,กรม,,th\n"                                  # 10
        + "ok3@example.org,นายสี่,กรม,,th\n"                          # 11
    ).encode("utf-8-sig")

    result = services.import_invitees(workshop, data)
    db.session.commit()

    assert [i.email for i in result.invited] == ["ok1@example.org", "ok3@example.org"]
    assert [(r.position, r.code) for r in result.rejected] == [
        (3, "bad_email"), (4, "duplicate"), (6, "already_invited"), (7, "bad_email"), (9, "bad_language"),
        (10, "missing_email"),
    ]
    assert set(invitations(db, workshop)) == {"already@example.org", "ok1@example.org", "ok3@example.org"}


def test_a_row_too_short_for_the_email_column_is_reported(db, workshop):
    data = "name,organization,email\nนายหนึ่ง,กรม,one@example.org\nนายสอง,กรม\n"
    result = services.import_invitees(workshop, data)
    assert [i.email for i in result.invited] == ["one@example.org"]
    assert [(r.position, r.code) for r in result.rejected] == [(3, "missing_column")]


def test_importing_the_same_list_twice_invites_nobody_twice(db, workshop):
    services.import_invitees(workshop, HEADER + THAI_ROWS)
    db.session.commit()
    again = services.import_invitees(workshop, HEADER + THAI_ROWS)
    assert again.invited == [] and {r.code for r in again.rejected} == {"already_invited"}
    assert len(invitations(db, workshop)) == 3


@pytest.mark.parametrize("data, words", [
    ((HEADER + THAI_ROWS).encode("cp874"), "UTF-8"),                  # Thai Windows' own encoding
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8"),                # not text at all
    ((HEADER + "a@example.org\x00,x\n").encode(), "NUL"),
    (HEADER + '"unclosed@example.org,นาย ก\n', "บรรทัด"),              # a quote never closed
    (HEADER + 'x@example.org,"นาย" ก,กรม\n', "บรรทัด"),                # a quote in the middle of a cell
    ("ชื่อ,หน่วยงาน\nนาย ก,กรม\n", "e-mail"),                        # no e-mail column
    ("", "ว่างเปล่า"),
    ("\r\n\r\n", "ว่างเปล่า"),
    (HEADER, "ไม่มีรายชื่อ"),
    ("email\n" + "x" * 200_000 + "@example.org\n", "บรรทัด"),          # a cell larger than the csv limit
])
def test_a_bad_file_is_refused_whole_with_a_clear_message(db, workshop, data, words):
    """The message is the user's language (Thai by default); `words` is a part of it."""
    with pytest.raises(ValidationFailed) as refused:
        services.import_invitees(workshop, data)
    [message] = refused.value.fields["file"]
    assert words in str(message)
    db.session.rollback()
    assert count(db, Invitation) == 0 and count(db, OutboxMessage) == 0


@pytest.mark.app_config(INVITATION_IMPORT_MAX_ROWS=100, INVITATION_IMPORT_MAX_MB=0.01)
def test_too_many_rows_or_bytes_are_refused_whole(db, workshop):
    rows = "".join(f"p{n}@example.org,นาย{n}\n" for n in range(101))
    with pytest.raises(ValidationFailed) as refused:
        services.import_invitees(workshop, "email,name\n" + rows[:9000])
    assert "100" in str(refused.value.fields["file"][0])
    with pytest.raises(ValidationFailed) as refused:
        services.import_invitees(workshop, "email,name\n" + "".join(f"p{n}@example.org,{'ก' * 40}\n" for n in range(99)))
    assert "MB" in str(refused.value.fields["file"][0])
    db.session.rollback()
    assert count(db, Invitation) == 0


def test_a_5000_row_list_is_imported_in_one_go(db, workshop):
    rows = "".join(f"person{n}@agency{n % 97}.go.th,นางสาวทดสอบ{n} นามสกุล{n},หน่วยงานที่ {n % 97},"
                   f"นักวิชาการ,{'en' if n % 10 == 0 else 'th'}\r\n" for n in range(5000))
    result = services.import_invitees(workshop, (HEADER + rows).encode("utf-8-sig"))
    db.session.commit()

    assert len(result.invited) == 5000 and result.rejected == []
    assert len({i.token for i in result.invited}) == 5000
    assert count(db, Invitation) == 5000 and count(db, OutboxMessage) == 5000
    english = db.session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(Invitation.locale == "en"))
    assert english == 500


def test_the_reader_gives_line_numbers_across_quoted_newlines():
    rows = importing.read_rows('email,name\n"a@example.org","two\nlines"\nb@example.org,x\n', 100, 10**6)
    assert [(r.line, r.values["email"]) for r in rows] == [(2, "a@example.org"), (4, "b@example.org")]


# ---- lists as Thai offices keep them: คำนำหน้า / ชื่อ / นามสกุล ------------------------------------

def test_a_list_with_separate_title_first_and_last_name_columns_keeps_the_whole_name(db, workshop):
    data = ("ลำดับ,คำนำหน้า,ชื่อ,นามสกุล,ตำแหน่ง,หน่วยงาน,โทรศัพท์,อีเมล์\r\n"
            "1,นางสาว,กานดา,มีสุข,นักวิเคราะห์นโยบายและแผน,กรมการปกครอง,02-123-4567,kanda@dopa.go.th\r\n"
            "2,ผศ.ดร.,วิภา,ศรีสุข,อาจารย์,มหาวิทยาลัยเชียงใหม่,081-234-5678,wipa@cmu.ac.th\r\n"
            "3,ม.ล.,ปรีดา,ณ อยุธยา,ผู้อำนวยการ,สำนักงานสถิติแห่งชาติ,,preeda@nso.go.th\r\n").encode("utf-8-sig")
    result = services.import_invitees(workshop, data)
    db.session.commit()
    stored = invitations(db, workshop)
    assert not result.rejected and len(result.invited) == 3
    assert stored["kanda@dopa.go.th"].name == "นางสาวกานดา มีสุข"
    assert stored["kanda@dopa.go.th"].organization == "กรมการปกครอง"
    assert stored["kanda@dopa.go.th"].position == "นักวิเคราะห์นโยบายและแผน"
    assert services.registration_defaults(stored["wipa@cmu.ac.th"])["title_prefix"] == "ผศ.ดร."
    defaults = services.registration_defaults(stored["preeda@nso.go.th"])
    assert (defaults["title_prefix"], defaults["first_name"], defaults["last_name"]) == ("ม.ล.", "ปรีดา", "ณ อยุธยา")
    assert result.ignored_columns == ["ลำดับ", "โทรศัพท์"]


def test_english_split_columns_pasted_from_a_spreadsheet(db, workshop):
    pasted = ("Title\tFirst name\tLast name\tE-mail\tOrganization\tNote\n"
              "Dr.\tTom\tLee\ttom@boi.go.th\tBOI\tvegetarian\n")
    result = services.import_invitees(workshop, pasted)
    assert [(i.email, i.name) for i in result.invited] == [("tom@boi.go.th", "Dr. Tom Lee")]
    assert result.ignored_columns == ["Note"]


def test_a_combined_name_column_with_spaces_around_the_dash_and_every_ignored_column_reported(db, workshop):
    pasted = ("ที่\tชื่อ - สกุล\tอีเมล\tหน่วยงาน\tหมายเหตุ\t\n"
              "1\tพล.ต.อ.สมศักดิ์ กล้าหาญ\tsomsak@police.go.th\tสำนักงานตำรวจแห่งชาติ\t\tเพิ่มเติม\n")
    result = services.import_invitees(workshop, pasted)
    db.session.commit()
    stored = invitations(db, workshop)["somsak@police.go.th"]
    assert stored.name == "พล.ต.อ.สมศักดิ์ กล้าหาญ"
    defaults = services.registration_defaults(stored)
    assert (defaults["title_prefix"], defaults["first_name"], defaults["last_name"]) == ("พล.ต.อ.", "สมศักดิ์", "กล้าหาญ")
    assert result.ignored_columns[:2] == ["ที่", "หมายเหตุ"] and len(result.ignored_columns) == 3  # + the unnamed one


@pytest.mark.parametrize("name, parts", [
    ("นายสมชาย ใจดี", ("นาย", "สมชาย", "ใจดี")),
    ("นางสาว กานดา มีสุข", ("นางสาว", "กานดา", "มีสุข")),
    ("ผศ.ดร.วิภา ศรีสุข", ("ผศ.ดร.", "วิภา", "ศรีสุข")),
    ("ว่าที่ร้อยตรีชาติชาย  กล้าดี", ("ว่าที่ร้อยตรี", "ชาติชาย", "กล้าดี")),
    ("Dr. Jane Doe", ("Dr.", "Jane", "Doe")),
    ("Drew Barry", ("", "Drew", "Barry")),
    ("มาลี", ("", "มาลี", "")),
])
def test_a_name_in_one_piece_splits_into_prefix_first_and_last(name, parts):
    assert importing.split_name(name) == parts


def test_the_import_report_lists_the_ignored_columns(db, client, login_as, organizer, workshop):
    import re

    login_as(user=organizer)
    page = client.get(f"/organizer/events/{workshop.slug}/invitations")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    text = "คำนำหน้าชื่อ\tชื่อ\tนามสกุล\tอีเมล\tเบอร์โทรศัพท์\nนาย\tสมชาย\tใจดี\tsc@example.go.th\t0812345678\n"
    response = client.post(f"/organizer/events/{workshop.slug}/invitations/import",
                           data={"csrf_token": csrf, "text": text})
    html = response.get_data(as_text=True)
    assert 'id="ignored-columns" data-count="1"' in html and 'data-column="เบอร์โทรศัพท์"' in html
    assert invitations(db, workshop)["sc@example.go.th"].name == "นายสมชาย ใจดี"
