"""The hub's monthly commission invoices: Factur-X (EN 16931), valid by the library's checks,
amounts read back, agreeing with the ledger's commission and VAT."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from facturx import get_facturx_xml_from_pdf, get_level, xml_check_xsd
from facturx.parse_xml import parse_ubl_cii_xml
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import func, select

from market.invoices import commission, issuing
from market.invoices.reports import hub_commission_summary, producer_vat_summary
from market.invoices.verify import verify
from market.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from market.timeutil import to_hub_time, utcnow
from tests.factories import MandateAcceptanceFactory, TaxProfileFactory
from tests.invoices.schematron import failed_rules


def ledger_total(key: str, order_ids: list[int]) -> int:
    return -int(
        db_scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount), 0))
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerAccount.key == key, LedgerTransaction.order_id.in_(order_ids))
        )
    )


def db_scalar(query):
    from market.extensions import db

    return db.session.scalar(query)


@pytest.fixture
def last_month(db, settled):
    """Both producers invoiced in the month before this one."""
    dairy = settled["dairy"]
    TaxProfileFactory(
        producer=dairy, legal_name="SARL Laiterie Biarrot", vat_regime="franchise", vat_number=None
    )
    MandateAcceptanceFactory(producer_id=dairy.id)
    issued_at = utcnow() - timedelta(days=40)
    outcome = issuing.issue_cycle(settled["cycle"].id, issued_at)
    db.session.commit()
    assert outcome.not_invoiced == []
    return to_hub_time(issued_at).strftime("%Y-%m")


def test_a_month_not_over_is_refused(db, settled):
    with pytest.raises(issuing.InvoicingRefused, match="n’est pas terminé"):
        commission.issue_month(to_hub_time(utcnow()).strftime("%Y-%m"), utcnow())


def test_commission_invoices_are_valid_factur_x_and_agree_with_the_ledger(db, settled, last_month):
    issued = commission.issue_month(last_month, utcnow())
    db.session.commit()
    assert [invoice.series for invoice in issued] == ["COM", "COM"]
    assert [invoice.number for invoice in issued] == [1, 2]
    order_ids = [order.id for order in settled["orders"].values()]
    # The hub's commission and its VAT, to the cent, are what the ledger credited.
    assert sum(invoice.total_excl_vat_cents for invoice in issued) == ledger_total(
        "hub:commission", order_ids
    )
    assert sum(invoice.total_vat_cents for invoice in issued) == ledger_total("hub:vat", order_ids)
    assert hub_commission_summary(last_month).vat_cents == ledger_total("hub:vat", order_ids)
    for invoice in issued:
        filename, xml = get_facturx_xml_from_pdf(invoice.document)
        assert filename == "factur-x.xml"
        tree = etree.fromstring(xml)
        assert get_level(tree) == "en16931"
        assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
        assert failed_rules(xml) == []
        data = parse_ubl_cii_xml(xml)
        assert data["BT-1"] == invoice.reference
        assert Decimal(str(data["BT-109"])) * 100 == invoice.total_excl_vat_cents
        assert Decimal(str(data["BT-110"])) * 100 == invoice.total_vat_cents
        assert Decimal(str(data["BT-112"])) * 100 == invoice.total_incl_vat_cents
        assert [Decimal(str(row["BT-119"])) for row in data["BG-23"]] == [Decimal(20)]
    # Issued again: nothing new.
    assert commission.issue_month(last_month, utcnow()) == []
    assert verify(1000).ok


def test_vat_summaries_per_producer(db, settled, last_month):
    farm = producer_vat_summary(last_month, settled["farm"].id)
    dairy = producer_vat_summary(last_month, settled["dairy"].id)
    assert [rate for rate, _excl, _vat in farm.rows] == [550]
    assert farm.vat_cents > 0
    # Franchise en base: sales with no VAT.
    assert [(rate, vat) for rate, _excl, vat in dairy.rows] == [(0, 0)]
    sold = sum(line.amount_cents for order in settled["orders"].values() for line in order.lines)
    assert farm.excl_cents + farm.vat_cents + dairy.excl_cents == sold


def test_the_factur_x_file_is_archival_fonts_embedded_an_output_intent_pdfa_3(
    db, settled, last_month
):
    [invoice, *_] = commission.issue_month(last_month, utcnow())
    reader = PdfReader(io.BytesIO(invoice.document))
    root = reader.trailer["/Root"]
    [intent] = root["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    assert intent.get_object()["/DestOutputProfile"].get_object()["/N"] == 3
    fonts = [
        font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()
    ]
    assert fonts and all("/FontFile2" in font["/FontDescriptor"].get_object() for font in fonts)
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in metadata
    assert "Commission sur les ventes de Semaine 48" in " ".join(
        reader.pages[0].extract_text().split()
    )


def test_the_schematron_catches_a_wrong_total(db, settled, last_month):
    """The check is real: a total that is not the sum of its parts breaks BR-CO-15."""
    [invoice, *_] = commission.issue_month(last_month, utcnow())
    _name, xml = get_facturx_xml_from_pdf(invoice.document)
    tree = etree.fromstring(xml)
    [total] = tree.xpath("//ram:GrandTotalAmount", namespaces=tree.nsmap)
    total.text = "999.99"
    assert any("BR-CO-15" in rule for rule in failed_rules(etree.tostring(tree)))
