"""Products: a producer edits only their own; a coordinator edits any; bad input changes nothing."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from market.catalog.models import Product
from market.extensions import db
from tests import factories

GOOD = {
    "name": "Carottes des sables",
    "category": "0",
    "unit": "bunch",
    "size": "botte",
    "price": "2,80",
    "vat_basis_points": "550",
    "labels": ["ab"],
    "active": "y",
    "description": "Sans traitement.",
}


def product_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


def new_url(producer) -> str:
    return f"/producers/{producer.id}/manage/products/new"


def edit_url(product, producer=None) -> str:
    return f"/producers/{(producer or product.producer).id}/manage/products/{product.id}"


def test_producer_creates_a_product(producer_client, producer_user):
    category = factories.CategoryFactory(name="légumes")
    db.session.commit()
    response = producer_client.post(
        new_url(producer_user.producer), data={**GOOD, "category": category.id}
    )
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert product.producer_id == producer_user.producer_id
    assert (product.price_cents, product.vat_basis_points, product.unit) == (280, 550, "bunch")
    assert product.category == category and product.labels == ["ab"] and product.active


def test_sold_by_weight_keeps_price_per_kg_and_estimated_weight(producer_client, producer_user):
    response = producer_client.post(
        new_url(producer_user.producer),
        data={
            **GOOD,
            "name": "Poulet fermier",
            "unit": "piece",
            "price": "13,90",
            "sold_by_weight": "y",
            "estimated_weight_grams": "1800",
        },
    )
    assert response.status_code == 302
    product = db.session.scalar(select(Product))
    assert product.sold_by_weight and product.estimated_weight_grams == 1800
    assert product.estimated_price_cents == 2502  # 13,90 € × 1,8 kg


@pytest.mark.parametrize(
    "change, message",
    [
        ({"price": "3,5O"}, "« 3,5O » n’est pas un montant"),
        ({"price": "-2"}, "négatif"),
        ({"price": ""}, "obligatoire"),
        ({"name": ""}, "obligatoire"),
        ({"vat_basis_points": "700"}, "5,5, 10 ou 20 %"),
        ({"vat_basis_points": "abc"}, ""),
        ({"unit": "spaceship"}, "« spaceship » n’est pas une unité de vente"),
        ({"category": "99999"}, ""),
        ({"sold_by_weight": "y", "estimated_weight_grams": ""}, "poids estimé"),
        ({"sold_by_weight": "y", "estimated_weight_grams": "-5"}, ""),
    ],
)
def test_bad_product_input_is_refused_and_changes_nothing(
    producer_client, producer_user, change, message
):
    response = producer_client.post(new_url(producer_user.producer), data={**GOOD, **change})
    assert response.status_code == 400
    assert message in response.text
    assert product_count() == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"vat_basis_points": 700},
        {"sold_by_weight": True, "estimated_weight_grams": None},
        {"price_cents": -1},
        {"unit": "spaceship"},
    ],
)
def test_database_refuses_what_the_rules_forbid(db, fields):
    """The check constraints hold even for code that skips the services."""
    with pytest.raises(IntegrityError):
        factories.ProductFactory(**fields)
    db.session.rollback()


def test_producer_edits_and_archives_own_product(producer_client, producer_user):
    product = factories.ProductFactory(producer=producer_user.producer, price_cents=300)
    db.session.commit()
    assert producer_client.get(edit_url(product)).status_code == 200
    response = producer_client.post(edit_url(product), data={**GOOD, "price": "3,20"})
    assert response.status_code == 302
    assert product.price_cents == 320
    url = f"{edit_url(product)}/active"
    assert producer_client.post(url, data={"active": "0"}).status_code == 302
    assert product.active is False
    assert producer_client.post(url, data={"active": "1"}).status_code == 302
    assert product.active is True


def snapshot(product):
    return (product.name, product.price_cents, product.active, product.producer_id, product.photo)


def test_other_producers_product_through_own_url_is_not_found(producer_client, producer_user):
    other = factories.ProductFactory(price_cents=500)
    db.session.commit()
    before = snapshot(other)
    own_producer = producer_user.producer
    assert producer_client.get(edit_url(other, own_producer)).status_code == 404
    assert producer_client.post(edit_url(other, own_producer), data=GOOD).status_code == 404
    assert (
        producer_client.post(
            f"{edit_url(other, own_producer)}/active", data={"active": "0"}
        ).status_code
        == 404
    )
    assert producer_client.post(f"{edit_url(other, own_producer)}/photo").status_code == 404
    assert snapshot(other) == before


def test_other_producers_url_is_refused(producer_client):
    other = factories.ProductFactory(price_cents=500)
    db.session.commit()
    before = snapshot(other)
    assert producer_client.post(edit_url(other), data=GOOD).status_code == 403
    assert (
        producer_client.post(f"{edit_url(other)}/active", data={"active": "0"}).status_code == 403
    )
    assert producer_client.post(new_url(other.producer), data=GOOD).status_code == 403
    assert (
        producer_client.post(
            f"/producers/{other.producer_id}/manage/profile", data={"name": "Pirate", "town": "X"}
        ).status_code
        == 403
    )
    assert snapshot(other) == before and other.producer.name != "Pirate"
    assert product_count() == 1


def test_tampered_producer_id_in_the_form_is_ignored(producer_client, producer_user):
    other = factories.ProducerFactory()
    db.session.commit()
    response = producer_client.post(
        new_url(producer_user.producer),
        data={**GOOD, "producer_id": other.id, "producer": other.id},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Product)).producer_id == producer_user.producer_id


def test_coordinator_edits_any_product(coordinator_client):
    product = factories.ProductFactory(price_cents=500)
    db.session.commit()
    response = coordinator_client.post(edit_url(product), data={**GOOD, "price": "4,10"})
    assert response.status_code == 302
    assert product.price_cents == 410


def test_coordinator_manages_categories(coordinator_client):
    response = coordinator_client.post(
        "/coordination/categories", data={"name": "légumes", "position": "1"}
    )
    assert response.status_code == 302
    response = coordinator_client.post("/coordination/categories", data={"name": "Légumes "})
    assert response.status_code == 409
    assert "existe déjà" in response.text
    category = factories.CategoryFactory(name="fruit")
    db.session.commit()
    response = coordinator_client.post(
        f"/coordination/categories/{category.id}", data={"name": "fruits", "position": "2"}
    )
    assert response.status_code == 302 and category.name == "fruits"
    response = coordinator_client.post(
        f"/coordination/categories/{category.id}", data={"name": "légumes"}
    )
    assert response.status_code == 409 and category.name == "fruits"
    response = coordinator_client.post(f"/coordination/categories/{category.id}", data={"name": ""})
    assert response.status_code == 400 and category.name == "fruits"
