"""Payments: at pickup, from prepaid credit, and online through Stripe Checkout."""

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")

from market.payments import views  # noqa: E402,F401 - routes attach to bp
