"""Magento's country/region directory (``directory_country`` / ``directory_country_region``) and currency
setup (``currency/options/*``, ``directory_currency_rate``) as a fresh 2.4.8 install has them.

Region ids are the install's auto-increment ids, in the order of the initial directory data patch
(``InitializeDirectoryData``): US 1-65 (alphabetical by name, territories and armed forces included), CA
66-78, DE 79-94 (2.4.8 still has Magento's three-letter codes: NDS, BAW, BAY, …), AT 95-103, CH 104-129,
ES 130-181 (code = name), FR 182-277 (department numbers, 2A/2B for Corsica), then RO, FI, EE, LV, LT
(278-483, not modelled: no Amazon marketplace ships there from here) and BR 484-510. Regions of countries
added by later patches (IN, AU, MX, IT, …) get ids that depend on the install's upgrade history and are
not modelled; those countries, like the ones without regions, take a region as free text. Magento
resolves a code to the first region of the country with it (``Region::loadByCode``), so the armed-forces
"AE" reads as id 6.

Currencies: base and display currency per store view, allowed currencies USD and EUR (``config.xml``
defaults) plus the base, and the initial rates USD→EUR 0.7067 and EUR→USD 1.415. ``GET
/V1/directory/currency`` lists a rate per allowed currency; one Magento has not got reads 0."""

from __future__ import annotations

from dataclasses import dataclass, field
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
_DE = (
    "NDS Niedersachsen|BAW Baden-Württemberg|BAY Bayern|BER Berlin|BRG Brandenburg|BRE Bremen|HAM Hamburg|"
    "HES Hessen|MEC Mecklenburg-Vorpommern|NRW Nordrhein-Westfalen|RHE Rheinland-Pfalz|SAR Saarland|"
    "SAS Sachsen|SAC Sachsen-Anhalt|SCN Schleswig-Holstein|THE Thüringen"
)
_AT = (
    "WI Wien|NO Niederösterreich|OO Oberösterreich|SB Salzburg|KN Kärnten|ST Steiermark|TI Tirol|"
    "BL Burgenland|VB Vorarlberg"
)
_CH = (
    "AG Aargau|AI Appenzell Innerrhoden|AR Appenzell Ausserrhoden|BE Bern|BL Basel-Landschaft|"
    "BS Basel-Stadt|FR Freiburg|GE Genf|GL Glarus|GR Graubünden|JU Jura|LU Luzern|NE Neuenburg|"
    "NW Nidwalden|OW Obwalden|SG St. Gallen|SH Schaffhausen|SO Solothurn|SZ Schwyz|TG Thurgau|TI Tessin|"
    "UR Uri|VD Waadt|VS Wallis|ZG Zug|ZH Zürich"
)
# Spain: the code is the name (the initial patch's first code is "A Coruca", the name "A Coruña").
_ES_NAMES = (
    "A Coruña|Alava|Albacete|Alicante|Almeria|Asturias|Avila|Badajoz|Baleares|Barcelona|Burgos|Caceres|"
    "Cadiz|Cantabria|Castellon|Ceuta|Ciudad Real|Cordoba|Cuenca|Girona|Granada|Guadalajara|Guipuzcoa|"
    "Huelva|Huesca|Jaen|La Rioja|Las Palmas|Leon|Lleida|Lugo|Madrid|Malaga|Melilla|Murcia|Navarra|"
    "Ourense|Palencia|Pontevedra|Salamanca|Santa Cruz de Tenerife|Segovia|Sevilla|Soria|Tarragona|"
    "Teruel|Toledo|Valencia|Valladolid|Vizcaya|Zamora|Zaragoza"
)
_FR = (
    "1 Ain|2 Aisne|3 Allier|4 Alpes-de-Haute-Provence|5 Hautes-Alpes|6 Alpes-Maritimes|7 Ardèche|"
    "8 Ardennes|9 Ariège|10 Aube|11 Aude|12 Aveyron|13 Bouches-du-Rhône|14 Calvados|15 Cantal|"
    "16 Charente|17 Charente-Maritime|18 Cher|19 Corrèze|2A Corse-du-Sud|2B Haute-Corse|21 Côte-d'Or|"
    "22 Côtes-d'Armor|23 Creuse|24 Dordogne|25 Doubs|26 Drôme|27 Eure|28 Eure-et-Loir|29 Finistère|"
    "30 Gard|31 Haute-Garonne|32 Gers|33 Gironde|34 Hérault|35 Ille-et-Vilaine|36 Indre|"
    "37 Indre-et-Loire|38 Isère|39 Jura|40 Landes|41 Loir-et-Cher|42 Loire|43 Haute-Loire|"
    "44 Loire-Atlantique|45 Loiret|46 Lot|47 Lot-et-Garonne|48 Lozère|49 Maine-et-Loire|50 Manche|"
    "51 Marne|52 Haute-Marne|53 Mayenne|54 Meurthe-et-Moselle|55 Meuse|56 Morbihan|57 Moselle|58 Nièvre|"
    "59 Nord|60 Oise|61 Orne|62 Pas-de-Calais|63 Puy-de-Dôme|64 Pyrénées-Atlantiques|65 Hautes-Pyrénées|"
    "66 Pyrénées-Orientales|67 Bas-Rhin|68 Haut-Rhin|69 Rhône|70 Haute-Saône|71 Saône-et-Loire|72 Sarthe|"
    "73 Savoie|74 Haute-Savoie|75 Paris|76 Seine-Maritime|77 Seine-et-Marne|78 Yvelines|79 Deux-Sèvres|"
    "80 Somme|81 Tarn|82 Tarn-et-Garonne|83 Var|84 Vaucluse|85 Vendée|86 Vienne|87 Haute-Vienne|88 Vosges|"
    "89 Yonne|90 Territoire-de-Belfort|91 Essonne|92 Hauts-de-Seine|93 Seine-Saint-Denis|94 Val-de-Marne|"
    "95 Val-d'Oise"
)
_BR = (
    "AC Acre|AL Alagoas|AP Amapá|AM Amazonas|BA Bahia|CE Ceará|ES Espírito Santo|GO Goiás|MA Maranhão|"
    "MT Mato Grosso|MS Mato Grosso do Sul|MG Minas Gerais|PA Pará|PB Paraíba|PR Paraná|PE Pernambuco|"
    "PI Piauí|RJ Rio de Janeiro|RN Rio Grande do Norte|RS Rio Grande do Sul|RO Rondônia|RR Roraima|"
    "SC Santa Catarina|SP São Paulo|SE Sergipe|TO Tocantins|DF Distrito Federal"
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


def _named(country: str, names: str, first_id: int) -> tuple[Region, ...]:
    return tuple(Region(first_id + i, country, name, name) for i, name in enumerate(names.split("|")))


@cache
def regions() -> dict[str, tuple[Region, ...]]:
    """Regions per country id, in id order."""
    spain = _named("ES", _ES_NAMES, 130)
    spain = (Region(130, "ES", "A Coruca", spain[0].name), *spain[1:])
    return {
        "US": _parse("US", _US, 1),
        "CA": _parse("CA", _CA, 66),
        "DE": _parse("DE", _DE, 79),
        "AT": _parse("AT", _AT, 95),
        "CH": _parse("CH", _CH, 104),
        "ES": spain,
        "FR": _parse("FR", _FR, 182),
        "BR": _parse("BR", _BR, 484),
    }


def region(region_id: int) -> Region | None:
    return next((r for rs in regions().values() for r in rs if r.id == region_id), None)


def by_code(country_id: str, code: str) -> Region | None:
    """``Region::loadByCode``: the first region of the country with that code."""
    return next((r for r in regions().get(country_id, ()) if r.code == code), None)


def countries() -> list[dict[str, Any]]:
    """``GET /V1/directory/countries``: every country the store allows (a fresh install allows all of its
    directory; here, the countries modelled), each with its regions when it has any."""
    return [info for code in sorted(COUNTRIES) if (info := country_information(code)) is not None]


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


# ---- currencies ------------------------------------------------------------------------------------------
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "JPY": "¥", "INR": "₹", "AUD": "A$", "MXN": "MX$"}


def symbol(code: str) -> str:
    return SYMBOLS.get(code, code)


@dataclass
class Currencies:
    """Currency setup: allowed currencies (``currency/options/allow``) and rates (``directory_currency_rate``,
    from → to). A fresh install allows USD and EUR and has the rates below."""

    allowed: list[str] = field(default_factory=lambda: ["USD", "EUR"])
    rates: dict[tuple[str, str], float] = field(
        default_factory=lambda: {
            ("EUR", "EUR"): 1.0,
            ("EUR", "USD"): 1.415,
            ("USD", "EUR"): 0.7067,
            ("USD", "USD"): 1.0,
        }
    )

    def allow(self, *codes: str) -> None:
        for code in codes:
            if code.upper() not in self.allowed:
                self.allowed.append(code.upper())

    def set_rate(self, base: str, to: str, rate: float) -> None:
        self.rates[(base.upper(), to.upper())] = float(rate)

    def rate(self, base: str, to: str) -> float:
        """``Currency::getRate``: 1 to itself, an unset rate as 0 (``false`` cast to the interface's float)."""
        return 1.0 if base == to else self.rates.get((base, to), 0.0)

    def information(self, base: str, display: str | None = None) -> dict[str, Any]:
        """``GET /V1/directory/currency`` of a store view with that base (and display) currency."""
        display = display or base
        codes = [*self.allowed, *([base] if base not in self.allowed else [])]  # Store::getAvailableCurrencyCodes
        return {
            "base_currency_code": base,
            "base_currency_symbol": symbol(base),
            "default_display_currency_code": display,
            "default_display_currency_symbol": symbol(display),
            "available_currency_codes": codes,
            "exchange_rates": [{"currency_to": code, "rate": self.rate(base, code)} for code in codes],
        }
