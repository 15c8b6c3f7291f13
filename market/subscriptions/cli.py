"""flask --app market subscriptions generate"""

import click
from flask.cli import AppGroup

from market.extensions import db
from market.subscriptions.services import cycles_to_generate, generate, settle_finished
from market.timeutil import utcnow

subscriptions_cli = AppGroup("subscriptions", help="Seasonal contracts and their deliveries.")


@subscriptions_cli.command("generate")
def generate_command() -> None:
    """Put every subscription's delivery into the orders of each published cycle not closed
    yet, and settle the prepaid subscriptions whose season is over; idempotent (a delivery
    already made, missed or reported is left as it is, a settled subscription too)."""
    now = utcnow()
    for cycle in cycles_to_generate(now):
        counts = generate(cycle, now)
        db.session.commit()
        click.echo(
            f"{cycle.name}: {counts['delivered']} delivered, {counts['absent']} absent, "
            f"{counts['short']} short"
        )
    settled = settle_finished(now)
    db.session.commit()
    if settled:
        click.echo(f"{settled} prepaid subscription(s) settled at the season's end")
