"""CSV files the platform writes, safe to open in a spreadsheet: the one place CSV is written.

A cell starting with =, +, -, @, tab or CR is a formula to Excel, LibreOffice and Google Sheets; a learner's name or
a failure reason chosen by somebody else could then run a formula (e.g. ``=HYPERLINK(...)`` sending data away) on
the computer of the staff member who opens the report. Following OWASP's CSV Injection guidance, such cells get a
leading single quote, which spreadsheets show as text and which keeps the value readable.
https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> str:
    """``value`` as the text of one CSV cell that no spreadsheet will evaluate (None is an empty cell)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SpreadsheetDictWriter:
    """csv.DictWriter whose every cell (header included) goes through :func:`spreadsheet_cell`."""

    def __init__(self, stream, fieldnames: Sequence[str], **kwargs: Any) -> None:
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(stream, fieldnames=self.fieldnames, **kwargs)

    def writeheader(self) -> None:
        self._writer.writerow({name: spreadsheet_cell(name) for name in self.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: spreadsheet_cell(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SpreadsheetWriter:
    """csv.writer whose every cell goes through :func:`spreadsheet_cell`."""

    def __init__(self, stream, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([spreadsheet_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
