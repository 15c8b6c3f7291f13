"""A producer's catalogue as a spreadsheet: export, then import with a preview.

Both CSV and XLSX (openpyxl both ways). The CSV follows French spreadsheets: semicolon,
decimal comma, UTF-8 with a BOM; imports also accept commas, no BOM and Windows-1252.
Headers are fixed French words so that a file round-trips whatever the interface language.
"""

import csv
import io
import secrets
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from market.catalog import services
from market.catalog.errors import InvalidSpreadsheet
from market.catalog.models import LABELS, VAT_LABELS, VAT_RATES, Category, Producer, Product
from market.extensions import db
from market.money import MAX_PRICE_CENTS, InvalidAmount, decimal_text, parse_amount
from market.numbers import InvalidNumber, identifier, parse_whole_number
from market.security import CONTROL_CHARACTERS
from market.spreadsheets import csv_row, restored, xlsx_cell

COLUMNS = {
    "id": "référence",
    "name": "nom",
    "category": "catégorie",
    "description": "description",
    "unit": "unité",
    "size": "contenance",
    "price": "prix",  # including VAT, as every price of the market
    "vat": "TVA",
    "sold_by_weight": "vendu au poids",
    "weight": "poids estimé (g)",
    "labels": "labels",
    "active": "actif",
}
REQUIRED_COLUMNS = ("name", "unit", "price")
UNIT_WORDS = {
    "piece": "pièce",
    "kg": "kg",
    "g": "g",
    "litre": "litre",
    "bunch": "botte",
    "box": "boîte",
    "dozen": "douzaine",
    "jar": "bocal",
    "bottle": "bouteille",
    "tray": "barquette",
}
YES = {"oui", "o", "yes", "y", "1", "x", "vrai", "true"}
NO = {"non", "n", "no", "0", "", "faux", "false"}
MAX_ROWS = 2000
# The export has 12 columns; further ones are not read.
MAX_COLUMNS = 40
# Any part of an XLSX file, unpacked: twice the largest catalogue's sheet or shared strings.
MAX_PART_BYTES = 8 * 1024 * 1024
MAX_WEIGHT_GRAMS = 100_000  # as the product form allows


@dataclass
class Preview:
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0


# ---- export ----


def export_rows(producer: Producer) -> list[list]:
    rows: list[list] = [list(COLUMNS.values())]
    for product in services.producer_products(producer):
        rows.append(
            [
                product.id,
                product.name,
                product.category.name if product.category else "",
                product.description or "",
                UNIT_WORDS[product.unit],
                product.size or "",
                decimal_text(product.price_cents),
                VAT_LABELS[product.vat_basis_points].replace(" %", ""),
                "oui" if product.sold_by_weight else "non",
                product.estimated_weight_grams or "",
                ", ".join(product.labels),
                "oui" if product.active else "non",
            ]
        )
    return rows


def export_csv(producer: Producer) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_row(row) for row in export_rows(producer))
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(producer: Producer) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("catalogue")
    for row in export_rows(producer):
        sheet.append([xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---- reading ----


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in Windows-1252.
        return data.decode("cp1252", errors="replace")


def first_lines(rows: Iterable[list[str]]) -> list[list[str]]:
    """The header and at most MAX_ROWS lines: reading stops at the first line beyond."""
    table = list(islice(rows, MAX_ROWS + 2))
    if len(table) > MAX_ROWS + 1:
        raise InvalidSpreadsheet(_l("The file has more than %(count)d lines.", count=MAX_ROWS))
    return table


def read_csv(data: bytes) -> list[list[str]]:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        # The export's apostrophes (text a spreadsheet could run) come off again.
        return first_lines([restored(cell) for cell in row[:MAX_COLUMNS]] for row in reader)
    except csv.Error:
        raise InvalidSpreadsheet(
            _l(
                "This CSV file cannot be read: a cell is too long or a "
                "quotation mark is not closed."
            )
        ) from None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # A price typed as a number: its shortest decimal form, with a French comma.
        return format(Decimal(repr(value)).normalize(), "f").replace(".", ",")
    return str(value).strip()


def unreadable() -> InvalidSpreadsheet:
    return InvalidSpreadsheet(
        _l("This file is not a spreadsheet we can read. Send a CSV or XLSX file.")
    )


def check_parts(data: bytes) -> None:
    """Every part of the file unpacks to a size a catalogue can have, checked before any is
    read: openpyxl reads the shared strings whole, and a sheet without its dimension from
    end to end before its first row (no zip bomb, no million rows of a few bytes each)."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise unreadable() from None
    if any(part.file_size > MAX_PART_BYTES for part in parts):
        raise InvalidSpreadsheet(
            _l("This file is too large for a catalogue of at most %(count)d lines.", count=MAX_ROWS)
        )


def read_xlsx(data: bytes) -> list[list[str]]:
    check_parts(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
            return first_lines([cell_text(value) for value in row] for row in rows)
        finally:
            workbook.close()
    except InvalidSpreadsheet:
        raise
    except Exception:
        raise unreadable() from None


def read_table(data: bytes) -> list[list[str]]:
    table = (
        (read_xlsx(data) if data.startswith(b"PK\x03\x04") else read_csv(data))
        if data.strip()
        else []
    )
    if not table:  # nothing at all, or nothing but a byte-order mark
        raise InvalidSpreadsheet(_l("The file is empty."))
    return table


def header_map(header: list[str]) -> dict[str, int]:
    by_title = {title.lower(): key for key, title in COLUMNS.items()}
    by_title.update({key: key for key in COLUMNS})
    positions = {}
    for index, title in enumerate(header):
        key = by_title.get(title.strip().lower())
        if key:
            positions[key] = index
    missing = [COLUMNS[key] for key in REQUIRED_COLUMNS if key not in positions]
    if missing:
        raise InvalidSpreadsheet(
            _l("Line 1 must name the columns; missing: %(columns)s.", columns=", ".join(missing))
        )
    return positions


# ---- checking each cell ----


class CellError(ValueError):
    """A cell's message; the line and column are added by the caller."""


def parse_price(text: str) -> int:
    try:
        cents = parse_amount(text, MAX_PRICE_CENTS)
    except InvalidAmount:
        raise CellError(_l("« %(value)s » is not an amount", value=text)) from None
    if cents < 0:
        raise CellError(_l("« %(value)s » is negative", value=text))
    return cents


def parse_vat(text: str) -> int:
    cleaned = text.replace("%", "").replace(" ", "").replace(",", ".")
    try:
        basis_points = int((Decimal(cleaned) * 100).quantize(Decimal(1), ROUND_HALF_UP))
    except ArithmeticError:
        basis_points = None
    if basis_points not in VAT_RATES:
        raise CellError(_l("« %(value)s » is not a VAT rate (5,5, 10 or 20)", value=text))
    return basis_points


def parse_unit(text: str) -> str:
    lowered = text.lower()
    for key, word in UNIT_WORDS.items():
        if lowered in (key, word):
            return key
    raise CellError(
        _l(
            "« %(value)s » is not a unit (%(units)s)",
            value=text,
            units=", ".join(UNIT_WORDS.values()),
        )
    )


def parse_yes_no(text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise CellError(_l("« %(value)s » is neither oui nor non", value=text))


def parse_weight(text: str) -> int | None:
    if not text:
        return None
    try:
        return parse_whole_number(text, lowest=1, highest=MAX_WEIGHT_GRAMS)
    except InvalidNumber:
        raise CellError(_l("« %(value)s » is not a weight in grams", value=text)) from None


def parse_labels(text: str) -> list[str]:
    names = {str(name).lower(): key for key, name in LABELS.items()}
    labels = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        key = part if part in LABELS else names.get(part.lower())
        if key is None:
            raise CellError(
                _l(
                    "« %(value)s » is not a known label (%(labels)s)",
                    value=part,
                    labels=", ".join(LABELS),
                )
            )
        labels.append(key)
    return services.known_labels(labels)


def parse_category(text: str, by_name: dict[str, Category]) -> Category | None:
    if not text:
        return None
    category = by_name.get(text.lower())
    if category is None:
        raise CellError(
            _l(
                "« %(value)s » is not a category (%(categories)s)",
                value=text,
                categories=", ".join(c.name for c in by_name.values()),
            )
        )
    return category


def parse_text(text: str, most: int) -> str:
    """A text cell that fits its column and holds no control character."""
    if len(text) > most:
        raise CellError(_l("longer than %(count)d characters", count=most))
    if CONTROL_CHARACTERS.search(text):
        raise CellError(_l("holds an invisible control character; remove it"))
    return text


def parse_name(text: str) -> str:
    if not text:
        raise CellError(_l("the name is missing"))
    return parse_text(text, 120)


def parse_id(text: str, products: dict[int, Product]) -> Product | None:
    if not text:
        return None
    product_id = identifier(text)
    product = products.get(product_id) if product_id is not None else None
    if product is None:
        raise CellError(
            _l(
                "« %(value)s » is not one of your products; leave it empty for a new product",
                value=text,
            )
        )
    return product


# ---- preview and apply ----


def parse_row(
    cells: dict[str, str], products, by_name
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """Every field of one line; CellError names the first bad cell through `column`."""
    parsers = [
        ("id", lambda v: parse_id(v, products)),
        ("name", parse_name),
        ("category", lambda v: parse_category(v, by_name)),
        ("unit", parse_unit),
        ("price", parse_price),
        ("vat", lambda v: parse_vat(v) if v else 550),
        ("sold_by_weight", parse_yes_no),
        ("weight", parse_weight),
        ("labels", parse_labels),
        ("active", lambda v: parse_yes_no(v) if v else True),
        ("description", lambda v: parse_text(v, 4000)),
        ("size", lambda v: parse_text(v, 40)),
    ]
    values: dict[str, Any] = {}
    errors: list[tuple[str, Any]] = []
    for key, parse in parsers:
        try:
            values[key] = parse(cells.get(key, ""))
        except CellError as error:
            errors.append((key, error.args[0]))
    return values, errors


def as_fields(values: dict) -> dict:
    return {
        "name": values["name"],
        "description": values["description"],
        "category": values["category"],
        "unit": values["unit"],
        "size": values["size"],
        "price_cents": values["price"],
        "vat_basis_points": values["vat"],
        "labels": values["labels"],
        "active": values["active"],
        "sold_by_weight": values["sold_by_weight"],
        "estimated_weight_grams": values["weight"],
    }


def differs(product: Product, fields: dict) -> bool:
    current = {
        "name": product.name,
        "description": product.description or "",
        "category": product.category,
        "unit": product.unit,
        "size": product.size or "",
        "price_cents": product.price_cents,
        "vat_basis_points": product.vat_basis_points,
        "labels": list(product.labels),
        "active": product.active,
        "sold_by_weight": product.sold_by_weight,
        "estimated_weight_grams": product.estimated_weight_grams,
    }
    return current != fields


def line_error(line: int, key: str, message) -> str:
    return str(
        _l(
            "line %(line)d, %(column)s: %(message)s",
            line=line,
            column=COLUMNS[key],
            message=message,
        )
    )


def preview(producer: Producer, data: bytes) -> Preview:
    """Every line checked, every error listed by line and column; nothing is saved."""
    table = read_table(data)
    positions = header_map(table[0])
    products = {p.id: p for p in services.producer_products(producer)}
    by_name = {c.name.lower(): c for c in db.session.scalars(select(Category))}
    result = Preview()
    seen: dict[int, int] = {}  # product id → the line it is on
    for line, row in enumerate(table[1:], start=2):
        cells = {
            key: (row[index].strip() if index < len(row) else "")
            for key, index in positions.items()
        }
        if not any(cells.values()):
            continue
        values, errors = parse_row(cells, products, by_name)
        result.errors.extend(line_error(line, key, message) for key, message in errors)
        product = values.get("id")
        if product is not None and product.id in seen:
            result.errors.append(
                line_error(
                    line,
                    "id",
                    _l(
                        "product « %(value)s » already appears on line %(other)d",
                        value=product.id,
                        other=seen[product.id],
                    ),
                )
            )
        if product is not None:
            seen[product.id] = line
        if errors:
            continue
        fields = as_fields(values)
        if fields["sold_by_weight"] and not fields["estimated_weight_grams"]:
            result.errors.append(
                line_error(
                    line,
                    "weight",
                    _l("a product sold by weight needs the estimated weight of a piece"),
                )
            )
            continue
        status = (
            "new" if product is None else ("changed" if differs(product, fields) else "unchanged")
        )
        setattr(result, status, getattr(result, status) + 1)
        result.rows.append({"line": line, "product": product, "fields": fields, "status": status})
    if not result.rows and not result.errors:
        raise InvalidSpreadsheet(_l("The file has no product line."))
    return result


def apply(producer: Producer, data: bytes) -> Preview:
    """All or nothing: with any error, nothing is written."""
    result = preview(producer, data)
    if result.errors:
        raise InvalidSpreadsheet(
            _l("The file still has %(count)d errors; nothing was saved.", count=len(result.errors))
        )
    for row in result.rows:
        if row["status"] == "new":
            services.create_product(producer, **row["fields"])
        elif row["status"] == "changed":
            services.update_product(row["product"], **row["fields"])
    return result


# ---- the upload waiting between preview and apply ----


def import_directory() -> Path:
    directory = Path(current_app.config["CATALOG_IMPORT_DIRECTORY"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


UPLOAD_LIFETIME_SECONDS = 24 * 3600


def keep_upload(producer: Producer, data: bytes) -> str:
    directory = import_directory()
    # Previews never applied are dropped after a day; this keeps the folder small without a cron.
    stale = time.time() - UPLOAD_LIFETIME_SECONDS
    for old in directory.iterdir():
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (directory / f"{producer.id}-{token}").write_bytes(data)
    return token


def kept_upload(producer: Producer, token: str) -> bytes:
    """The file this producer uploaded; a token of another producer is not found."""
    if not (len(token) == 32 and all(char in "0123456789abcdef" for char in token)):
        raise InvalidSpreadsheet(_l("This import has expired. Please upload the file again."))
    path = import_directory() / f"{producer.id}-{token}"
    if not path.exists():
        raise InvalidSpreadsheet(_l("This import has expired. Please upload the file again."))
    return path.read_bytes()


def forget_upload(producer: Producer, token: str) -> None:
    (import_directory() / f"{producer.id}-{token}").unlink(missing_ok=True)
