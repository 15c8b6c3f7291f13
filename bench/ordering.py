"""Ordering benchmark: many households log in, fill their cart and check out at once.

Starts the app under gunicorn on PostgreSQL and drives it over HTTP like browsers do (cookies,
CSRF tokens, forms, redirects, one kept-alive connection per browser). Each household opens
the shop, adds three products as the shop's script does (or, with --without-script, by
posting the form and getting the shop back), opens its cart, checks out and lands on its
order's page.

Each round runs market, then the floor (bench/floor_app.py: the same journey in plain Flask,
Jinja and psycopg), each on the database made anew with the same households and offers, so
the two meet the same machine load, interleaved. For each run it prints orders per second,
p50 and p95 latency of the checkout (its redirect included), the CPU time per order of the
app's workers, of PostgreSQL's backends and of this load generator, how many units were
oversold on a capped offer everyone wants (must be 0), `ledger verify`, and how gunicorn
stopped (one that takes more than 10 s is killed, and said so); then each app's medians and
the ratio market ÷ floor. A run that fails prints what it has and why.

With --pages, instead of the rounds: one worker per app, households ordering one after
another, and the app's and the database's CPU per page (from the kernel's nanosecond
counters), to see where the difference lies.

The database named by MARKET_BENCH_DATABASE_URL (default: MARKET_TEST_DATABASE_URL) is emptied
and rebuilt by the migrations before each run; its name must contain "bench" or "test".

    MARKET_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/market_bench \\
        .venv/bin/python bench/ordering.py [--households 400] [--rounds 2] [--clients 16] \\
        [--workers 4] [--threads 0] [--without-script] [--apps market,floor] [--pages]
"""

import argparse
import http.client
import os
import re
import signal
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
    from sqlalchemy import text

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
        offers = [
            OfferFactory(cycle=cycle, product=ProductFactory(producer=farm)) for _ in range(5)
        ]
        offers[0].cap = CAPPED_UNITS
        password_hash = hash_password(PASSWORD)
        db.session.add_all(
            User(
                email=f"bench{n}@example.org",
                name=f"Foyer {n}",
                password_hash=password_hash,
                role="household",
                household=Household(name=f"Foyer {n}"),
            )
            for n in range(households)
        )
        db.session.commit()
        ids = {"offers": [offer.id for offer in offers], "capped": offers[0].id}
        # Statistics, as a live database has: just made, the planner would guess its plans.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
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
            status, location, page = self.send(
                "GET", urllib.parse.urlsplit(location).path, None, {}
            )
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
    form = {
        "csrf_token": TOKEN.search(cart).group(1),
        "payment": "pickup",
        "submission": SUBMISSION.search(cart).group(1),
        "pickup": PICKUP.search(cart).group(1),
    }
    started = time.perf_counter()
    page = browser.post("/checkout", form)
    return page, time.perf_counter() - started


def log_in(port: int, n: int) -> tuple[Browser, str]:
    browser = Browser(port)
    token = TOKEN.search(browser.get("/login")).group(1)
    browser.post(
        "/login", {"csrf_token": token, "email": f"bench{n}@example.org", "password": PASSWORD}
    )
    browser.connection.close()  # a browser does not keep it open until it orders
    return browser, token


def household_journey(
    session: tuple[Browser, str], n: int, offers: list[int], script: bool
) -> float | None:
    """Open the shop, add three products (one capped), check out, and without the capped
    one if it is sold out; the successful checkout's latency in seconds."""
    browser, token = session
    browser.get("/shop")
    for offer_id in (offers[0], offers[1 + n % 4], offers[1 + (n + 1) % 4]):
        browser.post(
            "/cart/add",
            {"csrf_token": token, "offer_id": offer_id, "quantity": 1, "next": "/shop"},
            script=script,
        )
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


APPS = {
    "market": "bench.ordering:market_app()",
    "floor": "bench.floor_app:create_app()",
}


def market_app():
    """market as deploy/gunicorn.conf.py serves it, every template compiled before the
    workers are forked; production settings, but cookies over the loopback's plain HTTP."""
    from market import compile_templates, create_app

    app = create_app("production", SESSION_COOKIE_SECURE=False)
    compile_templates(app)
    return app


STOP_SECONDS = 10


def start(app: str, url: str, port: int, args) -> subprocess.Popen:
    env = {
        **os.environ,
        "MARKET_DATABASE_URL": url,
        "MARKET_ENV": "production",
        "MARKET_SECRET_KEY": "b" * 40,
        "MARKET_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    # Preloaded as deploy/gunicorn.conf.py does: the app is made once, before the fork.
    workers = ["--preload", "-w", str(args.workers)] + (
        ["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads else []
    )
    # In its own process group, so that a server that will not stop is killed with its
    # workers.
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            *workers,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            APPS[app],
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def stop(server: subprocess.Popen) -> str:
    """Stop gunicorn; one that takes more than STOP_SECONDS is killed. How it went."""
    started = time.perf_counter()
    server.terminate()
    try:
        server.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        return f"did not stop in {STOP_SECONDS} s: killed"
    return f"stopped in {time.perf_counter() - started:.1f} s"


def run(app: str, url: str, args) -> dict:
    """One measured run of `app` on a database made anew: its figures, whatever happens."""
    reset(url)
    ids = seed(url, args.households)
    database = url.rsplit("/", 1)[-1]
    port = free_port()
    result = {"app": app, "households": args.households}
    server = start(app, url, port, args)
    try:
        wait_for(port)
        households = range(args.households)
        with ThreadPoolExecutor(args.clients) as pool:
            # Log-in first: Argon2 is slow on purpose and would hide the ordering figures.
            started = time.perf_counter()
            sessions = list(pool.map(lambda n: log_in(port, n), households))
            result["login_rate"] = args.households / (time.perf_counter() - started)
            before = cpu_seconds(server.pid, database)
            started = time.perf_counter()
            result["latencies"] = list(
                pool.map(
                    lambda n: household_journey(
                        sessions[n], n, ids["offers"], not args.without_script
                    ),
                    households,
                )
            )
            result["elapsed"] = time.perf_counter() - started
            result["cpu"] = {
                name: seconds - before[name]
                for name, seconds in cpu_seconds(server.pid, database).items()
            }
    except Exception as error:  # reported with the figures, never lost
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        result["stop"] = stop(server)
    result.update(outcome(url, ids))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="threads per gunicorn worker (gthread, with keep-alive); "
        "0 for the one-request-at-a-time sync worker",
    )
    parser.add_argument(
        "--without-script",
        action="store_true",
        help="households whose browser runs no script: each add posts the "
        "form and gets the shop back",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="runs of each app, interleaved: market, floor, market, floor...",
    )
    parser.add_argument(
        "--apps",
        default="market,floor",
        help="which apps each round runs, in order (market, floor)",
    )
    parser.add_argument(
        "--pages",
        action="store_true",
        help="instead of the rounds: where the CPU goes, page by page, one household "
        "after another on one worker",
    )
    args = parser.parse_args()
    url = database_url(
        os.environ.get("MARKET_BENCH_DATABASE_URL")
        or os.environ.get("MARKET_TEST_DATABASE_URL")
        or ""
    )
    if not url.startswith("postgresql") or not any(
        w in url.rsplit("/", 1)[-1] for w in ("bench", "test")
    ):
        sys.exit("set MARKET_BENCH_DATABASE_URL to a PostgreSQL database named *bench* or *test*")
    apps = [app for app in args.apps.split(",") if app]
    if not apps or set(apps) - APPS.keys():
        sys.exit(f"--apps names some of {', '.join(APPS)}")
    if args.pages:
        compare_pages({app: page_costs(app, url, args) for app in apps})
        return
    print(f"one password hash (Argon2id, production parameters): {hash_cost():.0f} ms")
    results = []
    for round_number in range(1, args.rounds + 1):
        for app in apps:
            result = run(app, url, args)
            results.append(result)
            print(f"\n== round {round_number}: {app} ==")
            report(result)
    compare(results)


def hash_cost(repeats: int = 5) -> float:
    """Milliseconds of one Argon2 hash with the parameters production runs with."""
    from market import create_app
    from market.auth.passwords import hash_password

    app = create_app("production", SECRET_KEY="b" * 40)
    with app.app_context():
        hash_password(PASSWORD)  # the first call allocates
        started = time.perf_counter()
        for _ in range(repeats):
            hash_password(PASSWORD)
    return (time.perf_counter() - started) / repeats * 1000


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
    return {
        "app": sum(map(used, [server_pid, *workers])),
        "database": sum(map(used, backends(database))),
        "load generator": time.process_time(),
    }


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


PAGES = ("shop", "add", "cart", "checkout", "order page")
WARM_UP_JOURNEYS = 10


def page_costs(app: str, url: str, args) -> dict[str, tuple[float, float]]:
    """Milliseconds of app and database CPU per page: one worker, households ordering one
    after another (none wants the capped offer, so every checkout succeeds), each request
    measured alone from the kernel's nanosecond counters; after a few journeys' warm-up."""
    reset(url)
    ids = seed(url, args.households + WARM_UP_JOURNEYS)
    database = url.rsplit("/", 1)[-1]
    port = free_port()
    server = start(app, url, port, argparse.Namespace(workers=1, threads=0))
    spent = {page: [0, 0] for page in PAGES}
    serving: list[str] = []  # the database's processes serving the worker
    try:
        wait_for(port)
        worker = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0]

        def measured(page: str, send, *request, **options):
            before = on_cpu(worker), sum(map(on_cpu, serving))
            answer = send(*request, **options)
            spent[page][0] += on_cpu(worker) - before[0]
            spent[page][1] += sum(map(on_cpu, serving)) - before[1]
            return answer

        offers = ids["offers"][1:]
        for n in range(args.households + WARM_UP_JOURNEYS):
            if n == WARM_UP_JOURNEYS:  # warm: count from here, on the worker's connections
                serving[:] = backends(database)
                for costs in spent.values():
                    costs[:] = [0, 0]
            browser, token = log_in(port, n)
            measured("shop", browser.get, "/shop")
            for offer_id in (offers[n % 4], offers[(n + 1) % 4], offers[(n + 2) % 4]):
                form = {"csrf_token": token, "offer_id": offer_id, "quantity": 1}
                measured("add", browser.post, "/cart/add", form, script=True)
            cart = measured("cart", browser.get, "/cart")
            form = {
                "csrf_token": token,
                "payment": "pickup",
                "submission": SUBMISSION.search(cart).group(1),
                "pickup": PICKUP.search(cart).group(1),
            }
            status, location, _ = measured(
                "checkout",
                browser.send,
                "POST",
                "/checkout",
                urllib.parse.urlencode(form),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )
            if status not in (302, 303):
                raise RuntimeError(f"{app}: checkout answered {status}")
            measured("order page", browser.get, urllib.parse.urlsplit(location).path)
            browser.connection.close()
    finally:
        stop(server)
    orders = args.households
    return {
        page: (app_ns / orders / 1e6, database_ns / orders / 1e6)
        for page, (app_ns, database_ns) in spent.items()
    }


def on_cpu(pid: str) -> int:
    """Nanoseconds process `pid` has run on a CPU (0 once it has ended)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except OSError:
        return 0


def compare_pages(costs: dict[str, dict[str, tuple[float, float]]]) -> None:
    """Each app's CPU per page, its journey's sum, and market ÷ floor for each."""
    for app_costs in costs.values():
        app_costs["journey"] = (
            sum(app for app, _ in app_costs.values()),
            sum(database for _, database in app_costs.values()),
        )
    apps = list(costs)
    both = {"market", "floor"} <= set(apps)
    print("\nCPU per order, page by page (ms; the three adds together)")
    print(
        f"{'page':<12}"
        + "".join(f"{app + ' app':>12}{app + ' db':>11}" for app in apps)
        + (f"{'app ÷':>8}{'db ÷':>7}" if both else "")
    )
    for page in (*PAGES, "journey"):
        line = f"{page:<12}" + "".join(
            f"{costs[app][page][0]:>12.2f}{costs[app][page][1]:>11.2f}" for app in apps
        )
        if both:
            market, floor = costs["market"][page], costs["floor"][page]
            line += f"{market[0] / floor[0]:>8.1f}{market[1] / floor[1]:>7.1f}"
        print(line)


def outcome(url: str, ids: dict) -> dict:
    """What the run left in the database: units sold of the capped offer, and `verify`."""
    from sqlalchemy import func, select

    from market import create_app
    from market.cycles.models import Offer
    from market.extensions import db
    from market.ledger.verify import verify
    from market.orders.models import OrderLine

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        sold = db.session.scalar(
            select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
                OrderLine.offer_id == ids["capped"]
            )
        )
        cap = db.session.get(Offer, ids["capped"]).cap
        verdict = verify()
        db.engine.dispose()
    return {"sold": sold, "cap": cap, "verified": "ok" if verdict.ok else verdict.problem}


def figures(result: dict) -> dict:
    """Orders per second, latencies and CPU per order of one run (None when it failed)."""
    ordered = [latency for latency in result.get("latencies", ()) if latency is not None]
    if not ordered:
        return {
            "orders": 0,
            "rate": None,
            "p50": None,
            "p95": None,
            "app_cpu": None,
            "database_cpu": None,
            "generator_cpu": None,
        }
    cpu = result["cpu"]
    return {
        "orders": len(ordered),
        "rate": len(ordered) / result["elapsed"],
        "p50": statistics.median(ordered) * 1000,
        "p95": (statistics.quantiles(ordered, n=20)[-1] if len(ordered) > 1 else ordered[0]) * 1000,
        "app_cpu": 1000 * cpu["app"] / len(ordered),
        "database_cpu": 1000 * cpu["database"] / len(ordered),
        "generator_cpu": 1000 * cpu["load generator"] / len(ordered),
    }


def shown(value, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def report(result: dict) -> None:
    found = figures(result)
    rows = [
        ("log-ins per second", shown(result.get("login_rate")), ""),
        ("orders placed", f"{found['orders']} of {result['households']}", ""),
        (
            "orders per second (cart and checkout)",
            shown(found["rate"], 1),
            f">= {ORDERS_PER_SECOND_TARGET}",
        ),
        ("checkout p50 (ms)", shown(found["p50"]), ""),
        ("checkout p95 (ms)", shown(found["p95"]), f"<= {P95_TARGET_MS}"),
        ("app CPU per order (ms)", shown(found["app_cpu"]), ""),
        ("database CPU per order (ms)", shown(found["database_cpu"]), ""),
        ("load generator CPU per order (ms)", shown(found["generator_cpu"]), ""),
        ("units sold of the capped offer", f"{result['sold']} (cap {result['cap']})", ""),
        ("oversold", str(max(0, result["sold"] - result["cap"])), "0"),
        ("ledger verify", result["verified"], "ok"),
        ("gunicorn", result["stop"], ""),
    ]
    if "error" in result:
        rows.append(("run failed", result["error"], ""))
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure':<{width}}  {'value':>18}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>18}  {target}")


def compare(results: list[dict]) -> None:
    """Each app's medians over its runs, and market ÷ floor: the median of each round's
    ratio, market's run over the floor's run beside it, which met the same load."""
    by_app: dict[str, list[dict]] = {}
    for result in results:
        by_app.setdefault(result["app"], []).append(figures(result))

    def median(values):
        values = [value for value in values if value is not None]
        return statistics.median(values) if values else None

    def ratio(name: str):
        return median(
            market[name] / floor[name] if market[name] is not None and floor[name] else None
            for market, floor in zip(by_app["market"], by_app["floor"], strict=False)
        )

    apps = list(by_app)
    both = {"market", "floor"} <= set(apps)
    print(f"\n== medians over {len(results) // max(1, len(apps))} interleaved rounds ==")
    print(
        f"{'measure':<30}"
        + "".join(f"{app:>10}" for app in apps)
        + (f"{'market ÷ floor':>16}  target" if both else "")
    )
    for name, label, target in (
        ("rate", "orders per second", ">= 0.6"),
        ("p50", "checkout p50 (ms)", ""),
        ("p95", "checkout p95 (ms)", ""),
        ("app_cpu", "app CPU per order (ms)", "<= 2"),
        ("database_cpu", "database CPU per order (ms)", ""),
    ):
        line = f"{label:<30}" + "".join(
            f"{shown(median(found[name] for found in by_app[app]), 1):>10}" for app in apps
        )
        if both:
            line += f"{shown(ratio(name), 2):>16}  {target}"
        print(line)
    oversold = sum(max(0, result["sold"] - result["cap"]) for result in results)
    verified = all(result["verified"] == "ok" for result in results)
    print(
        f"oversold in all runs: {oversold} (target 0); ledger verified after every run: "
        f"{'yes' if verified else 'NO'}"
    )


if __name__ == "__main__":
    main()
