"""Closures: chained totals; nothing posts into a closed period."""

import json
from datetime import timedelta

import pytest

from market.ledger import builders
from market.ledger.closures import close_period
from market.ledger.errors import LedgerError, PeriodClosed
from market.ledger.posting import post, reverse
from market.timeutil import to_hub_time, utcnow


def days_ago(days):
    return utcnow() - timedelta(days=days)


def history(household, producer):
    """An order, its payment by cash and a top-up by cheque, three days ago; one today."""
    moment = days_ago(3)
    h = f"household:{household.id}"
    order = post(
        "order.placed",
        [
            (h, 3000),
            (f"producer:{producer.id}", -2700, 550),
            ("hub:commission", -250, 550),
            ("hub:vat", -50, 550),
        ],
        idempotency_key="o",
        occurred_at=moment,
    )
    post(
        "payment.received",
        [("cash:till", 3000), (h, -3000)],
        payment_method="cash",
        idempotency_key="p",
        occurred_at=moment + timedelta(seconds=1),
    )
    post(
        "credit.topup",
        [("cash:cheque", 2000), (h, -2000)],
        payment_method="cheque",
        idempotency_key="t",
        occurred_at=moment + timedelta(seconds=2),
    )
    builders.post_credit_topup(household.id, 500, "cash", "", "today")
    return order, to_hub_time(moment).date()


def test_day_closure_totals_and_breakdowns(db, household, producer):
    _, day = history(household, producer)
    closure = close_period("day", day)
    assert closure.transaction_count == 3
    assert (closure.first_seq, closure.last_seq) == (1, 3)
    assert closure.total == 3000 + 3000 + 2000
    assert closure.grand_total == closure.total
    assert json.loads(closure.breakdown) == {
        "by_vat_rate": {"550": 3000},
        "by_payment_method": {"cash": 3000, "cheque": 2000},
    }
    assert closure.seq == 1
    assert closure.prev_hash == "0" * 64
    assert len(closure.hash) == 64


def test_closures_chain_and_grand_total_accumulates(db, household, producer):
    _, day = history(household, producer)
    first = close_period("day", day - timedelta(days=1))
    second = close_period("day", day)
    month = close_period("month", day - timedelta(days=40))
    assert first.transaction_count == 0
    assert second.prev_hash == first.hash
    assert second.grand_total == first.grand_total + second.total
    assert month.prev_hash == second.hash
    assert month.grand_total == month.total


def test_nothing_posts_into_a_closed_period(db, household, producer):
    order, day = history(household, producer)
    close_period("day", day)
    with pytest.raises(PeriodClosed):
        post(
            "credit.topup",
            [("cash:till", 1), (f"household:{household.id}", -1)],
            idempotency_key="late",
            occurred_at=days_ago(3) + timedelta(seconds=5),
        )
    # A late correction goes into the open period, dated now, naming the original.
    correction = reverse(order, reason="Wrong order", idempotency_key="fix")
    assert correction.occurred_at > days_ago(1)
    assert correction.reverses_id == order.id


def test_open_period_and_second_closure_are_refused(db):
    with pytest.raises(LedgerError):
        close_period("day", to_hub_time(utcnow()).date())
    close_period("day", to_hub_time(days_ago(2)).date())
    with pytest.raises(LedgerError):
        close_period("day", to_hub_time(days_ago(2)).date())


def test_close_command(app, db, household, producer):
    history(household, producer)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "close", "--period", "day"])
    assert result.exit_code == 0, result.output
    assert "closed day" in result.output
    again = runner.invoke(args=["ledger", "close", "--period", "day"])
    assert again.exit_code == 1
    assert "already closed" in again.output
    assert runner.invoke(args=["ledger", "close", "--period", "week"]).exit_code == 2
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0


def test_coordinator_closes_with_the_button(db, coordinator_client, household, producer):
    _, day = history(household, producer)
    db.session.commit()
    response = coordinator_client.post(
        "/ledger/closures", data={"period": "day", "day": day.isoformat()}
    )
    assert response.status_code == 302
    page = coordinator_client.get("/ledger/closures")
    assert day.isoformat() in page.text
    refused = coordinator_client.post(
        "/ledger/closures", data={"period": "day", "day": day.isoformat()}
    )
    assert refused.status_code == 400
    bad = coordinator_client.post("/ledger/closures", data={"period": "week"})
    assert bad.status_code == 400
