"""Magento carriers → Amazon carrier codes (``confirmShipment`` ``carrierCode``), or ``Other`` plus the
carrier's name (``carrierName`` is required with ``Other``)."""

from __future__ import annotations

from collections.abc import Mapping

OTHER = "Other"
# Amazon's carrier codes most merchants ship with (Seller Central "carrier code" list; US, CA, EU, JP, IN, AU).
AMAZON_CARRIER_CODES: tuple[str, ...] = (
    "USPS", "UPS", "UPSMI", "FedEx", "FedEx SmartPost", "DHL", "DHL eCommerce", "DHL Express", "OnTrac",
    "LaserShip", "Amazon Shipping", "Canada Post", "Purolator", "Royal Mail", "Parcelforce", "DPD", "Hermes",
    "Evri", "GLS", "Yodel", "Deutsche Post", "Chronopost", "Colissimo", "La Poste", "Poste Italiane", "SEUR",
    "Correos", "PostNL", "Japan Post", "Yamato Transport", "Sagawa Express", "India Post", "Blue Dart",
    "Australia Post", "China Post", "Estes", "Old Dominion", "XPO Freight", OTHER,
)
# Magento's built-in carrier codes (Magento_Ups, Magento_Usps, Magento_Fedex, Magento_Dhl).
MAGENTO_CARRIERS: dict[str, str] = {"ups": "UPS", "usps": "USPS", "fedex": "FedEx", "dhl": "DHL"}


def _norm(value: str) -> str:
    return "".join(c for c in value.upper() if c.isalnum())


_BY_NORM = {_norm(code): code for code in AMAZON_CARRIER_CODES}


def carrier_for(magento_code: str, title: str, mapping: Mapping[str, str] | None = None) -> tuple[str, str | None]:
    """``(carrierCode, carrierName)``. The store's carrier mapping (Magento carrier code or title →
    Amazon code) wins; then Magento's own carriers; then a title naming one of Amazon's codes; else
    ``Other`` with the title (or the code) as the carrier's name. ``carrierName`` is None when the
    code is not ``Other``. An empty name with ``Other`` is the caller's refusal to make."""
    code = magento_code.strip()
    name = title.strip()
    for key in (code, name):
        if key and mapping:
            for wanted, amazon in mapping.items():
                if _norm(wanted) == _norm(key) and _norm(amazon) in _BY_NORM:
                    amazon_code = _BY_NORM[_norm(amazon)]
                    return (amazon_code, name or code) if amazon_code == OTHER else (amazon_code, None)
    if code.lower() in MAGENTO_CARRIERS:
        return MAGENTO_CARRIERS[code.lower()], None
    for key in (name, code):
        known = _BY_NORM.get(_norm(key)) if key else None
        if known and known != OTHER:
            return known, None
    return OTHER, (name or (code if code.lower() != "custom" else "")) or None
