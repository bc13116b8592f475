"""Reading a list of invitees: a CSV upload or text pasted from a spreadsheet, as Thai offices make them.

Accepted: UTF-8 with or without the BOM that Excel writes ("CSV UTF-8"),
UTF-16 with a BOM (Excel's "Unicode Text"), separated by commas, tabs (a
paste from Excel or Google Sheets) or semicolons. The first line names the
columns, in English or Thai (e-mail/อีเมล, name/ชื่อ-นามสกุล,
organization/หน่วยงาน, position/ตำแหน่ง, language/ภาษา); a list with no
header line is read as e-mail, name, organization, position, language.

Problems with the whole file (not text, not UTF-8, too big, no e-mail
column, broken quoting) refuse it all: nothing is imported. Problems with a
row are the caller's to report, with the row's line number.
"""
import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

COLUMNS = ("email", "name", "organization", "position", "language")
HEADER_NAMES = {
    "email": ("email", "e-mail", "e mail", "mail", "email address", "e-mail address", "อีเมล", "อีเมล์",
              "อีเมล์แอดเดรส", "ที่อยู่อีเมล", "ไปรษณีย์อิเล็กทรอนิกส์"),
    "name": ("name", "full name", "fullname", "ชื่อ", "ชื่อ-นามสกุล", "ชื่อ - นามสกุล", "ชื่อ-สกุล", "ชื่อ นามสกุล",
             "ชื่อและนามสกุล", "ชื่อ–นามสกุล"),
    "organization": ("organization", "organisation", "agency", "หน่วยงาน", "องค์กร", "สังกัด", "หน่วยงาน/องค์กร"),
    "position": ("position", "job title", "ตำแหน่ง"),
    "language": ("language", "lang", "locale", "ภาษา"),
}
_HEADER_LOOKUP = {name: column for column, names in HEADER_NAMES.items() for name in names}


class ImportRefused(ValueError):
    """The whole list is refused; `message` says why (in the user's language)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Row:
    line: int     # where the row starts in the file, counting from 1
    values: dict  # column -> text; a column the row is too short for is missing
    short: bool   # fewer cells than the header has columns for the e-mail


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


def _header_columns(cells):
    """{column: index} if `cells` is a header line, else None."""
    found = {}
    for index, cell in enumerate(cells):
        key = " ".join(unicodedata.normalize("NFC", cell).strip().lower().split())
        column = _HEADER_LOOKUP.get(key)
        if column and column not in found:
            found[column] = index
    return found or None


def read_rows(data, max_rows, max_bytes):
    """The rows of an invitee list, with their line numbers; raises ImportRefused for the whole file."""
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
    columns, rows, previous_end = None, [], 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header_columns(cells)
                if columns is not None:
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
            rows.append(Row(start, values, short=columns["email"] >= len(cells)))
    except csv.Error as error:
        raise ImportRefused(_l("Line %(line)d cannot be read (%(error)s); nothing was imported.",
                               line=reader.line_num, error=str(error))) from None
    if columns is None or not rows:
        raise ImportRefused(_l("The list has no invitees."))
    return rows
