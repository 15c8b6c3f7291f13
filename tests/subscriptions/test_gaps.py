"""The shop and the producers' pages link to open contracts, the coordinator opens a contract
for a producer, and the distribution matrix marks a contract's lines."""

from datetime import timedelta

from sqlalchemy import func, select

from market.subscriptions.models import Contract
from market.timeutil import utcnow
from tests.conftest import logged_in_client
from tests.factories import CollectionPointFactory, ProducerFactory, UserFactory
from tests.subscriptions.test_everywhere import with_extras

LINK = "/contracts#open"
SHOP_LINK = "Paniers à la saison : voir les contrats ouverts aux abonnements"


def test_the_shop_and_the_producer_page_link_to_open_contracts(app, db, season):
    client = app.test_client()
    producer_id = season["farmer"].producer_id
    shop = client.get("/shop").text
    assert SHOP_LINK in shop
    assert f'href="{LINK}"' in client.get(f"/producers/{producer_id}").text
    other = ProducerFactory(status="approved")
    db.session.commit()
    assert LINK not in client.get(f"/producers/{other.id}").text
    season["contract"].last_delivery = season["contract"].first_delivery = (
        utcnow().date() - timedelta(days=10)
    )
    db.session.commit()
    assert SHOP_LINK not in client.get("/shop").text
    assert LINK not in client.get(f"/producers/{producer_id}").text


def contract_form(season, **change):
    start = season["contract"].first_delivery
    return {
        "name": "Œufs de la saison",
        "product": str(season["basket"].id),
        "quantity": "6",
        "unit_price": "0,40",
        "every_cycles": "2",
        "first_delivery": start.isoformat(),
        "last_delivery": (start + timedelta(weeks=8)).isoformat(),
        "points": [str(season["point"].id)],
        "absences_allowed": "1",
    } | change


def test_the_coordinator_opens_a_contract_for_a_producer(app, db, season):
    coordinator = UserFactory(role="coordinator")
    db.session.commit()
    client = logged_in_client(app, coordinator)
    page = client.get("/coordination/contracts")
    assert page.status_code == 200
    assert f"{season['farmer'].producer.name} — Panier de légumes" in page.text
    answer = client.post("/coordination/contracts", data=contract_form(season))
    assert answer.status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.name == "Œufs de la saison"))
    assert contract.producer_id == season["farmer"].producer_id
    assert contract.price_cents == 240 and contract.every_cycles == 2


def test_a_coordinators_bad_contract_is_refused_and_changes_nothing(app, db, season):
    coordinator = UserFactory(role="coordinator")
    closed = CollectionPointFactory(active=False)
    db.session.commit()
    client = logged_in_client(app, coordinator)
    before = db.session.scalar(select(func.count()).select_from(Contract))
    for change, status, message in [
        ({"product": "999999"}, 400, "Choisissez l’un des produits des producteurs."),
        ({"product": "x"}, 400, "Choisissez l’un des produits des producteurs."),
        ({"quantity": "zéro"}, 400, "Saisissez la quantité en nombre entier."),
        ({"points": [str(closed.id)]}, 400, "Choisissez au moins un point de retrait actif."),
    ]:
        answer = client.post("/coordination/contracts", data=contract_form(season, **change))
        assert answer.status_code == status
        assert message in answer.text
    assert db.session.scalar(select(func.count()).select_from(Contract)) == before


def test_producers_and_households_cannot_open_a_contract_for_another(app, db, season):
    client = logged_in_client(app, season["farmer"])
    assert client.post("/coordination/contracts", data=contract_form(season)).status_code == 403
    household = logged_in_client(app, season["household"])
    assert household.post("/coordination/contracts", data=contract_form(season)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 1


def test_the_distribution_matrix_marks_contract_lines(app, db, season):
    with_extras(db, season)
    coordinator = UserFactory(role="coordinator")
    db.session.commit()
    client = logged_in_client(app, coordinator)
    matrix = client.get(f"/coordination/cycles/{season['cycle'].id}/matrix.csv").text
    rows = [row for row in matrix.splitlines() if "(contrat)" in row]
    assert len(rows) == 1
    assert rows[0].startswith("Panier de légumes (") and rows[0].split(";")[0].split(",")[
        0
    ].endswith(") (contrat)")
    assert not [row for row in matrix.splitlines() if row.startswith("Œufs") and "contrat" in row]


def test_the_cycle_summary_says_what_contracts_came_to(app, db, season):
    coordinator = UserFactory(role="coordinator")
    db.session.commit()
    client = logged_in_client(app, coordinator)
    url = f"/coordination/cycles/{season['cycle'].id}/summary.csv"
    assert "(contrat)" not in client.get(url).text  # no contract line yet: no such table
    with_extras(db, season)
    summary = client.get(url).text
    assert "Des ventes, contrats de saison (contrat)" in summary
    producer = season["farmer"].producer.name
    rows = [row for row in summary.splitlines() if row.startswith(producer)]
    # The sales row (a basket and two boxes of eggs), then the contracts' row (the basket alone).
    assert rows[0].startswith(f"{producer};23,40;") and rows[1] == f"{producer};15,00"
