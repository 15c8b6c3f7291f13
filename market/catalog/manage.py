"""A producer's own pages: catalogue, profile, products, photos, spreadsheets.

Coordinators reach the same pages for any producer; see access.manages_producer.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs

from market.catalog import bp, photos, services, spreadsheet
from market.catalog.access import manages_producer
from market.catalog.forms import (
    ActiveForm,
    ImportForm,
    PhotoForm,
    ProducerProfileForm,
    ProductForm,
)
from market.errors import DomainError
from market.money import decimal_text
from market.web import after_commit, confirmation_page, download, form_page, form_status, refuse

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/producers/<int:producer_id>/manage")
@manages_producer
def manage(producer):
    return render_template(
        "catalog/manage.html",
        producer=producer,
        products=services.producer_products(producer),
        form=ActiveForm(),
    )


@bp.route("/producers/<int:producer_id>/manage/profile", methods=["GET", "POST"])
@manages_producer
def edit_profile(producer):
    form = ProducerProfileForm(obj=producer)
    if form.validate_on_submit():
        try:
            services.update_producer(producer, **form.producer_data())
            services.set_bank_account(producer, form.iban.data, form.bic.data)
            services.set_location(producer, form.latitude.data, form.longitude.data)
        except DomainError as error:
            refuse(error, form_page, "catalog/profile.html", form, error.status, producer=producer)
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("catalog.manage", producer_id=producer.id))
    return form_page("catalog/profile.html", form, form_status(form), producer=producer)


def product_form(product=None) -> tuple[ProductForm, dict]:
    form = ProductForm(obj=product)
    categories = {category.id: category for category in services.categories()}
    form.category.choices = [SelectChoice(0, "—")] + [
        SelectChoice(c.id, c.name) for c in categories.values()
    ]
    if product is not None and request.method == "GET":
        form.category.data = product.category_id or 0
        form.price.data = decimal_text(product.price_cents)
    return form, categories


def product_page(producer, product, form, status: int):
    return form_page(
        "catalog/product_form.html",
        form,
        status,
        producer=producer,
        product=product,
        photo_form=PhotoForm(),
    )


def save_product(producer, product=None):
    form, categories = product_form(product)
    if form.validate_on_submit():
        try:
            saved = (
                services.create_product(producer, **form.product_data(categories))
                if product is None
                else services.update_product(product, **form.product_data(categories))
            )
        except DomainError as error:
            refuse(error, product_page, producer, product, form, error.status)
        flash(_("« %(name)s » has been saved.", name=saved.name), "success")
        return redirect(
            url_for("catalog.edit_product", producer_id=producer.id, product_id=saved.id)
        )
    return product_page(producer, product, form, form_status(form))


@bp.route("/producers/<int:producer_id>/manage/products/new", methods=["GET", "POST"])
@manages_producer
def new_product(producer):
    return save_product(producer)


@bp.route("/producers/<int:producer_id>/manage/products/<int:product_id>", methods=["GET", "POST"])
@manages_producer
def edit_product(producer, product_id: int):
    return save_product(producer, services.product_of(producer, product_id))


@bp.route("/producers/<int:producer_id>/manage/products/<int:product_id>/active")
@manages_producer
def confirm_archive(producer, product_id: int):
    """Archiving takes a product out of the shop at once: it asks first."""
    product = services.product_of(producer, product_id)
    return confirmation_page(
        question=_("Archive « %(name)s »?", name=product.name),
        consequences=[
            _("It leaves the shop at once; the orders already placed keep it."),
            _("You can put it back on sale at any time."),
        ],
        action=url_for("catalog.set_active", producer_id=producer.id, product_id=product.id),
        fields={"active": "0"},
        confirm=_("Yes, archive it"),
        back=url_for("catalog.manage", producer_id=producer.id),
        back_label=_("No, go back"),
    )


@bp.route("/producers/<int:producer_id>/manage/products/<int:product_id>/active", methods=["POST"])
@manages_producer
def set_active(producer, product_id: int):
    product = services.product_of(producer, product_id)
    if not ActiveForm().validate_on_submit():
        abort(400)
    services.set_active(product, request.form.get("active") == "1")
    message = (
        _("« %(name)s » is on sale again.", name=product.name)
        if product.active
        else _("« %(name)s » is archived.", name=product.name)
    )
    flash(message, "success")
    return redirect(url_for("catalog.manage", producer_id=producer.id))


@bp.route("/producers/<int:producer_id>/manage/products/<int:product_id>/photo", methods=["POST"])
@manages_producer
def upload_photo(producer, product_id: int):
    product = services.product_of(producer, product_id)
    form = PhotoForm()
    target = url_for("catalog.edit_product", producer_id=producer.id, product_id=product.id)
    if not form.validate_on_submit():
        for message in form.photo.errors or [_("The form had expired. Please try again.")]:
            flash(message, "error")
        return redirect(target), 303
    try:
        previous = photos.set_photo(product, form.photo.data.read())
    except DomainError as error:
        refuse(error, product_page, producer, product, product_form(product)[0], error.status)
    if previous:
        after_commit(lambda: photos.remove_files(previous))
    flash(_("The photo has been saved."), "success")
    return redirect(target)


@bp.route("/producers/<int:producer_id>/manage/export.<kind>")
@manages_producer
def export(producer, kind: str):
    if kind not in EXPORT_TYPES:
        abort(404)
    data = (spreadsheet.export_csv if kind == "csv" else spreadsheet.export_xlsx)(producer)
    filename = f"catalogue-{producer.id}.{kind}"
    return download(data, filename, EXPORT_TYPES[kind])


@bp.route("/producers/<int:producer_id>/manage/import", methods=["GET", "POST"])
@manages_producer
def import_catalogue(producer):
    form = ImportForm()
    result, token, status = None, None, form_status(form)
    if form.validate_on_submit():
        data = form.spreadsheet.data.read()
        try:
            result = spreadsheet.preview(producer, data)
        except DomainError as error:
            refuse(error, import_page, producer, form, error.status)
        if result.errors:
            status = 400
        else:
            token = spreadsheet.keep_upload(producer, data)
    return import_page(producer, form, status, result=result, token=token)


def import_page(producer, form, status: int, *, result=None, token=None):
    return form_page(
        "catalog/import.html",
        form,
        status,
        producer=producer,
        result=result,
        token=token,
        apply_form=ActiveForm(),
    )


@bp.route("/producers/<int:producer_id>/manage/import/<token>", methods=["POST"])
@manages_producer
def apply_import(producer, token: str):
    if not ActiveForm().validate_on_submit():
        abort(400)
    try:
        result = spreadsheet.apply(producer, spreadsheet.kept_upload(producer, token))
    except DomainError as error:
        refuse(error, import_page, producer, ImportForm(), error.status)
    after_commit(lambda: spreadsheet.forget_upload(producer, token))
    flash(
        _(
            "Import done: %(new)d new products, %(changed)d changed, %(unchanged)d unchanged.",
            new=result.new,
            changed=result.changed,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("catalog.manage", producer_id=producer.id))
