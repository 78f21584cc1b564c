"""Static data for realistic orders: marketplaces, products, buyers and addresses."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    name: str
    currency: str
    country: str
    order_id_prefixes: tuple[str, ...]


MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "Amazon.com", "USD", "US", ("111", "112", "113", "114")),
        Marketplace("A2EUQ1WTGCTBG2", "Amazon.ca", "CAD", "CA", ("701", "702")),
        Marketplace("A1AM78C64UM0Y8", "Amazon.com.mx", "MXN", "MX", ("701", "702")),
        Marketplace("A2Q3Y263D00KWC", "Amazon.com.br", "BRL", "BR", ("701", "702")),
        Marketplace("A1F83G8C2ARO7P", "Amazon.co.uk", "GBP", "GB", ("202", "203", "204", "205", "206")),
        Marketplace("A1PA6795UKMFR9", "Amazon.de", "EUR", "DE", ("302", "303", "304", "305", "306")),
        Marketplace("A13V1IB3VIYZZH", "Amazon.fr", "EUR", "FR", ("402", "403", "404", "405", "406")),
        Marketplace("APJ6JRA9NG5V4", "Amazon.it", "EUR", "IT", ("402", "403", "404", "405", "406")),
        Marketplace("A1RKKUPIHCS9HS", "Amazon.es", "EUR", "ES", ("402", "403", "404", "405", "406")),
        Marketplace("A1805IZSGTT6HS", "Amazon.nl", "EUR", "NL", ("402", "403", "404", "405", "406")),
        Marketplace("A1C3SOZRARQ6R3", "Amazon.pl", "PLN", "PL", ("402", "403", "404", "405", "406")),
        Marketplace("A2NODRKZP88ZB9", "Amazon.se", "SEK", "SE", ("402", "403", "404", "405", "406")),
        Marketplace("A1VC38T7YXB528", "Amazon.co.jp", "JPY", "JP", ("249", "250", "503")),
        Marketplace("A39IBJ37TRP1C6", "Amazon.com.au", "AUD", "AU", ("249", "250", "503")),
    )
}

DEFAULT_MARKETPLACE_ID = "ATVPDKIKX0DER"


def marketplace(marketplace_id: str) -> Marketplace:
    """The known marketplace, or a generic one (USD) so any id can be simulated."""
    known = MARKETPLACES.get(marketplace_id)
    return known or Marketplace(marketplace_id, f"Amazon ({marketplace_id})", "USD", "US", ("111",))


@dataclass(frozen=True)
class Product:
    asin: str
    sku: str
    title: str
    price: Decimal


PRODUCTS: tuple[Product, ...] = (
    Product(
        "B08N5WRWNW", "ECHO-DOT-4-CHARCOAL", "Echo Dot (4th Gen) Smart speaker, Charcoal", Decimal("49.99")
    ),
    Product("B07XJ8C8F5", "FIRE-TV-4K-2021", "Fire TV Stick 4K with Alexa Voice Remote", Decimal("39.99")),
    Product("B0C1H26C46", "MUG-CERAMIC-350", "Ceramic Coffee Mug 350 ml, White", Decimal("12.50")),
    Product("B09G9FPHY6", "USB-C-CABLE-2M", "USB-C to USB-C Cable 2 m, Braided", Decimal("9.99")),
    Product("B0BSHF7WHW", "YOGA-MAT-6MM-BLUE", "Yoga Mat 6 mm, Non-Slip, Blue", Decimal("24.95")),
    Product("B01N5IB20Q", "LED-DESK-LAMP", "LED Desk Lamp with Dimmer", Decimal("34.00")),
    Product("B07PGL2ZSL", "WATER-BOTTLE-1L", "Insulated Water Bottle 1 l, Steel", Decimal("19.90")),
    Product("B08KTZ8249", "NOTEBOOK-A5-DOTS", "A5 Dotted Notebook, Hardcover", Decimal("8.75")),
    Product("B0B7BP6CJN", "HEADPHONES-BT-NC", "Wireless Noise-Cancelling Headphones", Decimal("129.00")),
    Product("B09B8V1LZ3", "KITCHEN-SCALE-5KG", "Digital Kitchen Scale 5 kg", Decimal("15.49")),
)

FIRST_NAMES = ("John", "Maria", "Wei", "Aisha", "Lukas", "Sofia", "Kenji", "Olivia", "Mateo", "Emma")
LAST_NAMES = ("Smith", "Garcia", "Chen", "Khan", "Müller", "Rossi", "Tanaka", "Brown", "Silva", "Novak")
COMPANIES = ("Smith Industries LLC", "Acme Supplies Inc.", "Northwind Traders", "Globex GmbH")
STREETS = ("Main Street", "Oak Avenue", "Elm Road", "Lake Drive", "Hill Lane", "Park Boulevard")
CITIES = (
    ("Seattle", "WA", "98101"),
    ("Austin", "TX", "73301"),
    ("Denver", "CO", "80202"),
    ("Boston", "MA", "02108"),
    ("Miami", "FL", "33101"),
    ("Chicago", "IL", "60601"),
)
CANCEL_REASONS = (
    "Changed mind about purchase",
    "Found a better price",
    "Ordered by mistake",
    "Delivery time too long",
)
CARRIERS = (("UPS", "UPS Ground", "1Z"), ("USPS", "USPS Priority Mail", "94"), ("FedEx", "FedEx Home", "7"))
SERVICE_LEVELS = ("STANDARD", "EXPEDITED", "SECOND_DAY", "NEXT_DAY", "FREE_ECONOMY")
