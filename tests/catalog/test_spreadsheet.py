"""Spreadsheet import and export: preview with every error, all-or-nothing apply, round trip."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from market.catalog.models import Product
from market.extensions import db
from tests import factories

HEADER = (
    "référence;nom;catégorie;description;unité;contenance;prix;TVA;vendu au poids;"
    "poids estimé (g);labels;actif"
)


@pytest.fixture
def producer(producer_user):
    factories.CategoryFactory(name="légumes")
    factories.CategoryFactory(name="viande")
    return producer_user.producer


@pytest.fixture
def catalogue(producer):
    legumes = db.session.scalar(
        select(factories.Category).where(factories.Category.name == "légumes")
    )
    factories.ProductFactory(
        producer=producer,
        name="Carottes; « nouvelles »",
        category=legumes,
        unit="bunch",
        size="botte",
        price_cents=280,
        labels=["ab", "nature_progres"],
        description="Ligne 1\nLigne 2",
    )
    factories.ProductFactory(
        producer=producer,
        name="Poulet fermier",
        category=None,
        unit="piece",
        price_cents=1390,
        sold_by_weight=True,
        estimated_weight_grams=1800,
        vat_basis_points=550,
    )
    factories.ProductFactory(
        producer=producer,
        name="Cidre brut",
        unit="bottle",
        size="75 cl",
        price_cents=650,
        vat_basis_points=2000,
        active=False,
    )
    db.session.commit()
    return producer


def state():
    rows = db.session.execute(
        select(
            Product.id,
            Product.name,
            Product.category_id,
            Product.description,
            Product.unit,
            Product.size,
            Product.price_cents,
            Product.vat_basis_points,
            Product.labels,
            Product.active,
            Product.sold_by_weight,
            Product.estimated_weight_grams,
            Product.updated_at,
        ).order_by(Product.id)
    )
    return [tuple(row) for row in rows]


def send(client, producer, data: bytes, name="catalogue.csv"):
    return client.post(
        f"/producers/{producer.id}/manage/import",
        data={"spreadsheet": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def apply_url(producer, response) -> str:
    match = re.search(
        rf'action="(/producers/{producer.id}/manage/import/[0-9a-f]{{32}})"', response.text
    )
    assert match, "no apply button"
    return match.group(1)


def csv_file(*lines: str, encoding="utf-8-sig") -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(producer_client, catalogue, kind):
    before = state()
    exported = producer_client.get(f"/producers/{catalogue.id}/manage/export.{kind}")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    response = send(producer_client, catalogue, exported.data, name=f"c.{kind}")
    assert response.status_code == 200
    assert "0 nouveaux produits, 0 modifiés, 3 inchangés" in response.text
    assert producer_client.post(apply_url(catalogue, response)).status_code == 302
    assert state() == before


def test_csv_export_is_french(producer_client, catalogue):
    data = producer_client.get(f"/producers/{catalogue.id}/manage/export.csv").data
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == HEADER
    assert ";13,90;5,5;oui;1800;" in text and ";6,50;20;non;;;non" in text


def test_xlsx_export_opens_with_openpyxl(producer_client, catalogue):
    data = producer_client.get(f"/producers/{catalogue.id}/manage/export.xlsx").data
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]][:3] == ["référence", "nom", "catégorie"]
    assert sheet.max_row == 4


def test_preview_lists_every_error_by_line_and_column_and_saves_nothing(producer_client, catalogue):
    other = factories.ProductFactory()
    db.session.commit()
    before = state()
    data = csv_file(
        ";Tomates;légumes;;kg;;4,20;5,5;non;;;oui",
        ";;légumes;;kg;;4,20;5,5;non;;;oui",
        ";Radis;légumes;;botte;;3,5O;5,5;non;;;oui",
        ";Miel;épicerie;;pot;;8;7;peut-être;;bio;oui",
        f"{other.id};Vol;;;pièce;;1;5,5;non;;;oui",
        ";Agneau;viande;;kg;;19,90;5,5;oui;;;oui",
    )
    response = send(producer_client, catalogue, data)
    assert response.status_code == 400
    text = response.text
    for expected in [
        "ligne 3, nom : le nom manque",
        "ligne 4, prix : « 3,5O » n’est pas un montant",
        "ligne 5, catégorie : « épicerie » n’est pas une catégorie",
        "ligne 5, unité : « pot » n’est pas une unité",
        "ligne 5, TVA : « 7 » n’est pas un taux de TVA",
        "ligne 5, vendu au poids : « peut-être » n’est ni oui ni non",
        "ligne 5, labels : « bio » n’est pas un label connu",
        f"ligne 6, référence : « {other.id} » n’est pas l’un de vos produits",
        "ligne 7, poids estimé (g) : un produit vendu au poids a besoin du poids estimé",
    ]:
        assert expected in text, expected
    assert "Appliquer l’import" not in text
    assert state() == before


def test_fix_the_bad_line_then_apply(producer_client, catalogue):
    bad = csv_file(
        ";Radis;légumes;;botte;;3,5O;5,5;non;;ab;oui",
        ";Agneau;viande;;pièce;;19,90;5,5;oui;900;;oui",
    )
    assert send(producer_client, catalogue, bad).status_code == 400
    good = csv_file(
        ";Radis;légumes;;botte;;3,50;5,5;non;;ab;oui",
        ";Agneau;viande;;pièce;;19,90;5,5;oui;900;;oui",
    )
    response = send(producer_client, catalogue, good)
    assert "2 nouveaux produits, 0 modifiés, 0 inchangés" in response.text
    assert db.session.scalar(select(func.count()).select_from(Product)) == 3
    assert producer_client.post(apply_url(catalogue, response)).status_code == 302
    radis = db.session.scalar(select(Product).where(Product.name == "Radis"))
    assert (radis.price_cents, radis.unit, radis.labels) == (350, "bunch", ["ab"])
    assert db.session.scalar(select(func.count()).select_from(Product)) == 5


def test_import_updates_existing_products(producer_client, catalogue):
    poulet = db.session.scalar(select(Product).where(Product.name == "Poulet fermier"))
    data = csv_file(f"{poulet.id};Poulet fermier;viande;;pièce;;14,50;5,5;oui;2000;label_rouge;oui")
    response = send(producer_client, catalogue, data)
    assert "0 nouveaux produits, 1 modifiés" in response.text
    producer_client.post(apply_url(catalogue, response))
    assert (poulet.price_cents, poulet.estimated_weight_grams, poulet.labels) == (
        1450,
        2000,
        ["label_rouge"],
    )


@pytest.mark.parametrize(
    "encoding, separator",
    [
        ("utf-8-sig", ";"),
        ("utf-8", ";"),
        ("cp1252", ";"),
        ("utf-8", ","),
    ],
)
def test_french_spreadsheet_variants(producer_client, producer, encoding, separator):
    db.session.commit()
    lines = [HEADER, ";Pâté de campagne;;;bocal;180 g;6,90;5,5;non;;;oui"]
    if separator == ",":
        lines = [HEADER.replace(";", ","), ',Pâté de campagne,,,bocal,180 g,"6,90","5,5",non,,,oui']
    response = send(producer_client, producer, "\r\n".join(lines).encode(encoding))
    assert response.status_code == 200, response.text
    producer_client.post(apply_url(producer, response))
    product = db.session.scalar(select(Product))
    assert (product.name, product.price_cents, product.unit) == ("Pâté de campagne", 690, "jar")


def test_xlsx_with_numbers_typed_as_numbers(producer_client, producer):
    db.session.commit()
    workbook = Workbook()
    workbook.active.append(HEADER.split(";"))
    workbook.active.append(
        [None, "Oeufs plein air", None, None, "douzaine", None, 3.9, 5.5, "non", None, None, "oui"]
    )
    out = io.BytesIO()
    workbook.save(out)
    response = send(producer_client, producer, out.getvalue(), name="c.xlsx")
    assert response.status_code == 200, response.text
    producer_client.post(apply_url(producer, response))
    product = db.session.scalar(select(Product))
    assert (product.price_cents, product.vat_basis_points, product.unit) == (390, 550, "dozen")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "vide"),
        (b"\xef\xbb\xbf", "vide"),  # a byte-order mark and nothing else
        (b"PK\x03\x04garbage", "pas un tableur lisible"),
        (b"nom;prix\r\nTomates;3", "il manque : unité"),
        (HEADER.encode(), "aucune ligne"),
    ],
)
def test_unreadable_files_are_explained(producer_client, producer, data, message):
    db.session.commit()
    response = send(producer_client, producer, data)
    assert response.status_code == 400
    assert message in response.text


def test_apply_is_all_or_nothing_when_the_data_changed_meanwhile(producer_client, catalogue):
    """A category removed between preview and apply: the apply refuses and writes nothing."""
    data = csv_file(
        ";Tomates;légumes;;kg;;4,20;5,5;non;;;oui", ";Courgettes;viande;;kg;;2,20;5,5;non;;;oui"
    )
    response = send(producer_client, catalogue, data)
    url = apply_url(catalogue, response)
    viande = db.session.scalar(
        select(factories.Category).where(factories.Category.name == "viande")
    )
    viande.name = "charcuterie"
    db.session.commit()
    before = state()
    response = producer_client.post(url)
    assert response.status_code == 400
    assert "rien n’a été enregistré" in response.text
    assert state() == before


def test_another_producers_import_token_is_refused(producer_client, catalogue, app):
    from tests.conftest import logged_in_client

    response = send(producer_client, catalogue, csv_file(";Tomates;;;kg;;4,20;5,5;non;;;oui"))
    token = apply_url(catalogue, response).rsplit("/", 1)[1]
    intruder = factories.ProducerUserFactory()
    db.session.commit()
    client = logged_in_client(app, intruder)
    assert client.post(f"/producers/{catalogue.id}/manage/import/{token}").status_code == 403
    response = client.post(f"/producers/{intruder.producer_id}/manage/import/{token}")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Product)) == 3


def test_previews_never_applied_are_dropped_after_a_day(
    producer_client, producer, catalogue_folders
):
    import os
    import time

    db.session.commit()
    folder = catalogue_folders / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / f"{producer.id}-{'a' * 32}"
    old.write_bytes(b"old")
    os.utime(old, (time.time() - 2 * 24 * 3600,) * 2)
    send(producer_client, producer, csv_file(";Tomates;;;kg;;4,20;5,5;non;;;oui"))
    assert not old.exists()
    assert len(list(folder.iterdir())) == 1
