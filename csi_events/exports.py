"""Streamed CSV and XLSX exports, safe to open in a spreadsheet (no formula injection), in constant memory."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from flask import Response, stream_with_context
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 correctly
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralize("" if v is None else v) for v in row])
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
    sheet.append(list(header))
    for row in rows:
        sheet.append([neutralize(v) for v in row])
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
