"""Coordinator pages for collection points and cycles."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from market.auth.decorators import role_required
from market.auth.models import Role
from market.cycles import bp
from market.cycles import services as cycles
from market.cycles.forms import CollectionPointForm, CycleForm, ExtendForm
from market.cycles.models import CollectionPoint, OrderCycle
from market.errors import DomainError
from market.extensions import db
from market.numbers import identifier
from market.timeutil import from_hub_wall_clock, to_hub_time, utcnow
from market.web import confirmation_page, form_page, form_status, get_or_404, refuse

bp.add_app_template_global(cycles.format_moment, "format_moment")
bp.add_app_template_global(cycles.format_window, "format_window")
bp.record_once(lambda state: state.app.jinja_env.globals.update(state_labels=cycles.STATE_LABELS))

POINT_FIELDS = (
    "name",
    "address",
    "postcode",
    "town",
    "latitude",
    "longitude",
    "access_notes",
    "contact",
    "capacity",
    "active",
)


@bp.route("/coordination/collection-points")
@role_required(Role.COORDINATOR)
def collection_points():
    return render_template("cycles/collection_points.html", points=cycles.all_collection_points())


@bp.route("/coordination/collection-points/new", methods=["GET", "POST"])
@bp.route("/coordination/collection-points/<int:point_id>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit_collection_point(point_id: int | None = None):
    point = get_or_404(CollectionPoint, point_id) if point_id else None
    form = CollectionPointForm(obj=point)
    if form.validate_on_submit():
        cycles.save_collection_point(point, **{name: form[name].data for name in POINT_FIELDS})
        flash(_("The collection point has been saved."), "success")
        return redirect(url_for("cycles.collection_points"))
    return render_template(
        "cycles/collection_point_form.html", form=form, point=point
    ), 400 if form.errors else 200


@bp.route("/coordination/cycles")
@role_required(Role.COORDINATOR)
def cycle_list():
    return render_template(
        "cycles/cycles.html", rows=cycles.cycle_rows(utcnow()), action_labels=ACTION_LABELS
    )


def pickup_entries(cycle: OrderCycle | None) -> list[dict]:
    """One entry per collection point: the active ones, plus any the cycle already uses."""
    chosen = {p.collection_point_id: p for p in cycle.pickups} if cycle else {}
    points = {p.id: p for p in cycles.active_collection_points()}
    points.update({p.collection_point_id: p.collection_point for p in chosen.values()})
    entries = []
    for point in sorted(points.values(), key=lambda p: p.name):
        pickup = chosen.get(point.id)
        entry = {"point_id": str(point.id), "include": pickup is not None}
        if pickup:
            entry.update(
                day=to_hub_time(pickup.starts_at).date(),
                starts=to_hub_time(pickup.starts_at).time(),
                ends=to_hub_time(pickup.ends_at).time(),
            )
        entries.append(entry)
    return entries


def windows_from(form: CycleForm) -> list[cycles.PickupWindow]:
    windows = []
    for entry in form.pickups:
        if not entry.include.data:
            continue
        point_id = identifier(entry.point_id.data)
        point = db.session.get(CollectionPoint, point_id) if point_id else None
        if point is None:
            raise cycles.CycleInvalid(_l("Unknown collection point."))
        if not (entry.day.data and entry.starts.data and entry.ends.data):
            raise cycles.CycleInvalid(
                _l("At %(point)s, give the pickup day and hours.", point=point.name)
            )
        windows.append(
            cycles.PickupWindow(
                point,
                from_hub_wall_clock(entry.day.data, entry.starts.data),
                from_hub_wall_clock(entry.day.data, entry.ends.data),
            )
        )
    return windows


def local(moment):
    return from_hub_wall_clock(moment.date(), moment.time())


@bp.route("/coordination/cycles/new", methods=["GET", "POST"])
@bp.route("/coordination/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit_cycle(cycle_id: int | None = None):
    cycle = get_or_404(OrderCycle, cycle_id) if cycle_id else None
    if request.method == "GET":
        data: dict[str, object] = {"pickups": pickup_entries(cycle)}
        if cycle:
            data.update(
                name=cycle.name,
                note=cycle.note,
                opens_at=to_hub_time(cycle.opens_at).replace(tzinfo=None),
                closes_at=to_hub_time(cycle.closes_at).replace(tzinfo=None),
            )
        form = CycleForm(data=data)
    else:
        form = CycleForm()
    if form.validate_on_submit():
        try:
            fields = {
                "name": form.name.data,
                "note": form.note.data,
                "opens_at": local(form.opens_at.data),
                "closes_at": local(form.closes_at.data),
                "pickups": windows_from(form),
            }
            if cycle:
                cycles.update_cycle(cycle, utcnow(), **fields)
            saved = cycle or cycles.create_cycle(**fields)
        except DomainError as error:
            refuse(error, cycle_form_page, form, cycle_id, error.status)
        flash(_("The cycle « %(name)s » has been saved.", name=saved.name), "success")
        return redirect(url_for("cycles.cycle_list"))
    return cycle_form_page(form, cycle_id, form_status(form))


def cycle_form_page(form, cycle_id: int | None, status: int):
    return form_page(
        "cycles/cycle_form.html",
        form,
        status,
        cycle=get_or_404(OrderCycle, cycle_id) if cycle_id else None,
        points={p.id: p for p in cycles.all_collection_points()},
    )


ACTIONS = {
    "publish": (cycles.publish, _l("The cycle is published.")),
    "close": (cycles.close_now, _l("The cycle is closed.")),
    "settle": (cycles.settle, _l("The cycle is settled.")),
}
ACTION_LABELS = {"publish": _l("Publish"), "close": _l("Close now"), "settle": _l("Settle")}


def confirmation(cycle: OrderCycle, action: str) -> dict:
    if action == "close":
        return {
            "question": _("Close « %(name)s » now?", name=cycle.name),
            "consequences": [
                _("Households can no longer order nor change their orders."),
                _("Every producer is emailed the list of what to bring, at once."),
            ],
            "confirm": _("Yes, close now"),
        }
    return {
        "question": _("Settle « %(name)s »?", name=cycle.name),
        "consequences": [_("Settling marks the end of the cycle: it cannot be undone.")],
        "confirm": _("Yes, settle it"),
    }


@bp.route("/coordination/cycles/<int:cycle_id>/<any(close, settle):action>")
@role_required(Role.COORDINATOR)
def confirm_cycle_action(cycle_id: int, action: str):
    """Closing emails every producer and settling is final: both ask first."""
    cycle = get_or_404(OrderCycle, cycle_id)
    return confirmation_page(
        action=url_for("cycles.cycle_action", cycle_id=cycle.id, action=action),
        back=url_for("cycles.cycle_list"),
        back_label=_("No, go back"),
        **confirmation(cycle, action),
    )


@bp.route(
    "/coordination/cycles/<int:cycle_id>/<any(publish, close, settle):action>", methods=["POST"]
)
@role_required(Role.COORDINATOR)
def cycle_action(cycle_id: int, action: str):
    cycle = get_or_404(OrderCycle, cycle_id)
    operation, message = ACTIONS[action]
    try:
        now = utcnow()
        if action == "publish":
            cycles.publish(cycle, now, confirmed=request.form.get("confirm") == "1")
        else:
            operation(cycle, now)
    except DomainError as error:
        refuse(error, redirect, url_for("cycles.cycle_list"))
    flash(message, "success")
    return redirect(url_for("cycles.cycle_list"))


@bp.route("/coordination/cycles/<int:cycle_id>/extend", methods=["POST"])
@role_required(Role.COORDINATOR)
def extend_cycle(cycle_id: int):
    cycle = get_or_404(OrderCycle, cycle_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        flash(_("Enter the new closing date and time."), "error")
        return redirect(url_for("cycles.cycle_list"))
    try:
        cycles.extend(cycle, utcnow(), local(form.closes_at.data))
    except DomainError as error:
        refuse(error, redirect, url_for("cycles.cycle_list"))
    flash(
        _("The cycle now closes %(moment)s.", moment=cycles.format_moment(cycle.closes_at)),
        "success",
    )
    return redirect(url_for("cycles.cycle_list"))


@bp.route("/coordination/cycles/prepare-next", methods=["POST"])
@role_required(Role.COORDINATOR)
def prepare_next():
    try:
        cycle = cycles.prepare_next_week()
    except DomainError as error:
        refuse(error, redirect, url_for("cycles.cycle_list"))
    flash(
        _("« %(name)s » is prepared as a draft: check it, then publish it.", name=cycle.name),
        "success",
    )
    return redirect(url_for("cycles.edit_cycle", cycle_id=cycle.id))
