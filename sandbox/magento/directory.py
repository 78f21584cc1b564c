"""Magento's country/region directory (``directory_country`` / ``directory_country_region``) as a fresh
2.4 install has it for the countries the Sales Channel ships to.

Region ids are the install's auto-increment ids: the initial directory data patch inserts the US
(1-65, alphabetical by name, territories and armed forces included) and then Canada (66-78). Regions of
countries added by later patches get installation-dependent ids and are not modelled; those countries
(and the ones without regions) take a region as free text. Magento resolves a code to the first region
of the country with it (``Region::loadByCode``), so the armed-forces "AE" reads as id 6."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

_US = (
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
_CA = (
    "AB Alberta|BC British Columbia|MB Manitoba|NL Newfoundland and Labrador|NB New Brunswick|"
    "NS Nova Scotia|NT Northwest Territories|NU Nunavut|ON Ontario|PE Prince Edward Island|QC Quebec|"
    "SK Saskatchewan|YT Yukon Territory"
)
# country id -> (ISO 3166 alpha-3, English name)
COUNTRIES: dict[str, tuple[str, str]] = {
    "US": ("USA", "United States"),
    "CA": ("CAN", "Canada"),
    "MX": ("MEX", "Mexico"),
    "BR": ("BRA", "Brazil"),
    "GB": ("GBR", "United Kingdom"),
    "IE": ("IRL", "Ireland"),
    "DE": ("DEU", "Germany"),
    "AT": ("AUT", "Austria"),
    "CH": ("CHE", "Switzerland"),
    "FR": ("FRA", "France"),
    "IT": ("ITA", "Italy"),
    "ES": ("ESP", "Spain"),
    "NL": ("NLD", "Netherlands"),
    "SE": ("SWE", "Sweden"),
    "PL": ("POL", "Poland"),
    "BE": ("BEL", "Belgium"),
    "TR": ("TUR", "Turkey"),
    "AE": ("ARE", "United Arab Emirates"),
    "SA": ("SAU", "Saudi Arabia"),
    "EG": ("EGY", "Egypt"),
    "IN": ("IND", "India"),
    "JP": ("JPN", "Japan"),
    "AU": ("AUS", "Australia"),
    "SG": ("SGP", "Singapore"),
    "PR": ("PRI", "Puerto Rico"),
    "GU": ("GUM", "Guam"),
    "VI": ("VIR", "U.S. Virgin Islands"),
    "AS": ("ASM", "American Samoa"),
    "MP": ("MNP", "Northern Mariana Islands"),
    "UM": ("UMI", "U.S. Outlying Islands"),
}


@dataclass(frozen=True)
class Region:
    id: int
    country_id: str
    code: str
    name: str


def _parse(country: str, table: str, first_id: int) -> tuple[Region, ...]:
    rows = [entry.split(" ", 1) for entry in table.split("|")]
    return tuple(Region(first_id + i, country, code, name) for i, (code, name) in enumerate(rows))


@cache
def regions() -> dict[str, tuple[Region, ...]]:
    """Regions per country id, in id order."""
    return {"US": _parse("US", _US, 1), "CA": _parse("CA", _CA, 66)}


def region(region_id: int) -> Region | None:
    return next((r for rs in regions().values() for r in rs if r.id == region_id), None)


def by_code(country_id: str, code: str) -> Region | None:
    """``Region::loadByCode``: the first region of the country with that code."""
    return next((r for r in regions().get(country_id, ()) if r.code == code), None)


def country_information(country_id: str) -> dict[str, Any] | None:
    """``GET /V1/directory/countries/{countryId}`` (``directory-data-country-information-interface``)."""
    known = COUNTRIES.get(country_id.upper())
    if known is None:
        return None
    iso3, name = known
    out: dict[str, Any] = {
        "id": country_id.upper(),
        "two_letter_abbreviation": country_id.upper(),
        "three_letter_abbreviation": iso3,
        "full_name_locale": name,
        "full_name_english": name,
    }
    listed = regions().get(country_id.upper())
    if listed:
        out["available_regions"] = [{"id": str(r.id), "code": r.code, "name": r.name} for r in listed]
    return out
