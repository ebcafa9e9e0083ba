"""The built-in country list: ids are positions in alpha-2 order, lookups by id and by code."""

from __future__ import annotations

import pycountry
import pytest

from laurels.reference.countries import Country, all_countries, country_by_code, country_by_id, country_by_ref


def test_ids_are_positions_in_alpha2_order() -> None:
    countries = all_countries()
    assert len(countries) == len(pycountry.countries)
    assert [c.country_id for c in countries] == list(range(1, len(countries) + 1))
    codes = [c.code for c in countries]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)


def test_the_vendor_docs_example_ids_are_countries() -> None:
    # Seed 003 uses countryId 1, 7 and 14.
    assert country_by_id(1) == Country(country_id=1, code="AD", alpha3="AND", numeric="020", name="Andorra")
    assert country_by_id(7) == country_by_code("AM")
    assert country_by_id(14) == country_by_code("AW")
    assert country_by_code("AM") is not None


def test_lookup_by_id_and_code_agree() -> None:
    for country in all_countries():
        assert country_by_id(country.country_id) == country
        assert country_by_code(country.code) == country
        assert country_by_code(country.code.lower()) == country


@pytest.mark.parametrize("country_id", [0, -1, len(pycountry.countries) + 1, 10**9])
def test_unknown_ids(country_id: int) -> None:
    assert country_by_id(country_id) is None


@pytest.mark.parametrize("code", ["", "Z", "ZZ", "USA", "u s", "ß"])
def test_unknown_codes(code: str) -> None:
    assert country_by_code(code) is None


def test_by_ref_takes_an_id_a_digit_string_or_a_code() -> None:
    armenia = country_by_code("AM")
    assert country_by_ref(7) == armenia
    assert country_by_ref("7") == armenia
    assert country_by_ref("am") == armenia
    assert country_by_ref(True) is None  # a boolean is not an id
    assert country_by_ref("0") is None
    assert country_by_ref("٧") is None  # digits, but not ASCII ones


def test_the_list_is_a_copy() -> None:
    all_countries().clear()
    assert len(all_countries()) == len(pycountry.countries)
