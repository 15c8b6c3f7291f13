"""Tables into files: CSV for French spreadsheets, XLSX and PDF.

CSV: semicolon, UTF-8 with a byte-order mark (so that spreadsheets read the accents), amounts
with a decimal comma; yielded row by row so that a response streams it. XLSX: openpyxl's
write-only workbook, which writes rows as they come. PDF: reportlab's platypus, plain string
cells (no Paragraph per cell), which keeps thousands of rows within a few seconds.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from market.exports.tables import Money, Table, cell_text
from market.spreadsheets import csv_row, xlsx_cell

BOM = "\ufeff"
XLSX_MONEY = '#,##0.00 "€"'
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


class _Line:
    """A file-like object that hands back what csv.writer wrote for one row."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text


def csv_rows(tables: Iterable[Table]) -> Iterator[str]:
    """The CSV text, one row at a time, starting with the byte-order mark."""
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    yield BOM
    for number, table in enumerate(tables):
        if number:
            yield "\r\n"
        for row in (
            [table.title],
            [table.subtitle] if table.subtitle else None,
            table.header,
            *table.rows,
            *table.footer,
        ):
            if row is None:
                continue
            buffer.text = ""
            writer.writerow(csv_row(cell_text(value) for value in row))
            yield buffer.text


def csv_bytes(tables: Iterable[Table]) -> bytes:
    return "".join(csv_rows(tables)).encode("utf-8")


def xlsx_value(value, sheet, bold=False):
    if isinstance(value, Money):
        cell = WriteOnlyCell(sheet)
        cell.value = Decimal(int(value)) / 100
        cell.number_format = XLSX_MONEY
    elif isinstance(value, str) and "\n" in value:
        cell = xlsx_cell(sheet, value, WriteOnlyCell(sheet))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif not bold:
        return xlsx_cell(sheet, value)
    else:
        cell = xlsx_cell(sheet, value, WriteOnlyCell(sheet))
    if bold:
        cell.font = Font(bold=True)
    return cell


class StyledCells:
    """One styled cell per column, given each row's value in turn.

    A write-only sheet writes a row as soon as it is appended, so a column's cell can be
    reused for the next row; building a styled cell per value costs more than the writing.
    """

    def __init__(self, sheet):
        self.sheet = sheet
        self.cells: dict[tuple[int, str], Cell] = {}

    def styled(self, column: int, kind: str) -> Cell:
        cell = self.cells.get((column, kind))
        if cell is None:
            cell = self.cells[(column, kind)] = WriteOnlyCell(self.sheet)
            if kind == "money":
                cell.number_format = XLSX_MONEY
            else:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def cell(self, column: int, value):
        if isinstance(value, Money):
            cell = self.styled(column, "money")
            cell.value = Decimal(int(value)) / 100
            return cell
        if isinstance(value, str) and "\n" in value:
            return xlsx_cell(self.sheet, value, self.styled(column, "wrap"))
        return xlsx_cell(self.sheet, value)


def sheet_name(title: str, used: set[str]) -> str:
    name = title.translate(SHEET_NAME_FORBIDDEN)[:28].strip() or "Feuille"
    base, number = name, 2
    while name in used:
        name, number = f"{base[:25]} {number}", number + 1
    used.add(name)
    return name


def write_xlsx(tables: Iterable[Table], out) -> None:
    """One sheet per table, written row by row."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table.subtitle or table.title, used))
        sheet.append([xlsx_value(table.title, sheet, bold=True)])
        if table.subtitle:
            sheet.append([xlsx_cell(sheet, table.subtitle)])
        sheet.append([xlsx_value(h, sheet, bold=True) for h in table.header])
        styled = StyledCells(sheet)
        for row in table.rows:
            sheet.append([styled.cell(column, value) for column, value in enumerate(row)])
        for row in table.footer:
            sheet.append([xlsx_value(value, sheet, bold=True) for value in row])
    workbook.save(out)


def xlsx_bytes(tables: Iterable[Table]) -> bytes:
    out = io.BytesIO()
    write_xlsx(tables, out)
    return out.getvalue()


STYLES = getSampleStyleSheet()
# (command, from cell, to cell, its arguments…), as reportlab's TableStyle reads them.
BASE_STYLE: list[tuple[Any, ...]] = [
    ("FONT", (0, 0), (-1, -1), "Helvetica", 9.5),
    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9.5),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eee4")),
]


def pdf_cell(value) -> str:
    return cell_text(value)


def pdf_table(table: Table, page_width: float, ink_labels: tuple[str, ...]) -> LongTable:
    header = [*table.header, *ink_labels[: table.ink_columns]]
    rows = [
        [pdf_cell(value) for value in row] + [""] * table.ink_columns
        for row in [*table.rows, *table.footer]
    ]
    widths = table.widths or [1.0] * len(table.header)
    widths = [*widths, *([1.0, 2.4][: table.ink_columns])]
    scale = page_width / sum(widths)
    money_columns = [
        i
        for i, value in enumerate((table.rows or table.footer or [[]])[0])
        if isinstance(value, (Money, int))
    ]
    style = list(BASE_STYLE)
    for column in money_columns:
        style.append(("ALIGN", (column, 1), (column, -1), "RIGHT"))
    if table.footer:
        style.append(("FONT", (0, -len(table.footer)), (-1, -1), "Helvetica-Bold", 9.5))
    result = LongTable([header, *rows], colWidths=[w * scale for w in widths], repeatRows=1)
    result.setStyle(TableStyle(style))
    return result


def write_pdf(
    tables: Iterable[Table],
    out,
    *,
    ink_labels: tuple[str, ...] = (),
    title: str = "",
    break_between: bool = True,
) -> None:
    """A4 landscape; one table after another, each starting a new page group if asked."""
    document = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        title=title,
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
    )
    story: list[Flowable] = []
    for number, table in enumerate(tables):
        if number and break_between:
            story.append(PageBreak())
        story.append(Paragraph(escape(table.title), STYLES["Heading2"]))
        if table.subtitle:
            story.append(Paragraph(escape(table.subtitle), STYLES["Heading4"]))
        story.append(pdf_table(table, document.width, ink_labels))
        story.append(Spacer(1, 4 * mm))
    document.build(story)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_bytes(tables: Iterable[Table], **options) -> bytes:
    out = io.BytesIO()
    write_pdf(tables, out, **options)
    return out.getvalue()
