"""The built-in list of countries: ISO 3166-1, from the ``pycountry`` package.

Rewards (``geography[].countryId``) and customers name a country by a small
integer, as the vendor docs do (``"countryId": 1``, ``7``, ``14``). Laurels
defines that integer as the country's 1-based position in the list of
ISO 3166-1 countries sorted by alpha-2 code: 1 is AD (Andorra), 7 is AM
(Armenia), 14 is AW (Aruba). Every such id up to the number of countries is
valid, and each stays stable as long as ISO does not assign an alpha-2 code
that sorts before it (a new code shifts the ids of the countries after it).
The ``pycountry`` version is pinned, so ids change only when Laurels upgrades
it, and its release notes say so.

Plain Python, computed once, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry


@dataclass(frozen=True)
class Country:
    country_id: int
    code: str  # ISO 3166-1 alpha-2, upper case
    alpha3: str
    numeric: str  # ISO 3166-1 numeric, three digits with leading zeros ("020")
    name: str


@cache
def _countries() -> tuple[Country, ...]:
    ordered = sorted(pycountry.countries, key=lambda c: c.alpha_2)
    return tuple(
        Country(country_id=i, code=c.alpha_2, alpha3=c.alpha_3, numeric=c.numeric, name=c.name)
        for i, c in enumerate(ordered, start=1)
    )


@cache
def _by_code() -> dict[str, Country]:
    return {c.code: c for c in _countries()}


def all_countries() -> list[Country]:
    """Every country, in countryId order (alpha-2 order)."""
    return list(_countries())


def country_by_id(country_id: int) -> Country | None:
    countries = _countries()
    return countries[country_id - 1] if 1 <= country_id <= len(countries) else None


def country_by_code(code: str) -> Country | None:
    """By ISO alpha-2 code, in any case (ASCII only: "ß".upper() is "SS", South Sudan)."""
    return _by_code().get(code.upper()) if code.isascii() else None


def country_by_ref(ref: int | str) -> Country | None:
    """By countryId (an integer, or a string of digits, as in ``"countryId": "14"``) or by alpha-2 code."""
    if isinstance(ref, bool):
        return None
    if isinstance(ref, int):
        return country_by_id(ref)
    ref = ref.strip()
    if ref.isascii() and ref.isdigit():
        return country_by_id(int(ref))
    return country_by_code(ref)
