"""flask --app market mail send (the pickup domain adds mail remind)"""

import click
from flask.cli import AppGroup

from market.extensions import db
from market.mail.services import deliver, next_pending, transport

mail_cli = AppGroup("mail", help="The email outbox.")


@mail_cli.command("send")
@click.option(
    "--limit",
    default=500,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most messages to send.",
)
def send_command(limit: int) -> None:
    """Deliver the outbox: over SMTP with MARKET_MAIL_URL, else as .eml files in instance/."""
    sent = failed = last_id = 0
    with transport() as through:
        while sent + failed < limit and (message := next_pending(last_id)):
            last_id = message.id
            if deliver(message, through):
                sent += 1
            else:
                failed += 1
            db.session.commit()
    click.echo(f"sent {sent}, failed {failed}")
    if failed:
        raise SystemExit(1)
