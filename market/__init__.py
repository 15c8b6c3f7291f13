"""market: a short-food-circuit marketplace for a cooperative hub."""

import os
from pathlib import Path

from flask import Flask

from config import config_for, settings_from_environment

ROOT = Path(__file__).resolve().parent.parent


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
    register_security_headers(app)
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind MARKET_PROXY_COUNT proxies, the visitor's address and scheme are the ones the
    nearest proxies saw; without it every visitor would share the proxy's address."""
    count = app.config["PROXY_COUNT"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_extensions(app: Flask) -> None:
    import market.models  # noqa: F401 - every table on the metadata
    from market.extensions import babel, csrf, db, enforce_foreign_keys, login_manager, migrate
    from market.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        enforce_foreign_keys(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from market.auth import login as _login_setup  # noqa: F401 - registers the user loader


def register_security_headers(app: Flask) -> None:
    from market.security import register

    register(app)


def register_blueprints(app: Flask) -> None:
    from market.numbers import DatabaseIntegerConverter

    app.url_map.converters["int"] = DatabaseIntegerConverter  # before any route is added
    from market.auth import bp as auth_bp
    from market.catalog import bp as catalog_bp
    from market.cycles import bp as cycles_bp
    from market.exports import bp as exports_bp
    from market.ledger import bp as ledger_bp
    from market.main import bp as main_bp
    from market.orders import bp as orders_bp
    from market.payments import bp as payments_bp
    from market.payouts import bp as payouts_bp
    from market.pickup import bp as pickup_bp
    from market.privacy import bp as privacy_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(cycles_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(ledger_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(pickup_bp)
    app.register_blueprint(payouts_bp)
    app.register_blueprint(privacy_bp)


def register_commands(app: Flask) -> None:
    from market.auth.cli import users_cli
    from market.cycles.cli import cycles_cli
    from market.demo import demo_command
    from market.exports.cli import export_cli
    from market.ledger.cli import ledger_cli
    from market.mail.cli import mail_cli
    from market.operations.cli import backup_command, check_command, restore_command
    from market.orders.cli import orders_cli
    from market.payments.cli import payments_cli
    from market.privacy.cli import privacy_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(cycles_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(check_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(privacy_cli)


def register_errorhandlers(app: Flask) -> None:
    from market.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from market.i18n import register_template_helpers as register_i18n
    from market.navigation import register as register_navigation

    register_i18n(app)
    register_navigation(app)
