"""Ordering benchmark: many households log in, fill their cart and check out at once.

Starts the app under gunicorn on PostgreSQL and drives it over HTTP like browsers do (cookies,
CSRF tokens, forms). Prints orders per second, p50 and p95 latency of the checkout, how many
units were oversold on a capped offer everyone wants (must be 0), and `ledger verify`.

The database named by MARKET_BENCH_DATABASE_URL (default: MARKET_TEST_DATABASE_URL) is emptied
and rebuilt by the migrations; its name must contain "bench" or "test".

    MARKET_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/market_bench \\
        .venv/bin/python bench/ordering.py [--households 400] [--clients 16] [--workers 4]
"""

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ledger import reset  # noqa: E402
from config import database_url  # noqa: E402

ORDERS_PER_SECOND_TARGET = 150
P95_TARGET_MS = 300
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway benchmark account
CAPPED_UNITS = 50
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION = re.compile(r'name="submission"[^>]*value="([^"]+)"')
PICKUP = re.compile(r'name="pickup"[^>]*value="(\d+)"')


def seed(url: str, households: int) -> dict:
    """An open cycle with a few offers (one capped) and the households, inserted directly."""
    from market import create_app
    from market.auth.models import Household, User
    from market.auth.passwords import hash_password
    from market.extensions import db
    from market.timeutil import utcnow
    from tests.factories import OfferFactory, OrderCycleFactory, ProducerFactory, ProductFactory

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), app.test_request_context():
        now = utcnow()
        cycle = OrderCycleFactory(opens_at=now - timedelta(hours=1), published_at=now)
        farm = ProducerFactory()
        offers = [OfferFactory(cycle=cycle, product=ProductFactory(producer=farm))
                  for _ in range(5)]
        offers[0].cap = CAPPED_UNITS
        password_hash = hash_password(PASSWORD)
        db.session.add_all(User(email=f"bench{n}@example.org", name=f"Foyer {n}",
                                password_hash=password_hash, role="household",
                                household=Household(name=f"Foyer {n}"))
                           for n in range(households))
        db.session.commit()
        ids = {"offers": [offer.id for offer in offers], "capped": offers[0].id}
        db.engine.dispose()
    return ids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.read().decode()

    def post(self, path: str, data: dict) -> str:
        """The page answered, refusals (4xx with their message) included."""
        body = urllib.parse.urlencode(data).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                return response.read().decode()
        except urllib.error.HTTPError as refusal:
            if refusal.code >= 500:
                raise
            return refusal.read().decode()


def checkout(browser: Browser) -> tuple[str, float]:
    cart = browser.get("/cart")
    form = {"csrf_token": TOKEN.search(cart).group(1), "payment": "pickup",
            "submission": SUBMISSION.search(cart).group(1), "pickup": PICKUP.search(cart).group(1)}
    started = time.perf_counter()
    page = browser.post("/checkout", form)
    return page, time.perf_counter() - started


def log_in(base: str, n: int) -> tuple[Browser, str]:
    browser = Browser(base)
    token = TOKEN.search(browser.get("/login")).group(1)
    browser.post("/login", {"csrf_token": token, "email": f"bench{n}@example.org",
                            "password": PASSWORD})
    return browser, token


def household_journey(session: tuple[Browser, str], n: int, offers: list[int]) -> float | None:
    """Add three products (one capped), check out, and without the capped one if it is sold
    out; the successful checkout's latency in seconds."""
    browser, token = session
    for offer_id in (offers[0], offers[1 + n % 4], offers[1 + (n + 1) % 4]):
        browser.post("/cart/add", {"csrf_token": token, "offer_id": offer_id, "quantity": 1})
    page, elapsed = checkout(browser)
    if "Merci" not in page:
        browser.post("/cart/update", {"csrf_token": token, f"quantity-{offers[0]}": 0})
        page, elapsed = checkout(browser)
    return elapsed if "Merci" in page else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url = database_url(os.environ.get("MARKET_BENCH_DATABASE_URL")
                       or os.environ.get("MARKET_TEST_DATABASE_URL") or "")
    if not url.startswith("postgresql") or not any(w in url.rsplit("/", 1)[-1]
                                                   for w in ("bench", "test")):
        sys.exit("set MARKET_BENCH_DATABASE_URL to a PostgreSQL database named *bench* or *test*")
    reset(url)
    ids = seed(url, args.households)
    port = free_port()
    env = {**os.environ, "MARKET_DATABASE_URL": url, "MARKET_ENV": "production",
           "MARKET_SECRET_KEY": "b" * 40, "MARKET_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning",
         # Production settings, but cookies over the loopback's plain HTTP.
         "market:create_app('production', SESSION_COOKIE_SECURE=False)"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 - local
                break
            except OSError:
                time.sleep(0.2)
        households = range(args.households)
        with ThreadPoolExecutor(args.clients) as pool:
            # Log-in first: Argon2 is slow on purpose and would hide the ordering figures.
            started = time.perf_counter()
            sessions = list(pool.map(lambda n: log_in(base, n), households))
            login_rate = args.households / (time.perf_counter() - started)
            started = time.perf_counter()
            latencies = list(pool.map(
                lambda n: household_journey(sessions[n], n, ids["offers"]), households))
            elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"log-ins per second: {login_rate:.0f}")
    report(url, ids, latencies, elapsed)


def report(url: str, ids: dict, latencies: list, elapsed: float) -> None:
    from sqlalchemy import func, select

    from market import create_app
    from market.cycles.models import Offer
    from market.extensions import db
    from market.ledger.verify import verify
    from market.orders.models import OrderLine

    ordered = [latency for latency in latencies if latency is not None]
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        sold = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                                 .where(OrderLine.offer_id == ids["capped"]))
        cap = db.session.get(Offer, ids["capped"]).cap
        verdict = verify()
        db.engine.dispose()
    p50 = statistics.median(ordered) * 1000 if ordered else 0
    p95 = statistics.quantiles(ordered, n=20)[-1] * 1000 if len(ordered) > 1 else p50
    rate = len(ordered) / elapsed
    rows = [
        ("orders placed", f"{len(ordered)} of {len(latencies)}", ""),
        ("orders per second (cart and checkout)", f"{rate:.0f}",
         f">= {ORDERS_PER_SECOND_TARGET}"),
        ("checkout p50 (ms)", f"{p50:.0f}", ""),
        ("checkout p95 (ms)", f"{p95:.0f}", f"<= {P95_TARGET_MS}"),
        ("units sold of the capped offer", f"{sold} (cap {cap})", ""),
        ("oversold", str(max(0, sold - cap)), "0"),
        ("ledger verify", "ok" if verdict.ok else verdict.problem, "ok"),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'value':>18}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>18}  {target}")


if __name__ == "__main__":
    main()
