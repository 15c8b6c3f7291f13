"""flask --app market mail remind"""

import click

from market.extensions import db
from market.mail.cli import mail_cli
from market.pickup.reminders import remind
from market.timeutil import utcnow


@mail_cli.command("remind")
def remind_command() -> None:
    """Queue the reminders and receipts that are due, once each (run it hourly)."""
    sent = remind(utcnow())
    db.session.commit()
    click.echo(f"closing {sent.closing}, pickup {sent.pickup}, receipts {sent.receipts}")
