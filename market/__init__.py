"""market: a short-food-circuit marketplace for a cooperative hub.

create_app() reads as the list of what an app is made of; each domain brings its blueprint,
its commands and, where a lower domain needs one, the service it provides (ARCHITECTURE.md).
"""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import market.models  # noqa: F401 - every table on the metadata
from config import config_for, settings_from_environment
from market import security, static_files, web
from market.auth import bp as auth_bp
from market.auth import login  # noqa: F401 - registers the user loader
from market.auth.cli import users_cli
from market.catalog import bp as catalog_bp
from market.cycles import bp as cycles_bp
from market.cycles.cli import cycles_cli
from market.demo import demo_command
from market.errors import register as register_error_pages
from market.exports import bp as exports_bp
from market.exports.cli import export_cli
from market.extensions import babel, csrf, db, enforce_foreign_keys, login_manager, migrate
from market.figures import bp as figures_bp
from market.figures.cli import figures_cli
from market.i18n import register_form_translations, select_locale
from market.i18n import register_template_helpers as register_i18n
from market.invoices import bp as invoices_bp
from market.invoices.cli import invoices_cli
from market.ledger import bp as ledger_bp
from market.ledger import statement_sections
from market.ledger.cli import ledger_cli
from market.mail.cli import mail_cli
from market.main import bp as main_bp
from market.navigation import register as register_navigation
from market.numbers import DatabaseIntegerConverter
from market.operations.cli import backup_command, check_command, restore_command
from market.orders import bp as orders_bp
from market.orders import paying
from market.orders.cli import orders_cli
from market.payments import bp as payments_bp
from market.payments.cli import payments_cli
from market.payments.service import HubPayments
from market.payouts import bp as payouts_bp
from market.pickup import bp as pickup_bp
from market.privacy import bp as privacy_bp
from market.privacy.cli import privacy_cli
from market.subscriptions import bp as subscriptions_bp
from market.subscriptions.cli import subscriptions_cli
from market.subscriptions.statement import prepaid_contracts_section

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINTS = (
    main_bp,
    auth_bp,
    catalog_bp,
    cycles_bp,
    orders_bp,
    ledger_bp,
    payments_bp,
    exports_bp,
    pickup_bp,
    payouts_bp,
    invoices_bp,
    privacy_bp,
    figures_bp,
    subscriptions_bp,
)
COMMANDS = (
    demo_command,
    mail_cli,
    cycles_cli,
    ledger_cli,
    orders_cli,
    payments_cli,
    export_cli,
    users_cli,
    check_command,
    backup_command,
    restore_command,
    privacy_cli,
    invoices_cli,
    subscriptions_cli,
    figures_cli,
)


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config_class = config_for(config_name or os.environ.get("MARKET_ENV", "development"))
    app.config.from_object(config_class)
    app.config.update(settings_from_environment())
    app.config.update(overrides)
    config_class.check(app.config)
    Path(app.instance_path).mkdir(exist_ok=True)
    trust_proxies(app)

    register_extensions(app)
    register_transaction(app)
    register_security_headers(app)
    register_services(app)
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    static_files.register(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind MARKET_PROXY_COUNT proxies, the visitor's address and scheme are the ones the
    nearest proxies saw; without it every visitor would share the proxy's address."""
    count = app.config["PROXY_COUNT"]
    if count:
        # Flask documents wrapping wsgi_app in middleware; its type declares a plain method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]


def compile_templates(app: Flask) -> None:
    """Compile every template now rather than on its first render: a page's first visitor
    in each worker would otherwise pay for it (about 0.1 s for the ordering pages). gunicorn
    does it once, before forking its workers (deploy/gunicorn.conf.py); commands never need
    it."""
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        enforce_foreign_keys(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)


def register_transaction(app: Flask) -> None:
    """One commit per request, at its end (market/web.py)."""
    web.register_transaction(app)


def register_security_headers(app: Flask) -> None:
    security.register(app)


def register_services(app: Flask) -> None:
    """The services a lower domain declares and a higher one provides."""
    paying.register(app, HubPayments())
    statement_sections.register(app, prepaid_contracts_section)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIntegerConverter  # before any route is added
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)


def register_errorhandlers(app: Flask) -> None:
    register_error_pages(app)


def register_template_helpers(app: Flask) -> None:
    register_i18n(app)
    register_form_translations(app)
    register_navigation(app)
