"""A partial credit note the coordinator issues on a sales invoice: chosen lines, quantities
or amounts, a reason; the household credited in the same transaction; never more than what
is left of the invoice, even when several people send it at once (PostgreSQL)."""

import io
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from market.extensions import db as _db
from market.invoices import credits, issuing
from market.invoices.models import Invoice
from market.invoices.verify import verify
from market.ledger.accounts import household_key, producer_key
from market.ledger.commission import split_line
from market.ledger.statements import account_balance, head
from market.pickup.services import mark_missing
from market.timeutil import utcnow
from tests.conftest import logged_in_client


@pytest.fixture
def invoiced(db, settled):
    """Martin's farm invoice: 2 bunches of carrots (5,00 €) and a squash (1,5 kg, 4,50 €)."""
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    martin = settled["orders"]["martin"]
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.order_id == martin.id, Invoice.kind == "sale")
    )
    assert [line["incl"] for line in invoice.content["lines"]] == [500, 450]
    return {**settled, "invoice": invoice}


def credit(client, invoice_id, **data):
    return client.post(f"/coordination/invoices/{invoice_id}/credit", data=data)


def notes(db) -> list[Invoice]:
    return db.session.scalars(
        select(Invoice).where(Invoice.kind == "credit_note").order_by(Invoice.id)
    ).all()


def pdf_text(invoice: Invoice) -> str:
    return " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(invoice.document)).pages
    )


def test_the_coordinator_credits_part_of_an_invoice(app, db, invoiced, coordinator_client):
    invoice, farm = invoiced["invoice"], invoiced["farm"]
    household = household_key(invoice.household_id)
    owed_before, farm_before = account_balance(household), account_balance(producer_key(farm.id))
    page = coordinator_client.get(f"/coordination/invoices/{invoice.id}/credit")
    assert page.status_code == 200
    assert "Carottes" in page.text and 'for="quantity-0"' in page.text
    done = credit(
        coordinator_client, invoice.id, **{"quantity-0": "1", "reason": "Carottes abîmées"}
    )
    assert done.status_code == 302
    [note] = notes(db)
    assert note.credited_invoice_id == invoice.id and note.series == invoice.series
    assert note.content["partial"] and note.content["reason"] == "Carottes abîmées"
    assert [(line["quantity"], line["incl"]) for line in note.content["lines"]] == [("1", 250)]
    text = pdf_text(note)
    assert f"Avoir partiel sur la facture n° {invoice.reference}" in text
    assert "Motif : Carottes abîmées" in text
    # The household is credited what the note says; the farm gives back its share.
    assert account_balance(household) == owed_before - 250
    assert account_balance(producer_key(farm.id)) == farm_before + split_line(250, 1000)[0]
    # An amount rather than a quantity, on the other line.
    assert (
        credit(
            coordinator_client, invoice.id, **{"amount-1": "1,20", "reason": "Geste"}
        ).status_code
        == 302
    )
    second = notes(db)[1]
    assert [(line["quantity"], line["incl"]) for line in second.content["lines"]] == [
        ("0.400", 120)
    ]
    # The invoice stays in force: issuing the cycle again issues nothing; the books agree.
    assert issuing.issue_cycle(invoiced["cycle"].id, utcnow()).issued == []
    db.session.commit()
    assert verify(1000).ok, verify(1000).problems
    assert app.test_cli_runner().invoke(args=["invoices", "verify"]).exit_code == 0
    # Downloadable where the invoice is: the household's list, the cycle's page.
    martin = logged_in_client(app, invoiced["people"]["martin"])
    assert note.reference in martin.get("/account/invoices").text
    assert martin.get(f"/invoices/{note.id}.pdf").data[:5] == b"%PDF-"
    cycle_page = coordinator_client.get(f"/coordination/invoices/cycles/{invoice.cycle_id}").text
    assert note.reference in cycle_page and f"/invoices/{note.id}.pdf" in cycle_page
    left = coordinator_client.get(f"/coordination/invoices/{invoice.id}/credit").text
    assert "2,50" in left and "3,30" in left  # what is left of each line


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"quantity-0": "3", "reason": "x"}, 409, "avoir entre 0 et 2"),
        ({"quantity-0": "-1", "reason": "x"}, 409, "avoir entre 0 et 2"),
        ({"quantity-0": "0", "reason": "x"}, 409, "avoir entre 0 et 2"),
        ({"amount-0": "5,01", "reason": "x"}, 409, "il reste au plus 500 centimes"),
        ({"amount-1": "0", "reason": "x"}, 409, "il reste au plus 450 centimes"),
        ({"quantity-0": "abc", "reason": "x"}, 400, "la quantité est un nombre"),
        ({"quantity-0": "NaN", "reason": "x"}, 400, "la quantité est un nombre"),
        ({"quantity-0": "Infinity", "reason": "x"}, 400, "la quantité est un nombre"),
        ({"amount-0": "deux", "reason": "x"}, 400, "le montant est en euros"),
        ({"reason": "x"}, 400, "Choisissez au moins une ligne"),
        ({"quantity-0": "1", "reason": ""}, 400, "Ce champ est obligatoire"),
        ({"quantity-0": "1", "reason": "   "}, 400, "Ce champ est obligatoire"),
    ],
)
def test_bad_credits_are_refused_and_nothing_is_written(
    db, invoiced, coordinator_client, data, status, message
):
    before = head()
    response = credit(coordinator_client, invoiced["invoice"].id, **data)
    assert response.status_code == status
    assert message in response.text
    assert notes(db) == [] and head() == before


def test_a_credit_larger_than_what_is_left_is_refused(db, invoiced, coordinator_client):
    invoice = invoiced["invoice"]
    assert (
        credit(coordinator_client, invoice.id, **{"amount-0": "4", "reason": "x"}).status_code
        == 302
    )
    before = head()
    refused = credit(coordinator_client, invoice.id, **{"amount-0": "1,01", "reason": "x"})
    assert refused.status_code == 409 and "il reste au plus 100 centimes" in refused.text
    with pytest.raises(credits.CreditRefused):  # the service, whatever the page checks
        credits.issue_partial_credit(
            invoice.id, {0: credits.Wanted(amount_cents=101)}, "x", utcnow()
        )
    _db.session.rollback()
    assert len(notes(db)) == 1 and head() == before


def test_only_an_issued_sales_invoice_in_force_is_credited(app, db, invoiced, coordinator_client):
    invoice = invoiced["invoice"]
    assert (
        credit(coordinator_client, 999999, **{"quantity-0": "1", "reason": "x"}).status_code == 404
    )
    assert coordinator_client.get("/coordination/invoices/999999/credit").status_code == 404
    credit(coordinator_client, invoice.id, **{"quantity-0": "1", "reason": "x"})
    [note] = notes(db)
    refused = credit(coordinator_client, note.id, **{"quantity-0": "1", "reason": "x"})
    assert refused.status_code == 409 and "Seule une facture de vente émise" in refused.text
    assert coordinator_client.get(f"/coordination/invoices/{note.id}/credit").status_code == 404
    # A producer or a household cannot issue one, even on their own invoice.
    for person in (invoiced["farmer"], invoiced["people"]["martin"]):
        client = logged_in_client(app, person)
        assert credit(client, invoice.id, **{"quantity-0": "1", "reason": "x"}).status_code == 403
    # An invoice cancelled by a credit note (an item missing after issue) is not credited.
    dupuy = invoiced["orders"]["dupuy"]
    carrots = dupuy.lines[0]
    mark_missing(dupuy, carrots.id, "1", utcnow())
    _db.session.commit()
    issuing.issue_cycle(invoiced["cycle"].id, utcnow())
    _db.session.commit()
    cancelled = db.session.scalar(
        select(Invoice).where(Invoice.order_id == dupuy.id, Invoice.kind == "sale")
    )
    refused = credit(coordinator_client, cancelled.id, **{"amount-0": "1", "reason": "x"})
    assert refused.status_code == 409 and "déjà entièrement annulée" in refused.text
    assert len(notes(db)) == 2
    assert verify(1000).ok


def test_an_order_changed_after_a_partial_credit_is_listed_not_invoiced(
    db, invoiced, coordinator_client
):
    invoice = invoiced["invoice"]
    credit(coordinator_client, invoice.id, **{"quantity-0": "1", "reason": "x"})
    martin = invoiced["orders"]["martin"]
    carrots = next(line for line in martin.lines if line.product_name == "Carottes")
    mark_missing(martin, carrots.id, "1", utcnow())
    _db.session.commit()
    outcome = issuing.issue_cycle(invoiced["cycle"].id, utcnow())
    assert [
        item.reason
        for item in outcome.not_invoiced
        if (item.order_reference, item.producer_id) == (martin.reference, invoice.producer_id)
    ] == [
        f"sa facture {invoice.reference} a un avoir partiel : créditez ce qui a changé par un "
        "autre avoir partiel"
    ]


@pytest.mark.postgres_only
def test_credits_sent_at_once_never_exceed_the_invoice(app, db, invoiced):
    """Six connections credit 2,00 € on the 5,00 € line at once: two pass, the rest are
    refused, and the notes, the ledger and verify agree."""
    invoice_id = invoiced["invoice"].id
    household = household_key(invoiced["invoice"].household_id)
    owed_before = account_balance(household)
    barrier = threading.Barrier(6, timeout=30)
    passed, refused, errors = [], [], []

    def attempt():
        with app.app_context():
            try:
                barrier.wait()
                credits.issue_partial_credit(
                    invoice_id, {0: credits.Wanted(amount_cents=200)}, "Carottes", utcnow()
                )
                _db.session.commit()
                passed.append(1)
            except credits.CreditRefused:
                _db.session.rollback()
                refused.append(1)
            except Exception as error:  # any other failure is the test's finding
                _db.session.rollback()
                errors.append(repr(error))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert (len(passed), len(refused)) == (2, 4)
    _db.session.expire_all()
    credited = _db.session.scalar(
        select(func.sum(Invoice.total_incl_vat_cents)).where(
            Invoice.credited_invoice_id == invoice_id
        )
    )
    assert credited == 400
    assert account_balance(household) == owed_before - 400
    numbers = sorted(note.number for note in notes(_db))
    assert numbers == [4, 5]  # the farm's series goes on without a gap
    assert verify(1000).ok
