"""What the shop shows: the open cycle's offers on sale, filtered, in a fixed number of queries,
rendered once per version of the catalogue (the database's counter, migration 0021), language
and filters, and kept in each app process."""

import re
from dataclasses import dataclass, field
from functools import cache
from threading import Lock

from cachetools import LRUCache
from flask import current_app, get_template_attribute, render_template
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    Row,
    bindparam,
    cast,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload

from market.catalog.models import LABELS, Category, Producer, Product
from market.cycles.models import CatalogueVersion, Offer, OrderCycle
from market.extensions import db
from market.numbers import identifier
from market.orders import bp


@dataclass(frozen=True)
class ShopFilters:
    category_id: int | None = None
    producer_id: int | None = None
    label: str | None = None
    search: str = ""

    @classmethod
    def from_args(cls, args) -> "ShopFilters":
        label = args.get("label") or None
        return cls(
            identifier(args.get("category")),
            identifier(args.get("producer")),
            label if label in LABELS else None,
            (args.get("q") or "").strip()[:80],
        )


def offers_on_sale(cycle: OrderCycle, filters: ShopFilters = ShopFilters()) -> list[Offer]:
    # In the order of the hub's categories (those without one last), then by name: the
    # shop reads like a market's stalls.
    query = (
        select(Offer)
        .join(Offer.product)
        .join(Product.producer)
        .outerjoin(Product.category)
        .options(
            joinedload(Offer.product).joinedload(Product.producer),
            joinedload(Offer.product).joinedload(Product.category),
        )
        .where(
            Offer.cycle_id == cycle.id,
            Offer.confirmed,
            Offer.withdrawn_at.is_(None),
            Product.active,
        )
        .order_by(Category.id.is_(None), Category.position, Category.name, Product.name)
    )
    if filters.category_id:
        query = query.where(Product.category_id == filters.category_id)
    if filters.producer_id:
        query = query.where(Product.producer_id == filters.producer_id)
    if filters.search:
        query = query.where(Product.name.ilike(f"%{filters.search}%"))
    offers = list(db.session.scalars(query).unique())
    if filters.label:
        offers = [
            offer
            for offer in offers
            if filters.label in (offer.product.labels or ())
            or filters.label in (offer.product.producer.labels or ())
        ]
    return offers


def by_category(offers: list[Offer]) -> list[tuple[Category | None, list[Offer]]]:
    """The offers, already in category order, in one group per category."""
    groups: list[tuple[Category | None, list[Offer]]] = []
    for offer in offers:
        category = offer.product.category
        if not groups or groups[-1][0] is not category:
            groups.append((category, []))
        groups[-1][1].append(offer)
    return groups


def filter_choices(cycle: OrderCycle) -> dict:
    """Categories and producers that have something on sale in the cycle."""
    on_sale = (
        select(Product.id)
        .join(Offer, Offer.product_id == Product.id)
        .where(Offer.cycle_id == cycle.id, Offer.confirmed, Offer.withdrawn_at.is_(None))
    )
    categories = db.session.scalars(
        select(Category)
        .where(Category.id.in_(select(Product.category_id).where(Product.id.in_(on_sale))))
        .order_by(Category.position, Category.name)
    ).all()
    producers = db.session.scalars(
        select(Producer)
        .where(Producer.id.in_(select(Product.producer_id).where(Product.id.in_(on_sale))))
        .order_by(Producer.name)
    ).all()
    return {"categories": categories, "producers": producers, "labels": LABELS}


# Markers in the rendered catalogue for what differs per request. They begin with "<", which
# autoescaping turns into "&lt;" in any text a person typed, so only the template writes them.
TOKEN = Markup("<!--market:token-->")
HERE = Markup("<!--market:here-->")
SLOT_END = Markup("<!--market:slot-end-->")
SLOT = re.compile(r"<!--market:slot:(\d+)-->(.*?)<!--market:slot-end-->", re.DOTALL)
# Rendered catalogues kept per app process: a few languages, filters and versions at once.
CACHED_CATALOGUES = 32


def slot(offer_id: int) -> Markup:
    return Markup(f"<!--market:slot:{int(offer_id)}-->")  # noqa: S704 - a number only


@dataclass
class RenderedCatalogue:
    """A cycle's catalogue rendered once: HTML pieces, and in between the ids of the capped
    offers whose availability each request writes (their add form kept aside)."""

    pieces: list[str | int]
    forms: dict[int, str]
    sold_out: str
    left: dict[int, str] = field(default_factory=dict)

    def page(self, remaining: dict[int, int], token: str, here: str) -> Markup:
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            left = remaining.get(piece)
            if left is not None and left <= 0:
                out.append(self.sold_out)
                continue
            if left is not None:
                if left not in self.left:
                    self.left[left] = str(get_template_attribute(AVAILABILITY, "left")(left))
                out.append(self.left[left])
            out.append(self.forms[piece])
        html = "".join(out).replace(TOKEN, str(escape(token))).replace(HERE, str(escape(here)))
        return Markup(html)  # noqa: S704 - rendered by the template, markers replaced by escaped text


AVAILABILITY = "orders/_availability.html"


@cache
def versions_and_stock_query() -> CompoundSelect:
    """Built once: every shop page asks it."""
    version = select(
        CatalogueVersion.version, cast(null(), Integer), cast(null(), BigInteger)
    ).where(CatalogueVersion.id == 1)
    stock = select(cast(null(), BigInteger), Offer.id, Offer.cap - Offer.ordered_quantity).where(
        Offer.cycle_id == bindparam("cycle_id"), Offer.cap.is_not(None)
    )
    return union_all(version, stock)


def versions_and_stock(cycle: OrderCycle) -> tuple[int, dict[int, int]]:
    """The catalogue's version and what is left of each capped offer of the cycle, in one
    query (one snapshot). It runs before the catalogue is rendered, so a catalogue kept
    under a version is never older than that version."""
    found = 0
    remaining: dict[int, int] = {}
    row: Row
    for row in db.session.execute(versions_and_stock_query(), {"cycle_id": cycle.id}):
        if row[1] is None:
            found = int(row[0])
        else:
            remaining[int(row[1])] = int(row[2])
    return found, remaining


def render_catalogue(cycle: OrderCycle, filters: ShopFilters) -> RenderedCatalogue:
    offers = offers_on_sale(cycle, filters)
    html = render_template(
        "orders/_catalogue.html",
        cycle=cycle,
        filters=filters,
        offers=offers,
        groups=by_category(offers),
        choices=filter_choices(cycle),
        token=TOKEN,
        here=HERE,
        slot=slot,
        slot_end=SLOT_END,
    )
    pieces: list[str | int] = []
    forms: dict[int, str] = {}
    start = 0
    for match in SLOT.finditer(html):
        offer_id = int(match.group(1))
        pieces += [html[start : match.start()], offer_id]
        forms[offer_id] = match.group(2)
        start = match.end()
    pieces.append(html[start:])
    sold_out = str(get_template_attribute(AVAILABILITY, "sold_out")())
    return RenderedCatalogue(pieces, forms, sold_out)


def catalogue_page(cycle: OrderCycle, filters: ShopFilters, token: str, here: str) -> Markup:
    """The cycle's catalogue as this request shows it: rendered once per process for each
    version of the catalogue, language and filters, with this request's form token and
    address, and what is left of each capped offer read now."""
    version, remaining = versions_and_stock(cycle)
    key = (
        version,
        cycle.id,
        cycle.name,
        cycle.closes_at,
        cycle.note,
        str(get_locale()),
        filters,
    )
    kept, lock = current_app.extensions["shop_catalogues"]
    with lock:
        rendered = kept.get(key)
    if rendered is None:
        rendered = render_catalogue(cycle, filters)
        with lock:
            kept[key] = rendered
    return rendered.page(remaining, token, here)


@bp.record_once
def keep_catalogues(state) -> None:
    """Each app keeps its own: two apps in one process (tests) never share a catalogue."""
    state.app.extensions["shop_catalogues"] = (LRUCache(maxsize=CACHED_CATALOGUES), Lock())
