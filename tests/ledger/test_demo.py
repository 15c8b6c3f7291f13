"""The demo seeds realistic movements; the ledger verifies and its FEC validates."""

from sqlalchemy import func, select

from market.ledger import fec
from market.ledger.models import LedgerTransaction
from market.timeutil import to_hub_time, utcnow
from tests.ledger.fec_rules import fec_problems


def test_demo_ledger_verifies_and_its_fec_validates(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0
    count = db.session.execute(select(func.count(LedgerTransaction.id))).scalar()
    assert runner.invoke(args=["demo"]).exit_code == 0  # idempotent
    assert db.session.execute(select(func.count(LedgerTransaction.id))).scalar() == count
    # Orders of two cycles, last week's paid at pickup, a top-up and a payout.
    assert count > 60
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    year = to_hub_time(utcnow()).year
    name, content, _ = fec.export("fec", year)
    assert fec_problems(name, content, app.config["HUB_SIREN"], year) == []
