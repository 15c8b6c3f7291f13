"""Figures: the coordinator's dashboard, the producers' figures and the public observatory.

Reads the orders, the ledger, the cycles, the catalogue and the payouts; changes nothing.
"""

from flask import Blueprint

bp = Blueprint("figures", __name__)

from market.figures import summaries, views  # noqa: E402,F401 - routes, listeners
