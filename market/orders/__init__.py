"""The shop, carts, checkout and orders."""

from flask import Blueprint

bp = Blueprint("orders", __name__)

from market.orders import views  # noqa: E402,F401 - routes attach to bp
