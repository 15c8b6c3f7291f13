"""The FEC is named after the hub's SIREN: without a real one it is refused, saying why."""

import pytest


@pytest.mark.parametrize("siren", ["000000000", "", "732829321"])
def test_the_fec_is_refused_without_the_hubs_real_siren(
    app, db, coordinator_client, tmp_path, siren
):
    app.config["HUB_SIREN"] = siren
    out = tmp_path / "exports"
    out.mkdir()
    result = app.test_cli_runner().invoke(
        args=["ledger", "export", "--format", "fec", "--year", "2026", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: The hub's SIREN is missing or invalid, and the FEC is named after it: set "
        "MARKET_HUB_SIREN to the 9 digits of the hub's INSEE notice, then restart.\n"
    )
    assert list(out.iterdir()) == []
    response = coordinator_client.get("/ledger/export?format=fec&year=2026")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "MARKET_HUB_SIREN" in page
    assert "<h1>Clôtures et exports</h1>" in page
    assert coordinator_client.get("/ledger/export?format=csv&year=2026").status_code == 200


def test_with_a_real_siren_the_fec_is_named_after_it(app, db, tmp_path):
    app.config["HUB_SIREN"] = "732 829 320"
    result = app.test_cli_runner().invoke(
        args=["ledger", "export", "--format", "fec", "--year", "2026", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "732829320FEC20261231.txt").is_file()


def test_export_to_a_folder_that_does_not_exist_says_so_in_one_line(app, db, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["ledger", "export", "--format", "csv", "--out", str(tmp_path / "no" / "such.csv")]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write ")
    assert result.output.count("\n") == 1
