"""flask --app market ledger verify | balances | close | export."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from market.cli import refuse
from market.errors import DomainError
from market.extensions import db
from market.ledger import fec
from market.ledger.closures import PERIODS, close_period
from market.ledger.statements import balances_csv
from market.ledger.verify import verify
from market.money import decimal_text
from market.timeutil import to_hub_time, utcnow

ledger_cli = AppGroup("ledger", help="The shared ledger: verify, balances, closures, exports.")


@ledger_cli.command("verify")
def verify_command() -> None:
    """Recompute every hash and balance; exit 1 naming the first record that does not match."""
    verdict = verify()
    if not verdict.ok:
        click.echo(f"ledger NOT verified: {verdict.problem}", err=True)
        sys.exit(1)
    click.echo(f"ledger verified: {verdict.count} transactions, {verdict.closures} closures, "
               f"head hash {verdict.head_hash}")


@ledger_cli.command("balances")
def balances_command() -> None:
    """Every account's balance, as CSV on standard output."""
    click.echo(balances_csv(), nl=False)


@ledger_cli.command("close")
@click.option("--period", type=click.Choice(PERIODS), required=True)
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="A day in the period to close (default: the last period that is over).")
def close_command(period: str, day) -> None:
    """Close a day, month or year: chained totals; nothing can post into it afterwards."""
    try:
        closure = close_period(period, day.date() if day else None)
    except DomainError as error:
        db.session.rollback()
        with force_locale("en"):
            click.echo(str(error.message), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"closed {closure.period} {closure.label}: {closure.transaction_count} "
               f"transactions, total {decimal_text(closure.total, '.')}, grand total "
               f"{decimal_text(closure.grand_total, '.')}, hash {closure.hash}")


@ledger_cli.command("export")
@click.option("--format", "kind", type=click.Choice(["csv", "fec"]), required=True)
@click.option("--year", type=click.IntRange(2000, 2999), default=None,
              help="The fiscal year (default: the current one).")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="A file, or a directory to write the file under its standard name.")
def export_command(kind: str, year: int, out: Path) -> None:
    """The year's journal as CSV, or its FEC."""
    try:
        name, content, _ = fec.export(kind, year or to_hub_time(utcnow()).year)
    except DomainError as error:
        raise refuse(error) from None
    target = out / name if out.is_dir() else out
    try:
        target.write_bytes(content)
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror}") from None
    click.echo(f"wrote {target}")
