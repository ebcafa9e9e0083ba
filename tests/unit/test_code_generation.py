"""Random coupon codes: unique, prefixed, of the asked length, from the unambiguous alphabet."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laurels.codepools import generation
from laurels.codepools.generation import ALPHABET, code_space, generate_codes, random_parts, space_suffices


def test_alphabet_has_no_lookalikes_and_divides_a_byte() -> None:
    assert len(ALPHABET) == 32
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert not set(ALPHABET) & set("01OI")
    assert set(ALPHABET) == set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    assert 256 % len(ALPHABET) == 0


def test_every_byte_maps_to_each_symbol_equally_often() -> None:
    # Feeding every byte value once gives each symbol 256 / 32 = 8 times: no bias.
    parts = random_parts(1, 256, lambda n: bytes(range(256)))
    assert Counter(parts[0]) == dict.fromkeys(ALPHABET, 8)


def test_codes_are_unique_prefixed_and_of_the_asked_length() -> None:
    codes = generate_codes(5000, prefix="SUMMER-", length=6)
    assert len(codes) == 5000
    assert len(set(codes)) == 5000
    pattern = re.compile(rf"^SUMMER-[{ALPHABET}]{{6}}$")
    assert all(pattern.match(code) for code in codes)


def test_default_length_and_no_prefix() -> None:
    (code,) = generate_codes(1)
    assert len(code) == generation.LENGTH_DEFAULT
    assert set(code) <= set(ALPHABET)


def test_zero_codes() -> None:
    assert generate_codes(0) == []


def test_taken_codes_and_repeats_are_drawn_again() -> None:
    # A byte source that repeats itself: AAAA twice, then BBBB, then CCCC.
    chunks: Iterator[bytes] = iter([b"\x00" * 8, b"\x01" * 4, b"\x02" * 4])
    codes = generate_codes(2, prefix="X", length=4, taken={"XBBBB"}, random_bytes=lambda n: next(chunks))
    assert codes == ["XAAAA", "XCCCC"]


def test_a_full_code_space_is_refused_not_looped_on() -> None:
    taken = {"P" + p for p in random_parts(1, 4, lambda n: b"\x00" * n)}
    with pytest.raises(ValueError, match="could not find"):
        generate_codes(1, prefix="P", length=4, taken=taken, random_bytes=lambda n: b"\x00" * n, max_rounds=3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"count": -1}, "count"),
        ({"count": 1, "length": 3}, "length"),
        ({"count": 1, "length": 65}, "length"),
        ({"count": 1, "prefix": "a b"}, "prefix"),
        ({"count": 1, "prefix": "x" * 33}, "prefix"),
    ],
)
def test_arguments_out_of_range_are_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        generate_codes(**kwargs)  # type: ignore[arg-type]


def test_space_suffices_wants_tenfold_room() -> None:
    assert code_space(4) == 32**4 == 1_048_576
    assert space_suffices(100_000, 4_857, 4)
    assert not space_suffices(100_000, 4_858, 4)
    assert space_suffices(100_000, 10**9, 10)


@settings(max_examples=50, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=300),
    prefix=st.text(alphabet="abcXYZ019_-", max_size=generation.PREFIX_MAX),
    length=st.integers(min_value=generation.LENGTH_MIN, max_value=generation.LENGTH_MAX),
    taken=st.sets(st.text(alphabet=ALPHABET, min_size=4, max_size=4), max_size=50),
)
def test_property_exactly_count_fresh_well_formed_codes(count: int, prefix: str, length: int, taken: set[str]) -> None:
    taken_codes = {prefix + t for t in taken}
    codes = generate_codes(count, prefix=prefix, length=length, taken=taken_codes)
    assert len(codes) == count
    assert len(set(codes)) == count
    assert not set(codes) & taken_codes
    for code in codes:
        assert code.startswith(prefix)
        assert len(code) == len(prefix) + length
        assert set(code[len(prefix) :]) <= set(ALPHABET)
