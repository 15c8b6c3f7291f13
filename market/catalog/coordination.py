"""The coordinator's pages: review applications, create producers, invite producers' users
and other coordinators, edit categories."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from market.auth import services as accounts
from market.auth.decorators import role_required
from market.auth.forms import InvitationForm
from market.auth.models import Role
from market.catalog import bp, services
from market.catalog.forms import CategoryForm, ProducerFields, ReviewForm
from market.catalog.models import PRODUCER_STATUS_LABELS, Category, Producer
from market.errors import DomainError
from market.extensions import db
from market.web import form_status, refused


@bp.route("/coordination/producers")
@role_required(Role.COORDINATOR)
def producers():
    return render_template("catalog/producers.html",
                           producers=services.list_producers_for_review(),
                           status_labels=PRODUCER_STATUS_LABELS)


@bp.route("/coordination/producers/new", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def create_producer():
    form = ProducerFields()
    status = 200
    if form.validate_on_submit():
        try:
            producer = services.create_producer(**form.producer_data())
        except DomainError as error:
            status = refused(error)
        else:
            db.session.commit()
            flash(_("%(name)s has been created. Invite its users from the invitations page.",
                    name=producer.name), "success")
            return redirect(url_for("catalog.manage", producer_id=producer.id))
    return render_template("catalog/profile.html", form=form, producer=None), \
        max(status, form_status(form))


@bp.route("/coordination/producers/<int:producer_id>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def review(producer_id: int):
    producer = db.session.get(Producer, producer_id) or abort(404)
    form = ReviewForm()
    status = 200
    if form.validate_on_submit():
        decision = request.form.get("decision")
        if decision not in ("approve", "reject"):
            abort(400)
        try:
            services.review(producer, approve=decision == "approve", message=form.message.data)
        except DomainError as error:
            status = refused(error)
        else:
            db.session.commit()
            flash(_("%(name)s: decision recorded and sent by email.", name=producer.name),
                  "success")
            return redirect(url_for("catalog.producers"))
    return render_template("catalog/review.html", producer=producer, form=form,
                           status_labels=PRODUCER_STATUS_LABELS), max(status, form_status(form))


@bp.route("/coordination/categories", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def categories():
    form = CategoryForm()
    status = 200
    if form.validate_on_submit():
        status = save_category(None, form)
        if status == 200:
            return redirect(url_for("catalog.categories"))
    return render_template("catalog/categories.html", form=form,
                           categories=services.categories()), max(status, form_status(form))


@bp.route("/coordination/categories/<int:category_id>", methods=["POST"])
@role_required(Role.COORDINATOR)
def edit_category(category_id: int):
    category = db.session.get(Category, category_id) or abort(404)
    form = CategoryForm()
    status = save_category(category, form) if form.validate() else 400
    if status == 200:
        return redirect(url_for("catalog.categories"))
    for message in [m for errors in form.errors.values() for m in errors]:
        flash(message, "error")
    return render_template("catalog/categories.html", form=CategoryForm(formdata=None),
                           categories=services.categories()), status


def save_category(category, form) -> int:
    try:
        saved = services.save_category(category, form.name.data, form.position.data or 0)
    except DomainError as error:
        return refused(error)
    db.session.commit()
    flash(_("Category « %(name)s » saved.", name=saved.name), "success")
    return 200


@bp.route("/invitations", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def invitations():
    form = InvitationForm()
    producers = {producer.id: producer for producer in services.approved_producers()}
    form.producer.choices = [SelectChoice(0, "—")] + [SelectChoice(p.id, p.name)
                                                      for p in producers.values()]
    status = 200
    if form.validate_on_submit():
        try:
            invitation = accounts.invite(current_user, form.email.data, form.role.data,
                                         producers.get(form.producer.data))
        except DomainError as error:
            status = refused(error)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("catalog.invitations"))
    return render_template("catalog/invitations.html", form=form,
                           invitations=accounts.list_invitations()), max(status, form_status(form))
