"""The dashboard (coordinator), the producer's figures and the public observatory."""

import csv
import io
import json

from babel.numbers import format_decimal
from flask import Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from market.auth.decorators import role_required
from market.auth.models import Role
from market.errors import render_error
from market.figures import bp, charts, dashboard, observatory, producer
from market.i18n import money
from market.security import content_security_policy, own_content_security_policy
from market.spreadsheets import csv_row
from market.timeutil import utcnow

LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
# A chart served as an image keeps its drawing's style inside it; the rest is the site's
# policy (an image runs no script, and a chart opened alone has its script blocked).
CHART_POLICY = {**content_security_policy({}), "style-src": "'self' 'unsafe-inline'"}


@bp.route("/coordination")
@role_required(Role.COORDINATOR)
def coordinator_dashboard():
    """The coordinator's home page: the open cycle at a glance."""
    return render_template("figures/dashboard.html", board=dashboard.build(utcnow()))


def period_asked() -> str | None:
    """month or season, as asked; None for anything else (answered by `bad_period`)."""
    by = request.args.get("by", "month")
    return by if by in observatory.PERIODS else None


def bad_period():
    return render_error(400, _l("Choose the figures by month (by=month) or by season (by=season)."))


def cell_text(value, kind: str) -> str:
    """A cell as people read it; a withheld cell says why it is empty."""
    if value is None:
        return ""
    if kind == "cents":
        return money(value)
    if kind in ("percent", "km"):
        number = format_decimal(value, format="#,##0.#", locale=str(get_locale()))
        return f"{number} %" if kind == "percent" else f"{number} km"
    if kind == "count":
        return format_decimal(value, locale=str(get_locale()))
    return str(value)


def row_label(figure, row) -> str:
    if figure.label_column == "key":
        return row["key"] or ""
    return observatory.period_label(row["period"])


@bp.route("/observatoire")
def observatory_page():
    by = period_asked()
    if by is None:
        return bad_period()
    built = observatory.build(utcnow(), by)
    return render_template(
        "figures/observatory.html",
        observatory=built,
        cell_text=cell_text,
        row_label=row_label,
        period_label=observatory.period_label,
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


def figure_or_404(name: str, by: str) -> observatory.Figure:
    figure = observatory.build(utcnow(), by).figure(name)
    if figure is None:
        abort(404)
    return figure


def asked_figure(name: str) -> tuple[observatory.Figure | None, str | None]:
    by = period_asked()
    return (None, None) if by is None else (figure_or_404(name, by), by)


@bp.route("/observatoire/<name>.csv")
def figure_csv(name: str):
    figure, _by = asked_figure(name)
    if figure is None:
        return bad_period()
    keys = [column.key for column in figure.columns]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*keys, "withheld"])
    for row in figure.rows:
        writer.writerow(
            csv_row(
                [
                    *("" if row.get(key) is None else row[key] for key in keys),
                    "true" if row.get("withheld") else "false",
                ]
            )
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="observatoire-{name}.csv"'},
    )


@bp.route("/observatoire/<name>.json")
def figure_json(name: str):
    figure, by = asked_figure(name)
    if figure is None:
        return bad_period()
    document = {
        "title": str(figure.title),
        "description": str(figure.description),
        "publisher": current_app.config["HUB_NAME"],
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "period": by,
        "privacy_threshold_households": current_app.config["FIGURES_PRIVACY_THRESHOLD"],
        "columns": [
            {"key": column.key, "label": str(column.label), "kind": column.kind}
            for column in figure.columns
        ],
        "rows": [
            {
                **{column.key: row.get(column.key) for column in figure.columns},
                "withheld": bool(row.get("withheld")),
            }
            for row in figure.rows
        ],
    }
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="observatoire-{name}.json"'},
    )


@bp.route("/observatoire/<name>.svg")
@own_content_security_policy(CHART_POLICY)
def figure_chart(name: str):
    figure, _by = asked_figure(name)
    if figure is None:
        return bad_period()
    return Response(charts.render(figure, observatory.period_label), mimetype="image/svg+xml")


def season_asked() -> tuple[bool, str | None]:
    """(understood, the season asked or None for the latest)."""
    season = request.args.get("season")
    if season is None:
        return True, None
    return (season.isascii() and season.isdigit() and len(season) == 4), season


def bad_season():
    return render_error(400, _l("Choose a season as a year of four digits, e.g. 2026."))


def own_figures():
    understood, season = season_asked()
    if not understood:
        return None
    return producer.build(current_user.producer_id, utcnow(), season)


@bp.route("/producer/figures")
@role_required(Role.PRODUCER)
def producer_figures():
    figures = own_figures()
    if figures is None:
        return bad_season()
    return render_template("figures/producer.html", figures=figures, cell_text=cell_text)


@bp.route("/producer/figures/sales.svg")
@role_required(Role.PRODUCER)
@own_content_security_policy(CHART_POLICY)
def producer_chart():
    figures = own_figures()
    if figures is None:
        return bad_season()
    return Response(charts.render(figures.sales), mimetype="image/svg+xml")
