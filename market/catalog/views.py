"""Photos, and the producer's application and dashboard. Thin views around the services."""

from flask import abort, redirect, render_template, send_file, url_for
from flask_babel.speaklater import LazyString
from flask_login import current_user

from market.auth.decorators import role_required
from market.auth.models import Role, SignupKind
from market.auth.services import request_signup
from market.auth.views import check_your_inbox
from market.catalog import bp, photos, services
from market.catalog.forms import ApplicationForm
from market.catalog.models import LABELS, UNIT_LABELS, VAT_RATES, quantity_in_unit, vat_rate_text
from market.errors import DomainError
from market.i18n import select_locale
from market.web import form_page, form_status, refuse

PHOTO_CACHE_SECONDS = 365 * 24 * 3600
# Written in the language of each page that shows them.
VAT_NAMES = {rate: LazyString(vat_rate_text, rate) for rate in VAT_RATES}


@bp.record_once
def add_template_globals(state):
    # Globals, not a context processor: imported macros see globals only.
    state.app.jinja_env.globals.update(
        label_names=LABELS,
        unit_names=UNIT_LABELS,
        vat_names=VAT_NAMES,
        quantity_in_unit=quantity_in_unit,
    )


@bp.route("/photos/<key>-<size>.jpg")
def photo(key: str, size: str):
    """Stored photos never change (a new photo gets a new key): cache them for a year."""
    if size not in photos.SIZES or not key.isalnum() or len(key) != 32:
        abort(404)
    path = photos.photo_path(key, size)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=PHOTO_CACHE_SECONDS, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.route("/producers/apply", methods=["GET", "POST"])
def apply():
    if current_user.is_authenticated:
        abort(403)
    form = ApplicationForm()
    if form.validate_on_submit():
        try:
            services.application(**form.producer_data())
            request_signup(
                SignupKind.PRODUCER,
                email=form.email.data or "",
                password=form.password.data,
                locale=select_locale(),
                user_name=form.user_name.data,
                **form.producer_data(),
            )
        except DomainError as error:
            refuse(error, form_page, "catalog/apply.html", form, error.status)
        return check_your_inbox(form.email.data or "")
    return form_page("catalog/apply.html", form, form_status(form))


@bp.route("/producer")
@role_required(Role.PRODUCER)
def dashboard():
    """A producer's entry point: their catalogue once approved, the review status before."""
    producer = current_user.producer
    if producer is not None and producer.is_approved:
        return redirect(url_for("catalog.manage", producer_id=producer.id))
    return render_template("catalog/pending.html", producer=producer)
