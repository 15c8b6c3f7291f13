"""Pickup day's lists: pickup lists, producer lists, distribution matrix, cycle summary."""

from flask import Blueprint

bp = Blueprint("exports", __name__)

from market.exports import notify, views  # noqa: E402,F401 - routes attach, receivers connect
