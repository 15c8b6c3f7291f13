"""flask --app market orders verify"""

import sys

import click
from flask.cli import AppGroup

from market.orders.checks import verify_orders

orders_cli = AppGroup("orders", help="Orders, and the counters that guard stock and places.")


@orders_cli.command("verify")
def verify_command() -> None:
    """Recount stock and places from the orders and compare each order with the ledger; exit 1
    naming every difference."""
    verdict = verify_orders()
    for problem in verdict.problems:
        click.echo(f"orders NOT verified: {problem}", err=True)
    if not verdict.ok:
        sys.exit(1)
    unlinked = (
        f" ({verdict.unlinked} posted before the ledger named orders, money not compared)"
        if verdict.unlinked
        else ""
    )
    click.echo(
        f"orders verified: {verdict.offers} offers, {verdict.pickups} collection point "
        f"slots, {verdict.orders} orders{unlinked}"
    )
