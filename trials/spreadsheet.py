"""CSV that spreadsheet programs open safely, streamed as it is read.

UTF-8 with a byte-order mark (Chinese names open right in Excel), no cell
that runs as a formula, and each line sent to the browser as it is written:
an export of 100,000 inquiries holds one chunk of rows in memory
(`QuerySet.iterator(chunk_size=CHUNK_SIZE)`), never the file. The admin's
exports and the study-team inbox's use the same `csv_response`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
# Rows read from the database at a time.
CHUNK_SIZE = 2000


def csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run (OWASP's CSV injection advice).

    A leading = + - @, tab or carriage return starts a formula in Excel,
    LibreOffice or Sheets, so such a cell gets a leading apostrophe: phone
    numbers (+86...) included, since "-1+cmd|..." looks just as harmless.
    """
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Line:
    """A file-like object whose write() hands back the line csv.writer wrote."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The rows as CSV lines, the BOM first and every cell guarded."""
    writer = csv.writer(_Line())
    yield BOM
    for row in rows:
        yield writer.writerow([csv_safe("" if cell is None else str(cell)) for cell in row])


def csv_response(*, name: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """A streamed CSV download named `name`-<date>-<time>.csv, never cached."""
    lines = csv_lines(_with_header(header, rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _with_header(header: list[str], rows: Iterable[list]) -> Iterator[list]:
    yield header
    yield from rows
