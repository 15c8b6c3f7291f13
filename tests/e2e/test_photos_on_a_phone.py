"""Product photos on a 390×844 phone: cards keep their width, thumbnails sit whole in a fixed
box with their size declared, and the product page takes the small size."""

import io
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from market.catalog import photos
from market.timeutil import utcnow
from tests.e2e.helpers import PHONE, assert_accessible
from tests.factories import OfferFactory, OrderCycleFactory, ProductFactory


@pytest.fixture(autouse=True)
def photo_folder(app, monkeypatch, tmp_path):
    """The served app and this test read and write photos in the test's own folder."""
    monkeypatch.setenv("MARKET_PHOTO_DIRECTORY", str(tmp_path / "photos"))
    app.config["CATALOG_PHOTO_DIRECTORY"] = str(tmp_path / "photos")


def landscape_jpeg() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (1600, 900), (180, 90, 40)).save(output, "JPEG")
    return output.getvalue()


def test_a_photo_keeps_the_shop_card_in_its_box(page, db):
    now = utcnow()
    cycle = OrderCycleFactory(opens_at=now - timedelta(days=1), published_at=now)
    product = ProductFactory(name="Potimarron")
    photos.set_photo(product, landscape_jpeg())
    OfferFactory(cycle=cycle, product=product)
    db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto("/shop")
    card = page.locator(".offer-card").first
    photo = card.locator("img")
    expect(photo).to_have_attribute("width", "96")
    expect(photo).to_have_attribute("height", "96")
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 320
    assert card.bounding_box()["width"] <= PHONE["width"] - 32
    assert photo.bounding_box()["width"] == 96 and photo.bounding_box()["height"] == 96
    assert photo.evaluate("img => getComputedStyle(img).objectFit") == "contain"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="Potimarron").click()
    picture = page.get_by_role("img", name="Potimarron")
    expect(picture).to_be_visible()
    page.wait_for_function("document.querySelector('.product-photo').complete")
    assert picture.evaluate("img => img.currentSrc").endswith("-thumb.jpg")
    box = picture.bounding_box()
    assert box["width"] <= PHONE["width"] and round(box["width"] * 3 / 4) == round(box["height"])
    assert_accessible(page)
