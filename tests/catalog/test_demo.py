"""The demo catalogue: realistic, attached to the demo producer account, safe to run twice."""

from sqlalchemy import func, select

from market.auth.models import User
from market.catalog import photos
from market.catalog.models import Category, Producer, Product
from market.company_numbers import valid_siret
from market.demo import demo_command
from market.extensions import db


def test_demo_catalogue_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    assert "demo producers created: 8" in first.output
    counts = [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Producer, Product, Category)
    ]
    second = runner.invoke(demo_command)
    assert "demo producers created: 0" in second.output
    # A few products have a drawn photo, stored once in every size.
    assert "demo photos drawn: 6" in first.output and "demo photos drawn: 0" in second.output
    drawn = list(db.session.scalars(select(Product).where(Product.photo.is_not(None))))
    assert all(photos.photo_path(product.photo, "thumb").exists() for product in drawn)
    assert counts == [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Producer, Product, Category)
    ]
    producers = list(db.session.scalars(select(Producer)))
    assert all(p.status == "approved" and valid_siret(p.siret) for p in producers)
    assert all(p.postcode.startswith("40") for p in producers)  # all in the Landes
    user = db.session.scalar(select(User).where(User.email == "producteur@marche-seignanx.example"))
    assert user.producer.name == "Ferme Lafitte"
    rates = set(db.session.scalars(select(Product.vat_basis_points)))
    assert rates == {550, 1000, 2000}
    assert db.session.scalar(select(func.count()).where(Product.sold_by_weight)) >= 3


def test_demo_scales_up_for_benchmarks(app):
    runner = app.test_cli_runner()
    result = runner.invoke(demo_command, ["--producers", "3", "--products", "40"])
    assert result.exit_code == 0, result.output
    assert "demo producers created: 11" in result.output
    assert db.session.scalar(select(func.count()).select_from(Product)) >= 3 * 40
    again = runner.invoke(demo_command, ["--producers", "3", "--products", "40"])
    assert "demo producers created: 0" in again.output
