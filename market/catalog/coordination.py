"""The coordinator's pages: review applications, create producers, invite producers' users
and other coordinators, edit categories."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice (WTForms 3.3) is newer than its stubs

from market.auth import services as accounts
from market.auth.decorators import role_required
from market.auth.forms import InvitationForm
from market.auth.models import Role
from market.catalog import bp, services
from market.catalog.forms import CategoryForm, ProducerFields, ReviewForm
from market.catalog.models import PRODUCER_STATUS_LABELS, Category, Producer
from market.errors import DomainError
from market.extensions import db
from market.web import form_page, form_status, refuse


@bp.route("/coordination/producers")
@role_required(Role.COORDINATOR)
def producers():
    return render_template(
        "catalog/producers.html",
        producers=services.list_producers_for_review(),
        status_labels=PRODUCER_STATUS_LABELS,
    )


@bp.route("/coordination/producers/new", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def create_producer():
    form = ProducerFields()
    if form.validate_on_submit():
        try:
            producer = services.create_producer(**form.producer_data())
        except DomainError as error:
            refuse(error, form_page, "catalog/profile.html", form, error.status, producer=None)
        flash(
            _(
                "%(name)s has been created. Invite its users from the invitations page.",
                name=producer.name,
            ),
            "success",
        )
        return redirect(url_for("catalog.manage", producer_id=producer.id))
    return form_page("catalog/profile.html", form, form_status(form), producer=None)


@bp.route("/coordination/producers/<int:producer_id>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def review(producer_id: int):
    producer = db.session.get(Producer, producer_id) or abort(404)
    form = ReviewForm()
    page = {"producer": producer, "status_labels": PRODUCER_STATUS_LABELS}
    if form.validate_on_submit():
        decision = request.form.get("decision")
        if decision not in ("approve", "reject"):
            abort(400)
        try:
            services.review(producer, approve=decision == "approve", message=form.message.data)
        except DomainError as error:
            refuse(error, form_page, "catalog/review.html", form, error.status, **page)
        flash(_("%(name)s: decision recorded and sent by email.", name=producer.name), "success")
        return redirect(url_for("catalog.producers"))
    return form_page("catalog/review.html", form, form_status(form), **page)


def categories_page(form, status: int):
    return form_page("catalog/categories.html", form, status, categories=services.categories())


@bp.route("/coordination/categories", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def categories():
    form = CategoryForm()
    if form.validate_on_submit():
        save_category(None, form, form)
        return redirect(url_for("catalog.categories"))
    return categories_page(form, form_status(form))


@bp.route("/coordination/categories/<int:category_id>", methods=["POST"])
@role_required(Role.COORDINATOR)
def edit_category(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    form = CategoryForm()
    if not form.validate():
        for message in [m for errors in form.errors.values() for m in errors]:
            flash(message, "error")
        return categories_page(CategoryForm(formdata=None), 400)
    save_category(category, form, CategoryForm(formdata=None))
    return redirect(url_for("catalog.categories"))


def save_category(category, form, page_form) -> None:
    """Save the category, or answer the categories' page with `page_form` and why not."""
    try:
        saved = services.save_category(category, form.name.data, form.position.data or 0)
    except DomainError as error:
        refuse(error, categories_page, page_form, error.status)
    flash(_("Category « %(name)s » saved.", name=saved.name), "success")


@bp.route("/invitations", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def invitations():
    form = InvitationForm()
    producers = {producer.id: producer for producer in services.approved_producers()}
    form.producer.choices = [SelectChoice(0, "—")] + [
        SelectChoice(p.id, p.name) for p in producers.values()
    ]
    if form.validate_on_submit():
        try:
            invitation = accounts.invite(
                current_user, form.email.data, form.role.data, producers.get(form.producer.data)
            )
        except DomainError as error:
            refuse(error, invitations_page, form, error.status)
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
        return redirect(url_for("catalog.invitations"))
    return invitations_page(form, form_status(form))


def invitations_page(form, status: int):
    return form_page(
        "catalog/invitations.html", form, status, invitations=accounts.list_invitations()
    )
