"""flask --app market figures rebuild"""

import click
from flask.cli import AppGroup

from market.extensions import db
from market.figures import summaries

figures_cli = AppGroup("figures", help="The observatory's figures.")


@figures_cli.command("rebuild")
def rebuild_command() -> None:
    """Summarise every settled cycle again from the orders and the ledger (safe to run again;
    after an upgrade or a change of the hub's time zone)."""
    count = summaries.rebuild()
    db.session.commit()
    click.echo(f"{count} settled cycles summarised")
