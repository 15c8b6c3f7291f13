"""The coordinator's dashboard: the open cycle at a glance, in a bounded number of queries."""

from market.extensions import db as database
from market.figures import dashboard
from market.timeutil import utcnow
from tests.factories import PASSWORD
from tests.helpers import count_queries


def test_the_dashboard_shows_the_open_cycle_against_the_last_ones(
    coordinator_client, open_cycle, closed_cycle
):
    board = dashboard.build(utcnow())
    assert board.cycle.id == open_cycle["cycle"].id
    assert (board.now.orders, board.now.amount_cents) == (1, 750)
    # Semaine 48 opened a day ago and its orders were placed just now: at two hours into
    # its window it had none yet.
    assert [(item.cycle.name, item.orders) for item in board.earlier] == [("Semaine 48", 0)]
    assert board.points == [("Bourg", 1, open_cycle["bourg"].collection_point.capacity)]
    assert board.sold_out == [("Carottes", "Ferme Lafitte")]
    assert board.without_offers == ["Laiterie Biarrot"]
    # Everything of the closed cycle is still to be paid at pickup.
    due = sum(order.total_cents for order in closed_cycle["orders"].values())
    assert (board.last_closed.id, board.unpaid_orders, board.unpaid_cents) == (
        closed_cycle["cycle"].id,
        3,
        due,
    )
    page = coordinator_client.get("/coordination")
    assert page.status_code == 200
    assert "Semaine 49" in page.text and "Carottes" in page.text
    assert "Laiterie Biarrot" in page.text


def test_the_dashboard_asks_the_same_number_of_queries_whatever_the_orders(
    app, coordinator_client, open_cycle
):
    coordinator_client.get("/coordination")
    with count_queries(database.engine) as statements:
        assert coordinator_client.get("/coordination").status_code == 200
    assert len(statements) <= 20


def test_the_last_verify_is_on_the_dashboard(app, coordinator_client, closed_cycle):
    assert "ledger verify" in coordinator_client.get("/coordination").text
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    board = dashboard.build(utcnow())
    assert board.verification.ok and board.verification.head_seq == board.head["seq"]


def test_a_coordinator_logs_in_to_the_dashboard(client, db, coordinator_user):
    db.session.commit()
    answer = client.post(
        "/login",
        data={"email": coordinator_user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/coordination")
