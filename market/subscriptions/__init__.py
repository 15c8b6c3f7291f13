"""Seasonal contracts (AMAP-style baskets) and the subscriptions generated into each cycle."""

from flask import Blueprint

bp = Blueprint("subscriptions", __name__)

from market.subscriptions import listeners, views  # noqa: E402,F401 - routes attach, receivers connect
