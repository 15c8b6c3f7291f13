"""Pickup day: the volunteers' screen, per cycle and collection point, phone first; the
reminders before it and the receipts after it."""

from flask import Blueprint

bp = Blueprint("pickup", __name__)

from market.pickup import cli, views  # noqa: E402,F401 - routes attach, mail remind joins mail
