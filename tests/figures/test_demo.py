"""The demo seeds a year of history: the dashboard and the observatory show real figures."""

from market.figures import dashboard, observatory
from market.ledger.verify import verify
from market.timeutil import utcnow


def test_the_demo_has_a_year_of_figures(app, db, coordinator_client):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    spending = observatory.build(utcnow(), "month").figure("spending").rows
    assert len(spending) >= 12
    assert sum(not row["withheld"] for row in spending) >= 10
    board = dashboard.build(utcnow())
    assert board.cycle is not None and len(board.earlier) == dashboard.EARLIER_CYCLES
    assert all(item.orders for item in board.earlier)
    assert verify().ok
    assert "Dépenses auprès des producteurs locaux" in coordinator_client.get("/observatoire").text
