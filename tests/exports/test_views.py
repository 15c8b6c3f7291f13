"""Downloads from the coordinator's cycle page and the producer's space; the export command."""

import csv
import io
import zipfile

import pytest
from pypdf import PdfReader

from market.exports.bundle import zip_name
from market.exports.data import cycle_data
from tests.conftest import logged_in_client
from tests.helpers import count_queries


@pytest.mark.parametrize(
    "fmt, mimetype",
    [
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats"),
        ("pdf", "application/pdf"),
        ("html", "text/html"),
    ],
)
def test_pickup_list_downloads(coordinator_client, closed_cycle, fmt, mimetype):
    cycle, bourg = closed_cycle["cycle"], closed_cycle["bourg"]
    response = coordinator_client.get(
        f"/coordination/cycles/{cycle.id}/pickup-list.{fmt}?pickup={bourg.id}"
    )
    assert response.status_code == 200
    assert response.mimetype.startswith(mimetype)
    if fmt == "csv":
        assert response.is_streamed
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
        assert rows[-1][4] == "24,00"


def test_pickup_list_queries_do_not_grow_with_orders(app, db, coordinator_client, closed_cycle):
    from tests.factories import HouseholdUserFactory, OrderFactory, OrderLineFactory

    cycle = closed_cycle["cycle"]
    url = f"/coordination/cycles/{cycle.id}/pickup-list.pdf"
    with count_queries(db.engine) as few:
        coordinator_client.get(url)
    for number in range(100, 130):
        order = OrderFactory(
            cycle=cycle,
            household_id=HouseholdUserFactory().household_id,
            number=number,
            reference=f"S48-{number:04d}",
            pickup_id=closed_cycle["bourg"].id,
        )
        OrderLineFactory(order=order, offer=closed_cycle["cheese"], quantity=2)
    db.session.commit()
    with count_queries(db.engine) as many:
        response = coordinator_client.get(url)
    assert response.status_code == 200
    assert len(few) == len(many)


@pytest.mark.parametrize("query", ["?pickup=999999", "?pickup=abc"])
def test_a_point_not_in_the_cycle_is_not_found(coordinator_client, closed_cycle, query):
    cycle = closed_cycle["cycle"]
    assert (
        coordinator_client.get(
            f"/coordination/cycles/{cycle.id}/pickup-list.csv{query}"
        ).status_code
        == 404
    )


def test_unknown_cycle_or_format(coordinator_client, closed_cycle):
    assert coordinator_client.get("/coordination/cycles/999999/lists").status_code == 404
    assert (
        coordinator_client.get(
            f"/coordination/cycles/{closed_cycle['cycle'].id}/pickup-list.doc"
        ).status_code
        == 404
    )


def test_cycle_page_links_every_list(coordinator_client, closed_cycle):
    cycle = closed_cycle["cycle"]
    page = coordinator_client.get(f"/coordination/cycles/{cycle.id}/lists").get_data(True)
    for fragment in (
        "lists.zip",
        "matrix.xlsx",
        "summary.pdf",
        "Ferme Lafitte",
        "Bourg",
        f"/pickup/{closed_cycle['bourg'].id}",
    ):
        assert fragment in page
    assert f"/coordination/cycles/{cycle.id}/lists" in coordinator_client.get(
        "/coordination/cycles"
    ).get_data(True)


def test_the_zip_holds_every_list(coordinator_client, closed_cycle):
    cycle = closed_cycle["cycle"]
    response = coordinator_client.get(f"/coordination/cycles/{cycle.id}/lists.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    for name in (
        "pickup-lists.pdf",
        "pickup-lists.csv",
        "pickup-lists.xlsx",
        "pickup-lists.html",
        "matrix-bourg.csv",
        "matrix-gare.xlsx",
        "matrix-gare.csv",
        "summary.pdf",
        "summary.csv",
        "summary.xlsx",
    ):
        assert name in names
    farm = closed_cycle["farm"].id
    assert f"producer-{farm}-ferme-lafitte.pdf" in names


def test_summary_page(coordinator_client, closed_cycle):
    page = coordinator_client.get(
        f"/coordination/cycles/{closed_cycle['cycle'].id}/summary"
    ).get_data(True)
    assert "Ventes par producteur" in page and "Laiterie Biarrot" in page


def test_the_producer_finds_its_list_in_its_space(app, db, closed_cycle):
    client = logged_in_client(app, closed_cycle["farmer"])
    farm, cycle = closed_cycle["farm"], closed_cycle["cycle"]
    listing = client.get(f"/producers/{farm.id}/manage/lists").get_data(True)
    assert cycle.name in listing
    page = client.get(f"/producers/{farm.id}/manage/lists/{cycle.id}").get_data(True)
    assert "Potimarron" in page and "Tomme" not in page
    pdf = client.get(f"/producers/{farm.id}/manage/lists/{cycle.id}.pdf")
    assert "Carottes" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    other = closed_cycle["dairy"]
    assert client.get(f"/producers/{other.id}/manage/lists/{cycle.id}.pdf").status_code == 403


def test_export_command_writes_every_format_and_the_zip(app, db, closed_cycle, tmp_path):
    cycle = closed_cycle["cycle"]
    result = app.test_cli_runner().invoke(
        args=["export", "cycle", str(cycle.id), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    written = {path.name for path in (tmp_path / "out").iterdir()}
    archive = zip_name(cycle_data(cycle.id))
    assert archive in written
    assert set(zipfile.ZipFile(tmp_path / "out" / archive).namelist()) == written - {archive}
    assert {"pickup-lists.pdf", "pickup-lists.csv", "pickup-lists.xlsx"} <= written


def test_export_command_refuses_an_unknown_cycle(app, db, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["export", "cycle", "999999", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0 and "999999" in result.output


@pytest.mark.parametrize("path", ["pickup-list.csv", "summary.csv", "matrix.csv"])
def test_csv_downloads_name_their_charset_once(coordinator_client, closed_cycle, path):
    response = coordinator_client.get(f"/coordination/cycles/{closed_cycle['cycle'].id}/{path}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_each_group_of_lists_downloads_in_one_zip(coordinator_client, closed_cycle):
    cycle, farm = closed_cycle["cycle"], closed_cycle["farm"].id
    lists = f"/coordination/cycles/{cycle.id}/lists.zip"

    def names(part):
        response = coordinator_client.get(f"{lists}?part={part}")
        assert response.status_code == 200
        assert f"-{part}.zip" in response.headers["Content-Disposition"]
        return set(zipfile.ZipFile(io.BytesIO(response.data)).namelist())

    pickup, producers = names("pickup"), names("producers")
    assert {"pickup-lists.pdf", "matrix-bourg.xlsx"} <= pickup
    assert not any(name.startswith(("producer-", "summary")) for name in pickup)
    assert f"producer-{farm}-ferme-lafitte.pdf" in producers
    assert all(name.startswith("producer-") for name in producers)
    assert coordinator_client.get(f"{lists}?part=summary").status_code == 404
