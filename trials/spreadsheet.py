"""CSV that spreadsheet programs open safely: UTF-8 with a byte-order mark
(Chinese names open right in Excel) and no cell that runs as a formula."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

BOM = "\ufeff"


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
    """The rows as CSV lines, the BOM first and every cell guarded: for a
    StreamingHttpResponse, so an export of any size holds one row in memory."""
    writer = csv.writer(_Line())
    yield BOM
    for row in rows:
        yield writer.writerow([csv_safe("" if cell is None else str(cell)) for cell in row])
