"""Report rows as CSV and XLSX byte streams, in constant memory.

Both write a header of codes and a header of Chinese names, then one line per row. CSV starts
with a byte order mark so that spreadsheet programs read the Chinese names as UTF-8. XLSX is
written by openpyxl's write-only workbook (rows go to a temporary file as they come) and then
read back in chunks.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator

from openpyxl import Workbook

from gridloop.reports.service import ReportRow, flat_columns, flat_values

Writer = Callable[[Iterable[ReportRow]], Iterator[bytes]]

_CHUNK = 64 * 1024


def csv_chunks(rows: Iterable[ReportRow]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = flat_columns()
    writer.writerow(code for code, _ in columns)
    writer.writerow(name for _, name in columns)
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow("" if value is None else value for value in flat_values(row))
        if buffer.tell() >= _CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_chunks(rows: Iterable[ReportRow]) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("indicators")
    columns = flat_columns()
    sheet.append([code for code, _ in columns])
    sheet.append([name for _, name in columns])
    for row in rows:
        sheet.append(flat_values(row))
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(_CHUNK):
            yield chunk
