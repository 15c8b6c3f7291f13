"""Hostile spreadsheets and photos: refused quickly, in little memory, with a clear message.

Time and memory are measured in this test's own process: the service runs here, as it does in
a worker. The bounds are generous (a busy machine) yet far below what the files cost when
every row was read or every pixel decoded."""

import io
import resource
import time
import tracemalloc
import zipfile
from contextlib import contextmanager

import pytest
from PIL import Image

from market.catalog import photos, spreadsheet
from tests.catalog.test_spreadsheet import (  # noqa: F401 - catalogue, producer: fixtures
    HEADER,
    apply_url,
    catalogue,
    producer,
    send,
    state,
)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
    'formats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="catalogue" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats'
    '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
    'formats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def xlsx(sheet_data: str, extra: dict | None = None, dimension: str | None = None) -> bytes:
    """An XLSX file written by hand, as an attacker would, around `sheet_data`."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
        'openxmlformats.org/spreadsheetml/2006/main">'
        + declared
        + "<sheetData>"
        + sheet_data
        + "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return out.getvalue()


def peak_rss_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


@contextmanager
def bounded(seconds: float, megabytes: float):
    """Fail unless the block ends within `seconds` and its memory stays within `megabytes`:
    Python's allocations at their peak (tracemalloc: rows read, cells) and the growth of
    the process's peak size (getrusage: what C code such as a decoder allocates)."""
    rss_before = peak_rss_megabytes()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < megabytes * 1024 * 1024, f"Python allocations peaked at {peak / 2**20:.0f} MB"
    growth = peak_rss_megabytes() - rss_before
    assert growth < megabytes, f"the process grew by {growth:.0f} MB"


def refusal(producer, data: bytes) -> str:  # noqa: F811
    with pytest.raises(spreadsheet.InvalidSpreadsheet) as refused:
        spreadsheet.preview(producer, data)
    return str(refused.value)


def test_a_million_row_xlsx_is_refused_unread(app, producer):  # noqa: F811
    data = xlsx('<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1_000_000)
    assert len(data) < 1024 * 1024
    with app.test_request_context(), bounded(seconds=1, megabytes=20):
        message = refusal(producer, data)
    assert "trop volumineux pour un catalogue" in message


def test_an_xlsx_of_many_small_rows_stops_at_the_row_limit(app, producer):  # noqa: F811
    # Its dimension is declared, as spreadsheet programs write it: openpyxl need not scan
    # the sheet to find it (the size of each part bounds that scan otherwise).
    data = xlsx("<row><c><v>1</v></c></row>" * 150_000, dimension="A1:A150000")
    with app.test_request_context(), bounded(seconds=3, megabytes=40):
        message = refusal(producer, data)
    assert "plus de 2000 lignes" in message


def test_a_million_row_csv_stops_at_the_row_limit(app, producer):  # noqa: F811
    data = (HEADER + "\r\n" + ";x\r\n" * 1_000_000).encode()
    with app.test_request_context(), bounded(seconds=5, megabytes=40):
        message = refusal(producer, data)
    assert "plus de 2000 lignes" in message


def test_shared_strings_too_large_to_be_real_are_refused_unread(app, producer):  # noqa: F811
    bomb = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml'
        '/2006/main">' + "<si><t>" + "a" * 60_000_000 + "</t></si></sst>"
    )
    data = xlsx('<row><c t="s"><v>0</v></c></row>', {"xl/sharedStrings.xml": bomb})
    with app.test_request_context(), bounded(seconds=1, megabytes=20):
        assert "trop volumineux pour un catalogue" in refusal(producer, data)


@pytest.mark.parametrize(
    "sheet_data",
    [
        '<row><c t="inlineStr"><is><t>unclosed</is></c></row>',
        '<row><c r="A1" t="n"><v>not a number</v></c></row>',
        '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><row><c t="inlineStr">'
        "<is><t>&b;</t></is></c></row>",
    ],
)
def test_malformed_xml_is_explained(producer_client, producer, sheet_data):  # noqa: F811
    response = send(producer_client, producer, xlsx(sheet_data), "catalogue.xlsx")
    assert response.status_code == 400
    assert "pas un tableur lisible" in response.text


def test_a_csv_cell_beyond_the_field_limit_is_explained(producer_client, producer):  # noqa: F811
    data = (HEADER + "\r\n;" + "x" * 200_000 + ";;;pièce;;1;5,5;non;;;oui\r\n").encode()
    response = send(producer_client, producer, data)
    assert response.status_code == 400
    assert "une cellule est trop longue" in response.text


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (";Radis;;;botte;" + "s" * 41 + ";2,20;5,5;non;;;oui", "plus de 40 caractères"),
        (";Ra\x00dis;;;botte;;2,20;5,5;non;;;oui", "caractère de contrôle invisible"),
        (";Radis;;;botte;;21474836,48;5,5;non;;;oui", "n’est pas un montant"),
        (";Radis;;;botte;;2,20;5,5;oui;" + "9" * 5000 + ";;oui", "n’est pas un poids"),
    ],
)
def test_what_the_database_would_refuse_is_an_error_of_the_preview(
    producer_client,
    producer,  # noqa: F811
    cells,
    message,
):
    before = state()
    response = send(producer_client, producer, (HEADER + "\r\n" + cells + "\r\n").encode())
    assert response.status_code == 400
    assert message in response.text
    assert "/manage/import/" not in response.text  # no button to apply it
    assert state() == before


def test_a_preview_that_says_ok_applies(producer_client, catalogue):  # noqa: F811
    data = (
        HEADER
        + "\r\n;Radis;;"
        + "d" * 4000
        + ";botte;"
        + "s" * 40
        + ";9999,99;5,5;oui;100000;;oui\r\n"
    ).encode()
    preview = send(producer_client, catalogue, data)
    assert preview.status_code == 200
    response = producer_client.post(apply_url(catalogue, preview))
    assert response.status_code == 302


# ---- photos ----


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def test_a_huge_png_is_refused_before_decoding(app):
    data = png(8000, 5000)
    assert len(data) < 200 * 1024
    with (
        app.test_request_context(),
        bounded(seconds=1, megabytes=20),
        pytest.raises(photos.InvalidPhoto, match="trop de pixels"),
    ):
        photos.decode(data)


def test_a_large_camera_jpeg_is_decoded_at_a_reduced_size(app, tmp_path):
    out = io.BytesIO()
    Image.new("RGB", (6000, 4000), "green").save(out, "JPEG", quality=80)
    with app.test_request_context(), bounded(seconds=3, megabytes=40):
        image = photos.decode(out.getvalue())
    assert max(image.size) >= photos.SIZES["page"]
    assert image.size[0] <= 6000 // 2


def test_the_pixel_limit_holds_for_every_pillow_decoder():
    assert Image.MAX_IMAGE_PIXELS == photos.MAX_PIXELS
