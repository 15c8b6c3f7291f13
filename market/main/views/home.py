from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from market.cycles import services as cycles
from market.exports.week import producer_week
from market.extensions import db
from market.main import bp
from market.orders import paying
from market.orders.models import PaymentChoice
from market.timeutil import utcnow
from market.web import is_local_path


@bp.route("/")
def home():
    now = utcnow()
    online = any(
        provider.choice == PaymentChoice.ONLINE.value for provider in paying.available_providers()
    )
    producer = current_user.producer if current_user.is_authenticated else None
    week = (
        producer_week(producer.id, now) if producer is not None and producer.is_approved else None
    )
    return render_template(
        "main/home.html",
        cycle=cycles.open_cycle(now),
        upcoming=cycles.next_cycle(now),
        pays_online=online,
        week=week,
        producer=producer,
    )


@bp.route("/locale", methods=["POST"])
def switch_locale():
    """Remember the chosen language for this browser, and on the account when logged in."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    target = request.form.get("next")
    return redirect(target if is_local_path(target) else url_for("main.home"))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok", time=utcnow().isoformat())
