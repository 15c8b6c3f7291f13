"""Photos for a few demo products, rendered here (no file to license): produce on a wooden
table under a window's light from the top left, with soft and contact shadows, skin texture,
a gloss where the skin shines, a shallow depth of field and film grain, so that the shop is
seen as it will be with a producer's photos."""

import io
import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps
from sqlalchemy import select

from market.catalog import photos
from market.catalog.models import Product
from market.extensions import db

SIZE = (1200, 900)
LIGHT = (0.34, 0.28)  # where the light falls on a round thing, as a share of its box


def noise(size: tuple[int, int], grain: tuple[int, int], sigma: float) -> Image.Image:
    """Smooth random blotches: Gaussian noise drawn small, then enlarged."""
    return Image.effect_noise(grain, sigma).resize(size, Image.Resampling.BICUBIC)


def multiply(image: Image.Image, shade: Image.Image) -> Image.Image:
    return ImageChops.multiply(image, shade.convert(image.mode))


def curve(values: Image.Image, function) -> Image.Image:
    """`values` (0 to 255) mapped through `function` (0.0 to 1.0 in, brightness 0 to 255 out)."""
    return values.point([max(0, min(255, round(255 * function(v / 255)))) for v in range(256)])


def table(rng: random.Random) -> Image.Image:
    """Oak planks with their grain, lit from the top left, a little out of focus."""
    width, height = SIZE
    planks = Image.new("RGB", SIZE)
    top = -rng.randint(0, 120)
    while top < height:
        plank = rng.randint(170, 230)
        tone = rng.randint(-16, 16)
        colour = Image.new("RGB", (width, plank), (150 + tone, 106 + tone, 68 + tone))
        grain = noise((width, plank), (rng.randint(6, 14), plank // 2), 46)
        streaks = curve(grain, lambda v: 0.78 + 0.3 * v)
        planks.paste(multiply(colour, streaks), (0, top))
        ImageDraw.Draw(planks).line((0, top + plank - 2, width, top + plank - 2), (62, 40, 24), 4)
        top += plank
    window = curve(Image.radial_gradient("L").resize((width * 2, height * 2)), lambda v: 1.08 - v)
    lit = multiply(
        planks, window.crop((width // 3, height // 3, width // 3 + width, height // 3 + height))
    )
    return lit.filter(ImageFilter.GaussianBlur(2.2))


def shadow(image: Image.Image, box, depth: float = 1.0) -> Image.Image:
    """A soft shadow cast away from the light, and a dark contact line where it touches."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    soft = Image.new("L", SIZE, 255)
    ImageDraw.Draw(soft).ellipse(
        (left + width * 0.12, bottom - height * 0.35, right + width * 0.22, bottom + height * 0.12),
        fill=round(255 - 120 * depth),
    )
    contact = Image.new("L", SIZE, 255)
    ImageDraw.Draw(contact).ellipse(
        (left + width * 0.2, bottom - height * 0.1, right - width * 0.1, bottom + height * 0.03),
        fill=round(255 - 150 * depth),
    )
    image = multiply(image, soft.filter(ImageFilter.GaussianBlur(width / 7)))
    return multiply(image, contact.filter(ImageFilter.GaussianBlur(width / 30)))


def shading(width: int, height: int, gloss: float) -> tuple[Image.Image, Image.Image]:
    """How bright each point of a round body is (its light side, its dark edge) and its gloss."""
    light = Image.radial_gradient("L").resize((width * 2, height * 2))
    x, y = round(width * (1 - LIGHT[0])), round(height * (1 - LIGHT[1]))
    diffuse = curve(
        light.crop((x, y, x + width, y + height)),
        lambda v: 0.25 + 0.72 * math.cos(min(v, 1) * 1.35),
    )
    edge = curve(
        Image.radial_gradient("L").resize((width, height)),
        lambda v: 1 - 0.45 * max(0, v - 0.72) / 0.28,
    )
    spot = Image.new("L", (width, height), 0)
    sx, sy = width * LIGHT[0], height * LIGHT[1]
    ImageDraw.Draw(spot).ellipse(
        (sx - width * 0.09, sy - height * 0.06, sx + width * 0.07, sy + height * 0.06),
        fill=round(200 * gloss),
    )
    return multiply(diffuse, edge), spot.filter(ImageFilter.GaussianBlur(width / 18))


def body(
    image: Image.Image,
    box,
    colour,
    *,
    gloss: float = 0.0,
    mottle: float = 0.12,
    outline: Image.Image | None = None,
) -> Image.Image:
    """A round piece of produce in `box`: shadow, textured skin, shading and gloss."""
    left, top, right, bottom = (round(value) for value in box)
    width, height = right - left, bottom - top
    image = shadow(image, (left, top, right, bottom))
    skin = Image.new("RGB", (width, height), colour)
    blotches = noise((width, height), (max(2, width // 40), max(2, height // 40)), 50)
    skin = multiply(skin, curve(blotches, lambda v: 1 - mottle + mottle * v))
    diffuse, spot = shading(width, height, gloss)
    skin = multiply(skin, diffuse)
    skin = Image.composite(Image.new("RGB", (width, height), (255, 250, 240)), skin, spot)
    if outline is None:
        outline = Image.new("L", (width * 4, height * 4), 0)
        ImageDraw.Draw(outline).ellipse((0, 0, width * 4 - 1, height * 4 - 1), fill=255)
        outline = outline.resize((width, height), Image.Resampling.LANCZOS)
    image.paste(skin, (left, top), outline)
    return image


def tomatoes(rng: random.Random) -> Image.Image:
    image = table(rng)
    for x, y, size in [(150, 260, 340), (560, 190, 310), (760, 420, 350), (330, 520, 320)]:
        red = (rng.randint(196, 220), rng.randint(34, 52), rng.randint(22, 34))
        image = body(image, (x, y, x + size, y + size * 0.86), red, gloss=0.9, mottle=0.1)
        calyx(image, x + size * 0.5, y + size * 0.12, size * 0.16, rng)
    return finish(image, rng)


def calyx(image: Image.Image, x: float, y: float, reach: float, rng: random.Random) -> None:
    """The green star on a tomato's top, with its stalk."""
    draw = ImageDraw.Draw(image)
    for index in range(6):
        angle = index * math.pi / 3 + rng.uniform(-0.3, 0.3)
        tip = (x + math.cos(angle) * reach, y + math.sin(angle) * reach * 0.55)
        side = angle + math.pi / 2
        base = [
            (x + math.cos(side) * 7, y + math.sin(side) * 4),
            (x - math.cos(side) * 7, y - math.sin(side) * 4),
        ]
        draw.polygon([base[0], tip, base[1]], fill=(58 + index * 4, 104 + index * 3, 40))
    draw.ellipse((x - 9, y - 12, x + 9, y + 4), fill=(84, 118, 52))


def eggs(rng: random.Random) -> Image.Image:
    image = table(rng)
    spots = [(150, 330), (390, 240), (640, 320), (880, 250), (280, 560), (540, 590), (800, 540)]
    for x, y in spots:
        tint = rng.randint(-12, 12)
        shell = (214 + tint, 164 + tint, 118 + tint)
        image = body(image, (x, y, x + 180, y + 236), shell, gloss=0.25, mottle=0.08)
        freckles(image, (x, y, x + 180, y + 236), rng)
    return finish(image, rng)


def freckles(image: Image.Image, box, rng: random.Random) -> None:
    left, top, right, bottom = box
    draw = ImageDraw.Draw(image)
    for _freckle in range(14):
        px, py = rng.uniform(0.25, 0.75), rng.uniform(0.2, 0.8)
        x, y = left + (right - left) * px, top + (bottom - top) * py
        r = rng.uniform(0.6, 1.5)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(176, 126, 88))


def squash(rng: random.Random) -> Image.Image:
    """Two butternuts lying on the table: a long neck, a round bulb."""
    image = table(rng)
    for x, y in [(120, 170), (300, 480)]:
        skin = (212 + rng.randint(-8, 8), 152, 92)
        image = body(image, (x, y + 40, x + 460, y + 230), skin, gloss=0.2, mottle=0.08)
        image = body(image, (x + 380, y, x + 700, y + 290), skin, gloss=0.2, mottle=0.08)
        ImageDraw.Draw(image).rounded_rectangle(
            (x - 18, y + 118, x + 14, y + 150), radius=8, fill=(104, 84, 48)
        )
    return finish(image, rng)


def cheese(rng: random.Random) -> Image.Image:
    """A tomme seen from above and the side: a grey rind, and a wedge cut from it."""
    image = table(rng)
    left, top, right, thick = 230, 200, 930, 170
    middle = top + 170
    side = Image.new("L", SIZE, 0)
    draw = ImageDraw.Draw(side)
    draw.rectangle((left, middle, right, middle + thick), fill=255)
    draw.ellipse((left, top + thick, right, top + 340 + thick), fill=255)
    image = shadow(image, (left, middle, right, top + 340 + thick))
    across = Image.linear_gradient("L").rotate(90).resize(SIZE)
    rind = multiply(
        Image.new("RGB", SIZE, (150, 132, 108)), curve(across, lambda v: 0.55 + 0.5 * v)
    )
    rind = multiply(rind, curve(noise(SIZE, (160, 120), 50), lambda v: 0.85 + 0.2 * v))
    image.paste(rind, (0, 0), side.filter(ImageFilter.GaussianBlur(1.2)))
    image = body(image, (left, top, right, top + 340), (184, 166, 138), gloss=0.05, mottle=0.25)
    wedge = [(560, 700), (900, 620), (930, 760)]
    image = shadow(image, (560, 620, 930, 790), depth=0.7)
    draw = ImageDraw.Draw(image)
    draw.polygon([(560, 700), (930, 760), (930, 800), (560, 740)], fill=(226, 200, 140))
    draw.polygon(wedge, fill=(246, 228, 176))
    draw.line([(900, 620), (930, 760), (930, 800)], fill=(150, 132, 108), width=9)
    return finish(image, rng)


def carrots(rng: random.Random) -> Image.Image:
    image = table(rng)
    for index in range(6):
        y = 230 + index * 82 + rng.randint(-8, 8)
        tip = 950 + rng.randint(-50, 30)
        leaves(image, 330, y + 34, rng)
        outline = Image.new("L", SIZE, 0)
        ImageDraw.Draw(outline).polygon([(320, y), (tip, y + 36), (320, y + 72)], fill=255)
        ImageDraw.Draw(outline).ellipse((300, y, 344, y + 72), fill=255)
        outline = outline.filter(ImageFilter.GaussianBlur(1.2))
        image = shadow(image, (320, y + 20, tip, y + 84), depth=0.6)
        across = Image.linear_gradient("L").resize((1, 72)).resize((SIZE[0], 72))
        lit = curve(across, lambda v: 1.15 - 0.75 * abs(v - 0.3) ** 1.2)
        band = Image.new("L", SIZE, 0)
        band.paste(lit, (0, y))
        skin = multiply(Image.new("RGB", SIZE, (232, 112, 28)), band)
        rings = noise(SIZE, (220, 8), 60)
        skin = multiply(skin, curve(rings, lambda v: 0.86 + 0.16 * v))
        image.paste(skin, (0, 0), outline)
    return finish(image, rng)


def leaves(image: Image.Image, x: float, y: float, rng: random.Random) -> None:
    draw = ImageDraw.Draw(image)
    for leaf in range(5):
        end = (x - rng.randint(150, 260), y + rng.randint(-110, 110))
        green = (54 + leaf * 8, 110 + leaf * 6, 42)
        draw.line(
            (x, y, (x + end[0]) / 2, (y + end[1]) / 2 + rng.randint(-20, 20), *end),
            fill=green,
            width=7,
            joint="curve",
        )


def finish(image: Image.Image, rng: random.Random) -> Image.Image:
    """A camera's look: a slight vignette, warm light and a fine grain."""
    vignette = curve(
        Image.radial_gradient("L").resize(SIZE), lambda v: 1.02 - 0.3 * max(0, v - 0.45)
    )
    image = multiply(image, vignette)
    grain = Image.effect_noise(SIZE, 18).convert("RGB")
    image = Image.blend(image, ImageChops.overlay(image, grain), 0.25)
    return ImageOps.autocontrast(image, cutoff=0.3, preserve_tone=True)


# Demo product names and their photo.
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
