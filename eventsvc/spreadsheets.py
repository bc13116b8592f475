"""Spreadsheet exports: CSV that Excel opens with Thai intact, streamed; XLSX; no cell can run as a formula."""
import csv
import io
import tempfile
from datetime import datetime
from typing import NamedTuple, Optional
from urllib.parse import quote

from flask import Response, request, send_file, stream_with_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from . import timefmt

# A cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (OWASP "CSV injection"); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# ---- columns spoken in the organizer's language, or as codes -----------------------------

class Column(NamedTuple):
    """One column of an export: its machine name (the API's field name), its header, how its values read."""
    name: str
    header: object  # a lazy string: the header in the organizer's language
    kind: str = "text"  # text, number, datetime, bool or enum
    labels: Optional[dict] = None  # for an enum: value -> lazy label (eventsvc.labels)
    width: int = 16  # XLSX column width, in characters


YES, NO = _l("Yes"), _l("No")


def export_language():
    """The language of an export asked for in this request: the organizer's (the session's, Thai by default),
    or None for machine-readable codes with ?codes=1."""
    from .templating import current_locale

    return None if request.args.get("codes") == "1" else current_locale()


def export_datetime(value, language=None):
    """'25 ก.พ. 2570 09:30' (Buddhist era) in Thai, '25 Feb 2027 09:30' in English, ISO 8601 as a code."""
    if value is None:
        return ""
    if language is None:
        return timefmt.to_local(value).isoformat(timespec="minutes")
    return f"{timefmt.format_short_day(value, language)} {timefmt.format_clock(value, language)}"


def table(columns, records, language=None):
    """The header, then each record (values in column order) as cells.

    `language` None: machine-readable, the headers are the API's field names,
    enumerated values as DESIGN.md spells them, booleans true/false and dates
    ISO 8601 (Bangkok time, with its offset). Otherwise headers and values in
    that language, dates in the Buddhist era in Thai. Every label is looked up
    once, up front: the rows are then plain dictionary look-ups.
    """
    if language is None:
        yield tuple(column.name for column in columns)
        yes, no, enum_labels = "true", "false", {}
    else:
        with force_locale(language):
            yield tuple(str(column.header) for column in columns)
            yes, no = str(YES), str(NO)
            enum_labels = {i: {value: str(text) for value, text in column.labels.items()}
                           for i, column in enumerate(columns) if column.kind == "enum"}

    def cell_formatter(index, column):
        if column.kind == "datetime":
            return lambda value: export_datetime(value, language) if isinstance(value, datetime) else value
        if column.kind == "bool":
            return lambda value: "" if value is None else (yes if value else no)
        if column.kind == "enum":
            names = enum_labels.get(index, {})
            return lambda value: names.get(getattr(value, "value", value), getattr(value, "value", value))
        return None

    formatters = [cell_formatter(i, column) for i, column in enumerate(columns)]
    for record in records:
        yield tuple(value if f is None else f(value) for f, value in zip(formatters, record))


def neutralize(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_chunks(rows, batch=500):
    """UTF-8 bytes of the rows as CSV, with the BOM Excel needs to read UTF-8, a few hundred rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff".encode("utf-8")
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralize(cell) for cell in row])
        if count % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def attachment_headers(filename):
    """Content-Disposition for a download whose name may be Thai (RFC 6266 filename*)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store"}


def csv_response(rows, filename):
    """A streamed CSV download: memory stays flat however many rows there are."""
    return Response(stream_with_context(csv_chunks(rows)), mimetype="text/csv",
                    headers={**attachment_headers(filename), "Content-Type": "text/csv; charset=utf-8"})


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(rows, output, sheet="Sheet1", widths=None):
    """Write the rows as .xlsx to the file object `output`, row by row (openpyxl's write-only mode).

    The first row is the header: it stays in view when scrolling (frozen)
    and carries an autofilter over every row; `widths` (characters) sets the
    columns' widths. Text that would start a formula is written as a typed
    text cell: a spreadsheet shows it and never evaluates it.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.freeze_panes = "A2"
    for index, width in enumerate(widths or (), start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)

    def cell(value):
        if value is None:
            return ""
        if not isinstance(value, str):
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_STARTS):
            typed = WriteOnlyCell(worksheet, value=value)
            typed.data_type = "s"
            return typed
        return value

    count, width = 0, 0
    for row in rows:
        if count == 0:  # the header: ours, never a formula
            cells = [WriteOnlyCell(worksheet, value=value) for value in row]
            for header in cells:
                header.font = bold
            width = len(cells)
        else:
            cells = [cell(value) for value in row]
        worksheet.append(cells)
        count += 1
    if width:
        worksheet.auto_filter.ref = f"A1:{get_column_letter(width)}{count}"
    workbook.save(output)


def xlsx_response(rows, filename, sheet="Sheet1", widths=None):
    """An .xlsx download, written to a temporary file (memory stays flat), then sent."""
    output = tempfile.TemporaryFile()
    write_xlsx(rows, output, sheet, widths)
    output.seek(0)
    response = send_file(output, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response
