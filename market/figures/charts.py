"""Charts drawn on the server as SVG by pygal, in the hub's colours (static/css/site.css).

A chart is served as an image (`<img>` with its title as text alternative), beside its
description and its data table, so it needs no JavaScript and a screen reader or a printer
gets the same figures. The SVG carries its own title and description as well.
"""

import pygal
from pygal.style import Style

from market.figures.observatory import Figure

# The site's ink, brand green, a warm ochre and a muted green: each readable on white.
HUB_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1d2a1f",
    foreground_strong="#1d2a1f",
    foreground_subtle="#4a5a4d",
    colors=("#2f6b35", "#a0522d", "#1f4a24", "#6b7f2f", "#4a5a4d"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    title_font_size=22,
    label_font_size=16,
    major_label_font_size=16,
    legend_font_size=16,
    value_font_size=14,
)
KINDS = {"bar": pygal.Bar, "stacked": pygal.StackedBar, "line": pygal.Line}


def scaled(value, kind: str):
    """Cents drawn in euros (a chart's scale, not an amount anyone reads back)."""
    if value is None:
        return None
    return value / 100 if kind == "cents" else value


def render(figure: Figure, label_of=str) -> bytes:
    """The figure's chart as a standalone SVG document. Withheld cells are gaps."""
    kinds = {column.key: column for column in figure.columns}
    rows = figure.rows
    if figure.label_column == "key" and rows:
        # A breakdown draws its latest season.
        latest = rows[-1]["period"]
        rows = [row for row in rows if row["period"] == latest and row["key"] is not None]
    chart = KINDS[figure.chart](
        style=HUB_STYLE,
        width=720,
        height=420,
        js=[],
        disable_xml_declaration=False,
        title=str(figure.title),
        x_label_rotation=30 if len(rows) > 6 else 0,
        legend_at_bottom=True,
        truncate_legend=-1,
        truncate_label=-1,
        show_minor_x_labels=len(rows) <= 18,
        print_values=False,
    )
    chart.x_labels = [
        row["key"] if figure.label_column == "key" else label_of(row["period"]) for row in rows
    ]
    for key in figure.series:
        column = kinds[key]
        chart.add(str(column.label), [scaled(row.get(key), column.kind) for row in rows])
    return chart.render()
