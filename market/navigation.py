"""The menu: per role, and only pages that exist."""

from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from market.auth.models import ROLE_LABELS, Role

# (endpoint, label, roles that see it; None means everyone)
MENU = [
    ("main.home", _l("Home"), None),
    ("figures.coordinator_dashboard", _l("Dashboard"), (Role.COORDINATOR,)),
    ("main.directory", _l("Producers"), None),
    ("orders.shop", _l("Shop"), None),
    ("subscriptions.contracts_page", _l("Seasonal contracts"), None),
    ("figures.observatory_page", _l("Observatory"), None),
    ("cycles.cycle_list", _l("Cycles"), (Role.COORDINATOR,)),
    ("cycles.collection_points", _l("Collection points"), (Role.COORDINATOR,)),
    ("pickup.choose_point", _l("Pickup"), (Role.COORDINATOR,)),
    ("subscriptions.coordination_page", _l("Contracts"), (Role.COORDINATOR,)),
    ("catalog.dashboard", _l("My catalogue"), (Role.PRODUCER,)),
    ("figures.producer_figures", _l("My figures"), (Role.PRODUCER,)),
    ("subscriptions.producer_page", _l("My contracts"), (Role.PRODUCER,)),
    ("catalog.producers", _l("Manage producers"), (Role.COORDINATOR,)),
    ("catalog.invitations", _l("Invitations"), (Role.COORDINATOR,)),
    ("invoices.producer_invoices", _l("Invoices"), (Role.PRODUCER,)),
    ("ledger.balances", _l("Books"), (Role.COORDINATOR,)),
    ("invoices.coordination", _l("Invoices"), (Role.COORDINATOR,)),
    ("privacy.requests", _l("Account closures"), (Role.COORDINATOR,)),
    ("orders.my_orders", _l("My orders"), (Role.HOUSEHOLD,)),
    ("ledger.my_statement", _l("My statement"), (Role.HOUSEHOLD, Role.PRODUCER)),
]


def menu_items() -> list[dict]:
    """The menu of the signed-in person's role (or a visitor's), worked out once per role and
    address in each app: every page shows it. The labels stay lazy, so each page says them in
    its own language."""
    role = current_user.role if current_user.is_authenticated else None
    menus = current_app.extensions["menus"]
    key = (role, request.script_root)
    items = menus.get(key)
    if items is None:
        items = menus[key] = [
            {"url": url_for(endpoint), "label": label, "endpoint": endpoint}
            for endpoint, label, roles in MENU
            if roles is None or (role is not None and current_user.has_role(*roles))
        ]
    return items


def register(app: Flask) -> None:
    # {(role, the app's address): its menu}: a few entries per app.
    app.extensions["menus"] = {}
    app.context_processor(lambda: {"menu_items": menu_items})
    app.jinja_env.globals["role_labels"] = ROLE_LABELS
