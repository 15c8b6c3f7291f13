"""flask --app market export cycle CYCLE_ID --out DIR · cycles notify-closed"""

from pathlib import Path

import click
from flask.cli import AppGroup

from market.cycles.cli import cycles_cli
from market.cycles.models import OrderCycle
from market.exports.bundle import write_directory
from market.exports.data import cycle_data
from market.exports.notify import notify_closed
from market.extensions import db
from market.timeutil import utcnow

export_cli = AppGroup("export", help="Lists of a cycle: pickup, producers, matrix, summary.")


@export_cli.command("cycle")
@click.argument("cycle_id", type=int)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the files and the ZIP into.",
)
def cycle_command(cycle_id: int, out: Path) -> None:
    """Write every list of a cycle in every format, plus a ZIP of them all."""
    if db.session.get(OrderCycle, cycle_id) is None:
        raise click.ClickException(f"no cycle with id {cycle_id}")
    try:
        paths = write_directory(cycle_data(cycle_id), out)
    except OSError as error:
        raise click.ClickException(f"cannot write into {out}: {error.strerror}") from None
    for path in paths:
        click.echo(str(path))


@cycles_cli.command("notify-closed")
def notify_closed_command() -> None:
    """Email each producer its list for every closed cycle not notified yet (run by cron)."""
    for cycle, count in notify_closed(utcnow()):
        click.echo(f"{cycle.id}\t{cycle.name}\t{count}")
    db.session.commit()
