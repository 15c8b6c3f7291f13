"""Invoices French law accepts: sales invoiced in each producer's name under a mandate, the
hub's commission invoiced in Factur-X, gapless and unalterable."""

from flask import Blueprint

bp = Blueprint("invoices", __name__)

from market.invoices import views  # noqa: E402,F401 - routes register on the blueprint
