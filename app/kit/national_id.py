"""Norwegian national ID numbers: fødselsnummer and D-number (11 digits: the birth date, an
individual number, two mod-11 check digits). Skatteetaten's rules: a D-number adds 4 to the
first digit of the day; Skatteetaten's and NAV's synthetic test persons (Tenor, used with
ID-porten's test environment) add 80 to the month, the older H-numbers 40."""

from __future__ import annotations

import re
from datetime import date

_ELEVEN_DIGITS = re.compile(r"^[0-9]{11}$")
_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    check = 0 if rest == 0 else 11 - rest
    return None if check == 10 else check


def _century(year: int, individual: int) -> int | None:
    if individual <= 499:
        return 1900 + year
    if individual <= 749 and year >= 54:
        return 1800 + year
    if individual >= 900 and year >= 40:
        return 1900 + year
    if individual >= 500 and year <= 39:
        return 2000 + year
    return None


def birth_date(number: str) -> date | None:
    """The birth date a valid number names, or None when it is not a valid number."""
    if not _ELEVEN_DIGITS.fullmatch(number):
        return None
    if _check_digit(number[:9], _WEIGHTS_1) != int(number[9]):
        return None
    if _check_digit(number[:10], _WEIGHTS_2) != int(number[10]):
        return None
    day, month, year = int(number[0:2]), int(number[2:4]), int(number[4:6])
    if day > 40:  # D-number
        day -= 40
    if month > 80:  # synthetic test person
        month -= 80
    elif month > 40:  # H-number
        month -= 40
    full_year = _century(year, int(number[6:9]))
    if full_year is None:
        return None
    try:
        return date(full_year, month, day)
    except ValueError:
        return None


def is_valid(number: str) -> bool:
    return birth_date(number) is not None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
