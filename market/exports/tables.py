"""A list as the writers see it: titled tables of cells, some of them amounts.

The lists (pickup, producer, matrix, summary) turn `CycleData` into `Table`s; the writers
(CSV, XLSX, PDF) turn tables into files. Amounts stay integer cents (`Money`) until a writer
formats them for its reader.
"""

from dataclasses import dataclass, field

from market.money import decimal_text


class Money(int):
    """Integer cents that a writer shows as euros."""


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    footer: list[list] = field(default_factory=list)
    subtitle: str = ""
    # Relative widths for the PDF; None shares the page evenly.
    widths: list[float] | None = None
    # Blank columns for ink (tick, signature) at the end of the PDF table.
    ink_columns: int = 0


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return decimal_text(value)
    return str(value)
