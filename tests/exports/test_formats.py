"""Each format read back: the PDF's text, the XLSX reopened, the CSV parsed; totals vs ledger."""

import csv
import io
import zipfile

import openpyxl
import pytest
from pypdf import PdfReader

from market.exports import bundle, lists, writers
from market.exports.data import cycle_data
from market.ledger.accounts import household_key
from market.ledger.statements import account_balance
from tests.helpers import count_queries


def ledger_total(data, point) -> int:
    """What the ledger says the point's households owe for the cycle (nothing paid yet)."""
    return sum(account_balance(household_key(order.household_id)) for order in point.orders)


def parse_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def euros(text: str) -> int:
    return int(text.replace(",", ""))


def test_pickup_csv_has_every_household_and_the_ledger_total(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    bourg = data.points[0]
    rows = parse_csv(writers.csv_bytes(lists.pickup_tables(data, bourg.pickup_id)))
    header = rows[2]
    assert header[:4] == ["Foyer", "Commande", "Téléphone", "Produits"]
    body = rows[3:-1]
    assert [row[0] for row in body] == ["Anne Dupuy", "Zoé Martin, ou Paul Martin"]
    martin = body[1]
    assert "2\u00a0bottes × Carottes — Ferme Lafitte" in martin[3].split("\n")
    assert martin[4] == "21,50" and martin[6] == "21,50"
    total = rows[-1]
    assert euros(total[4]) == ledger_total(data, bourg) == 2400


def test_pickup_xlsx_reopens_with_amounts_as_numbers(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    book = openpyxl.load_workbook(io.BytesIO(writers.xlsx_bytes(lists.pickup_tables(data))))
    assert len(book.sheetnames) == 2
    sheet = book.worksheets[1]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[3][0] == "Jon Etcheverry"
    assert (
        round(values[3][4] * 100) == 3300
        and sheet.cell(row=4, column=5).number_format == '#,##0.00 "€"'
    )
    total = values[-1]
    assert round(total[4] * 100) == ledger_total(data, data.points[1]) == 2 * 1200 + 900


def test_pickup_pdf_text_names_quantities_and_totals(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(bundle.pickup_pdf(data))).pages
    ).replace("\u00a0", " ")
    for expected in (
        "Zoé Martin, ou Paul Martin",
        "Anne Dupuy",
        "Jon Etcheverry",
        "2 bottes × Carottes",
        "Tomme de brebis",
        "Émargement",
        "Total : 2 commandes",
        "24,00",
        "33,00",
    ):
        assert expected in text
    assert data.points[0].amount_cents == ledger_total(data, data.points[0]) == 2400


def test_one_page_group_per_point(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    pages = PdfReader(io.BytesIO(bundle.pickup_pdf(data))).pages
    assert len(pages) == 2
    assert "Bourg" in pages[0].extract_text() and "Gare" in pages[1].extract_text()


def test_print_view_is_a4_with_tick_and_signature(app, db, closed_cycle):
    with app.test_request_context():
        html = bundle.print_view(cycle_data(closed_cycle["cycle"].id))
        stylesheet = bundle.print_stylesheet().decode()
    assert "/static/css/pickup-print.css" in html and "size: A4" in stylesheet
    assert "Émargement" in html and "Retiré" in html
    assert html.count('class="point"') == 2


def test_the_print_view_in_the_zip_finds_its_stylesheet_beside_it(app, db, closed_cycle):
    buffer = io.BytesIO()
    bundle.write_zip(cycle_data(closed_cycle["cycle"].id), buffer)
    with zipfile.ZipFile(buffer) as archive:
        html = archive.read("pickup-lists.html").decode()
        assert 'href="pickup-print.css"' in html
        assert "size: A4" in archive.read("pickup-print.css").decode()


def test_producer_list_by_order_number_unless_the_hub_names_households(app, db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    farm = closed_cycle["farm"].id
    summary, detail = lists.producer_tables(data, farm)
    assert summary.header == ["Produit", "Unité", "Bourg", "Gare", "Total", "Montant"]
    carrots = next(row for row in summary.rows if row[0] == "Carottes")
    squash = next(row for row in summary.rows if row[0] == "Potimarron")
    assert carrots[2:5] == [3, 0, 3] and squash[2:5] == [1, 2, 3]
    households = {row[1] for row in detail.rows}
    assert not any("Martin" in name for name in households)
    app.config["HUB_PRODUCER_LIST_NAMES"] = True
    _summary, detail = lists.producer_tables(data, farm)
    assert any(name.startswith("Zoé Martin (") for name in {row[1] for row in detail.rows})


def test_producer_list_in_every_format(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    farm = closed_cycle["farm"].id
    text = PdfReader(io.BytesIO(bundle.producer_pdf(data, farm))).pages[0].extract_text()
    assert "Ferme Lafitte" in text and "Potimarron" in text and "Tomme" not in text
    rows = parse_csv(writers.csv_bytes(lists.producer_tables(data, farm)))
    assert any(row[:1] == ["Carottes"] for row in rows)
    book = openpyxl.load_workbook(io.BytesIO(writers.xlsx_bytes(lists.producer_tables(data, farm))))
    assert len(book.sheetnames) == 2


def test_matrix_has_products_down_and_households_across(db, closed_cycle):
    data = cycle_data(closed_cycle["cycle"].id)
    table = lists.matrix_tables(data, closed_cycle["bourg"].id)[0]
    martin = closed_cycle["orders"]["martin"]
    assert f"{martin.reference} Zoé Martin" in table.header
    column = table.header.index(f"{martin.reference} Zoé Martin")
    carrots = next(row for row in table.rows if row[0].startswith("Carottes"))
    assert carrots[2] == 3 and carrots[column] == 2
    book = openpyxl.load_workbook(io.BytesIO(writers.xlsx_bytes([table])))
    assert book.worksheets[0].cell(row=3, column=1).value == "Produit"


@pytest.mark.parametrize(
    "make",
    [
        lambda data: writers.csv_bytes(lists.pickup_tables(data)),
        lambda data: writers.xlsx_bytes(lists.pickup_tables(data)),
        lambda data: bundle.pickup_pdf(data),
    ],
)
def test_writers_issue_no_query(db, closed_cycle, make):
    data = cycle_data(closed_cycle["cycle"].id)
    with count_queries(db.engine) as statements:
        make(data)
    assert statements == []
