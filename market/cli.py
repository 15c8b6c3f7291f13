"""What every domain's commands share."""

import click
from flask_babel import force_locale

from market.errors import DomainError
from market.extensions import db


def refuse(error: DomainError) -> click.ClickException:
    """Undo the command's changes; the error to raise, which click prints as one line
    (in English, like the commands' own output) before exiting with status 1."""
    db.session.rollback()
    with force_locale("en"):
        return click.ClickException(str(error.message))
