"""flask --app market cycles list | next"""

import click
from flask.cli import AppGroup

from market.cli import refuse
from market.cycles import services as cycles
from market.errors import DomainError
from market.extensions import db
from market.timeutil import to_hub_time, utcnow

cycles_cli = AppGroup("cycles", help="Weekly order cycles.")


def local_text(moment) -> str:
    return to_hub_time(moment).strftime("%Y-%m-%d %H:%M %Z")


@cycles_cli.command("list")
def list_command() -> None:
    """Print id, name, state and dates of every cycle (hub time)."""
    now = utcnow()
    click.echo("id\tname\tstate\topens\tcloses")
    for cycle in reversed(cycles.cycles_newest_first(limit=10_000)):
        click.echo(
            f"{cycle.id}\t{cycle.name}\t{cycle.state(now).value}\t"
            f"{local_text(cycle.opens_at)}\t{local_text(cycle.closes_at)}"
        )


@cycles_cli.command("next")
def next_command() -> None:
    """Create next week's cycle (a draft) from the latest one."""
    try:
        cycle = cycles.prepare_next_week()
    except DomainError as error:
        raise refuse(error) from None
    db.session.commit()
    click.echo(
        f"{cycle.id}\t{cycle.name}\t{local_text(cycle.opens_at)}\t{local_text(cycle.closes_at)}"
    )
