"""The producers' public pages: who they are, what they sell, where to collect it."""

from flask import render_template

from market.catalog import services as catalogue
from market.cycles.offers import collection_points_of
from market.main import bp
from market.timeutil import utcnow


@bp.route("/producers")
def directory():
    return render_template("main/producers.html", producers=catalogue.approved_producers())


@bp.route("/producers/<int:producer_id>")
def producer_page(producer_id: int):
    producer = catalogue.public_producer(producer_id)
    products = [product for product in producer.products if product.active]
    return render_template(
        "main/producer.html",
        producer=producer,
        products=products,
        points=collection_points_of(producer.id, utcnow()),
    )


@bp.route("/products/<int:product_id>")
def product_page(product_id: int):
    return render_template("main/product.html", product=catalogue.public_product(product_id))
