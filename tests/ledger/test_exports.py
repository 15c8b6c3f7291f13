"""Exports: the journal CSV and the FEC, by command and by download."""

import csv
import io
from datetime import timedelta

from market.ledger import builders, fec
from market.ledger.posting import post
from market.timeutil import to_hub_time, utcnow
from tests.ledger.fec_rules import fec_problems


def year_of_postings(household, producer):
    h = f"household:{household.id}"
    start = utcnow() - timedelta(minutes=5)
    post(
        "order.placed",
        [
            (h, 3000),
            (f"producer:{producer.id}", -2700, 550),
            ("hub:commission", -250, 550),
            ("hub:vat", -50, 550),
        ],
        idempotency_key="o",
        reference="Commande n°1\ttab",
        occurred_at=start,
    )
    builders.post_payment_received(household.id, 3000, "cash", "pickup", "p")
    builders.post_payout(producer.id, 2700, "VIR-2026-11", "v")
    builders.post_adjustment(h, 150, "Geste commercial : œufs cassés", "a")
    return to_hub_time(start).year


def test_fec_follows_the_rules(app, db, household, producer):
    year = year_of_postings(household, producer)
    name, content, _ = fec.export("fec", year)
    assert fec_problems(name, content, app.config["HUB_SIREN"], year) == []
    text = content.decode("iso-8859-15")
    assert "œufs" in text
    assert "30,00" in text
    assert f"H{household.id:05d}" in text
    assert f"P{producer.id:05d}" in text


def test_fec_checker_catches_broken_files(app, db, household, producer):
    year = year_of_postings(household, producer)
    name, content, _ = fec.export("fec", year)
    siren = app.config["HUB_SIREN"]
    assert fec_problems("fec.txt", content, siren, year)
    assert fec_problems(name, content.replace(b"30,00", b"30.00"), siren, year)
    lines = content.split(b"\r\n")
    assert fec_problems(name, b"\r\n".join([lines[0], *lines[2:]]), siren, year)


def test_export_command_writes_both_formats(app, db, household, producer, tmp_path):
    year = year_of_postings(household, producer)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["ledger", "export", "--format", "fec", "--year", str(year), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    path = tmp_path / f"{app.config['HUB_SIREN']}FEC{year}1231.txt"
    assert fec_problems(path.name, path.read_bytes(), app.config["HUB_SIREN"], year) == []
    out = tmp_path / "journal.csv"
    result = runner.invoke(
        args=["ledger", "export", "--format", "csv", "--year", str(year), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 4 + 2 + 2 + 2
    assert rows[0]["seq"] == "1"
    assert {row["account"] for row in rows} >= {"cash:till", "hub:commission"}


def test_empty_year_exports_a_header_only(app, db):
    name, content, _ = fec.export("fec", 2001)
    assert content.decode("iso-8859-15").count("\r\n") == 1
    assert fec_problems(name, content, app.config["HUB_SIREN"], 2001) == []


def test_coordinator_downloads_exports(db, coordinator_client, household, producer, app):
    year = year_of_postings(household, producer)
    db.session.commit()
    response = coordinator_client.get(f"/ledger/export?format=fec&year={year}")
    assert response.status_code == 200
    assert f"{app.config['HUB_SIREN']}FEC{year}1231.txt" in response.headers["Content-Disposition"]
    assert (
        fec_problems(
            f"{app.config['HUB_SIREN']}FEC{year}1231.txt",
            response.data,
            app.config["HUB_SIREN"],
            year,
        )
        == []
    )
    assert coordinator_client.get(f"/ledger/export?format=csv&year={year}").status_code == 200
    assert coordinator_client.get("/ledger/export?format=xls&year=2026").status_code == 400
    assert coordinator_client.get("/ledger/export?format=fec&year=abc").status_code == 400
