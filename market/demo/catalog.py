"""Demo catalogue: producers of the Seignanx and south Landes, with realistic products.

The SIRET numbers are fictitious but valid: their SIREN and their own Luhn keys are right.
Prices are in cents including VAT; VAT in basis points: 550 for food, 1000 for vegetable
plants, 2000 for alcohol.
"""

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from market.catalog.models import Category, Producer, ProducerStatus, Product
from market.extensions import db
from market.timeutil import utcnow

CATEGORIES = [
    "légumes",
    "fruits",
    "produits laitiers",
    "œufs",
    "viande",
    "pain et pâtisserie",
    "épicerie",
    "boissons",
]

# Product rows: name, category, unit, size, price in cents, VAT, labels, weight in grams
# (a weight means sold by weight: the price is per kg and the weight is the estimated piece).
PRODUCERS: list[dict[str, Any]] = [
    {
        "name": "Ferme Lafitte",
        "siret": "80123456800013",
        "town": "Saint-Martin-de-Seignanx",
        "latitude": Decimal("43.5433"),
        "longitude": Decimal("-1.3869"),
        "postcode": "40390",
        "address": "Quartier Bourg, 450 chemin de Lasalle",
        "phone": "05 59 56 00 01",
        "labels": ["ab"],
        "description": "Maraîchage biologique sur deux hectares au pied du bourg.\n"
        "Jean-Marc et Sophie cultivent plus de quarante légumes de saison, "
        "récoltés la veille de la distribution.",
        "products": [
            ("Carottes des sables", "légumes", "bunch", None, 280, 550, ["ab"], None),
            ("Poireaux", "légumes", "kg", None, 380, 550, ["ab"], None),
            ("Salade batavia", "légumes", "piece", None, 150, 550, ["ab"], None),
            ("Tomates anciennes", "légumes", "kg", None, 550, 550, ["ab"], None),
            ("Courge butternut", "légumes", "piece", None, 320, 550, ["ab"], 1200),
            ("Pommes de terre", "légumes", "kg", None, 240, 550, ["ab"], None),
            ("Plants de tomates", "légumes", "tray", "6 plants", 690, 1000, ["ab"], None),
        ],
    },
    {
        "name": "Bergerie de Lartigue",
        "siret": "81234567600017",
        "town": "Ondres",
        "latitude": Decimal("43.5647"),
        "longitude": Decimal("-1.4450"),
        "postcode": "40440",
        "address": "1200 route de Lartigue",
        "phone": "05 59 45 00 02",
        "labels": ["bienvenue_ferme"],
        "description": "Un troupeau de brebis manech qui pâture entre les barthes de l’Adour "
        "et la forêt. Fromages et yaourts au lait cru, affinés à la ferme.",
        "products": [
            ("Tomme de brebis", "produits laitiers", "piece", "env. 500 g", 2690, 550, [], 500),
            (
                "Yaourts au lait de brebis",
                "produits laitiers",
                "box",
                "4 × 125 g",
                380,
                550,
                [],
                None,
            ),
            ("Fromage frais de brebis", "produits laitiers", "jar", "200 g", 320, 550, [], None),
            ("Caillé de brebis", "produits laitiers", "jar", "2 × 150 g", 350, 550, [], None),
        ],
    },
    {
        "name": "Les Poules du Seignanx",
        "siret": "82345678500018",
        "town": "Saint-André-de-Seignanx",
        "latitude": Decimal("43.5586"),
        "longitude": Decimal("-1.3500"),
        "postcode": "40390",
        "address": "Chemin de Hiribarren",
        "phone": "05 59 56 00 03",
        "labels": ["ab"],
        "description": "Huit cents poules pondeuses en plein air, sous les chênes.",
        "products": [
            ("Œufs plein air", "œufs", "dozen", None, 420, 550, ["ab"], None),
            ("Œufs plein air", "œufs", "box", "boîte de 6", 230, 550, ["ab"], None),
        ],
    },
    {
        "name": "Volailles des Barthes",
        "siret": "83456789300013",
        "town": "Saint-Barthélemy",
        "latitude": Decimal("43.5097"),
        "longitude": Decimal("-1.3394"),
        "postcode": "40390",
        "address": "Route des Barthes",
        "phone": "05 59 56 00 04",
        "labels": ["label_rouge", "igp"],
        "description": "Poulets jaunes des Landes élevés en liberté, au maïs de la ferme, "
        "au moins 81 jours.",
        "products": [
            (
                "Poulet fermier des Landes",
                "viande",
                "piece",
                None,
                1390,
                550,
                ["label_rouge", "igp"],
                1800,
            ),
            (
                "Cuisses de poulet",
                "viande",
                "tray",
                "barquette de 2",
                1490,
                550,
                ["label_rouge"],
                600,
            ),
            ("Pintade fermière", "viande", "piece", None, 1650, 550, ["label_rouge"], 1400),
        ],
    },
    {
        "name": "Fournil de Labenne",
        "siret": "84567890300012",
        "town": "Labenne",
        "latitude": Decimal("43.5947"),
        "longitude": Decimal("-1.4256"),
        "postcode": "40530",
        "address": "8 avenue de l’Océan",
        "phone": "05 59 45 00 05",
        "labels": ["nature_progres"],
        "description": "Pains au levain naturel, farines de blés anciens moulues sur meule, "
        "cuits au feu de bois.",
        "products": [
            (
                "Pain de campagne au levain",
                "pain et pâtisserie",
                "piece",
                "1 kg",
                650,
                550,
                ["nature_progres"],
                None,
            ),
            (
                "Pain aux graines",
                "pain et pâtisserie",
                "piece",
                "500 g",
                420,
                550,
                ["nature_progres"],
                None,
            ),
            (
                "Gâteau basque à la cerise",
                "pain et pâtisserie",
                "piece",
                "6 parts",
                1600,
                550,
                [],
                None,
            ),
        ],
    },
    {
        "name": "Vergers de l’Adour",
        "siret": "85678901100017",
        "town": "Tarnos",
        "latitude": Decimal("43.5386"),
        "longitude": Decimal("-1.4617"),
        "postcode": "40220",
        "address": "Quartier Garros",
        "phone": "05 59 64 00 06",
        "labels": ["hve"],
        "description": "Kiwis de l’Adour, pommes et poires sur les terres alluviales du "
        "fleuve. Jus pressés à la ferme.",
        "products": [
            ("Kiwis de l’Adour", "fruits", "kg", None, 450, 550, ["label_rouge", "igp"], None),
            ("Pommes Reinette", "fruits", "kg", None, 320, 550, ["hve"], None),
            ("Jus de pomme", "boissons", "bottle", "1 l", 390, 550, ["hve"], None),
        ],
    },
    {
        "name": "Miellerie de la Pointe",
        "siret": "86789012100017",
        "town": "Capbreton",
        "latitude": Decimal("43.6425"),
        "longitude": Decimal("-1.4283"),
        "postcode": "40130",
        "address": "Allée des Pins",
        "phone": "05 58 72 00 07",
        "labels": ["ab"],
        "description": "Des ruches entre dune et forêt landaise : miels de bruyère, d’acacia "
        "et toutes fleurs.",
        "products": [
            ("Miel de bruyère", "épicerie", "jar", "500 g", 1100, 550, ["ab"], None),
            ("Miel d’acacia", "épicerie", "jar", "250 g", 650, 550, ["ab"], None),
            ("Pain d’épices au miel", "pain et pâtisserie", "piece", "400 g", 750, 550, [], None),
        ],
    },
    {
        "name": "Brasserie de Biaudos",
        "siret": "87890123000010",
        "town": "Biaudos",
        "latitude": Decimal("43.5483"),
        "longitude": Decimal("-1.3000"),
        "postcode": "40390",
        "address": "Zone artisanale de Larrendart",
        "phone": "05 59 56 00 08",
        "labels": [],
        "description": "Bières artisanales non filtrées, brassées avec de l’orge du Sud-Ouest.",
        "products": [
            ("Bière blonde", "boissons", "bottle", "33 cl", 290, 2000, [], None),
            ("Bière ambrée", "boissons", "bottle", "75 cl", 650, 2000, [], None),
            ("Limonade artisanale", "boissons", "bottle", "33 cl", 220, 550, [], None),
        ],
    },
]
DEMO_PRODUCER = "Ferme Lafitte"


def seed_categories() -> dict[str, Category]:
    existing = {c.name: c for c in db.session.scalars(select(Category))}
    for position, name in enumerate(CATEGORIES):
        if name not in existing:
            existing[name] = Category(name=name, position=position)
            db.session.add(existing[name])
    db.session.flush()
    return existing


def seed_producer(spec: dict, categories: dict[str, Category]) -> Producer:
    fields = {key: value for key, value in spec.items() if key != "products"}
    producer = Producer(status=ProducerStatus.APPROVED, reviewed_at=utcnow(), **fields)
    db.session.add(producer)
    for name, category, unit, size, price, vat, labels, weight in spec["products"]:
        db.session.add(
            Product(
                producer=producer,
                name=name,
                category=categories[category],
                unit=unit,
                size=size,
                price_cents=price,
                vat_basis_points=vat,
                labels=labels,
                sold_by_weight=weight is not None,
                estimated_weight_grams=weight,
            )
        )
    return producer


def seed_catalogue(producer_user=None) -> int:
    """Create what is missing; return the number of producers created."""
    categories = seed_categories()
    existing = {p.name: p for p in db.session.scalars(select(Producer))}
    created = 0
    for spec in PRODUCERS:
        if spec["name"] not in existing:
            existing[spec["name"]] = seed_producer(spec, categories)
            created += 1
    if producer_user is not None and producer_user.producer_id is None:
        producer_user.producer = existing[DEMO_PRODUCER]
    db.session.flush()
    return created


def seed_scale(producers: int, products: int) -> int:
    """Generated producers for benchmarks, each with `products` products; idempotent by name."""
    categories = list(seed_categories().values())
    existing = set(db.session.scalars(select(Producer.name)))
    created = 0
    for number in range(1, producers + 1):
        name = f"Producteur de démonstration n°{number}"
        if name in existing:
            continue
        producer = Producer(
            name=name,
            status=ProducerStatus.APPROVED,
            town="Tarnos",
            postcode="40220",
            labels=[],
            reviewed_at=utcnow(),
        )
        db.session.add(producer)
        db.session.add_all(
            Product(
                producer=producer,
                name=f"Produit {index}",
                unit="piece",
                category=categories[index % len(categories)],
                labels=[],
                price_cents=100 + index * 5,
                vat_basis_points=550,
            )
            for index in range(1, products + 1)
        )
        created += 1
    db.session.flush()
    return created
