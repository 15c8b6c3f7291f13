"""Every list of a cycle in every format, as named files: for the command and the ZIP."""

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from market.exports import lists, summary, writers
from market.exports.data import CycleData

Document = tuple[str, Callable[[], bytes]]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def pickup_pdf(data: CycleData, pickup_id: int | None = None) -> bytes:
    return writers.pdf_bytes(
        lists.pickup_tables(data, pickup_id),
        ink_labels=(_("Collected"), _("Signature")),
        title=_("Pickup list"),
    )


def producer_pdf(data: CycleData, producer_id: int) -> bytes:
    return writers.pdf_bytes(
        lists.producer_tables(data, producer_id), title=_("Producer list"), break_between=False
    )


def summary_pdf(data: CycleData) -> bytes:
    return writers.pdf_bytes(
        summary.summary_tables(data), title=_("Cycle summary"), break_between=False
    )


PRINT_STYLESHEET = "pickup-print.css"


def print_view(data: CycleData, pickup_id: int | None = None, stylesheet: str | None = None) -> str:
    """The printable pickup lists; as a file, beside its stylesheet (no inline style: the
    served page's Content-Security-Policy allows none)."""
    stylesheet = stylesheet or url_for("static", filename=f"css/{PRINT_STYLESHEET}")
    return render_template(
        "exports/pickup_print.html",
        data=data,
        stylesheet=stylesheet,
        tables=lists.pickup_tables(data, pickup_id),
    )


def print_stylesheet() -> bytes:
    folder = current_app.static_folder
    if folder is None:
        raise RuntimeError("the application serves no static folder")
    return (Path(folder) / "css" / PRINT_STYLESHEET).read_bytes()


def tabular(name: str, tables: Callable[[], list]) -> Iterator[Document]:
    yield f"{name}.csv", lambda: writers.csv_bytes(tables())
    yield f"{name}.xlsx", lambda: writers.xlsx_bytes(tables())


def pickup_documents(data: CycleData) -> Iterator[Document]:
    yield "pickup-lists.html", lambda: print_view(data, stylesheet=PRINT_STYLESHEET).encode()
    yield PRINT_STYLESHEET, print_stylesheet
    yield "pickup-lists.pdf", lambda: pickup_pdf(data)
    yield from tabular("pickup-lists", lambda: lists.pickup_tables(data))
    # The pickup lists hold every point, one per page group (PDF) or sheet (XLSX); a single
    # point's list is a download away on the cycle's page.
    for point in data.points:
        yield from tabular(
            f"matrix-{slug(point.name)}", partial(lists.matrix_tables, data, point.pickup_id)
        )


def producer_documents(data: CycleData) -> Iterator[Document]:
    for producer_id, producer_name in sorted(data.producers.items(), key=lambda i: i[1]):
        name = f"producer-{producer_id}-{slug(producer_name)}"
        yield f"{name}.pdf", partial(producer_pdf, data, producer_id)
        yield from tabular(name, partial(lists.producer_tables, data, producer_id))


def documents(data: CycleData) -> Iterator[Document]:
    """(file name, how to make it) for every list of the cycle."""
    yield from pickup_documents(data)
    yield from producer_documents(data)
    yield "summary.pdf", lambda: summary_pdf(data)
    yield from tabular("summary", lambda: summary.summary_tables(data))


# What the cycle's page offers to download in one ZIP: everything, or one group of lists.
PARTS = {None: documents, "pickup": pickup_documents, "producers": producer_documents}


def zip_name(data: CycleData, part: str | None = None) -> str:
    group = f"-{part}" if part else ""
    return f"cycle-{data.cycle_id}-{slug(data.cycle_name)}{group}.zip"


def write_zip(data: CycleData, out, part: str | None = None) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, make in PARTS[part](data):
            archive.writestr(name, make())


def write_directory(data: CycleData, directory: Path) -> list[Path]:
    """Every file, then the ZIP holding them all; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(directory / zip_name(data), "w", zipfile.ZIP_DEFLATED) as archive:
        for name, make in documents(data):
            content = make()
            (directory / name).write_bytes(content)
            archive.writestr(name, content)
            written.append(directory / name)
    written.append(directory / zip_name(data))
    return written
