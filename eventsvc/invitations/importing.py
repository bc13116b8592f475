"""Reading a list of invitees: a CSV upload or text pasted from a spreadsheet, as Thai offices make them.

Accepted: UTF-8 with or without the BOM that Excel writes ("CSV UTF-8"),
UTF-16 with a BOM (Excel's "Unicode Text"), separated by commas, tabs (a
paste from Excel or Google Sheets) or semicolons. The first line names the
columns, in English or Thai (e-mail/อีเมล, name/ชื่อ-นามสกุล,
organization/หน่วยงาน, position/ตำแหน่ง, language/ภาษา); a list with no
header line is read as e-mail, name, organization, position, language.

The name comes either in one column (ชื่อ-นามสกุล, full name) or, as Thai
offices keep their lists, in three: คำนำหน้า / ชื่อ / นามสกุล (title, first
name, last name); "ชื่อ" alone is the whole name, next to a นามสกุล column it
is the first name. Every column that is not used is named in the report, as
its header was written.

Problems with the whole file (not text, not UTF-8, too big, no e-mail
column, broken quoting) refuse it all: nothing is imported. Problems with a
row are the caller's to report, with the row's line number.
"""
import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

COLUMNS = ("email", "name", "organization", "position", "language")
HEADER_NAMES = {
    "email": ("email", "e-mail", "e mail", "mail", "email address", "e-mail address", "อีเมล", "อีเมล์", "อีเมลล์",
              "อี-เมล", "อี-เมล์", "อีเมล์แอดเดรส", "ที่อยู่อีเมล", "ที่อยู่อีเมล์", "ไปรษณีย์อิเล็กทรอนิกส์"),
    "name": ("name", "full name", "fullname", "name-surname", "name surname", "ชื่อ-นามสกุล", "ชื่อ-สกุล",
             "ชื่อ นามสกุล", "ชื่อ สกุล", "ชื่อและนามสกุล", "ชื่อ-นามสกุล ผู้เข้าร่วม", "ชื่อผู้เข้าร่วม"),
    "title_prefix": ("title", "prefix", "name prefix", "salutation", "คำนำหน้า", "คำนำหน้าชื่อ", "คำนำหน้านาม"),
    "first_name": ("first name", "firstname", "given name", "ชื่อจริง", "ชื่อต้น"),
    "last_name": ("last name", "lastname", "surname", "family name", "นามสกุล", "สกุล"),
    "organization": ("organization", "organisation", "agency", "หน่วยงาน", "องค์กร", "สังกัด", "หน่วยงาน/องค์กร",
                     "หน่วยงาน/สังกัด", "ส่วนราชการ"),
    "position": ("position", "job title", "ตำแหน่ง"),
    "language": ("language", "lang", "locale", "ภาษา"),
}
_HEADER_LOOKUP = {name: column for column, names in HEADER_NAMES.items() for name in names}
# "ชื่อ" (and "name") is the whole name, unless a last-name column stands beside it.
_NAME_OR_FIRST = ("ชื่อ",)

# Thai and English name prefixes (military, police, academic, medical, royal), longest first, so that
# "นางสาว" is not read as "นาง" + "สาว...". Several may follow one another: ผศ.ดร., พล.ต.อ.นพ.
TITLE_PREFIXES = sorted({
    "นาย", "นาง", "นางสาว", "น.ส.", "ด.ช.", "ด.ญ.", "ดร.", "ผศ.", "รศ.", "ศ.", "นพ.", "พญ.", "ทพ.", "ทพญ.",
    "ภก.", "ภญ.", "สพ.ญ.", "น.สพ.", "พล.อ.", "พล.ท.", "พล.ต.", "พ.อ.", "พ.ท.", "พ.ต.", "ร.อ.", "ร.ท.", "ร.ต.",
    "จ.ส.อ.", "พล.ร.อ.", "พล.ร.ท.", "พล.ร.ต.", "น.อ.", "น.ท.", "น.ต.", "พล.อ.อ.", "พล.อ.ท.", "พล.อ.ต.",
    "พล.ต.อ.", "พล.ต.ท.", "พล.ต.ต.", "พ.ต.อ.", "พ.ต.ท.", "พ.ต.ต.", "ร.ต.อ.", "ร.ต.ท.", "ร.ต.ต.",
    "ว่าที่ร้อยตรี", "ว่าที่ ร.ต.", "ว่าที่ร.ต.", "ม.ร.ว.", "ม.ล.", "หม่อมราชวงศ์", "หม่อมหลวง", "ศาสตราจารย์",
    "รองศาสตราจารย์", "ผู้ช่วยศาสตราจารย์", "Mr.", "Ms.", "Mrs.", "Miss", "Dr.", "Prof.", "Assoc. Prof.",
    "Asst. Prof.", "Mr", "Ms", "Mrs", "Dr",
}, key=len, reverse=True)


def split_name(full_name):
    """(prefix, first, last) of a name written in one piece: 'ผศ.ดร.วิภา ศรีสุข' -> ('ผศ.ดร.', 'วิภา', 'ศรีสุข').

    The last name is everything after the first name (ณ อยุธยา keeps its space).
    """
    rest, prefix = " ".join((full_name or "").split()), ""
    while True:
        for candidate in TITLE_PREFIXES:
            # An English prefix without its dot must stand alone ("Mr Tom"), not start a name ("Drew").
            if rest.startswith(candidate) and len(rest) > len(candidate) and (
                    not candidate[-1].isascii() or candidate.endswith(".") or rest[len(candidate)] == " "):
                joiner = " " if candidate.isascii() and prefix else ""
                prefix, rest = prefix + joiner + candidate, rest[len(candidate):].strip()
                break
        else:
            break
    first, _, last = rest.partition(" ")
    return prefix, first, last.strip()


def join_name(prefix, first, last):
    """One name from its parts, as Thai writes it: นางสาวกานดา มีสุข, Dr. Tom Lee."""
    prefix, first, last = (" ".join((part or "").split()) for part in (prefix, first, last))
    joiner = " " if prefix and prefix.isascii() else ""
    return " ".join(part for part in (prefix + joiner + first if first else prefix, last) if part)


class ImportRefused(ValueError):
    """The whole list is refused; `message` says why (in the user's language)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class ImportedList:
    rows: list
    ignored: list  # headers of the columns not used, as written ("โทรศัพท์", "ลำดับ", ...)


@dataclass
class Row:
    line: int     # where the row starts in the file, counting from 1
    values: dict  # column -> text; a column the row is too short for is missing
    short: bool   # fewer cells than the header has columns for the e-mail
    cells: list = field(default_factory=list, repr=False)  # the row as read


def decode(data):
    """Text from uploaded bytes; ImportRefused when it is not UTF-8 (or UTF-16 with a BOM)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(_l("The file is not valid UTF-16 text.")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ImportRefused(_l(
            "The file is not UTF-8 text (line %(line)d). In Excel, save it as \"CSV UTF-8 (Comma delimited)\"; "
            "in Google Sheets, download it as CSV.", line=line)) from None


def _delimiter(first_line):
    counts = {d: first_line.count(d) for d in ("\t", ",", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _header_key(cell):
    """A header as compared: NFC, lower case, single spaces, no spaces around - or /, no trailing ':' or '*'."""
    key = " ".join(unicodedata.normalize("NFC", cell).strip().lower().split())
    key = re.sub(r"\s*([-–/])\s*", lambda m: "-" if m.group(1) == "–" else m.group(1), key)
    return key.rstrip(":*").strip()


def _header_columns(cells):
    """{column: index} if `cells` is a header line, else None (a second column of the same meaning is not used)."""
    keys = [_header_key(cell) for cell in cells]
    has_last = any(_HEADER_LOOKUP.get(key) == "last_name" for key in keys)
    found = {}
    for index, key in enumerate(keys):
        column = _HEADER_LOOKUP.get(key)
        if key in _NAME_OR_FIRST:
            column = "first_name" if has_last else "name"
        if column and column not in found:
            found[column] = index
    return found or None


def read_rows(data, max_rows, max_bytes):
    """The rows of an invitee list, with their line numbers; raises ImportRefused for the whole file."""
    return read_list(data, max_rows, max_bytes).rows


def read_list(data, max_rows, max_bytes):
    """The rows of an invitee list and the columns it ignored; raises ImportRefused for the whole file."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        raise ImportRefused(_l("The list is too large: at most %(mb)s MB.", mb=f"{max_bytes / 1024 / 1024:g}"))
    text = decode(data)
    if "\x00" in text:
        raise ImportRefused(_l("This is not a text file (it contains NUL bytes). Upload a CSV file."))
    if not text.strip():
        raise ImportRefused(_l("The list is empty."))
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    columns, rows, previous_end, header, width = None, [], 0, [], 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header_columns(cells)
                if columns is not None:
                    header = cells
                    if "email" not in columns:
                        raise ImportRefused(_l("The first line names no e-mail column (e-mail or อีเมล)."))
                    continue
                if "@" not in cells[0]:
                    raise ImportRefused(_l(
                        "The first line must name the columns: e-mail, name, organization, position, language."))
                columns = {column: index for index, column in enumerate(COLUMNS)}
            if len(rows) >= max_rows:
                raise ImportRefused(_l("The list has more than %(n)d rows; split it into smaller lists.", n=max_rows))
            values = {column: cells[index] for column, index in columns.items() if index < len(cells)}
            width = max(width, len(cells))
            rows.append(Row(start, values, short=columns["email"] >= len(cells), cells=cells))
    except csv.Error as error:
        raise ImportRefused(_l("Line %(line)d cannot be read (%(error)s); nothing was imported.",
                               line=reader.line_num, error=str(error))) from None
    if columns is None or not rows:
        raise ImportRefused(_l("The list has no invitees."))
    # Every column not used: by its header as written, or by its number when it has data but no header.
    used = set(columns.values())
    ignored = []
    for index in range(max(width, len(header))):
        if index in used:
            continue
        written = header[index].strip() if index < len(header) else ""
        if written or any(index < len(row.cells) and row.cells[index].strip() for row in rows):
            ignored.append(written or str(_l("column %(n)d (no header)", n=index + 1)))
    return ImportedList(rows, ignored)
