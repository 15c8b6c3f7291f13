"""Product photos: decoded by Pillow, stripped of metadata, stored in two sizes.

Files are named by a random key so that a stored file never changes: it can be cached for a
year, and a new photo gets a new address.
"""

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from market.catalog.errors import InvalidPhoto, PhotoTooLarge
from market.catalog.models import Product
from market.extensions import db

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
SIZES = {"thumb": 320, "page": 1200}
# A product photo is shown 1200 pixels wide at most: 24 megapixels (a 6000 × 4000 camera)
# is plenty, and a PNG of that size still decodes in about a second. The header says the
# size before any pixel is decoded; Pillow's own guard is set to the same bound.
MAX_PIXELS = 24_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def photo_directory() -> Path:
    directory = Path(current_app.config["CATALOG_PHOTO_DIRECTORY"])
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def photo_path(key: str, size: str) -> Path:
    return photo_directory() / f"{key}-{size}.jpg"


def too_many_pixels() -> InvalidPhoto:
    return InvalidPhoto(_l("This photo has too many pixels. Please send a smaller one."))


def decode(data: bytes) -> Image.Image:
    """The fully decoded image, or a clear refusal: not an image, truncated, unsupported."""
    limit = current_app.config["CATALOG_PHOTO_MAX_BYTES"]
    if len(data) > limit:
        raise PhotoTooLarge(
            _l(
                "This photo is larger than %(size)d MB. Please send a smaller one.",
                size=limit // (1024 * 1024),
            )
        )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its limit and twice it: beyond ours is refused.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        image_format = image.format
        if image.width * image.height > MAX_PIXELS:
            raise too_many_pixels()
        # A JPEG decodes at a half, quarter or eighth of its size, still above the largest
        # size kept: a camera's photo then costs a fraction of its full decoding.
        edge = max(SIZES.values())
        image.draft("RGB", (edge, edge))
        image.load()  # a truncated file fails here, not later
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_many_pixels() from None
    except UnidentifiedImageError:
        raise InvalidPhoto(
            _l("This file is not a photo we can read. Send a JPEG, PNG or WebP image.")
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise InvalidPhoto(
            _l(
                "This photo is damaged or incomplete (the file may have been cut "
                "off). Please send it again."
            )
        ) from None
    if image_format not in ACCEPTED_FORMATS:
        raise InvalidPhoto(
            _l("This file is not a photo we can read. Send a JPEG, PNG or WebP image.")
        )
    return image


def flattened(image: Image.Image) -> Image.Image:
    """Upright, RGB on white: the pixels only, with no EXIF, GPS or colour-profile metadata."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def store(image: Image.Image) -> str:
    key = secrets.token_hex(16)
    clean = flattened(image)
    for size, edge in SIZES.items():
        copy = clean.copy()
        copy.thumbnail((edge, edge))
        # Saved without exif= or icc_profile=: nothing but the pixels is written.
        copy.save(photo_path(key, size), "JPEG", quality=85, optimize=True)
    return key


def set_photo(product: Product, data: bytes) -> str | None:
    """Give the product a new photo; on any refusal the product keeps its photo.

    Returns the previous photo's key: the caller removes its files once the change is
    committed, so that a failed commit never leaves a product pointing at nothing.
    """
    image = decode(data)
    previous = product.photo
    product.photo = store(image)
    db.session.flush()
    return previous


def remove_files(key: str) -> None:
    for size in SIZES:
        photo_path(key, size).unlink(missing_ok=True)
