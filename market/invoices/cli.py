"""flask --app market invoices issue | verify | register | commission"""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from market.cli import refuse
from market.errors import DomainError
from market.extensions import db
from market.invoices import commission, issuing, reports
from market.invoices.verify import verify
from market.timeutil import utcnow

invoices_cli = AppGroup(
    "invoices", help="Invoices in the producers' name and the hub's commission invoices."
)


@invoices_cli.command("issue")
@click.option("--cycle", "cycle_id", type=int, help="The settled cycle's id.")
@click.option(
    "--settled", is_flag=True, help="Every settled cycle whose invoices are not all issued."
)
def issue_command(cycle_id: int | None, settled: bool) -> None:
    """Issue a settled cycle's invoices (or every settled cycle's), and the credit notes of
    what changed since; run again, it issues nothing new."""
    if (cycle_id is None) == (not settled):
        raise click.UsageError("give either --cycle ID or --settled")
    try:
        if cycle_id is None:
            outcomes = issuing.issue_settled(utcnow())
        else:
            outcomes = {cycle_id: issuing.issue_cycle(cycle_id, utcnow())}
    except DomainError as error:
        raise refuse(error) from None
    db.session.commit()
    issued = not_invoiced = 0
    for cycle, outcome in outcomes.items():
        for invoice in outcome.issued:
            click.echo(
                f"cycle {cycle}: issued {invoice.reference} ({invoice.kind}): "
                f"{invoice.total_incl_vat_cents} cents"
            )
        for item in outcome.not_invoiced:
            click.echo(
                f"cycle {cycle}: NOT invoiced: order {item.order_reference}, producer "
                f"{item.producer_id}: {item.reason}"
            )
        issued += len(outcome.issued)
        not_invoiced += len(outcome.not_invoiced)
    click.echo(f"{issued} issued, {not_invoiced} not invoiced")


@invoices_cli.command("verify")
def verify_command() -> None:
    """Check every series for gaps, every document's hash and the agreement with the ledger;
    exit 1 naming each problem."""
    verdict = verify(current_app.config["HUB_COMMISSION_BASIS_POINTS"])
    for problem in verdict.problems:
        click.echo(f"invoices NOT verified: {problem}", err=True)
    if not verdict.ok:
        sys.exit(1)
    click.echo(f"invoices verified: {verdict.count} invoices and credit notes")


@invoices_cli.command("register")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def register_command(month: str, out: Path) -> None:
    """Write the month's invoice register (CSV) for the accountant."""
    try:
        text = reports.register_csv(month)
    except DomainError as error:
        raise refuse(error) from None
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {out}: {error.strerror}") from None
    click.echo(f"register of {month} written to {out}")


@invoices_cli.command("commission")
@click.option("--month", required=True, metavar="YYYY-MM")
def commission_command(month: str) -> None:
    """Issue the hub's commission invoices (Factur-X) for a finished month; run again, it
    issues nothing new."""
    try:
        issued = commission.issue_month(month, utcnow())
    except DomainError as error:
        raise refuse(error) from None
    db.session.commit()
    for invoice in issued:
        click.echo(
            f"issued {invoice.reference} to producer {invoice.producer_id}: "
            f"{invoice.total_incl_vat_cents} cents"
        )
    click.echo(f"{len(issued)} commission invoices issued")
