"""Photos for a few demo products, drawn here (no file to license): produce on a wooden
table, lit from the top left, so that the shop is seen as it will be with real photos."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from market.catalog import photos
from market.catalog.models import Product
from market.extensions import db

SIZE = (1200, 900)


def table(rng: random.Random) -> Image.Image:
    """Warm planks with a grain, the background of every photo."""
    image = Image.new("RGB", SIZE, (176, 132, 92))
    draw = ImageDraw.Draw(image)
    for top in range(0, SIZE[1], 150):
        shade = rng.randint(-14, 14)
        draw.rectangle((0, top, SIZE[0], top + 146), fill=(176 + shade, 132 + shade, 92 + shade))
        draw.line((0, top + 147, SIZE[0], top + 147), fill=(120, 86, 58), width=4)
        for _grain in range(25):
            y = top + rng.randint(5, 140)
            draw.line(
                (0, y, SIZE[0], y + rng.randint(-6, 6)),
                fill=(160 + shade, 118 + shade, 80 + shade),
                width=2,
            )
    return image.filter(ImageFilter.GaussianBlur(1.5))


def shaded(image: Image.Image, box, colour, shape="ellipse") -> None:
    """A round piece of produce: its shadow, its body, a highlight where the light falls."""
    left, top, right, bottom = box
    shadow = Image.new("L", SIZE, 0)
    ImageDraw.Draw(shadow).ellipse((left + 25, bottom - 40, right + 35, bottom + 25), fill=120)
    image.paste((60, 40, 25), mask=shadow.filter(ImageFilter.GaussianBlur(25)))
    body = Image.new("L", SIZE, 0)
    getattr(ImageDraw.Draw(body), shape)(box, fill=255)
    image.paste(colour, mask=body.filter(ImageFilter.GaussianBlur(2)))
    light = Image.new("L", SIZE, 0)
    width, height = right - left, bottom - top
    ImageDraw.Draw(light).ellipse(
        (left + width * 0.18, top + height * 0.12, left + width * 0.5, top + height * 0.4), fill=110
    )
    image.paste((255, 255, 240), mask=light.filter(ImageFilter.GaussianBlur(width / 9)))


def tomatoes(rng: random.Random) -> Image.Image:
    image = table(rng)
    for x, y, size in [(180, 300, 330), (520, 220, 300), (780, 380, 340), (380, 520, 300)]:
        red = (rng.randint(170, 205), rng.randint(30, 55), 30)
        shaded(image, (x, y, x + size, y + size * 0.85), red)
        ImageDraw.Draw(image).polygon(
            [
                (x + size * 0.42, y + 8),
                (x + size * 0.5, y + 40),
                (x + size * 0.58, y + 8),
                (x + size * 0.5, y - 10),
            ],
            fill=(60, 110, 40),
        )
    return image


def eggs(rng: random.Random) -> Image.Image:
    image = table(rng)
    for x, y in [
        (160, 330),
        (400, 250),
        (640, 330),
        (880, 260),
        (300, 560),
        (560, 580),
        (800, 540),
    ]:
        tint = rng.randint(-10, 10)
        shaded(image, (x, y, x + 190, y + 250), (222 + tint, 178 + tint, 130 + tint))
    return image


def squash(rng: random.Random) -> Image.Image:
    image = table(rng)
    for x, y in [(220, 250), (620, 300)]:
        skin = (226, 178, 112)
        shaded(image, (x + 60, y, x + 260, y + 260), skin)
        shaded(image, (x, y + 180, x + 320, y + 520), skin)
    return image


def cheese(rng: random.Random) -> Image.Image:
    image = table(rng)
    shaded(image, (260, 250, 940, 700), (214, 170, 92))
    shaded(image, (330, 300, 870, 610), (240, 214, 150))
    return image


def carrots(rng: random.Random) -> Image.Image:
    image = table(rng)
    draw = ImageDraw.Draw(image)
    for index in range(6):
        y = 230 + index * 85
        tip = 900 + rng.randint(-40, 40)
        draw.polygon([(300, y), (300, y + 70), (tip, y + 40)], fill=(226, 112, 30))
        draw.line((300, y + 20, tip - 80, y + 38), fill=(246, 150, 70), width=6)
        for leaf in range(4):
            draw.line(
                (300, y + 35, 140 - leaf * 20, y - 40 + leaf * 40), fill=(60, 120, 45), width=9
            )
    return image.filter(ImageFilter.GaussianBlur(1))


# Demo product names and their drawing.
DRAWINGS = {
    "Tomates anciennes": tomatoes,
    "Œufs plein air": eggs,
    "Courge butternut": squash,
    "Tomme de brebis": cheese,
    "Carottes des sables": carrots,
}


def jpeg(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, "JPEG", quality=88)
    return output.getvalue()


def seed_photos() -> int:
    """A photo for each drawn demo product that has none yet; returns how many."""
    rng = random.Random(48)
    added = 0
    for product in db.session.scalars(
        select(Product).where(Product.name.in_(DRAWINGS), Product.photo.is_(None))
    ):
        photos.set_photo(product, jpeg(DRAWINGS[product.name](rng)))
        added += 1
    return added
