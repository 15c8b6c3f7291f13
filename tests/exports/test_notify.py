"""Each producer is emailed its list once when a cycle closes, by date or by the coordinator."""

from datetime import timedelta

from market.cycles.models import OrderCycle
from market.timeutil import utcnow
from tests.factories import ProducerUserFactory
from tests.helpers import outbox as all_messages


def outbox(db):
    """The lists sent to producers (the households' order confirmations left aside)."""
    return [
        m
        for m in all_messages(db)
        if "Your order" not in m.subject and "Votre commande" not in m.subject
    ]


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


def test_the_producers_mail_carries_its_list_as_pdf_and_csv(app, db, closed_cycle):
    import io

    from pypdf import PdfReader

    from market.mail.services import as_email

    app.test_cli_runner().invoke(args=["cycles", "notify-closed"])
    message = next(m for m in outbox(db) if m.recipient == "farm@example.org")
    assert "/ledger/receipt?seq=" in message.body  # it still names the ledger's head
    email = as_email(message)
    files = {part.get_filename(): part for part in email.iter_attachments()}
    assert sorted(files) == ["ferme-lafitte-semaine-48.csv", "ferme-lafitte-semaine-48.pdf"]
    pdf = PdfReader(io.BytesIO(files["ferme-lafitte-semaine-48.pdf"].get_content()))
    assert "Potimarron" in pdf.pages[0].extract_text()
    csv_text = files["ferme-lafitte-semaine-48.csv"].get_content()
    csv_text = csv_text.decode("utf-8-sig") if isinstance(csv_text, bytes) else csv_text
    assert "Carottes" in csv_text


def test_mail_remind_runs_from_the_command_line_and_is_idempotent(app, db, closed_cycle):
    cycle = closed_cycle["cycle"]
    for pickup in cycle.pickups:
        pickup.starts_at = utcnow() + timedelta(hours=3)
        pickup.ends_at = pickup.starts_at + timedelta(hours=2)
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["mail", "remind"])
    assert first.exit_code == 0 and "pickup 3" in first.output
    again = runner.invoke(args=["mail", "remind"])
    assert "pickup 0" in again.output
