"""flask --app market subscriptions generate"""

import click
from flask.cli import AppGroup

from market.extensions import db
from market.subscriptions.services import cycles_to_generate, generate
from market.timeutil import utcnow

subscriptions_cli = AppGroup("subscriptions", help="Seasonal contracts and their deliveries.")


@subscriptions_cli.command("generate")
def generate_command() -> None:
    """Put every subscription's delivery into the orders of each published cycle not closed
    yet; idempotent (a delivery already made, missed or reported is left as it is)."""
    now = utcnow()
    for cycle in cycles_to_generate(now):
        counts = generate(cycle, now)
        db.session.commit()
        click.echo(
            f"{cycle.name}: {counts['delivered']} delivered, {counts['absent']} absent, "
            f"{counts['short']} short"
        )
