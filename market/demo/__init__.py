"""flask --app market demo: idempotent seed of realistic demo data."""

import click
from flask.cli import with_appcontext

from market.auth.models import Role
from market.auth.services import create_user, register_household, user_by_email
from market.demo.catalog import seed_catalogue, seed_scale
from market.demo.cycles import seed_cycles
from market.demo.history import seed_history
from market.demo.ledger import seed_ledger
from market.demo.orders import seed_demo_orders
from market.demo.orders import seed_scale as seed_households_scale
from market.demo.photos import seed_photos
from market.demo.subscriptions import seed_subscriptions
from market.extensions import db

DEMO_PASSWORD = "marche-demo-2026"  # noqa: S105 - published demo password
DEMO_ACCOUNTS = [
    (Role.ADMIN, "admin@marche-seignanx.example", "Alex Admin"),
    (Role.COORDINATOR, "coordination@marche-seignanx.example", "Claire Duhau"),
    (Role.PRODUCER, "producteur@marche-seignanx.example", "Jean-Marc Lafitte"),
    (Role.HOUSEHOLD, "famille@marche-seignanx.example", "Famille Etcheverry"),
]


def seed_accounts() -> int:
    created = 0
    for role, email, name in DEMO_ACCOUNTS:
        if user_by_email(email) is not None:
            continue
        if role == Role.HOUSEHOLD:
            register_household(
                name=name,
                email=email,
                phone="06 12 34 56 78",
                password=DEMO_PASSWORD,
                second_collector="Maite Etcheverry",
            )
        else:
            create_user(
                name=name, email=email, phone="05 59 00 00 00", password=DEMO_PASSWORD, role=role
            )
        created += 1
    return created


def demo_logins() -> list[str]:
    return [f"{role.value:<12} {email}  /  {DEMO_PASSWORD}" for role, email, _ in DEMO_ACCOUNTS]


@click.command("demo")
@click.option(
    "--producers",
    "extra_producers",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Generated producers to add for benchmarks.",
)
@click.option(
    "--products",
    default=20,
    show_default=True,
    type=click.IntRange(min=0),
    help="Products of each generated producer.",
)
@click.option(
    "--households",
    "extra_households",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Generated households to add for benchmarks.",
)
@click.option(
    "--orders",
    "extra_orders",
    default=None,
    type=click.IntRange(min=0),
    help="How many generated households order in the latest cycle (default: all).",
)
@with_appcontext
def demo_command(
    extra_producers: int, products: int, extra_households: int, extra_orders: int | None
) -> None:
    """Create the demo data (safe to run again: existing records are kept)."""
    created = seed_accounts()
    producers = seed_catalogue(user_by_email("producteur@marche-seignanx.example"))
    producers += seed_scale(extra_producers, products)
    drawn = seed_photos()
    seed_cycles()
    orders = seed_demo_orders(DEMO_PASSWORD)
    orders += seed_history(DEMO_PASSWORD)
    orders += seed_households_scale(
        extra_households, extra_households if extra_orders is None else extra_orders, DEMO_PASSWORD
    )
    subscribed = seed_subscriptions()
    transactions = seed_ledger()
    db.session.commit()
    click.echo(f"demo accounts created: {created}")
    click.echo(f"demo producers created: {producers}")
    click.echo(f"demo photos drawn: {drawn}")
    click.echo(f"demo orders placed: {orders}")
    click.echo(f"demo subscriptions to seasonal contracts: {subscribed}")
    click.echo(f"demo ledger postings: {transactions}")
    for line in demo_logins():
        click.echo(f"  {line}")
