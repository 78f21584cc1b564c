"""Amazon's ``stateOrRegion`` → Magento's region (id, code, name), per country (pure).

Region ids are the Magento install's own auto-increment ids, so the writer reads them from the store's
``GET /V1/directory/countries`` (``regions_from_countries``; cached by ``store_directory.py``).
``MAGENTO_REGIONS`` holds the US and Canada as a fresh 2.4 install numbers them, only for callers that
pass no directory (tests, benches). A region matches by code or by name, in any case, accents and
punctuation folded, German umlauts also as "ae/oe/ue", with a leading country prefix ("US-CA") or a
spelling buyers type (``REGION_ALIASES``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.magento_writer.magento.client import as_int


@dataclass(frozen=True)
class MagentoRegion:
    id: int
    code: str
    name: str


Directory = Mapping[str, tuple[MagentoRegion, ...]]

_US_REGIONS = (
    "AL Alabama|AK Alaska|AS American Samoa|AZ Arizona|AR Arkansas|AE Armed Forces Africa|"
    "AA Armed Forces Americas|AE Armed Forces Canada|AE Armed Forces Europe|AE Armed Forces Middle East|"
    "AP Armed Forces Pacific|CA California|CO Colorado|CT Connecticut|DE Delaware|DC District of Columbia|"
    "FM Federated States Of Micronesia|FL Florida|GA Georgia|GU Guam|HI Hawaii|ID Idaho|IL Illinois|"
    "IN Indiana|IA Iowa|KS Kansas|KY Kentucky|LA Louisiana|ME Maine|MH Marshall Islands|MD Maryland|"
    "MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|MO Missouri|MT Montana|NE Nebraska|NV Nevada|"
    "NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|NC North Carolina|ND North Dakota|"
    "MP Northern Mariana Islands|OH Ohio|OK Oklahoma|OR Oregon|PW Palau|PA Pennsylvania|PR Puerto Rico|"
    "RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|VT Vermont|"
    "VI Virgin Islands|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming"
)
_CA_REGIONS = (
    "AB Alberta|BC British Columbia|MB Manitoba|NL Newfoundland and Labrador|NB New Brunswick|"
    "NS Nova Scotia|NT Northwest Territories|NU Nunavut|ON Ontario|PE Prince Edward Island|QC Quebec|"
    "SK Saskatchewan|YT Yukon Territory"
)
# Spellings Amazon buyers type that are neither Magento's code nor its name (normalised, see _norm).
# Germany: the ISO 3166-2 codes, for installs that still have Magento's older three-letter codes.
REGION_ALIASES: dict[str, dict[str, str]] = {
    "US": {
        "WASHINGTON DC": "DC",
        "WASHINGTON D C": "DC",
        "D C": "DC",
        "US VIRGIN ISLANDS": "VI",
        "U S VIRGIN ISLANDS": "VI",
        "MICRONESIA": "FM",
    },
    "CA": {
        "NEWFOUNDLAND": "NL",
        "LABRADOR": "NL",
        "NF": "NL",
        "PEI": "PE",
        "P E I": "PE",
        "YUKON": "YT",
        "NORTHWEST TERRITORY": "NT",
        "PQ": "QC",
    },
    "DE": {
        "BW": "BAW",
        "BY": "BAY",
        "BE": "BER",
        "BB": "BRG",
        "HB": "BRE",
        "HH": "HAM",
        "HE": "HES",
        "MV": "MEC",
        "NI": "NDS",
        "NW": "NRW",
        "RP": "RHE",
        "SL": "SAR",
        "SN": "SAS",
        "ST": "SAC",
        "SH": "SCN",
        "TH": "THE",
    },
}


def _table(table: str, first_id: int) -> tuple[MagentoRegion, ...]:
    rows = [entry.split(" ", 1) for entry in table.split("|")]
    return tuple(MagentoRegion(first_id + i, code, name) for i, (code, name) in enumerate(rows))


# US 1-65 and CA 66-78 as a fresh 2.4 install numbers them (the stand-in's directory has the same ids).
MAGENTO_REGIONS: Directory = {"US": _table(_US_REGIONS, 1), "CA": _table(_CA_REGIONS, 66)}


def _norm(text: str) -> str:
    """Upper case, accents folded, punctuation as spaces: "Québec" → "QUEBEC", "D.C." → "D C"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^A-Za-z0-9]+", " ", folded).upper().split())


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "ss"})


def _norm_umlauts(text: str) -> str:
    """``_norm`` with German umlauts spelled out: "Thüringen" and "Thueringen" → "THUERINGEN"."""
    return _norm(text.translate(_UMLAUTS))


def _keys(country: str, region: str) -> list[str]:
    key = _norm(region)
    aliases = REGION_ALIASES.get(country, {})
    out = [key, aliases.get(key, key)]
    prefix = f"{_norm(country)} "
    if key.startswith(prefix):  # "US-CA", "DE-BY"
        rest = key[len(prefix):]
        out += [rest, aliases.get(rest, rest)]
    return list(dict.fromkeys(k for k in out if k))


def resolve_region(country: str, region: str | None, directory: Directory = MAGENTO_REGIONS) -> MagentoRegion | None:
    """Magento's region for Amazon's ``stateOrRegion`` (a code or a name, any case or accents) in a
    country whose regions Magento lists; None when the country has none listed or nothing matches.
    A code shared by several regions (US armed forces "AE") resolves to the first, as Magento does."""
    listed = directory.get(country.upper()) if country else None
    if not listed or not region or not _norm(region):
        return None
    keys = _keys(country.upper(), region)
    for key in keys:
        found = next((entry for entry in listed if key == _norm(entry.code)), None)
        if found is not None:
            return found
    for key in keys:
        found = next((entry for entry in listed if key == _norm(entry.name)), None)
        if found is not None:
            return found
    spelled = _norm_umlauts(region)
    return next((entry for entry in listed if spelled == _norm_umlauts(entry.name)), None)


def _regions_of(country: dict[str, Any]) -> Iterable[MagentoRegion]:
    for raw in country.get("available_regions") or ():
        if not isinstance(raw, dict):
            continue
        try:
            region_id = as_int(raw.get("id"))
        except ValueError:
            continue
        code, name = str(raw.get("code") or "").strip(), str(raw.get("name") or "").strip()
        if region_id > 0 and (code or name):
            yield MagentoRegion(region_id, code or name, name or code)


def regions_from_countries(countries: Any) -> dict[str, tuple[MagentoRegion, ...]]:
    """The directory from ``GET /V1/directory/countries`` (``directory-data-country-information-interface``
    list): country id → its regions in Magento's id order; countries without regions are left out.
    Tolerant: entries without a usable id, or not objects, are skipped."""
    out: dict[str, tuple[MagentoRegion, ...]] = {}
    for country in countries if isinstance(countries, list) else ():
        if not isinstance(country, dict):
            continue
        country_id = str(country.get("id") or country.get("two_letter_abbreviation") or "").strip().upper()
        regions = tuple(sorted(_regions_of(country), key=lambda r: r.id))
        if country_id and regions:
            out[country_id] = regions
    return out
