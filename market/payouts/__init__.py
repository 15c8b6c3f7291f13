"""Paying the producers what the ledger says the hub owes them, by SEPA credit transfer."""

from flask import Blueprint

bp = Blueprint("payouts", __name__)

from market.payouts import views  # noqa: E402,F401 - routes register on the blueprint
