"""Each producer is emailed its list once when a cycle closes, by date or by the coordinator."""

from datetime import timedelta

from market.cycles.models import OrderCycle
from market.timeutil import utcnow
from tests.factories import ProducerUserFactory
from tests.helpers import outbox as all_messages


def outbox(db):
    """The lists sent to producers (the households' order confirmations left aside)."""
    return [m for m in all_messages(db) if "Your order" not in m.subject
            and "Votre commande" not in m.subject]


def test_the_command_sends_each_list_once(app, db, closed_cycle):
    ProducerUserFactory(producer=closed_cycle["dairy"], email="dairy@example.org")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cycles", "notify-closed"])
    assert result.exit_code == 0, result.output
    messages = outbox(db)
    assert sorted(m.recipient for m in messages) == ["dairy@example.org", "farm@example.org"]
    farm_message = next(m for m in messages if m.recipient == "farm@example.org")
    cycle = closed_cycle["cycle"]
    assert f"/producers/{closed_cycle['farm'].id}/manage/lists/{cycle.id}" in farm_message.body
    assert "Semaine 48" in farm_message.subject
    assert runner.invoke(args=["cycles", "notify-closed"]).exit_code == 0
    assert len(outbox(db)) == 2
    assert db.session.get(OrderCycle, cycle.id).lists_sent_at is not None


def test_an_open_cycle_is_not_notified(app, db, closed_cycle):
    cycle = closed_cycle["cycle"]
    cycle.closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    app.test_cli_runner().invoke(args=["cycles", "notify-closed"])
    assert outbox(db) == []


def test_closing_now_sends_the_lists(app, db, coordinator_client, closed_cycle):
    cycle = closed_cycle["cycle"]
    cycle.closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    response = coordinator_client.post(f"/coordination/cycles/{cycle.id}/close")
    assert response.status_code == 302
    assert [m.recipient for m in outbox(db)] == ["farm@example.org"]
    app.test_cli_runner().invoke(args=["cycles", "notify-closed"])
    assert len(outbox(db)) == 1
