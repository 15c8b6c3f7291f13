"""Configuration: defaults per environment, overridden by MARKET_* environment variables.

The environment is read when the application is created, not at import, so that tests
and commands can set it freely.
"""

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from click import ClickException

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


def database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class UnsafeConfiguration(ClickException, RuntimeError):
    """A setting that cannot work. A ClickException, so that every `flask` command says it in
    one line instead of a traceback; the web server refuses to start all the same."""


def whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError("a whole number") from None


# MARKET_<name> → config key, and how to read it.
ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "SECRET_KEY": ("SECRET_KEY", str),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", database_url),
    "PUBLIC_URL": ("PUBLIC_URL", str),
    "HUB_NAME": ("HUB_NAME", str),
    "HUB_SIREN": ("HUB_SIREN", str),
    "HUB_EMAIL": ("HUB_EMAIL", str),
    "HUB_ADDRESS": ("HUB_ADDRESS", str),
    "HUB_POSTCODE": ("HUB_POSTCODE", str),
    "HUB_TOWN": ("HUB_TOWN", str),
    "HUB_COMMISSION_BASIS_POINTS": ("HUB_COMMISSION_BASIS_POINTS", whole_number),
    "HUB_TIME_ZONE": ("BABEL_DEFAULT_TIMEZONE", str),
    "HUB_PRODUCER_LIST_NAMES": (
        "HUB_PRODUCER_LIST_NAMES",
        lambda value: value.lower() in ("1", "true", "yes", "on"),
    ),
    "MAIL_URL": ("MAIL_URL", str),
    "MAIL_SENDER": ("MAIL_SENDER", str),
    "PHOTO_DIRECTORY": ("CATALOG_PHOTO_DIRECTORY", str),
    "IMPORT_DIRECTORY": ("CATALOG_IMPORT_DIRECTORY", str),
    "STRIPE_SECRET_KEY": ("STRIPE_SECRET_KEY", str),
    "STRIPE_WEBHOOK_SECRET": ("STRIPE_WEBHOOK_SECRET", str),
    "STRIPE_API_BASE": ("STRIPE_API_BASE", str),
    "HUB_REFUND_POLICY": ("HUB_REFUND_POLICY", str),
    "HUB_NO_SHOW_POLICY": ("HUB_NO_SHOW_POLICY", str),
    "HUB_IBAN": ("HUB_IBAN", str),
    "HUB_BIC": ("HUB_BIC", str),
    "LEDGER_SIGNING_KEY_FILE": ("LEDGER_SIGNING_KEY_FILE", str),
    "LEDGER_SIGNING_KEY": ("LEDGER_SIGNING_KEY", str),
    "LEDGER_PUBLIC_KEYS": ("LEDGER_PUBLIC_KEYS", str),
    "PROXY_COUNT": ("PROXY_COUNT", int),
    "FIGURES_PRIVACY_THRESHOLD": ("FIGURES_PRIVACY_THRESHOLD", whole_number),
    "HUB_REFERENCE_DISTANCE_KM": ("HUB_REFERENCE_DISTANCE_KM", whole_number),
}


def settings_from_environment() -> dict:
    settings = {}
    for name, (key, kind) in ENVIRONMENT.items():
        value = os.environ.get(f"MARKET_{name}")
        if value:
            try:
                settings[key] = kind(value)
            except ValueError as error:
                raise UnsafeConfiguration(
                    f"MARKET_{name} must be {error}, not {value!r}."
                ) from None
    return settings


class Config:
    # Which of the classes below the app runs with: `check` wants "production".
    ENVIRONMENT = "development"
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'market.db'}"
    # No ping before each request's first query (a round trip every request): a pooled
    # connection is replaced after 5 minutes instead, before the usual idle timeouts of
    # proxies, firewalls or PostgreSQL's idle_session_timeout cut it. A restarted database
    # costs one failed request per worker: SQLAlchemy then discards the whole pool.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 300}
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("fr", "en")

    # Where people reach the site: links in emails sent by commands start with it.
    PUBLIC_URL = "http://127.0.0.1:5000"
    HUB_NAME = "Marché du Seignanx"
    HUB_SIREN = "000000000"
    HUB_EMAIL = "contact@marche-seignanx.example"
    HUB_COMMISSION_BASIS_POINTS = 1000
    # The hub's postal address, on the invoices it issues (its commission, and those it
    # issues in the producers' name).
    HUB_ADDRESS = "1 place de la Mairie"
    HUB_POSTCODE = "40440"
    HUB_TOWN = "Ondres"
    # Producer lists name the households (True) or give only order numbers (privacy, default).
    HUB_PRODUCER_LIST_NAMES = False

    MAIL_URL = None
    MAIL_SENDER = "Marché du Seignanx <ne-pas-repondre@marche-seignanx.example>"
    MAIL_DIRECTORY = str(INSTANCE / "mail")

    STRIPE_SECRET_KEY = None
    STRIPE_WEBHOOK_SECRET = None
    # Stripe's own address unless set (the tests point it at their local fake).
    STRIPE_API_BASE = None
    # When a paid order shrinks or is cancelled: "card" refunds through Stripe, "credit" keeps
    # the difference as the household's credit.
    HUB_REFUND_POLICY = "credit"
    # An order nobody collected: "charge" keeps it due, "cancel" cancels it and posts it back.
    HUB_NO_SHOW_POLICY = "charge"
    # The hub's bank account, which pays the producers (SEPA credit transfers).
    HUB_IBAN = None
    HUB_BIC = None

    # The hub's Ed25519 key that signs the ledger's closures: outside the database, in this
    # file (made by `flask --app market ledger keygen`) or in LEDGER_SIGNING_KEY itself.
    LEDGER_SIGNING_KEY_FILE: str | None = str(INSTANCE / "ledger-signing-key.pem")
    LEDGER_SIGNING_KEY = None
    # Earlier public keys of the hub (hex, separated by commas), still trusted by verify.
    LEDGER_PUBLIC_KEYS = None

    CATALOG_PHOTO_DIRECTORY = str(INSTANCE / "photos")
    CATALOG_PHOTO_MAX_BYTES = 5 * 1024 * 1024
    # Uploaded spreadsheets wait here between their preview and their application.
    CATALOG_IMPORT_DIRECTORY = str(INSTANCE / "imports")

    # How many reverse proxies stand in front of the app, each adding X-Forwarded-For and
    # X-Forwarded-Proto: their word is taken for the visitor's address and scheme. 0 trusts
    # no forwarded header (the app faces the internet, or the header could be forged).
    PROXY_COUNT = 0

    # A settled cycle with at most this many invoices to issue (orders × producers) is
    # invoiced in the transaction that settles it; a bigger one by `invoices issue --settled`
    # (a timer, every quarter of an hour), so that settling stays a quick click.
    INVOICES_AT_SETTLEMENT_MAX = 20

    # The public observatory shows no figure resting on fewer households than this.
    FIGURES_PRIVACY_THRESHOLD = 5
    # How far food travels in the hub's conventional supply, to compare the short circuit
    # with (km); the hub sets it from its own study. Unset: no comparison is drawn.
    HUB_REFERENCE_DISTANCE_KM = None

    PASSWORD_RESET_HOURS = 2
    # A registration or producer application waits this long for its address to be confirmed.
    SIGNUP_HOURS = 48
    INVITATION_DAYS = 14
    LOGIN_FAILURES_PER_ACCOUNT = 5
    LOGIN_FAILURES_PER_ADDRESS = 20
    LOGIN_WINDOW_MINUTES = 15
    # Argon2id at OWASP's Password Storage Cheat Sheet configuration: 19 MiB, 2 passes, 1
    # lane. Each log-in costs one hash; one lane keeps it on one core, so log-ins do not
    # take both cores from the orders being placed. A hash made with other parameters is
    # made again at its next log-in (market/auth/passwords.py).
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19 * 1024
    ARGON2_PARALLELISM = 1

    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_NAME = "remember_token"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Also how long a log-in session lasts at most (market.auth.sessions).
    REMEMBER_COOKIE_DURATION = timedelta(days=60)

    @staticmethod
    def check(settings) -> None:
        """Refuse settings that are unsafe for this environment."""
        if settings.get("FIGURES_PRIVACY_THRESHOLD", 1) < 1:
            raise UnsafeConfiguration("MARKET_FIGURES_PRIVACY_THRESHOLD must be at least 1.")


class Development(Config):
    DEBUG = True


class Testing(Config):
    ENVIRONMENT = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    # A real SIREN's shape (INSEE's example): exports named after it can be produced.
    HUB_SIREN = "732829320"
    WTF_CSRF_ENABLED = False
    # The tests give their own signing key (tests/conftest.py), never the instance's.
    LEDGER_SIGNING_KEY_FILE = None
    # Cheap hashing keeps the suite fast; production uses the class defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class Production(Config):
    ENVIRONMENT = "production"
    # Static URLs carry their content's hash, and browsers keep them a year.
    STATIC_FINGERPRINTS = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @staticmethod
    def check(settings) -> None:
        Config.check(settings)
        key = settings.get("SECRET_KEY") or ""
        if key == DEFAULT_SECRET_KEY or len(key) < 32:
            raise UnsafeConfiguration(
                "MARKET_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production."
            )


CONFIGS = {"development": Development, "testing": Testing, "production": Production}


def config_for(name: str) -> type[Config]:
    if name not in CONFIGS:
        raise UnsafeConfiguration(f"MARKET_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.")
    return CONFIGS[name]
