"""Valid national ID numbers for tests, worked out here by the published rule (Skatteetaten):
not by the code under test."""

from __future__ import annotations

from datetime import date


def _check(digits: str, weights: tuple[int, ...]) -> int:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest == 0 else 11 - rest


def fodselsnummer(born: date, individual: int | None = None, *, d_number: bool = False) -> str:
    """A fødselsnummer (or D-number) for ``born``: the first individual number from
    ``individual`` on (in the century's range) whose check digits are not 10."""
    start = individual if individual is not None else (0 if born.year < 2000 else 500)
    for number in range(start, start + 100):
        day = born.day + (40 if d_number else 0)
        nine = f"{day:02d}{born.month:02d}{born.year % 100:02d}{number:03d}"
        k1 = _check(nine, (3, 7, 6, 1, 8, 9, 4, 5, 2))
        if k1 == 10:
            continue
        k2 = _check(nine + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
        if k2 == 10:
            continue
        return f"{nine}{k1}{k2}"
    raise AssertionError("no valid number in that range")
