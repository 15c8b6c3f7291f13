"""Pickup day: the volunteers' screen, per cycle and collection point, phone first."""

from flask import Blueprint

bp = Blueprint("pickup", __name__)

from market.pickup import views  # noqa: E402,F401 - routes attach to bp
