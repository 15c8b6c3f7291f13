"""flask --app market check [--send-test EMAIL] | backup --out DIR | restore FILE [--force]"""

from pathlib import Path

import click

from market.auth.staff import checked_email
from market.cli import refuse
from market.errors import DomainError
from market.operations.backup import backup, restore
from market.operations.checks import run_checks, send_test


@click.command("check")
@click.option(
    "--send-test", "recipient", metavar="EMAIL", help="Also send a test message to this address."
)
def check_command(recipient: str | None) -> None:
    """Say, line by line, whether this installation is ready for production; exit 1 if not."""
    if recipient is not None:
        try:
            checked_email(recipient)
        except DomainError as error:
            raise refuse(error) from None
    findings = run_checks()
    if recipient is not None:
        findings.append(send_test(recipient))
    for finding in findings:
        click.echo(finding.line())
    problems = sum(not finding.ok for finding in findings)
    if problems:
        click.echo(f"{problems} to fix before going live.")
        raise SystemExit(1)
    click.echo("Ready for production.")


@click.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write the archive into (created if missing).",
)
def backup_command(out: Path) -> None:
    """Write the database, the photos and a manifest with the ledger's head, in one archive."""
    try:
        archive = backup(out)
    except DomainError as error:
        raise refuse(error) from None
    click.echo(f"{archive}")


@click.command("restore")
@click.argument(
    "archive", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--force", is_flag=True, help="Replace what the database holds.")
def restore_command(archive: Path, force: bool) -> None:
    """Put a backup in place (into an empty database), then verify the ledger."""
    try:
        restored = restore(archive, force=force)
    except DomainError as error:
        raise refuse(error) from None
    click.echo(
        f"restored {archive.name} of {restored.manifest['created_at']}: ledger verified, "
        f"{restored.transactions} transactions, head {restored.head_hash} "
        "(as the manifest says)"
    )
    if not restored.at_latest_revision:
        click.echo("The backup predates this version: run `flask --app market db upgrade`.")
