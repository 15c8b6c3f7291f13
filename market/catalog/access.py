"""Who may manage a producer: its own users once approved, and the coordinators."""

from functools import wraps

from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from market.auth.models import Role
from market.catalog.models import Producer
from market.extensions import db


def manageable_producer(producer_id: int) -> Producer:
    if current_user.is_staff:
        return db.session.get(Producer, producer_id) or abort(404)
    if current_user.role != Role.PRODUCER or current_user.producer_id != producer_id:
        abort(403)
    producer = current_user.producer
    if not producer.is_approved:
        # Until approval, producer features show only the "being reviewed" page.
        abort(redirect(url_for("catalog.dashboard")))
    return producer


def manages_producer(view):
    """The view receives `producer` in place of `producer_id`, or the visitor is refused."""

    @wraps(view)
    @login_required
    def guarded(producer_id: int, **kwargs):
        return view(producer=manageable_producer(producer_id), **kwargs)

    return guarded
