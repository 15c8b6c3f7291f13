"""Sales invoices in the producer's name: per order and producer once the cycle is settled,
gapless per producer, agreeing with the ledger, corrected by credit notes, never changed."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from market.cycles.services import settle
from market.invoices import issuing
from market.invoices.models import Invoice, InvoiceSeries
from market.invoices.services import withdraw_mandate
from market.invoices.verify import verify
from market.ledger.accounts import producer_key
from market.ledger.commission import split_line
from market.ledger.statements import account_balance
from market.pickup.services import mark_missing, mark_no_show, record_weight
from market.timeutil import utcnow
from tests.factories import TaxProfileFactory


@pytest.fixture(autouse=True)
def cancel_no_shows(app):
    """An order nobody collected is cancelled: a cancellation after pickup."""
    app.config["HUB_NO_SHOW_POLICY"] = "cancel"


def invoices(db, **where) -> list[Invoice]:
    query = select(Invoice).order_by(Invoice.id)
    for name, value in where.items():
        query = query.where(getattr(Invoice, name) == value)
    return db.session.scalars(query).all()


def pdf_text(invoice: Invoice) -> str:
    """The PDF's words, whatever the lines they were wrapped on."""
    return " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(invoice.document)).pages
    )


def in_force(db, producer_id) -> int:
    """What the producer's invoices in force say it sold, less the hub's commission."""
    total = 0
    for invoice in invoices(db, producer_id=producer_id):
        for line in invoice.content["lines"]:
            total += invoice.sign * split_line(line["incl"], 1000)[0]
    return total


def test_a_cycle_not_settled_is_refused_and_nothing_issued(db, invoiceable):
    with pytest.raises(issuing.InvoicingRefused, match="pas encore soldé"):
        issuing.issue_cycle(invoiceable["cycle"].id, utcnow())
    with pytest.raises(issuing.InvoicingRefused, match="Ce cycle n’existe pas"):
        issuing.issue_cycle(10**6, utcnow())
    assert invoices(db) == []


def test_settled_cycle_invoiced_per_order_and_producer_in_the_producers_name(db, settled):
    farm = settled["farm"]
    outcome = issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    # The farm sold to Martin and Dupuy (carrots, squash) and Etcheverry (squash); the dairy
    # has no profile nor mandate: its two sales are listed, never skipped silently.
    assert [(invoice.series, invoice.number) for invoice in outcome.issued] == [
        (issuing.series_key(farm.id), number) for number in (1, 2, 3)
    ]
    assert sorted((item.order_reference, item.reason) for item in outcome.not_invoiced) == sorted(
        (order.reference, "pas de profil fiscal")
        for order in (settled["orders"]["martin"], settled["orders"]["etcheverry"])
    )
    # Each invoice states what the household paid for the farm's goods, to the cent, and
    # the farm's share in the ledger is that less the commission.
    martin = settled["orders"]["martin"]
    first = outcome.issued[0]
    assert first.order_id == martin.id
    assert first.total_incl_vat_cents == sum(
        line.amount_cents for line in martin.lines if line.producer_id == farm.id
    )
    assert in_force(db, farm.id) == -account_balance(producer_key(farm.id))
    assert first.total_excl_vat_cents + first.total_vat_cents == first.total_incl_vat_cents
    assert first.ledger_seqs and all(isinstance(seq, int) for seq in first.ledger_seqs)
    # Every mandatory mention, read back from the PDF.
    document = pdf_text(first)
    for expected in (
        f"Facture n° {first.reference}",
        "EARL Ferme Lafitte",
        "SIRET 73282932000074",
        "FR44732829320",
        "Zoé Martin",
        "au nom et pour le compte de EARL Ferme Lafitte",
        "mandat de facturation (version 1",
        "Carottes",
        "Potimarron",
        "Prix unitaire HT",
        "5,5 %",
        "Total HT",
        martin.reference,
    ):
        assert expected in document, expected
    # Issued again: nothing new.
    again = issuing.issue_cycle(settled["cycle"].id, utcnow())
    assert again.issued == [] and len(again.not_invoiced) == 2
    assert verify(1000).ok


def test_a_change_after_issue_is_a_credit_note_and_a_new_invoice(db, settled):
    farm = settled["farm"]
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    martin, dupuy = settled["orders"]["martin"], settled["orders"]["dupuy"]
    carrots = next(line for line in martin.lines if line.product_name == "Carottes")
    squash = next(line for line in martin.lines if line.product_name == "Potimarron")
    mark_missing(martin, carrots.id, "1", utcnow())
    record_weight(martin, squash.id, "1,720", utcnow())
    mark_no_show(dupuy, utcnow())  # cancelled after pickup, under the "cancel" policy
    db.session.commit()
    outcome = issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    kinds = [(invoice.kind, invoice.order_id) for invoice in outcome.issued]
    assert kinds == [("credit_note", martin.id), ("sale", martin.id), ("credit_note", dupuy.id)]
    note, replacement = outcome.issued[0], outcome.issued[1]
    assert note.credited_invoice.order_id == martin.id
    assert note.total_incl_vat_cents == note.credited_invoice.total_incl_vat_cents
    assert "Avoir annulant la facture n° " + note.credited_invoice.reference in pdf_text(note)
    assert any(
        line["quantity"] == "1.720" and line["unit"] == "kg"
        for line in replacement.content["lines"]
    )
    # Gapless: 1–3 first, then 4–6.
    assert [invoice.number for invoice in invoices(db, producer_id=farm.id)] == [1, 2, 3, 4, 5, 6]
    assert in_force(db, farm.id) == -account_balance(producer_key(farm.id))
    assert verify(1000).ok


def test_franchise_en_base_invoices_carry_no_vat_and_the_mention(db, invoiceable):
    farm_profile = issuing.tax_profile(invoiceable["farm"].id)
    db.session.delete(farm_profile)
    db.session.flush()
    TaxProfileFactory(producer=invoiceable["farm"], vat_regime="franchise", vat_number=None)
    settle(invoiceable["cycle"], utcnow())
    db.session.commit()
    outcome = issuing.issue_cycle(invoiceable["cycle"].id, utcnow())
    for invoice in outcome.issued:
        assert invoice.total_vat_cents == 0
        assert invoice.total_excl_vat_cents == invoice.total_incl_vat_cents
        assert "TVA non applicable, art. 293 B du CGI" in pdf_text(invoice)


def test_a_withdrawn_mandate_stops_the_invoices(db, settled):
    withdraw_mandate(settled["farm"], settled["farmer"].id, utcnow())
    outcome = issuing.issue_cycle(settled["cycle"].id, utcnow())
    assert outcome.issued == []
    assert {item.reason for item in outcome.not_invoiced} >= {
        "pas de mandat de facturation en vigueur"
    }


def test_a_credit_note_larger_than_its_invoice_is_refused(db, settled):
    invoice = issuing.issue_cycle(settled["cycle"].id, utcnow()).issued[0]
    db.session.commit()
    bigger = [
        {
            **invoice.content["lines"][0],
            "incl": invoice.total_incl_vat_cents + 1,
            "excl": invoice.total_incl_vat_cents + 1,
            "vat": 0,
        }
    ]
    with pytest.raises(issuing.InvoicingRefused, match="ne peut dépasser"):
        issuing.credit_note(invoice, utcnow(), [], bigger)
    issuing.credit_note(invoice, utcnow(), [])
    with pytest.raises(issuing.InvoicingRefused, match="ne peut dépasser"):
        issuing.credit_note(invoice, utcnow(), [], invoice.content["lines"][:1])


def test_issued_invoices_are_append_only_and_numbers_follow_on(db, settled):
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    for statement in (
        "UPDATE invoices SET total_incl_vat_cents = 1, total_excl_vat_cents = 1,"
        " total_vat_cents = 0",
        "DELETE FROM invoices WHERE number = 2",
        "UPDATE invoice_series SET last_number = last_number + 2",
        "DELETE FROM invoice_series",
    ):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
        db.session.rollback()
    invoice = invoices(db)[-1]
    copy = {
        column.name: getattr(invoice, column.key)
        for column in Invoice.__table__.columns
        if column.name not in ("id", "reference")
    }
    for number in (invoice.number, invoice.number + 2):  # taken, and a gap
        with pytest.raises(DBAPIError, match="must follow the last of its series"):
            db.session.execute(
                Invoice.__table__.insert().values(
                    **{**copy, "number": number, "reference": f"X-{number}"}
                )
            )
        db.session.rollback()
    assert verify(1000).ok


def without_triggers(db, statement: str) -> None:
    """What someone with the database's keys could do: the triggers off, one change."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE invoices DISABLE TRIGGER USER"))
        db.session.execute(text(statement))
        db.session.execute(text("ALTER TABLE invoices ENABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER invoices_no_update"))
        db.session.execute(text("DROP TRIGGER invoices_no_delete"))
        db.session.execute(text(statement))
    db.session.commit()


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE invoices SET total_incl_vat_cents = total_incl_vat_cents + 100, "
            "total_excl_vat_cents = total_excl_vat_cents + 100 WHERE number = 2",
            "what it states was changed",
        ),
        ("DELETE FROM invoices WHERE number = 2", "number 2 is missing"),
        ("DELETE FROM invoices WHERE number = 3", "3 numbers given, 2 invoices found"),
    ],
)
def test_verify_catches_an_edited_amount_and_a_deleted_invoice(db, settled, statement, problem):
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    without_triggers(db, statement)
    verdict = verify(1000)
    assert not verdict.ok
    assert any(problem in found for found in verdict.problems), verdict.problems


def test_the_series_counter_and_the_invoices_agree(db, settled):
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    series = db.session.scalar(
        select(InvoiceSeries).where(InvoiceSeries.key == issuing.series_key(settled["farm"].id))
    )
    assert series.last_number == 3


def test_the_customer_address_is_printed_when_the_household_gave_it(db, settled):
    martin = settled["orders"]["martin"].household
    martin.address, martin.postcode, martin.town = "12 rue des Arènes", "40440", "Ondres"
    db.session.commit()
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    for invoice in invoices(db):
        if invoice.household_id == martin.id:
            assert invoice.content["buyer"]["address"] == "12 rue des Arènes"
            assert "12 rue des Arènes 40440 Ondres" in pdf_text(invoice)
        else:  # no street given: the name alone
            assert set(invoice.content["buyer"]) == {"name"}
