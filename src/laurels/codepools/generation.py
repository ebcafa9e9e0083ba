"""Random coupon codes, as plain Python (no ORM, no HTTP).

A generated code is ``prefix + random part``. The random part is drawn from an
alphabet without the look-alikes 0/O and 1/I, so a code read aloud or copied
by hand survives. The alphabet has exactly 32 symbols, a divisor of 256, so a
byte from the operating system's CSPRNG (``secrets.token_bytes``) maps to a
symbol with no bias: ``byte % 32`` is uniform. That is the same randomness as
``secrets.choice`` over the alphabet, drawn a whole batch at a time, which
keeps 100,000 codes of 64 symbols well under a second.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Container

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_-]*$")
PREFIX_MAX = 32
LENGTH_MIN = 4
LENGTH_MAX = 64
LENGTH_DEFAULT = 10
# Codes one generate request may add. A request is one transaction, so this
# bounds how long it holds SQLite's write lock (about a second at the cap);
# a larger pool is filled by several requests.
COUNT_MAX = 100_000
# The code space must hold this many times the codes the pool will have, so
# that a random draw collides rarely and regeneration ends after a round or two.
HEADROOM = 10

if 256 % len(ALPHABET):  # pragma: no cover - guards an edit of ALPHABET
    raise RuntimeError("the alphabet size must divide 256 for byte % size to be unbiased")
_SYMBOL_OF_BYTE = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))

RandomBytes = Callable[[int], bytes]


def code_space(length: int) -> int:
    """How many distinct random parts of ``length`` symbols there are."""
    return int(len(ALPHABET) ** length)


def space_suffices(count: int, existing: int, length: int) -> bool:
    """Whether ``count`` new codes fit beside ``existing`` ones with room to spare.

    ``existing`` counts every code of the pool, whatever its prefix: a
    conservative bound, since codes with another prefix cannot collide.
    """
    return code_space(length) >= HEADROOM * (count + existing)


def random_parts(count: int, length: int, random_bytes: RandomBytes = secrets.token_bytes) -> list[str]:
    """``count`` random strings of ``length`` symbols of :data:`ALPHABET` (not necessarily distinct)."""
    raw = random_bytes(count * length).translate(_SYMBOL_OF_BYTE).decode("ascii")
    return [raw[i : i + length] for i in range(0, count * length, length)]


def generate_codes(
    count: int,
    *,
    prefix: str = "",
    length: int = LENGTH_DEFAULT,
    taken: Container[str] = frozenset(),
    random_bytes: RandomBytes = secrets.token_bytes,
    max_rounds: int = 64,
) -> list[str]:
    """``count`` distinct codes ``prefix + random part``, none of them in ``taken``.

    Draws a batch, keeps the codes that are new, and draws again for the rest,
    so the result always has exactly ``count`` codes. Raises ``ValueError`` if
    the arguments are out of range or if ``max_rounds`` draws could not find
    enough free codes (the code space is all but full).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if not LENGTH_MIN <= length <= LENGTH_MAX:
        raise ValueError(f"length must be {LENGTH_MIN} to {LENGTH_MAX}")
    if len(prefix) > PREFIX_MAX or not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"prefix must be at most {PREFIX_MAX} of A-Z a-z 0-9 _ -")
    codes: list[str] = []
    chosen: set[str] = set()
    for _ in range(max_rounds):
        missing = count - len(codes)
        if missing == 0:
            return codes
        for part in random_parts(missing, length, random_bytes):
            code = prefix + part
            if code not in chosen and code not in taken:
                chosen.add(code)
                codes.append(code)
    if len(codes) < count:
        raise ValueError(f"could not find {count} free codes of length {length} in {max_rounds} rounds")
    return codes
