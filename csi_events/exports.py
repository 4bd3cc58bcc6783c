"""Streamed CSV and XLSX exports, safe to open in a spreadsheet (no formula injection), in constant memory.

Rows may hold dates and aware datetimes (UTC): CSV writes them as text in the display time zone
("2026-12-04 09:58", no seconds); XLSX as real date cells in the display time zone, without microseconds.
Formula-like text: in CSV a leading apostrophe (the usual guard, what a spreadsheet shows as text); in XLSX a
text cell marked "quote prefix", which shows exactly what was typed and is never run.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .localtime import local_zone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


PLAIN = (str, int, float, Decimal)  # written as they are
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


def local_naive(moment: datetime) -> datetime:
    """An aware datetime in the display time zone, without tzinfo or microseconds (what a spreadsheet holds)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(local_zone()).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_naive(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralize(value if isinstance(value, PLAIN) else str(value))


def xlsx_cell(sheet: WriteOnlyWorksheet, value):
    """A cell of the right type: dates as date cells, formula-like text as text shown as typed."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=local_naive(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if value is not None and not isinstance(value, PLAIN):
        value = str(value)  # lazy labels become text
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 correctly
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_value(v) for v in row])
        yield buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    response = Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def xlsx_file(header: Sequence[str], rows: Iterable[Sequence], title: str = "Export") -> str:
    """Writes a workbook in openpyxl's write-only mode (rows go to disk as they come); returns its path."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(sheet, v) for v in row])
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    workbook.save(path)
    return path


def xlsx_response(filename: str, header: Sequence[str], rows: Iterable[Sequence], title: str = "Export") -> Response:
    path = xlsx_file(header, rows, title)

    def chunks():
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(64 * 1024):
                    yield chunk
        finally:
            os.unlink(path)

    response = Response(
        chunks(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", direct_passthrough=True
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
