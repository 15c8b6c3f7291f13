"""Shop benchmark: the shop page of a logged-in household with a cart, as the catalogue grows.

For open cycles of 20, 500 and 2,000 offers (each on a database made anew: 10 producers,
8 categories, one offer in five capped and one of those sold out, three products in the
household's cart), prints the server CPU time of one GET /shop (process CPU time around the
request in the app's test client, the median of --repeats after a first request) and the
number of SQL queries it sent, beside a floor: the same listing done the simplest way, one
SQL query and one plain Jinja template, in the same process on the same database.

Targets: at 500 offers, at most 50 ms of server CPU; the same number of queries at every size.

    .venv/bin/python bench/shop.py [--sizes 20,500,2000] [--repeats 15]

SQLite in a temporary file by default; MARKET_BENCH_DATABASE_URL=postgresql://…/market_bench
runs it on PostgreSQL (the database is emptied and rebuilt; its name must contain "bench" or
"test").
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jinja2 import Environment  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from bench.exports import ids, prepare  # noqa: E402
from config import database_url  # noqa: E402
from market import create_app  # noqa: E402
from market.extensions import db  # noqa: E402
from tests.helpers import count_queries  # noqa: E402

CPU_TARGET_MS = 50
TARGET_SIZE = 500
PRODUCERS, CATEGORIES, CAPPED_EVERY = 10, 8, 5

FLOOR_SQL = """
SELECT o.id, o.price_cents, o.cap, o.ordered_quantity, p.name, p.unit, p.size,
       pr.name AS producer, c.name AS category
FROM offers o JOIN products p ON p.id = o.product_id
JOIN producers pr ON pr.id = p.producer_id
LEFT JOIN categories c ON c.id = p.category_id
WHERE o.cycle_id = :cycle AND o.confirmed AND o.withdrawn_at IS NULL AND p.active
ORDER BY c.position, c.name, p.name
"""
FLOOR_TEMPLATE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Boutique</title>
</head><body><h1>Boutique</h1><ul>{% for offer in offers %}
<li><h3>{{ offer.name }}</h3><p>{{ offer.producer }} · {{ offer.category }}</p>
<p>{{ money(offer.price_cents) }} / {{ offer.unit }}{% if offer.size %} · {{ offer.size }}
{% endif %}</p>{% if offer.cap is not none and offer.ordered_quantity >= offer.cap %}
<p>Épuisé</p>{% else %}<form method="post" action="/cart/add">
<input type="hidden" name="csrf_token" value="{{ token }}">
<input type="hidden" name="offer_id" value="{{ offer.id }}">
<label>Quantité <input name="quantity" type="number" min="1" max="99" value="1"></label>
<button>Ajouter</button></form>{% endif %}</li>{% endfor %}</ul></body></html>"""
)


def money(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}\u00a0€"


def build(offers: int) -> tuple[int, int]:
    """An open cycle with `offers` offers and a household with three of them in its cart;
    the cycle's and the household user's ids."""
    from market.auth.models import Household, User
    from market.catalog.models import Category, Producer, Product
    from market.cycles.models import Offer
    from market.orders.models import CartItem
    from market.timeutil import utcnow
    from tests.factories import CyclePickupFactory, OrderCycleFactory

    now = utcnow()
    cycle = OrderCycleFactory(
        name="Semaine 49", opens_at=now - timedelta(hours=1), published_at=now, pickups=[]
    )
    CyclePickupFactory.create_batch(2, cycle=cycle)
    db.session.execute(
        insert(Category), [{"name": f"Rayon {n}", "position": n} for n in range(CATEGORIES)]
    )
    db.session.execute(
        insert(Producer),
        [
            {"name": f"Ferme {n} du Seignanx", "labels": [], "created_at": now}
            for n in range(PRODUCERS)
        ],
    )
    producers, categories = ids(Producer), ids(Category)
    db.session.execute(
        insert(Product),
        [
            {
                "producer_id": producers[n % PRODUCERS],
                "category_id": categories[n % CATEGORIES],
                "name": f"Produit {n:04d} de saison",
                "unit": "kg" if n % 7 == 0 else "piece",
                "size": "500 g" if n % 3 == 0 else None,
                "price_cents": 150 + n % 900,
                "vat_basis_points": 550,
                "sold_by_weight": n % 11 == 0,
                "estimated_weight_grams": 800 if n % 11 == 0 else None,
                "photo": f"{n:064x}" if n % 2 == 0 else None,
                "labels": ["bio"] if n % 4 == 0 else [],
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(offers)
        ],
    )
    db.session.execute(
        insert(Offer),
        [
            {
                "cycle_id": cycle.id,
                "product_id": product_id,
                "price_cents": 150 + n % 900,
                "cap": 20 if n % CAPPED_EVERY == 0 else None,
                # The first capped offer is sold out.
                "ordered_quantity": 20 if n == 0 else 3 if n % CAPPED_EVERY == 0 else 0,
                "confirmed": True,
                "created_at": now,
            }
            for n, product_id in enumerate(ids(Product))
        ],
    )
    user = User(
        email="foyer@example.org",
        name="Foyer Etcheverry",
        password_hash="-",  # noqa: S106 - no log-in by password here
        role="household",
        household=Household(name="Foyer Etcheverry"),
    )
    db.session.add(user)
    db.session.flush()
    offer_ids = ids(Offer)
    db.session.execute(
        insert(CartItem),
        [
            {
                "household_id": user.household_id,
                "offer_id": offer_id,
                "quantity": 2,
                "added_at": now,
            }
            for offer_id in offer_ids[1:4]
        ],
    )
    db.session.commit()
    return cycle.id, user.id


def logged_in(app, user_id: int):
    from market.auth.models import User
    from tests.factories import LoginSessionFactory

    LoginSessionFactory(user=db.session.get(User, user_id), secret="bench-shop")  # noqa: S106
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:bench-shop"
        session["_fresh"] = True
    return client


def measure_market(app, client, repeats: int) -> tuple[float, int, int]:
    """Median CPU ms of GET /shop, its query count, its size in bytes."""
    page = client.get("/shop")  # the first request compiles the templates
    assert page.status_code == 200, page.status_code
    times = []
    for _ in range(repeats):
        started = time.process_time()
        page = client.get("/shop")
        times.append(time.process_time() - started)
    with count_queries(db.engine) as sent:
        page = client.get("/shop")
    assert "Produit 0001" in page.text and page.status_code == 200
    return statistics.median(times) * 1000, len(sent), len(page.data)


def measure_floor(cycle_id: int, repeats: int) -> tuple[float, int, int]:
    def once() -> str:
        with db.engine.connect() as connection:
            rows = connection.execute(text(FLOOR_SQL), {"cycle": cycle_id}).mappings().all()
        return FLOOR_TEMPLATE.render(offers=rows, money=money, token="t" * 40)

    once()
    times = []
    for _ in range(repeats):
        started = time.process_time()
        page = once()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000, 1, len(page.encode())


def run(url: str, offers: int, repeats: int) -> dict:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        prepare(url)
        cycle_id, user_id = build(offers)
        client = logged_in(app, user_id)
        # Market first, then the floor, then market again: the two meet the same load.
        first = measure_market(app, client, repeats)
        floor = measure_floor(cycle_id, repeats)
        second = measure_market(app, client, repeats)
        db.session.remove()
        db.engine.dispose()
    market = (min(first[0], second[0]), second[1], second[2])
    return {"offers": offers, "market": market, "floor": floor}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,500,2000")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    url = os.environ.get("MARKET_BENCH_DATABASE_URL")
    if url:
        url = database_url(url)
        if not any(w in url.rsplit("/", 1)[-1] for w in ("bench", "test")):
            sys.exit("MARKET_BENCH_DATABASE_URL must name a database *bench* or *test*")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for offers in sizes:
            results.append(run(url or f"sqlite:///{folder}/shop-{offers}.db", offers, args.repeats))
    backend = "PostgreSQL" if url else "SQLite"
    print(f"GET /shop, a logged-in household with 3 products in its cart ({backend})")
    print(
        f"{'offers':>7}  {'market CPU ms':>13}  {'queries':>7}  {'KB':>6}"
        f"  {'floor CPU ms':>12}  {'queries':>7}  {'KB':>6}  {'market ÷ floor':>14}"
    )
    for result in results:
        (cpu, queries, size), (floor_cpu, floor_queries, floor_size) = (
            result["market"],
            result["floor"],
        )
        print(
            f"{result['offers']:>7}  {cpu:>13.1f}  {queries:>7}  {size / 1024:>6.0f}"
            f"  {floor_cpu:>12.1f}  {floor_queries:>7}  {floor_size / 1024:>6.0f}"
            f"  {cpu / floor_cpu:>14.1f}"
        )
    at_target = [r for r in results if r["offers"] == TARGET_SIZE]
    counts = {r["market"][1] for r in results}
    if at_target:
        cpu = at_target[0]["market"][0]
        print(
            f"{TARGET_SIZE} offers: {cpu:.1f} ms of server CPU (target <= {CPU_TARGET_MS}): "
            f"{'met' if cpu <= CPU_TARGET_MS else 'NOT met'}"
        )
    print(
        "queries the same at every size: "
        f"{'yes' if len(counts) == 1 else 'NO (' + ', '.join(map(str, sorted(counts))) + ')'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
