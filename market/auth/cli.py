"""flask --app market users create-admin EMAIL --name NAME | list | set-role EMAIL ROLE"""

import sys
from getpass import getpass

import click
from flask.cli import AppGroup

from market.auth import staff
from market.cli import refuse
from market.errors import DomainError
from market.extensions import db
from market.timeutil import to_hub_time

users_cli = AppGroup("users", help="Accounts: the first administrator, roles.")


def read_secret(prompt: str) -> str:
    """From the keyboard without echo; or a line of standard input when it is piped."""
    if sys.stdin.isatty():
        return getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("give the password twice on standard input, one per line")
    return line.rstrip("\r\n")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", required=True, help="The administrator's name, as the site shows it.")
def create_admin_command(email: str, name: str) -> None:
    """Create an administrator; the password is asked twice (or read from standard input)."""
    try:
        staff.check_new_admin(email, name)
    except DomainError as error:
        raise refuse(error) from None
    password = read_secret("Password: ")
    if read_secret("Password again: ") != password:
        raise click.ClickException("the two passwords differ; nothing was created")
    try:
        user = staff.create_admin(email, name, password)
    except DomainError as error:
        raise refuse(error) from None
    db.session.commit()
    click.echo(f"administrator {user.id} created: {user.email}")


@users_cli.command("list")
def list_command() -> None:
    """Print id, email, role and creation date of every account."""
    click.echo("id\temail\trole\tcreated")
    for user in staff.all_users():
        click.echo(
            f"{user.id}\t{user.email}\t{user.role}\t"
            f"{to_hub_time(user.created_at).strftime('%Y-%m-%d %H:%M %Z')}"
        )


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", metavar="ROLE")
def set_role_command(email: str, role: str) -> None:
    """Change an account's role: household, producer, coordinator or admin (never the last
    administrator's)."""
    try:
        user = staff.set_role(email, role)
    except DomainError as error:
        raise refuse(error) from None
    db.session.commit()
    click.echo(f"{user.email} is now {user.role}")
