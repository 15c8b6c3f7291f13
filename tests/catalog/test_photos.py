"""Photos: decoded by Pillow, metadata stripped, two sizes, long cache; bad files change nothing."""

import io

import pytest
from PIL import Image

from market.extensions import db
from tests import factories


def image_bytes(kind: str = "JPEG", size=(2000, 1500), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 80, 40) if mode == "RGB" else (200, 80, 40, 128)).save(
        out, kind, **save
    )
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (43.0, 32.0, 10.0)}  # GPS: where the farm is
    return image_bytes(exif=exif.tobytes())


@pytest.fixture
def product(producer_user):
    product = factories.ProductFactory(producer=producer_user.producer)
    db.session.commit()
    return product


def upload(client, product, data: bytes, name="photo.jpg"):
    url = f"/producers/{product.producer_id}/manage/products/{product.id}/photo"
    return client.post(
        url, data={"photo": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


@pytest.mark.parametrize(
    "data",
    [jpeg_with_gps(), image_bytes("PNG", mode="RGBA"), image_bytes("WEBP")],
    ids=["jpeg", "png", "webp"],
)
def test_photo_is_stored_in_two_sizes_without_metadata(producer_client, product, data):
    response = upload(producer_client, product, data, name="whatever.bin")
    assert response.status_code == 302
    assert product.photo
    for size, edge in (("thumb", 320), ("page", 1200)):
        served = producer_client.get(f"/photos/{product.photo}-{size}.jpg")
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.cache_control.max_age == 365 * 24 * 3600
        assert served.cache_control.public and served.cache_control.immutable
        image = Image.open(io.BytesIO(served.data))
        assert max(image.size) == edge
        assert not image.getexif() and "icc_profile" not in image.info
        assert b"PhoneMaker" not in served.data


def test_new_photo_replaces_the_old_files(producer_client, product, catalogue_folders):
    upload(producer_client, product, image_bytes())
    first = product.photo
    upload(producer_client, product, image_bytes("PNG"))
    assert product.photo != first
    assert producer_client.get(f"/photos/{first}-thumb.jpg").status_code == 404


TRUNCATED = image_bytes()[:5000]


@pytest.mark.parametrize(
    "data, status, message",
    [
        (b"%PDF-1.4 not an image at all", 400, "n’est pas une photo lisible"),
        (image_bytes("GIF", size=(50, 50)), 400, "n’est pas une photo lisible"),
        (TRUNCATED, 400, "incomplète"),
        (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10), 413, "dépasse 5 Mo"),
    ],
    ids=["not-an-image", "gif", "truncated", "over-5-mb"],
)
def test_bad_photo_gets_a_clear_message_and_leaves_the_product(
    producer_client, product, data, status, message
):
    upload(producer_client, product, image_bytes())
    before = product.photo
    response = upload(producer_client, product, data)
    assert response.status_code == status
    assert message in response.text
    assert product.photo == before


def test_upload_over_the_request_limit_is_413(producer_client, product):
    response = upload(producer_client, product, b"0" * (7 * 1024 * 1024))
    assert response.status_code == 413
    assert product.photo is None


def test_missing_file_is_explained(producer_client, product):
    url = f"/producers/{product.producer_id}/manage/products/{product.id}/photo"
    response = producer_client.post(url, data={}, follow_redirects=True)
    assert "Choisissez une photo" in response.text
    assert product.photo is None


@pytest.mark.parametrize(
    "path", ["/photos/../../etc-thumb.jpg", "/photos/abc-thumb.jpg", f"/photos/{'0' * 32}-huge.jpg"]
)
def test_photo_addresses_outside_the_store_are_not_found(client, path):
    assert client.get(path).status_code == 404
