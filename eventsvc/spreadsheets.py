"""Spreadsheet exports: CSV that Excel opens with Thai intact, streamed; XLSX; no cell can run as a formula."""
import csv
import io
import tempfile
from urllib.parse import quote

from flask import Response, send_file, stream_with_context

# A cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets (OWASP "CSV injection"); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def write_xlsx(rows, output, sheet="Sheet1"):
    """Write the rows as .xlsx to the file object `output`, row by row (openpyxl's write-only mode).

    Text that would start a formula is written as a typed text cell: a
    spreadsheet shows it and never evaluates it.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])

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

    for row in rows:
        worksheet.append([cell(value) for value in row])
    workbook.save(output)


def xlsx_response(rows, filename, sheet="Sheet1"):
    """An .xlsx download, written to a temporary file (memory stays flat), then sent."""
    output = tempfile.TemporaryFile()
    write_xlsx(rows, output, sheet)
    output.seek(0)
    response = send_file(output, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response
