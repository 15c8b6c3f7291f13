"""The shared ledger: double-entry, append-only, hash-chained, verifiable (DESIGN §4)."""

from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

from market.ledger import views  # noqa: E402,F401 - routes attach to bp
