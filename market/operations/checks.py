"""`flask --app market check`: is this installation ready for production?

Each check is a small function of the running app returning one Finding: ✔ and what holds,
or ✘ and what to do. Add a check by writing one and listing it in CHECKS.
"""

import smtplib
import tempfile
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from config import DEFAULT_SECRET_KEY
from market.company_numbers import valid_siren
from market.extensions import db
from market.ledger.signing import private_key, public_hex
from market.ledger.verify import verify
from market.mail.models import OutboxMessage
from market.mail.services import as_email, transport

# Besides the domains email_validator refuses, those RFC 2606 keeps for examples.
EXAMPLE_DOMAINS = ("example", "example.com", "example.org", "example.net")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")  # noqa: S104 - names to refuse


@dataclass(frozen=True)
class Finding:
    ok: bool
    subject: str
    detail: str

    def line(self) -> str:
        return f"{'✔' if self.ok else '✘'} {self.subject}: {self.detail}"


def passed(subject: str, detail: str) -> Finding:
    return Finding(True, subject, detail)


def failed(subject: str, detail: str) -> Finding:
    return Finding(False, subject, detail)


def first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def real_address(text: str | None) -> str | None:
    """The address in "Name <address>" or "address", if mail can really reach it."""
    address = parseaddr(text or "")[1]
    try:
        domain = validate_email(address, check_deliverability=False).domain
    except EmailNotValidError:
        return None
    if any(domain == example or domain.endswith("." + example) for example in EXAMPLE_DOMAINS):
        return None
    return address


def environment() -> Finding:
    name = current_app.config["ENVIRONMENT"]
    if name == "production":
        return passed("environment", "production (secure cookies, no debugger)")
    return failed("environment", f"{name}: set MARKET_ENV=production")


def secret_key() -> Finding:
    key = current_app.config.get("SECRET_KEY") or ""
    if key == DEFAULT_SECRET_KEY:
        return failed(
            "secret key",
            "the development key: set MARKET_SECRET_KEY to 32 or more "
            "random characters, e.g. the output of `python3 -c "
            "'import secrets; print(secrets.token_urlsafe(48))'`",
        )
    if len(key) < 32:
        return failed(
            "secret key",
            f"only {len(key)} characters: set MARKET_SECRET_KEY to 32 or more random characters",
        )
    return passed("secret key", f"set, {len(key)} characters")


def database() -> Finding:
    try:
        with db.engine.connect() as connection:
            version = connection.execute(
                text(
                    "SELECT version()"
                    if db.engine.dialect.name == "postgresql"
                    else "SELECT 'SQLite ' || sqlite_version()"
                )
            ).scalar_one()
    except SQLAlchemyError as error:
        return failed(
            "database",
            f"cannot connect ({first_line(error)}): check "
            "MARKET_DATABASE_URL and that the server runs",
        )
    if db.engine.dialect.name != "postgresql":
        return failed(
            "database",
            f"{version}: use PostgreSQL in production, "
            "MARKET_DATABASE_URL=postgresql://user:password@host/db",
        )
    return passed("database", " ".join(version.split()[:2]))


def migrations() -> Finding:
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    heads = set(script.get_heads())
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        return failed("migrations", f"cannot be read ({first_line(error)})")
    if current == heads:
        return passed("migrations", f"at the latest revision ({', '.join(sorted(heads))})")
    at = ", ".join(sorted(current)) or "an empty database"
    return failed(
        "migrations",
        f"{at}, not the latest ({', '.join(sorted(heads))}): run `flask --app market db upgrade`",
    )


def ledger() -> Finding:
    try:
        verdict = verify()
    except SQLAlchemyError as error:
        db.session.rollback()
        return failed("ledger", f"cannot be read ({first_line(error)})")
    if not verdict.ok:
        return failed(
            "ledger",
            f"does not verify: {verdict.problem} — see "
            "`flask --app market ledger verify`, and restore the last good "
            "backup if the books were changed",
        )
    return passed("ledger", f"verified, {verdict.count} transactions, head {verdict.head_hash}")


def ledger_key() -> Finding:
    """The key that signs closures: without it a rewrite of the books cannot be told."""
    subject = "ledger signing key"
    try:
        key = private_key()
    except (ValueError, OSError) as error:
        return failed(
            subject,
            f"cannot be read ({first_line(error)}): name an Ed25519 key "
            "made by `flask --app market ledger keygen`",
        )
    if key is None:
        return failed(
            subject,
            "missing: run `flask --app market ledger keygen` and set "
            "MARKET_LEDGER_SIGNING_KEY_FILE to the file it writes",
        )
    path = current_app.config.get("LEDGER_SIGNING_KEY_FILE")
    if (
        not current_app.config.get("LEDGER_SIGNING_KEY")
        and path
        and Path(path).stat().st_mode & 0o077
    ):
        return failed(subject, f"{path} can be read by other users: chmod 600 it")
    return passed(subject, f"public key {public_hex(key.public_key())}, published at /ledger/key")


def hub_name() -> Finding:
    name = (current_app.config.get("HUB_NAME") or "").strip()
    if not name:
        return failed("hub name", "empty: set MARKET_HUB_NAME to the name people know the hub by")
    return passed("hub name", name)


def hub_email() -> Finding:
    address = current_app.config.get("HUB_EMAIL")
    if address is None or real_address(address) is None:
        return failed(
            "hub email",
            f"{address or 'unset'} is not a real address: set "
            "MARKET_HUB_EMAIL to the hub's mailbox (applications and "
            "account closures are sent there)",
        )
    return passed("hub email", address)


def hub_siren() -> Finding:
    value = current_app.config.get("HUB_SIREN") or ""
    number = valid_siren(value)
    if number is None:
        state = "missing" if set(value) <= {"0", " "} else f"{value!r} is not a valid SIREN"
        return failed(
            "hub SIREN",
            f"{state}: set MARKET_HUB_SIREN to the 9 digits of the "
            "hub's INSEE notice (the FEC for the tax office needs it)",
        )
    return passed("hub SIREN", f"{number[:3]} {number[3:6]} {number[6:]}")


def hub_bank_account() -> Finding:
    """The account producers are paid from: the SEPA transfer file names it."""
    iban_text = (current_app.config.get("HUB_IBAN") or "").strip()
    bic_text = (current_app.config.get("HUB_BIC") or "").strip()
    if not iban_text:
        return failed(
            "hub IBAN",
            "missing: set MARKET_HUB_IBAN to the hub's bank account, "
            "which pays the producers (the SEPA transfer file needs it)",
        )
    try:
        iban = IBAN(iban_text)
        bic = BIC(bic_text) if bic_text else iban.bic
    except SchwiftyException as error:
        return failed(
            "hub IBAN",
            f"{first_line(error)}: check MARKET_HUB_IBAN and "
            "MARKET_HUB_BIC against the hub's bank details",
        )
    return passed("hub IBAN", f"{iban.formatted}" + (f", BIC {bic}" if bic else ""))


def public_url() -> Finding:
    url = current_app.config.get("PUBLIC_URL") or ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.hostname in LOCAL_HOSTS:
        return failed(
            "public URL",
            f"{url or 'unset'}: set MARKET_PUBLIC_URL to the https "
            "address people use, e.g. https://marche.example.fr "
            "(links in emails start with it)",
        )
    return passed("public URL", url)


def mail() -> Finding:
    url = current_app.config.get("MAIL_URL") or ""
    parts = urlsplit(url)
    if not url:
        return failed(
            "mail",
            "MARKET_MAIL_URL is not set: messages are only written as files; "
            "set it to smtp://user:password@host:587?starttls=1 or "
            "smtps://user:password@host:465",
        )
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return failed(
            "mail",
            "MARKET_MAIL_URL must look like smtp://user:password@host:587"
            "?starttls=1 or smtps://user:password@host:465",
        )
    secure = parts.scheme == "smtps" or "starttls=1" in parts.query
    if not secure and parts.hostname not in LOCAL_HOSTS:
        return failed(
            "mail",
            f"{parts.hostname} is reached without encryption: use smtps:// "
            "or add ?starttls=1 to MARKET_MAIL_URL",
        )
    return passed(
        "mail",
        f"{parts.scheme}://{parts.hostname}:{parts.port or 'default port'} "
        "(`check --send-test EMAIL` sends a message)",
    )


def mail_sender() -> Finding:
    sender = current_app.config.get("MAIL_SENDER")
    if sender is None or real_address(sender) is None:
        return failed(
            "mail sender",
            f"{sender or 'unset'}: set MARKET_MAIL_SENDER to an "
            "address of the hub's domain, e.g. "
            '"Marché <ne-pas-repondre@marche.example.fr>"',
        )
    return passed("mail sender", sender)


def stripe() -> Finding:
    config = current_app.config
    secret, webhook = config.get("STRIPE_SECRET_KEY"), config.get("STRIPE_WEBHOOK_SECRET")
    if not secret and not webhook:
        return passed("Stripe", "not configured: households pay at pickup or from credit")
    if not (secret and webhook):
        return failed(
            "Stripe",
            "set both MARKET_STRIPE_SECRET_KEY and MARKET_STRIPE_WEBHOOK_SECRET, or neither",
        )
    if not secret.startswith(("sk_live_", "rk_live_")):
        what = "a test key" if "_test_" in secret else "not a Stripe secret key"
        return failed(
            "Stripe",
            f"MARKET_STRIPE_SECRET_KEY is {what}: use the live secret key "
            "(sk_live_…) of the Stripe dashboard",
        )
    if not webhook.startswith("whsec_"):
        return failed(
            "Stripe",
            "MARKET_STRIPE_WEBHOOK_SECRET is not a webhook signing secret "
            "(whsec_…): copy it from the webhook endpoint in Stripe",
        )
    if config.get("STRIPE_API_BASE"):
        return failed(
            "Stripe", "MARKET_STRIPE_API_BASE sends payments elsewhere than Stripe: unset it"
        )
    return passed("Stripe", "live keys and webhook secret set")


def refund_policy() -> Finding:
    policy = current_app.config.get("HUB_REFUND_POLICY")
    if policy not in ("card", "credit"):
        return failed(
            "refund policy", f"{policy!r}: set MARKET_HUB_REFUND_POLICY to card or credit"
        )
    if policy == "card" and not current_app.config.get("STRIPE_SECRET_KEY"):
        return failed(
            "refund policy",
            "card refunds need Stripe: set the Stripe keys or MARKET_HUB_REFUND_POLICY=credit",
        )
    return passed("refund policy", policy)


def time_zone() -> Finding:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return failed(
            "time zone", f"{name!r} is not a time zone: set MARKET_HUB_TIME_ZONE, e.g. Europe/Paris"
        )
    return passed("time zone", name)


def commission() -> Finding:
    rate = current_app.config.get("HUB_COMMISSION_BASIS_POINTS")
    if type(rate) is not int or not 0 <= rate < 10_000:
        return failed(
            "commission",
            f"{rate!r}: set MARKET_HUB_COMMISSION_BASIS_POINTS to "
            "hundredths of a percent between 0 and 9999 (1000 = 10 %)",
        )
    return passed("commission", f"{rate / 100:g} % of each sale")


def photo_directory() -> Finding:
    directory = Path(current_app.config["CATALOG_PHOTO_DIRECTORY"])
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory):
            pass
    except OSError as error:
        return failed(
            "photos",
            f"{directory} is not writable ({error.strerror}): give the "
            "service's user that folder, or set MARKET_PHOTO_DIRECTORY",
        )
    return passed("photos", f"{directory} (include it in backups: `backup` does)")


CHECKS = [
    environment,
    secret_key,
    database,
    migrations,
    ledger,
    ledger_key,
    hub_name,
    hub_email,
    hub_siren,
    hub_bank_account,
    public_url,
    mail,
    mail_sender,
    stripe,
    refund_policy,
    time_zone,
    commission,
    photo_directory,
]


def run_checks() -> list[Finding]:
    return [check() for check in CHECKS]


def send_test(recipient: str) -> Finding:
    """Send a message now, over the configured SMTP server, without the outbox."""
    subject = "test email"
    if not current_app.config.get("MAIL_URL"):
        return failed(subject, "not sent: MARKET_MAIL_URL is not set")
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        title, _, body = render_template("mail/check.txt").strip().partition("\n")
    message = OutboxMessage(recipient=recipient, subject=title.strip(), body=body.strip() + "\n")
    try:
        with transport() as through:
            through.send(as_email(message))
    except (smtplib.SMTPException, OSError) as error:
        return failed(
            subject,
            f"could not be sent to {recipient} ({first_line(error)}): check "
            "MARKET_MAIL_URL, its user and password",
        )
    return passed(subject, f"sent to {recipient}: check that it arrived")
