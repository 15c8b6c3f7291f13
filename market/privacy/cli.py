"""flask --app market privacy erase EMAIL"""

import click
from flask.cli import AppGroup

from market.cli import refuse
from market.errors import DomainError
from market.extensions import db
from market.privacy.services import erase_by_email

privacy_cli = AppGroup("privacy", help="Households' personal data (RGPD).")


@privacy_cli.command("erase")
@click.argument("email")
def erase_command(email: str) -> None:
    """Erase the household of this account: its people's details give way to a pseudonym;
    its orders and the ledger stay."""
    try:
        household = erase_by_email(email)
    except DomainError as error:
        raise refuse(error) from None
    db.session.commit()
    # The email is not repeated: erased details must not linger in a terminal or a log.
    click.echo(f"household erased: it is now {household.name}")
