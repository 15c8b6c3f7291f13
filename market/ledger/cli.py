"""flask --app market ledger verify | balances | close | export | keygen."""

import os
import re
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from market.cli import refuse
from market.errors import DomainError
from market.extensions import db
from market.ledger import fec
from market.ledger.closures import PERIODS, close_period
from market.ledger.signing import (
    load_private_key,
    new_private_key_pem,
    private_key,
    public_hex,
)
from market.ledger.statements import balances_csv
from market.ledger.verify import receipt_state, record, verify
from market.money import decimal_text
from market.timeutil import to_hub_time, utcnow

ledger_cli = AppGroup("ledger", help="The shared ledger: verify, balances, closures, exports.")


RECEIPT = re.compile(r"(\d{1,18}):([0-9a-fA-F]{16,64})")


def parse_receipt(_context, _parameter, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    match = RECEIPT.fullmatch(value.strip())
    if match is None:
        raise click.BadParameter(
            "write it SEQ:HASH, the hash whole or its first 16 characters "
            "or more, e.g. 1234:9f86d081884c7d65"
        )
    return int(match.group(1)), match.group(2).lower()


@ledger_cli.command("verify")
@click.option(
    "--receipt",
    callback=parse_receipt,
    metavar="SEQ:HASH",
    help="Also say whether the books still hold this state (a receipt kept earlier).",
)
def verify_command(receipt: tuple[int, str] | None) -> None:
    """Recompute every hash and balance; exit 1 naming the first record that does not match."""
    verdict = verify()
    record(verdict, utcnow())
    db.session.commit()
    if not verdict.ok:
        click.echo(f"ledger NOT verified: {verdict.problem}", err=True)
        sys.exit(1)
    click.echo(
        f"ledger verified: {verdict.count} transactions, {verdict.closures} closures, "
        f"head hash {verdict.head_hash}"
    )
    if receipt is not None:
        seq, hash_ = receipt
        if receipt_state(seq, hash_) != "held":
            click.echo(
                f"receipt {seq}:{hash_} NOT held: the books do not hold transaction "
                f"{seq} with this hash",
                err=True,
            )
            sys.exit(1)
        click.echo(f"receipt {seq}:{hash_} held: the books still hold this exact state")


@ledger_cli.command("balances")
def balances_command() -> None:
    """Every account's balance, as CSV on standard output."""
    click.echo(balances_csv(), nl=False)


@ledger_cli.command("close")
@click.option("--period", type=click.Choice(PERIODS), required=True)
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="A day in the period to close (default: the last period that is over).",
)
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
    click.echo(
        f"closed {closure.period} {closure.label}: {closure.transaction_count} "
        f"transactions, total {decimal_text(closure.total, '.')}, grand total "
        f"{decimal_text(closure.grand_total, '.')}, hash {closure.hash}"
    )


@ledger_cli.command("export")
@click.option("--format", "kind", type=click.Choice(["csv", "fec"]), required=True)
@click.option(
    "--year",
    type=click.IntRange(2000, 2999),
    default=None,
    help="The fiscal year (default: the current one).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="A file, or a directory to write the file under its standard name.",
)
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


@ledger_cli.command("keygen")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the private key (default: MARKET_LEDGER_SIGNING_KEY_FILE).",
)
@click.option("--if-missing", is_flag=True, help="Do nothing when a key is already configured.")
def keygen_command(out: Path | None, if_missing: bool) -> None:
    """Make the hub's Ed25519 key that signs closures; print its public key."""
    configured = current_app.config.get("LEDGER_SIGNING_KEY_FILE")
    target = out or (Path(configured) if configured else None)
    existing = private_key()
    if out is None and if_missing and existing is not None:
        click.echo(
            f"ledger signing key already configured; public key {public_hex(existing.public_key())}"
        )
        return
    if target is None:
        click.echo(
            "no file to write: give --out PATH or set MARKET_LEDGER_SIGNING_KEY_FILE", err=True
        )
        sys.exit(1)
    pem = new_private_key_pem()
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        click.echo(
            f"{target} exists: a signing key is never overwritten (closures signed with "
            "it must stay verifiable); move it away first",
            err=True,
        )
        sys.exit(1)
    except OSError as error:
        click.echo(f"cannot write {target}: {error.strerror}", err=True)
        sys.exit(1)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    click.echo(
        f"wrote the ledger signing key to {target} (keep it out of the database and its "
        f"backups, and keep a copy somewhere safe)\npublic key "
        f"{public_hex(load_private_key(pem).public_key())}"
    )
