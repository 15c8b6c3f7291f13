"""`flask check`: one ✔/✘ line per setting, with what to do; exit 0 only when all holds."""

from email.header import decode_header, make_header

import pytest

from config import Config
from market import create_app
from market.ledger import builders
from tests import factories
from tests.conftest import BACKEND
from tests.ledger.conftest import Tamperer


def run_check(app, *args):
    return app.test_cli_runner().invoke(args=["check", *args])


def lines_by_subject(output: str) -> dict[str, str]:
    found = {}
    for line in output.splitlines():
        if line[:2] in ("✔ ", "✘ "):
            subject, _, _ = line[2:].partition(": ")
            found[subject] = line
    return found


def test_a_configured_production_passes_on_postgresql_and_names_sqlite(production, db):
    result = run_check(production)
    lines = lines_by_subject(result.output)
    assert list(lines) == [
        "environment",
        "secret key",
        "database",
        "migrations",
        "ledger",
        "ledger signing key",
        "hub name",
        "hub email",
        "hub SIREN",
        "hub IBAN",
        "public URL",
        "mail",
        "mail sender",
        "Stripe",
        "refund policy",
        "time zone",
        "commission",
        "photos",
    ]
    failing = [line for line in lines.values() if line.startswith("✘")]
    assert lines["hub SIREN"] == "✔ hub SIREN: 732 829 320"
    if BACKEND == "postgresql":
        assert failing == []
        assert result.exit_code == 0
        assert result.output.endswith("Ready for production.\n")
    else:
        assert failing == ["✘ database: SQLite " + lines["database"].split("SQLite ")[1]]
        assert "use PostgreSQL in production" in lines["database"]
        assert result.exit_code == 1
        assert result.output.endswith("1 to fix before going live.\n")


def test_the_development_defaults_name_each_setting_to_set(app, db, tmp_path):
    app.config.update(
        HUB_SIREN=Config.HUB_SIREN,
        CATALOG_PHOTO_DIRECTORY=str(tmp_path),
        LEDGER_SIGNING_KEY=None,
        LEDGER_SIGNING_KEY_FILE=str(tmp_path / "none"),
    )
    result = run_check(app)
    assert result.exit_code == 1
    lines = lines_by_subject(result.output)
    for subject, setting in [
        ("environment", "MARKET_ENV=production"),
        ("secret key", "MARKET_SECRET_KEY"),
        ("hub email", "MARKET_HUB_EMAIL"),
        ("hub SIREN", "MARKET_HUB_SIREN"),
        ("hub IBAN", "MARKET_HUB_IBAN"),
        ("ledger signing key", "ledger keygen"),
        ("public URL", "MARKET_PUBLIC_URL"),
        ("mail", "MARKET_MAIL_URL"),
        ("mail sender", "MARKET_MAIL_SENDER"),
    ]:
        assert lines[subject].startswith("✘"), lines[subject]
        assert setting in lines[subject]
    # The placeholder SIREN passes a bare Luhn test: it still counts as missing.
    assert app.config["HUB_SIREN"] == "000000000"
    assert lines["hub SIREN"].startswith("✘ hub SIREN: missing")


@pytest.mark.parametrize(
    "settings, subject, expected",
    [
        ({"SECRET_KEY": "short-key"}, "secret key", "only 9 characters"),
        ({"HUB_SIREN": "732829321"}, "hub SIREN", "'732829321' is not a valid SIREN"),
        ({"HUB_SIREN": "73282932"}, "hub SIREN", "is not a valid SIREN"),
        ({"HUB_SIREN": ""}, "hub SIREN", "missing"),
        ({"HUB_IBAN": "FR76 3000 6000 0112 3456 7890 188"}, "hub IBAN", "MARKET_HUB_IBAN"),
        (
            {"HUB_IBAN": "FR76 3000 6000 0112 3456 7890 189", "HUB_BIC": "NOTABIC"},
            "hub IBAN",
            "MARKET_HUB_BIC",
        ),
        ({"LEDGER_SIGNING_KEY": "not a key"}, "ledger signing key", "cannot be read"),
        ({"HUB_NAME": "  "}, "hub name", "MARKET_HUB_NAME"),
        ({"HUB_EMAIL": "contact@hub.test"}, "hub email", "not a real address"),
        ({"PUBLIC_URL": "http://marche.seignanx.fr"}, "public URL", "https"),
        ({"PUBLIC_URL": "https://localhost:5000"}, "public URL", "https"),
        ({"MAIL_URL": "http://smtp.seignanx.fr"}, "mail", "must look like"),
        ({"MAIL_URL": "smtp://smtp.seignanx.fr:587"}, "mail", "without encryption"),
        (
            {"MAIL_SENDER": "Marché <ne-pas-repondre@marche.example.org>"},
            "mail sender",
            "MARKET_MAIL_SENDER",
        ),
        ({"STRIPE_SECRET_KEY": "sk_live_abc"}, "Stripe", "both"),
        ({"STRIPE_WEBHOOK_SECRET": "whsec_abc"}, "Stripe", "both"),
        (
            {"STRIPE_SECRET_KEY": "sk_test_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"},
            "Stripe",
            "a test key",
        ),
        (
            {"STRIPE_SECRET_KEY": "pk_live_abc", "STRIPE_WEBHOOK_SECRET": "whsec_abc"},
            "Stripe",
            "not a Stripe secret key",
        ),
        (
            {"STRIPE_SECRET_KEY": "sk_live_abc", "STRIPE_WEBHOOK_SECRET": "abc"},
            "Stripe",
            "not a webhook signing secret",
        ),
        (
            {
                "STRIPE_SECRET_KEY": "sk_live_abc",
                "STRIPE_WEBHOOK_SECRET": "whsec_abc",
                "STRIPE_API_BASE": "http://127.0.0.1:12111",
            },
            "Stripe",
            "MARKET_STRIPE_API_BASE",
        ),
        ({"HUB_REFUND_POLICY": "card"}, "refund policy", "card refunds need Stripe"),
        ({"HUB_REFUND_POLICY": "cash"}, "refund policy", "card or credit"),
        ({"BABEL_DEFAULT_TIMEZONE": "Europe/Pariss"}, "time zone", "MARKET_HUB_TIME_ZONE"),
        ({"HUB_COMMISSION_BASIS_POINTS": 10_000}, "commission", "between 0 and 9999"),
        ({"HUB_COMMISSION_BASIS_POINTS": -1}, "commission", "between 0 and 9999"),
        ({"CATALOG_PHOTO_DIRECTORY": "/proc/market-photos"}, "photos", "not writable"),
    ],
)
def test_each_wrong_setting_is_named_with_what_to_do(production, db, settings, subject, expected):
    production.config.update(settings)
    result = run_check(production)
    line = lines_by_subject(result.output)[subject]
    assert line.startswith(f"✘ {subject}: ")
    assert expected in line
    assert result.exit_code == 1


def test_live_stripe_keys_pass(production, db):
    production.config.update(
        STRIPE_SECRET_KEY="sk_live_51abc",
        STRIPE_WEBHOOK_SECRET="whsec_1x",
        HUB_REFUND_POLICY="card",
    )
    lines = lines_by_subject(run_check(production).output)
    assert lines["Stripe"] == "✔ Stripe: live keys and webhook secret set"
    assert lines["refund policy"] == "✔ refund policy: card"


def test_migrations_behind_and_a_ledger_that_does_not_verify(production, db):
    household = factories.HouseholdFactory()
    builders.post_credit_topup(household.id, 1500, "cash", "", "topup-1")
    db.session.commit()
    Tamperer(db).run("UPDATE ledger_transactions SET memo = 'changed' WHERE seq = 1")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0009'")
    lines = lines_by_subject(run_check(production).output)
    assert lines["migrations"].startswith("✘ migrations: 0009, not the latest (")
    assert "flask --app market db upgrade" in lines["migrations"]
    assert lines["ledger"].startswith("✘ ledger: does not verify: ")


def test_an_unreachable_database_is_one_line_per_check(tmp_path):
    unreachable = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="postgresql://nobody@127.0.0.1:1/x",
        CATALOG_PHOTO_DIRECTORY=str(tmp_path),
    )
    with unreachable.app_context():
        result = run_check(unreachable)
    assert result.exit_code == 1
    lines = lines_by_subject(result.output)
    assert lines["database"].startswith("✘ database: cannot connect (")
    assert lines["database"].endswith("check MARKET_DATABASE_URL and that the server runs")
    assert lines["migrations"].startswith("✘ migrations: cannot be read (")
    assert lines["ledger"].startswith("✘ ledger: cannot be read (")
    assert "Traceback" not in result.output


def decoded(header: str) -> str:
    return str(make_header(decode_header(header)))


def test_send_test_delivers_a_message_over_smtp(production, db, smtp_server):
    controller, inbox = smtp_server
    production.config["MAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
    result = run_check(production, "--send-test", "jeanne@seignanx.fr")
    lines = lines_by_subject(result.output)
    assert lines["test email"] == "✔ test email: sent to jeanne@seignanx.fr: check that it arrived"
    [message] = inbox.messages
    assert message["To"] == "jeanne@seignanx.fr"
    assert decoded(message["Subject"]) == "Message d’essai de Marché du Seignanx"
    assert decoded(message["From"]) == production.config["MAIL_SENDER"]


def test_send_test_says_when_the_server_refuses(production, db):
    production.config["MAIL_URL"] = "smtp://127.0.0.1:1"
    result = run_check(production, "--send-test", "jeanne@seignanx.fr")
    line = lines_by_subject(result.output)["test email"]
    assert line.startswith("✘ test email: could not be sent to jeanne@seignanx.fr (")
    assert result.exit_code == 1


def test_send_test_refuses_a_bad_address_in_one_line(production, db):
    result = run_check(production, "--send-test", "jeanne")
    assert result.exit_code == 1
    assert result.output == "Error: « jeanne » is not a valid email address.\n"
