"""Ordering benchmark: many households log in, fill their cart and check out at once.

Starts the app under gunicorn on PostgreSQL and drives it over HTTP like browsers do (cookies,
CSRF tokens, forms, redirects, one kept-alive connection per browser). Each household opens
the shop, adds three products as the shop's script does (or, with --without-script, by
posting the form and getting the shop back), opens its cart, checks out and lands on its
order's page. Prints orders per second, p50 and p95 latency of the checkout (its redirect
included), how many units were oversold on a capped offer everyone wants (must be 0), and
`ledger verify`.

The database named by MARKET_BENCH_DATABASE_URL (default: MARKET_TEST_DATABASE_URL) is emptied
and rebuilt by the migrations; its name must contain "bench" or "test".

    MARKET_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/market_bench \\
        .venv/bin/python bench/ordering.py [--households 400] [--clients 16] [--workers 4] \\
        [--threads 0] [--without-script]
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
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
    """One household's browser: a kept-alive connection, its cookies, redirects followed."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> str:
        return self.request("GET", path)

    def post(self, path: str, data: dict, *, script: bool = False) -> str:
        """The page answered, refusals (4xx with their message) included; what the shop's
        script reads when `script` (its fetch asks for JSON and follows nothing)."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if script:
            headers["Accept"] = "application/json"
        return self.request("POST", path, urllib.parse.urlencode(data), headers)

    def request(self, method: str, path: str, body=None, headers=None) -> str:
        status, location, page = self.send(method, path, body, dict(headers or {}))
        while status in (301, 302, 303):
            status, location, page = self.send("GET", urllib.parse.urlsplit(location).path,
                                               None, {})
        if status >= 500:
            raise RuntimeError(f"{method} {path}: {status}")
        return page

    def send(self, method: str, path: str, body, headers: dict) -> tuple[int, str, str]:
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            reused = self.connection.sock is not None
            try:
                self.connection.request(method, path, body, headers)
                response = self.connection.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection before reading this request;
                # as browsers do, send it again on a new one.
                self.connection.close()
                if attempt == 2 or not reused:
                    raise
        page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, value = header.partition(";")[0].partition("=")
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response.status, response.headers.get("Location", ""), page


def checkout(browser: Browser, cart: str | None = None) -> tuple[str, float]:
    """Confirm the order from the cart page; the confirmation page and how long it took."""
    cart = cart or browser.get("/cart")
    form = {"csrf_token": TOKEN.search(cart).group(1), "payment": "pickup",
            "submission": SUBMISSION.search(cart).group(1), "pickup": PICKUP.search(cart).group(1)}
    started = time.perf_counter()
    page = browser.post("/checkout", form)
    return page, time.perf_counter() - started


def log_in(port: int, n: int) -> tuple[Browser, str]:
    browser = Browser(port)
    token = TOKEN.search(browser.get("/login")).group(1)
    browser.post("/login", {"csrf_token": token, "email": f"bench{n}@example.org",
                            "password": PASSWORD})
    browser.connection.close()  # a browser does not keep it open until it orders
    return browser, token


def household_journey(session: tuple[Browser, str], n: int, offers: list[int],
                      script: bool) -> float | None:
    """Open the shop, add three products (one capped), check out, and without the capped
    one if it is sold out; the successful checkout's latency in seconds."""
    browser, token = session
    browser.get("/shop")
    for offer_id in (offers[0], offers[1 + n % 4], offers[1 + (n + 1) % 4]):
        browser.post("/cart/add", {"csrf_token": token, "offer_id": offer_id, "quantity": 1,
                                   "next": "/shop"}, script=script)
    page, elapsed = checkout(browser)
    if "Merci" not in page:
        cart = browser.post("/cart/update", {"csrf_token": token, f"quantity-{offers[0]}": 0})
        page, elapsed = checkout(browser, cart)
    return elapsed if "Merci" in page else None


def wait_for(port: int) -> None:
    for _ in range(100):
        try:
            Browser(port).get("/healthz")
            return
        except OSError:
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=0,
                        help="threads per gunicorn worker (gthread, with keep-alive); "
                             "0 for the one-request-at-a-time sync worker")
    parser.add_argument("--without-script", action="store_true",
                        help="households whose browser runs no script: each add posts the "
                             "form and gets the shop back")
    args = parser.parse_args()
    url = database_url(os.environ.get("MARKET_BENCH_DATABASE_URL")
                       or os.environ.get("MARKET_TEST_DATABASE_URL") or "")
    if not url.startswith("postgresql") or not any(w in url.rsplit("/", 1)[-1]
                                                   for w in ("bench", "test")):
        sys.exit("set MARKET_BENCH_DATABASE_URL to a PostgreSQL database named *bench* or *test*")
    reset(url)
    ids = seed(url, args.households)
    database = url.rsplit("/", 1)[-1]
    port = free_port()
    env = {**os.environ, "MARKET_DATABASE_URL": url, "MARKET_ENV": "production",
           "MARKET_SECRET_KEY": "b" * 40, "MARKET_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    workers = ["-w", str(args.workers)] + (
        ["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads else [])
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), *workers, "-b", f"127.0.0.1:{port}",
         "--log-level", "warning",
         # Production settings, but cookies over the loopback's plain HTTP.
         "market:create_app('production', SESSION_COOKIE_SECURE=False)"], cwd=ROOT, env=env)
    try:
        wait_for(port)
        households = range(args.households)
        with ThreadPoolExecutor(args.clients) as pool:
            # Log-in first: Argon2 is slow on purpose and would hide the ordering figures.
            started = time.perf_counter()
            sessions = list(pool.map(lambda n: log_in(port, n), households))
            login_rate = args.households / (time.perf_counter() - started)
            before = cpu_seconds(server.pid, database)
            started = time.perf_counter()
            latencies = list(pool.map(
                lambda n: household_journey(sessions[n], n, ids["offers"],
                                            not args.without_script), households))
            elapsed = time.perf_counter() - started
            spent = {name: seconds - before[name]
                     for name, seconds in cpu_seconds(server.pid, database).items()}
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"log-ins per second: {login_rate:.0f}")
    report(url, ids, latencies, elapsed)
    print(f"CPU ms per household (the machine has {os.cpu_count()} cores): " + ", ".join(
        f"{name} {1000 * seconds / args.households:.0f}" for name, seconds in spent.items()))


def cpu_seconds(server_pid: int, database: str) -> dict[str, float]:
    """CPU time used so far by the app's workers, by PostgreSQL's backends serving this
    database and by this load generator, read from /proc: where a household's time goes,
    whatever else the machine is doing."""
    tick = os.sysconf("SC_CLK_TCK")

    def used(pid) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    workers = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return {"app": sum(map(used, [server_pid, *workers])),
            "database": sum(map(used, backends(database))),
            "load generator": time.process_time()}


def backends(database: str) -> list[str]:
    """PostgreSQL's processes serving this database (their title names it)."""
    found = []
    for path in Path("/proc").iterdir():
        try:
            title = (path / "cmdline").read_bytes().decode(errors="replace")
        except OSError:  # not a process, or not ours to read
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found.append(path.name)
    return found


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
