"""Offers: producers put their products into cycles; the coordinator oversees and withdraws."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from market.auth.decorators import role_required
from market.auth.models import Role
from market.catalog import services as catalog
from market.catalog.access import manages_producer
from market.cycles import bp
from market.cycles import offers as offering
from market.cycles.forms import WithdrawForm, read_offer_rows
from market.cycles.models import OrderCycle
from market.errors import DomainError
from market.money import decimal_text
from market.timeutil import utcnow
from market.web import get_or_404, refuse


@bp.route("/producers/<int:producer_id>/manage/cycles")
@manages_producer
def producer_cycles(producer):
    return render_template(
        "cycles/producer_cycles.html", producer=producer, cycles=offering.offerable_cycles(utcnow())
    )


def page_rows(products, existing, submitted) -> list[dict]:
    """What each product's card shows: the submitted values, else the current offer."""
    submitted = {row.product.id: row for row in submitted or []}
    cards = []
    for product in products:
        offer, row = existing.get(product.id), submitted.get(product.id)
        card = {"product": product, "offer": offer, "errors": row.errors if row else {}}
        if row:
            card.update(include=row.include, price=row.price_text, cap=row.cap_text)
        else:
            # Carried-over offers come ticked: saving the page confirms them.
            card.update(
                include=bool(offer and offer.withdrawn_at is None),
                price=decimal_text(offer.price_cents) if offer else "",
                cap="" if offer is None or offer.cap is None else str(offer.cap),
            )
        cards.append(card)
    return cards


def apply_rows(producer, cycle, rows, existing) -> None:
    now = utcnow()
    for row in rows:
        if row.include:
            offering.offer_product(
                producer, cycle, row.product, now, price_cents=row.price_cents, cap=row.cap
            )
        elif row.product.id in existing:
            offering.remove_offer(existing[row.product.id], now)


@bp.route("/producers/<int:producer_id>/manage/cycles/<int:cycle_id>", methods=["GET", "POST"])
@manages_producer
def producer_offers(producer, cycle_id: int):
    cycle = get_or_404(OrderCycle, cycle_id)
    if request.method == "GET":
        return offers_page(producer, cycle, None, 200)
    products = [p for p in catalog.producer_products(producer) if p.active]
    rows = read_offer_rows(request.form, products)
    if any(row.errors for row in rows):  # the page's error summary says so
        return offers_page(producer, cycle, rows, 400)
    try:
        apply_rows(producer, cycle, rows, offering.producer_offers(producer, cycle))
    except DomainError as error:
        refuse(error, offers_page, producer, cycle, rows, error.status)
    flash(_("Your offers for « %(name)s » are saved.", name=cycle.name), "success")
    return redirect(url_for("cycles.producer_offers", producer_id=producer.id, cycle_id=cycle.id))


def offers_page(producer, cycle: OrderCycle, rows, status: int):
    """The producer's offers in the cycle, with what was typed (`rows`) over them."""
    products = [p for p in catalog.producer_products(producer) if p.active]
    return render_template(
        "cycles/producer_offers.html",
        producer=producer,
        cycle=cycle,
        cards=page_rows(products, offering.producer_offers(producer, cycle), rows),
        state=cycle.state(utcnow()),
    ), status


@bp.route("/coordination/cycles/<int:cycle_id>/offers")
@role_required(Role.COORDINATOR)
def cycle_offers(cycle_id: int):
    cycle = get_or_404(OrderCycle, cycle_id)
    return render_template(
        "cycles/cycle_offers.html",
        cycle=cycle,
        groups=offering.offers_by_producer(cycle),
        form=WithdrawForm(),
    )
