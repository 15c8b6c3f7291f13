"""The pages: producers fill in their profile and accept the mandate, the coordinator checks
and issues, everyone downloads what is theirs and nothing else; bad input is refused."""

import io
import zipfile

from sqlalchemy import select

from market.invoices import issuing, services
from market.invoices.models import Invoice
from market.timeutil import to_hub_time, utcnow
from tests.conftest import logged_in_client
from tests.factories import InvoiceFactory, ProducerUserFactory
from tests.helpers import count_queries, outbox

PROFILE = {
    "legal_name": "EARL Ferme Lafitte",
    "address": "12 chemin des Barthes",
    "postcode": "40440",
    "town": "Ondres",
    "siret": "732 829 320 00074",
    "vat_number": "FR44732829320",
    "vat_regime": "normal",
}


def test_the_producer_fills_in_its_profile_and_accepts_the_mandate(
    app, db, producer_client, producer_user
):
    producer_id = producer_user.producer_id
    page = producer_client.get("/producer/invoices")
    assert page.status_code == 200 and "Profil fiscal" in page.text
    assert "Mandat de facturation" in page.text
    bad = producer_client.post(
        "/producer/invoices/profile", data={**PROFILE, "siret": "73282932000075"}
    )
    assert bad.status_code == 400 and "pas un SIRET valide" in bad.text
    assert services.tax_profile(producer_id) is None
    missing = producer_client.post("/producer/invoices/profile", data={**PROFILE, "town": ""})
    assert missing.status_code == 400
    saved = producer_client.post("/producer/invoices/profile", data=PROFILE)
    assert saved.status_code == 302
    assert not services.tax_profile(producer_id).is_checked
    unticked = producer_client.post("/producer/invoices/mandate", data={"version": "1"})
    assert unticked.status_code == 400 and services.active_mandate(producer_id) is None
    stale = producer_client.post("/producer/invoices/mandate", data={"version": "7", "agree": "y"})
    assert stale.status_code == 409 and "a changé" in stale.text
    accepted = producer_client.post(
        "/producer/invoices/mandate", data={"version": "1", "agree": "y"}
    )
    assert accepted.status_code == 302
    assert services.active_mandate(producer_id).accepted_by_id == producer_user.id
    withdrawn = producer_client.post("/producer/invoices/mandate/withdraw")
    assert withdrawn.status_code == 302 and services.active_mandate(producer_id) is None
    assert outbox(db)[-1].recipient == app.config["HUB_EMAIL"]
    again = producer_client.post("/producer/invoices/mandate/withdraw")
    assert again.status_code == 409


def test_the_coordinator_checks_issues_and_downloads_the_month(db, coordinator_client, invoiceable):
    farm = invoiceable["farm"]
    profile = services.tax_profile(farm.id)
    profile.checked_at = None
    db.session.commit()
    page = coordinator_client.get("/coordination/invoices")
    assert "Marquer comme vérifié" in page.text and "non rempli" in page.text
    assert (
        coordinator_client.post(f"/coordination/invoices/profiles/{farm.id}/check").status_code
        == 302
    )
    assert services.tax_profile(farm.id).is_checked
    unknown = coordinator_client.post(
        f"/coordination/invoices/profiles/{invoiceable['dairy'].id}/check"
    )
    assert unknown.status_code == 400
    cycle_id = invoiceable["cycle"].id
    early = coordinator_client.post("/coordination/invoices/issue", data={"cycle": cycle_id})
    assert early.status_code == 409 and "pas encore soldé" in early.text
    assert db.session.scalars(select(Invoice)).all() == []
    for bad in ("", "abc", "-1", "99999999999"):
        assert (
            coordinator_client.post("/coordination/invoices/issue", data={"cycle": bad}).status_code
            == 400
        )
    from market.cycles.services import settle

    settle(invoiceable["cycle"], utcnow())
    db.session.commit()
    issued = coordinator_client.post("/coordination/invoices/issue", data={"cycle": cycle_id})
    assert issued.status_code == 200
    assert "3 factures et avoirs émis" in issued.text and "Non facturé" in issued.text
    summary = coordinator_client.get("/coordination/invoices").text
    assert "Ventes de chaque producteur facturées en son nom" in summary
    assert "Ferme Lafitte" in summary and "5,5 %" in summary
    month = to_hub_time(utcnow()).strftime("%Y-%m")
    archive = zipfile.ZipFile(
        io.BytesIO(coordinator_client.get(f"/coordination/invoices/{month}.zip").data)
    )
    names = sorted(archive.namelist())
    assert len([name for name in names if name.endswith(".pdf")]) == 3
    assert f"registre-{month}.csv" in names
    register = coordinator_client.get(f"/coordination/invoices/{month}.csv")
    assert register.status_code == 200 and register.mimetype == "text/csv"
    assert coordinator_client.get("/coordination/invoices/2026-13.csv").status_code == 404
    assert (
        coordinator_client.post(
            "/coordination/invoices/commission", data={"month": "2026-13"}
        ).status_code
        == 400
    )
    assert (
        coordinator_client.post(
            "/coordination/invoices/commission", data={"month": month}
        ).status_code
        == 409
    )


def test_each_downloads_its_own_invoices_and_no_one_elses(app, db, settled):
    issuing.issue_cycle(settled["cycle"].id, utcnow())
    db.session.commit()
    martin = settled["people"]["martin"]
    own = db.session.scalar(select(Invoice).where(Invoice.household_id == martin.household_id))
    other = db.session.scalar(select(Invoice).where(Invoice.household_id != martin.household_id))
    household = logged_in_client(app, martin)
    listing = household.get("/account/invoices")
    assert own.reference in listing.text and other.reference not in listing.text
    assert own.reference in household.get(f"/account/invoices?order={own.order_id}").text
    assert own.reference not in household.get("/account/invoices?order=999999").text
    assert household.get("/account/invoices?order=x").status_code == 200
    assert "/account/invoices?order=" in household.get(f"/orders/{own.order_id}").text
    pdf = household.get(f"/invoices/{own.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data[:5] == b"%PDF-"
    assert household.get(f"/invoices/{other.id}.pdf").status_code == 404
    farmer = logged_in_client(app, settled["farmer"])
    assert farmer.get(f"/invoices/{own.id}.pdf").status_code == 200
    month = to_hub_time(utcnow()).strftime("%Y-%m")
    archive = zipfile.ZipFile(io.BytesIO(farmer.get(f"/producer/invoices/{month}.zip").data))
    assert len(archive.namelist()) == 3
    assert farmer.get("/producer/invoices/whatever.zip").status_code == 404
    stranger = logged_in_client(app, ProducerUserFactory())
    assert stranger.get(f"/invoices/{own.id}.pdf").status_code == 404


def test_invoice_pages_query_the_database_a_bounded_number_of_times(
    app, db, settled, coordinator_user
):
    farmer = logged_in_client(app, settled["farmer"])
    coordinator = logged_in_client(app, coordinator_user)
    counts = []
    for size in (1, 12):
        for _ in range(size):
            InvoiceFactory(producer_id=settled["farm"].id, series="P-LOAD-" + str(size))
        db.session.commit()
        found = []
        for client, url in (
            (farmer, "/producer/invoices"),
            (coordinator, "/coordination/invoices"),
        ):
            with count_queries(db.engine) as counter:
                assert client.get(url).status_code == 200
            found.append(len(counter))
        counts.append(found)
    assert counts[0] == counts[1], counts
