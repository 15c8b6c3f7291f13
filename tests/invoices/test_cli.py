"""invoices issue | verify | register | commission from the command line; issuing the same
cycle from separate connections at once issues once (PostgreSQL)."""

import csv
import io
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.extensions import db as _db
from market.invoices import issuing
from market.invoices.models import Invoice
from market.invoices.verify import verify
from market.timeutil import to_hub_time, utcnow
from tests.invoices.test_issuing import without_triggers


def run(app, *args):
    return app.test_cli_runner().invoke(args=["invoices", *args])


def count(db) -> int:
    return db.session.scalar(select(func.count(Invoice.id)))


def test_issue_verify_and_register_from_the_command_line(app, db, settled, tmp_path):
    cycle_id = settled["cycle"].id
    first = run(app, "issue", "--cycle", str(cycle_id))
    assert first.exit_code == 0, first.output
    assert "3 issued, 2 not invoiced" in first.output
    assert "NOT invoiced" in first.output
    again = run(app, "issue", "--cycle", str(cycle_id))
    assert "0 issued, 2 not invoiced" in again.output
    assert count(db) == 3
    verified = run(app, "verify")
    assert verified.exit_code == 0 and "3 invoices" in verified.output
    month = to_hub_time(utcnow()).strftime("%Y-%m")
    out = tmp_path / "register.csv"
    written = run(app, "register", "--month", month, "--out", str(out))
    assert written.exit_code == 0, written.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Numéro", "Date", "Type", "Émetteur", "Client"]
    references = sorted(invoice.reference for invoice in db.session.scalars(select(Invoice)))
    assert sorted(row[0] for row in rows[1:]) == references
    totals = {row[0]: row[9] for row in rows[1:]}
    for invoice in db.session.scalars(select(Invoice)):
        assert (
            totals[invoice.reference] == f"{invoice.total_incl_vat_cents // 100},"
            f"{invoice.total_incl_vat_cents % 100:02d}"
        )
        assert rows[1][-1]  # the ledger transactions it states


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["issue", "--cycle", "999999"], "no such cycle"),
        (["register", "--month", "2026-13", "--out", "x.csv"], "YYYY-MM"),
        (["commission", "--month", "nope"], "YYYY-MM"),
    ],
)
def test_bad_input_is_refused_in_one_line(app, db, args, message):
    result = run(app, *args)
    assert result.exit_code == 1 and message in result.output


def test_a_cycle_not_settled_is_refused_and_nothing_written(app, db, invoiceable):
    result = run(app, "issue", "--cycle", str(invoiceable["cycle"].id))
    assert result.exit_code == 1 and "not settled" in result.output
    assert count(db) == 0


def test_verify_exits_1_naming_the_problem(app, db, settled):
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    without_triggers(db, "DELETE FROM invoices WHERE number = 1")
    result = run(app, "verify")
    assert result.exit_code == 1 and "number 1 is missing" in result.output


def test_commission_from_the_command_line(app, db, settled):
    issued_at = utcnow() - timedelta(days=40)
    issuing.issue_cycle(settled["cycle"].id, issued_at)
    db.session.commit()
    month = to_hub_time(issued_at).strftime("%Y-%m")
    result = run(app, "commission", "--month", month)
    assert result.exit_code == 0 and "1 commission invoices issued" in result.output
    assert "0 commission invoices issued" in run(app, "commission", "--month", month).output


@pytest.mark.postgres_only
def test_issuing_one_cycle_from_several_connections_at_once_issues_once(app, db, settled):
    cycle_id = settled["cycle"].id
    barrier = threading.Barrier(4, timeout=30)
    outcomes, errors = [], []

    def attempt():
        with app.app_context():
            try:
                barrier.wait()
                outcomes.append(len(issuing.issue_cycle(cycle_id, utcnow()).issued))
                _db.session.commit()
            except Exception as error:  # any failure is the test's finding
                _db.session.rollback()
                errors.append(repr(error))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == [0, 0, 0, 3]
    assert count(db) == 3
    assert verify(1000).ok


def test_verify_exits_1_on_an_edited_amount_even_with_its_hash_made_again(app, db, settled):
    """Someone with the database's keys raises an amount and recomputes the row's hash: the
    ledger still says what was sold, and verify says so."""
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    invoice = db.session.scalar(select(Invoice).where(Invoice.number == 1))
    lines = [dict(line) for line in invoice.content["lines"]]
    lines[0]["incl"] += 100
    lines[0]["excl"] += 100
    invoice.content = {**invoice.content, "lines": lines}
    invoice.total_excl_vat_cents += 100
    invoice.total_incl_vat_cents += 100
    forged = issuing.content_sha256(invoice)
    stated = json.dumps(invoice.content).replace("'", "''")  # as SQL text
    db.session.rollback()
    # The test's own values, typed as someone at the database would.
    forgery = (
        "UPDATE invoices SET total_excl_vat_cents = total_excl_vat_cents + 100, "  # noqa: S608
        "total_incl_vat_cents = total_incl_vat_cents + 100, "
        f"content = '{stated}', content_sha256 = '{forged}' WHERE id = {invoice.id}"
    )
    without_triggers(db, forgery)
    result = run(app, "verify")
    assert result.exit_code == 1
    assert f"order {invoice.order_id}, producer {invoice.producer_id}: invoiced" in result.output
