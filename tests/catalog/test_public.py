"""Public pages: only approved producers and active products; bounded SQL queries."""

import pytest

from market.extensions import db
from tests import factories
from tests.helpers import count_queries


def test_directory_lists_approved_producers_with_towns_and_labels(client):
    factories.ProducerFactory(name="Ferme Lartigue", town="Tarnos", labels=["ab"])
    factories.ProducerFactory(name="Candidat en attente", status="pending")
    factories.ProducerFactory(name="Candidat refusé", status="rejected")
    db.session.commit()
    page = client.get("/producers").text
    assert "Ferme Lartigue" in page and "Tarnos" in page
    assert "Agriculture biologique (AB)" in page
    assert "Candidat" not in page


def test_producer_page_shows_story_and_active_products(client):
    producer = factories.ProducerFactory(description="Trois générations à Ondres.")
    factories.ProductFactory(producer=producer, name="Kiwis", price_cents=450)
    factories.ProductFactory(producer=producer, name="Ancien produit", active=False)
    db.session.commit()
    page = client.get(f"/producers/{producer.id}").text
    assert "Trois générations à Ondres." in page
    assert "Kiwis" in page and "4,50" in page
    assert "Ancien produit" not in page


def test_pending_producer_and_archived_product_are_not_public(client):
    pending = factories.ProducerFactory(status="pending")
    hidden = factories.ProductFactory(producer=pending)
    archived = factories.ProductFactory(active=False)
    db.session.commit()
    assert client.get(f"/producers/{pending.id}").status_code == 404
    assert client.get(f"/products/{hidden.id}").status_code == 404
    assert client.get(f"/products/{archived.id}").status_code == 404
    assert client.get("/producers/999999").status_code == 404


def test_pages_are_good_to_share(client):
    product = factories.ProductFactory(
        name="Kiwis", photo="a" * 32, producer__description="Vergers au bord de l'Adour."
    )
    db.session.commit()
    page = client.get(f"/producers/{product.producer_id}").text
    assert '<meta property="og:title"' in page and "Vergers au bord de l&#39;Adour." in page
    page = client.get(f"/products/{product.id}").text
    assert f"http://localhost/photos/{'a' * 32}-page.jpg" in page


def test_product_page(client):
    product = factories.ProductFactory(
        name="Poulet fermier",
        price_cents=1390,
        sold_by_weight=True,
        estimated_weight_grams=1800,
        vat_basis_points=550,
        labels=["label_rouge"],
    )
    db.session.commit()
    page = client.get(f"/products/{product.id}").text
    assert "Poulet fermier" in page and "13,90" in page and "le kilo" in page
    assert "25,02" in page and "TVA 5,5\u00a0% comprise" in page and "Label Rouge" in page


def fill(producer, count: int) -> None:
    categories = [factories.CategoryFactory() for _ in range(5)]
    for index in range(count):
        factories.ProductFactory(
            producer=producer, category=categories[index % 5], photo="0" * 32 if index % 2 else None
        )
    db.session.commit()


@pytest.mark.parametrize("page", ["directory", "producer", "manage", "product", "coordination"])
def test_pages_issue_the_same_queries_for_10_and_300_products(app, page):
    from tests.conftest import logged_in_client

    counts = []
    for size in (10, 300):
        producer = factories.ProducerFactory()
        for _ in range(size // 10):
            factories.ProducerFactory()  # the directory grows too
        fill(producer, size)
        coordinator = factories.UserFactory(role="coordinator")
        db.session.commit()
        product_id = producer.products[-1].id
        client = logged_in_client(app, coordinator)
        url = {
            "directory": "/producers",
            "producer": f"/producers/{producer.id}",
            "manage": f"/producers/{producer.id}/manage",
            "product": f"/products/{product_id}",
            "coordination": "/coordination/producers",
        }[page]
        with count_queries(db.engine) as counter:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(counter))
    assert counts[0] == counts[1] and 0 < counts[0] <= 6, counts
