"""Downloads of a cycle's lists: the coordinator's page, the producer's space, the ZIP."""

import io

from flask import Response, abort, render_template, request
from sqlalchemy import select

from market.auth.decorators import role_required
from market.auth.models import Role
from market.catalog.access import manages_producer
from market.cycles.models import OrderCycle
from market.exports import bp, bundle, lists, writers
from market.exports.data import cancelled_no_shows, cycle_data
from market.exports.summary import cycle_summary, summary_tables
from market.exports.tables import Money
from market.extensions import db
from market.i18n import money
from market.numbers import identifier
from market.orders.models import Order, OrderLine
from market.timeutil import utcnow
from market.web import download

staff = role_required(Role.COORDINATOR)
MIMETYPES = {
    # Flask adds "; charset=utf-8" to text types itself.
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}


def cycle_or_404(cycle_id: int) -> OrderCycle:
    return db.session.get(OrderCycle, cycle_id) or abort(404)


def csv_response(tables, name: str) -> Response:
    """Streamed: rows leave as they are written (the tables, already built, need no context)."""
    return download(writers.csv_rows(list(tables)), name, MIMETYPES["csv"])


def tables_response(tables, name: str, fmt: str, pdf=None):
    if fmt == "csv":
        return csv_response(tables, f"{name}.csv")
    if fmt == "xlsx":
        return download(writers.xlsx_bytes(tables), f"{name}.xlsx", MIMETYPES[fmt])
    return download(pdf(), f"{name}.pdf", MIMETYPES[fmt])


def chosen_pickup(data, cycle_id) -> int | None:
    """The ?pickup= collection point, which must be one of the cycle's; None for all."""
    raw = request.args.get("pickup")
    if not raw:
        return None
    pickup_id = identifier(raw)
    if pickup_id is None or data.point(pickup_id) is None:
        abort(404)
    return pickup_id


@bp.route("/coordination/cycles/<int:cycle_id>/lists")
@staff
def cycle_page(cycle_id: int):
    cycle = cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    return render_template(
        "exports/cycle.html",
        cycle=cycle,
        data=data,
        state=cycle.state(utcnow()),
        zip_name=bundle.zip_name(data),
    )


@bp.route("/coordination/cycles/<int:cycle_id>/pickup-list.<any(html, pdf, csv, xlsx):fmt>")
@staff
def pickup_list(cycle_id: int, fmt: str):
    cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    pickup_id = chosen_pickup(data, cycle_id)
    if fmt == "html":
        return bundle.print_view(data, pickup_id)
    point = data.point(pickup_id) if pickup_id is not None else None
    name = "pickup-lists" if point is None else f"pickup-list-{bundle.slug(point.name)}"
    return tables_response(
        lists.pickup_tables(data, pickup_id),
        name,
        fmt,
        pdf=lambda: bundle.pickup_pdf(data, pickup_id),
    )


@bp.route("/coordination/cycles/<int:cycle_id>/matrix.<any(csv, xlsx):fmt>")
@staff
def matrix(cycle_id: int, fmt: str):
    cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    pickup_id = chosen_pickup(data, cycle_id)
    return tables_response(lists.matrix_tables(data, pickup_id), "matrix", fmt)


@bp.route("/coordination/cycles/<int:cycle_id>/summary")
@staff
def summary_page(cycle_id: int):
    cycle = cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    summary = cycle_summary(data)
    return render_template(
        "exports/summary.html",
        cycle=cycle,
        tables=summary_tables(data, summary),
        reconciled=summary.reconciled_cents == summary.total("sales_cents"),
    )


@bp.route("/coordination/cycles/<int:cycle_id>/summary.<any(pdf, csv, xlsx):fmt>")
@staff
def summary_download(cycle_id: int, fmt: str):
    cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    return tables_response(
        summary_tables(data), "summary", fmt, pdf=lambda: bundle.summary_pdf(data)
    )


@bp.route("/coordination/cycles/<int:cycle_id>/no-shows")
@bp.route("/coordination/cycles/<int:cycle_id>/no-shows.<any(csv, xlsx):fmt>")
@staff
def no_shows(cycle_id: int, fmt: str | None = None):
    cycle = cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    table = lists.no_show_table(data, cancelled_no_shows(cycle_id))
    if fmt:
        return tables_response([table], "no-shows", fmt)
    return render_template("exports/no_shows.html", cycle=cycle, table=table)


@bp.route("/coordination/cycles/<int:cycle_id>/lists.zip")
@staff
def cycle_zip(cycle_id: int):
    """Every list of the cycle, or with ?part=pickup|producers one group of them."""
    cycle_or_404(cycle_id)
    part = request.args.get("part") or None
    if part not in bundle.PARTS:
        abort(404)
    data = cycle_data(cycle_id)
    out = io.BytesIO()
    bundle.write_zip(data, out, part)
    return download(out.getvalue(), bundle.zip_name(data, part), MIMETYPES["zip"])


def producer_cycles(producer_id: int) -> list[OrderCycle]:
    """Cycles in which the producer has something to bring, newest first."""
    ids = (
        select(Order.cycle_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.producer_id == producer_id)
        .distinct()
    )
    query = select(OrderCycle).where(OrderCycle.id.in_(ids)).order_by(OrderCycle.opens_at.desc())
    return list(db.session.scalars(query.limit(52)))


@bp.route("/producers/<int:producer_id>/manage/lists")
@manages_producer
def producer_lists(producer):
    return render_template(
        "exports/producer_lists.html",
        producer=producer,
        cycles=producer_cycles(producer.id),
        now=utcnow(),
    )


@bp.route("/producers/<int:producer_id>/manage/lists/<int:cycle_id>")
@manages_producer
def producer_list_page(producer, cycle_id: int):
    cycle = cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    return render_template(
        "exports/producer_list.html",
        producer=producer,
        cycle=cycle,
        tables=lists.producer_tables(data, producer.id),
        closed=cycle.state(utcnow()) != "open",
    )


@bp.route("/producers/<int:producer_id>/manage/lists/<int:cycle_id>.<any(pdf, csv, xlsx):fmt>")
@manages_producer
def producer_list(producer, cycle_id: int, fmt: str):
    cycle_or_404(cycle_id)
    data = cycle_data(cycle_id)
    name = f"producer-{producer.id}-{bundle.slug(producer.name)}-cycle-{cycle_id}"
    return tables_response(
        lists.producer_tables(data, producer.id),
        name,
        fmt,
        pdf=lambda: bundle.producer_pdf(data, producer.id),
    )


@bp.app_template_filter("cell")
def cell_filter(value) -> str:
    """A table cell for a page: amounts in euros, the rest as text."""
    return money(value) if isinstance(value, Money) else ("" if value is None else str(value))
