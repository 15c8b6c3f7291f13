"""The shop's catalogue is rendered once per version of it, language and filters, and kept in
the app: every change to what it shows moves the database's counter, and what is left of a
capped offer is read on every request, so no household sees a stale "available"."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from market.cycles.models import CatalogueVersion, Offer
from market.timeutil import utcnow
from tests.conftest import BACKEND, logged_in_client
from tests.factories import (
    HouseholdUserFactory,
    OfferFactory,
    ProducerFactory,
    ProductFactory,
)
from tests.helpers import count_queries

# The log-in session and its user, the open cycle, the catalogue's version with what is left
# of each capped offer, the cart bar's sum, whether any seasonal contract is open (its link).
SHOP = 5


@pytest.fixture
def household(app, market):
    return logged_in_client(app, market["household"])


def shop(client, path="/shop") -> str:
    page = client.get(path)
    assert page.status_code == 200
    return page.text


def card(page: str, offer) -> str:
    """The HTML of one offer's card."""
    start = page.index(f'id="offer-{offer.id}"')
    return page[start : page.index("</li>", start)]


def version(db) -> int:
    return db.session.scalar(select(CatalogueVersion.version)) or 0


def test_the_query_count_does_not_grow_with_the_catalogue(app, db, household, market):
    farm = ProducerFactory()

    def queries_with(total):
        while db.session.scalar(select(func.count()).select_from(Offer)) < total:
            capped = db.session.scalar(select(func.count()).select_from(Offer)) % 3 == 0
            OfferFactory(
                cycle=market["cycle"],
                product=ProductFactory(producer=farm),
                cap=5 if capped else None,
            )
        db.session.commit()
        shop(household)  # renders the catalogue of this version
        with count_queries(db.engine) as statements:
            page = shop(household)
        assert page.count('class="card offer-card"') == total
        return len(statements)

    assert queries_with(3) == queries_with(60) == SHOP


def test_a_sale_that_sells_out_an_offer_shows_sold_out_at_once(app, db, household, market):
    carrots = market["carrots"]  # capped at 10
    assert "Plus que 10" in card(shop(household), carrots)
    buyer = logged_in_client(app, HouseholdUserFactory())
    buyer.post("/cart/add", data={"offer_id": carrots.id, "quantity": "10"})
    placed = buyer.post(
        "/checkout",
        data={"pickup": market["pickup"].id, "payment": "pickup", "submission": "s-1"},
    )
    assert placed.status_code == 302
    sold_out = card(shop(household), carrots)
    assert "Épuisé" in sold_out and "add-form" not in sold_out
    assert "add-form" in card(shop(household), market["cheese"])


def test_the_add_of_a_sold_out_offer_is_refused(db, household, market):
    carrots = market["carrots"]
    carrots.ordered_quantity = 10
    db.session.commit()
    answer = household.post(
        "/cart/add",
        data={"offer_id": carrots.id, "quantity": "1"},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 409
    assert answer.json["message"] == "« Carottes » : épuisé."
    assert household.get("/cart").text.count("Carottes") == 0


def test_what_is_left_is_read_on_every_request(db, household, market):
    carrots = market["carrots"]
    assert "Plus que 10" in card(shop(household), carrots)
    db.session.execute(
        text("UPDATE offers SET ordered_quantity = 7 WHERE id = :id"), {"id": carrots.id}
    )
    db.session.commit()
    assert "Plus que 3" in card(shop(household), carrots)


def test_a_sale_does_not_move_the_catalogue_version(app, db, market):
    before = version(db)
    buyer = logged_in_client(app, HouseholdUserFactory())
    buyer.post("/cart/add", data={"offer_id": market["carrots"].id, "quantity": "2"})
    buyer.post(
        "/checkout",
        data={"pickup": market["pickup"].id, "payment": "pickup", "submission": "s-1"},
    )
    assert db.session.get(Offer, market["carrots"].id).ordered_quantity == 2
    assert version(db) == before


@pytest.mark.parametrize(
    "change, seen, gone",
    [
        (lambda m: setattr(m["cheese"], "price_cents", 1375), "13,75", "12,00"),
        (lambda m: setattr(m["cheese"].product, "name", "Ossau-Iraty"), "Ossau-Iraty", "Tomme"),
        (
            lambda m: setattr(m["cheese"].product.producer, "name", "Laiterie Etxea"),
            "Etxea",
            "Biarrot",
        ),
        (lambda m: setattr(m["cheese"].product, "photo", "a" * 64), "a" * 64, None),
        (lambda m: setattr(m["cheese"], "withdrawn_at", utcnow()), None, "Tomme de brebis"),
        (lambda m: setattr(m["cheese"], "cap", 4), "Plus que 4", None),
        (lambda m: setattr(m["pickup"].collection_point, "town", "Ondres"), "Ondres", None),
        (lambda m: setattr(m["cycle"], "name", "Semaine 49 bis"), "Semaine 49 bis", None),
    ],
    ids=["price", "product", "producer", "photo", "withdrawn", "cap", "point", "cycle"],
)
def test_an_edit_shows_at_once(db, household, market, change, seen, gone):
    before = shop(household)
    if gone:
        assert gone in before
    change(market)
    db.session.commit()
    after = shop(household)
    if seen:
        assert seen in after
    if gone:
        assert gone not in after


def test_a_new_offer_shows_at_once(db, household, market):
    shop(household)
    OfferFactory(cycle=market["cycle"], product=ProductFactory(name="Piments d’Espelette"))
    db.session.commit()
    assert "Piments d’Espelette" in shop(household)


def test_two_languages_do_not_mix(app, db, market):
    market["carrots"].ordered_quantity = 10
    db.session.commit()
    french = logged_in_client(app, market["household"])
    english_user = HouseholdUserFactory(locale="en")
    db.session.commit()
    english = logged_in_client(app, english_user)
    for _ in range(2):
        in_french, in_english = shop(french), shop(english)
        assert "Épuisé" in in_french and "Sold out" not in in_french
        assert "Ajouter" in in_french and ">Add<" not in in_french
        assert "Sold out" in in_english and "Épuisé" not in in_english
        assert "Add" in in_english and "Ajouter" not in in_english


def test_each_request_has_its_own_form_token_and_address(app, client, db, market):
    other = logged_in_client(app, market["household"])
    mine, theirs = shop(client), shop(other)

    def tokens(page):
        return set(part.split('"', 1)[0] for part in page.split('name="csrf_token" value="')[1:])

    assert len(tokens(mine)) == 1 and len(tokens(theirs)) == 1
    assert tokens(mine) != tokens(theirs)
    filtered = shop(client, "/shop?q=Car")
    assert 'value="/shop?q=Car#offer-' in filtered
    assert "market:" not in filtered and "market:" not in mine


def test_a_product_name_cannot_forge_a_marker(db, household, market):
    market["cheese"].product.name = "<!--market:token--> <!--market:slot-end-->"
    db.session.commit()
    page = shop(household)
    assert "&lt;!--market:token--&gt;" in page
    assert "Plus que 10" in card(page, market["carrots"])


def test_the_catalogue_triggers_exist(db):
    """A later migration that rebuilds one of the watched tables on SQLite drops its
    triggers: it must create them again."""
    tables = {
        "offers",
        "products",
        "producers",
        "categories",
        "cycle_pickups",
        "collection_points",
    }
    if BACKEND == "postgresql":
        found = db.session.scalars(
            text(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE '%_catalogue'"
            )
        ).all()
    else:
        found = db.session.scalars(
            text(
                "SELECT tbl_name FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE '%_catalogue_%'"
            )
        ).all()
    assert set(found) == tables


def test_the_counter_restarts_after_the_table_is_emptied(db, household, market):
    """Its one row is written by the first change (migrations write none), even after the
    table was emptied."""
    db.session.execute(text("DELETE FROM catalogue_version"))
    db.session.commit()
    assert "Tomme de brebis" in shop(household)
    market["cheese"].product.name = "Tomme d’Ossau"
    db.session.commit()
    assert version(db) == 1
    assert "Tomme d’Ossau" in shop(household)


def test_a_closed_cycle_shows_no_catalogue(db, household, market):
    shop(household)
    market["cycle"].closes_at = utcnow() - timedelta(minutes=1)
    market["cycle"].opens_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert "add-form" not in shop(household)
