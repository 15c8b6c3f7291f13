"""Invoices issued when a cycle is settled, with nobody pressing a button: in the transaction
that settles it, and by `invoices issue --settled` (run by a timer) for what could not be."""

import pytest
from sqlalchemy import func, select

from market.cycles.services import settle
from market.invoices import issuing
from market.invoices.models import Invoice, InvoiceSeries
from market.invoices.services import accept_mandate
from market.invoices.verify import verify
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import InvoiceFactory, TaxProfileFactory
from tests.helpers import count_queries

ISSUE_AT_SETTLEMENT = True


def count(db) -> int:
    return db.session.scalar(select(func.count(Invoice.id)))


def run(app, *args):
    return app.test_cli_runner().invoke(args=["invoices", *args])


def test_settling_on_the_cycles_page_issues_the_invoices_at_once(
    app, db, invoiceable, coordinator_client
):
    cycle_id = invoiceable["cycle"].id
    settled = coordinator_client.post(f"/coordination/cycles/{cycle_id}/settle")
    assert settled.status_code == 302
    db.session.expire_all()
    # The farm's three sales are invoiced in the settling transaction; the dairy's two are
    # not (no tax profile), and the cycle's page says so, naming the producer and why.
    assert count(db) == 3
    page = coordinator_client.get(f"/coordination/invoices/cycles/{cycle_id}")
    assert page.status_code == 200
    assert "Non facturé" in page.text and "pas de profil fiscal" in page.text
    assert invoiceable["dairy"].name in page.text
    for invoice in db.session.scalars(select(Invoice)):
        assert invoice.reference in page.text
    listing = coordinator_client.get("/coordination/invoices").text
    assert f"/coordination/invoices/cycles/{cycle_id}" in listing and "3 factures" in listing
    assert verify(1000).ok


def test_the_cycle_page_says_when_every_sale_is_invoiced(app, db, invoiceable, coordinator_client):
    dairy = invoiceable["dairy"]
    TaxProfileFactory(
        producer=dairy, legal_name="SARL Laiterie", vat_regime="franchise", vat_number=None
    )
    accept_mandate(dairy, invoiceable["farmer"].id, 1, utcnow())
    db.session.commit()
    cycle_id = invoiceable["cycle"].id
    waiting = coordinator_client.get(f"/coordination/invoices/cycles/{cycle_id}").text
    assert "pas encore soldé" in waiting
    assert coordinator_client.post(f"/coordination/cycles/{cycle_id}/settle").status_code == 302
    assert count(db) == 5
    page = coordinator_client.get(f"/coordination/invoices/cycles/{cycle_id}").text
    assert "Toutes les ventes de ce cycle sont facturées." in page
    assert coordinator_client.get("/coordination/invoices/cycles/999999").status_code == 404


def test_a_failed_issue_never_stops_the_settling_and_the_timer_catches_up(
    app, db, invoiceable, monkeypatch
):
    real, calls = issuing.sale_invoice, []

    def breaks_at_the_second(*args, **kwargs):
        """The first invoice is written (a number taken), then drawing the next fails."""
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the PDF could not be drawn")
        return real(*args, **kwargs)

    monkeypatch.setattr(issuing, "sale_invoice", breaks_at_the_second)
    cycle = invoiceable["cycle"]
    settle(cycle, utcnow())
    db.session.commit()
    db.session.expire_all()
    # Settled, and nothing of the failed issue is left: no invoice, no number used.
    assert cycle.settled_at is not None and len(calls) == 2
    assert count(db) == 0
    assert db.session.scalar(select(func.coalesce(func.sum(InvoiceSeries.last_number), 0))) == 0
    monkeypatch.undo()
    first = run(app, "issue", "--settled")
    assert first.exit_code == 0, first.output
    assert "3 issued, 2 not invoiced" in first.output
    again = run(app, "issue", "--settled")
    assert again.exit_code == 0 and "0 issued, 2 not invoiced" in again.output
    assert count(db) == 3
    assert verify(1000).ok


def test_issue_settled_picks_up_a_mandate_accepted_later(app, db, invoiceable):
    settle(invoiceable["cycle"], utcnow())
    db.session.commit()
    assert count(db) == 3
    dairy = invoiceable["dairy"]
    TaxProfileFactory(
        producer=dairy, legal_name="SARL Laiterie", vat_regime="franchise", vat_number=None
    )
    accept_mandate(dairy, invoiceable["farmer"].id, 1, utcnow())
    db.session.commit()
    result = run(app, "issue", "--settled")
    assert result.exit_code == 0 and "2 issued, 0 not invoiced" in result.output
    assert "0 issued, 0 not invoiced" in run(app, "issue", "--settled").output
    assert count(db) == 5
    assert verify(1000).ok


@pytest.mark.parametrize(
    "args", [["issue"], ["issue", "--settled", "--cycle", "1"]], ids=["neither", "both"]
)
def test_issue_wants_either_a_cycle_or_settled(app, db, args):
    result = run(app, *args)
    assert result.exit_code == 2 and "either --cycle ID or --settled" in result.output


def test_the_cycle_page_queries_the_database_a_bounded_number_of_times(
    app, db, invoiceable, coordinator_user
):
    settle(invoiceable["cycle"], utcnow())
    db.session.commit()
    client = logged_in_client(app, coordinator_user)
    cycle_id = invoiceable["cycle"].id
    url = f"/coordination/invoices/cycles/{cycle_id}"
    counts = []
    for more in (0, 12):
        for _ in range(more):
            InvoiceFactory(producer_id=invoiceable["farm"].id, cycle_id=cycle_id)
        db.session.commit()
        with count_queries(db.engine) as counter:
            assert client.get(url).status_code == 200
        counts.append(len(counter))
    assert counts[0] == counts[1], counts


def test_a_cycle_too_big_to_invoice_in_the_click_is_left_to_the_timer(
    app, db, invoiceable, coordinator_client
):
    app.config["INVOICES_AT_SETTLEMENT_MAX"] = 4  # the cycle makes 5 (orders × producers)
    cycle_id = invoiceable["cycle"].id
    assert issuing.sales_to_invoice(cycle_id) == 5
    assert coordinator_client.post(f"/coordination/cycles/{cycle_id}/settle").status_code == 302
    assert count(db) == 0
    page = coordinator_client.get(f"/coordination/invoices/cycles/{cycle_id}").text
    assert "3 factures ou avoirs restent à émettre." in page
    result = run(app, "issue", "--settled")
    assert result.exit_code == 0 and "3 issued, 2 not invoiced" in result.output
    assert "0 issued, 2 not invoiced" in run(app, "issue", "--settled").output
    assert count(db) == 3
