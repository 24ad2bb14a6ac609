"""National ID numbers (fødselsnummer, D-number): the check digits and the birth date."""

from __future__ import annotations

from datetime import date

import pytest

from app.kit import national_id
from tests.members.numbers import fodselsnummer


@pytest.mark.parametrize(
    ("born", "d_number"),
    [
        (date(1988, 3, 14), False),
        (date(2010, 12, 31), False),
        (date(1975, 7, 1), True),
        (date(2009, 2, 28), True),
    ],
)
def test_a_valid_number_names_its_birth_date(born: date, d_number: bool) -> None:
    number = fodselsnummer(born, d_number=d_number)

    assert national_id.birth_date(number) == born
    assert national_id.is_valid(number)


def test_a_synthetic_test_person_adds_80_to_the_month() -> None:
    # ID-porten's test users (Tenor) have numbers like this one: 80 added to the month.
    real = fodselsnummer(date(1990, 5, 17))
    # Worked out again with the month 85; the check digits change with it.
    digits = real[:2] + "85" + real[4:9]
    weights1, weights2 = (3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    for individual in range(100, 200):
        nine = digits[:6] + f"{individual:03d}"
        k1 = (11 - sum(int(d) * w for d, w in zip(nine, weights1, strict=True)) % 11) % 11
        if k1 == 10:
            continue
        ten = nine + str(k1)
        k2 = (11 - sum(int(d) * w for d, w in zip(ten, weights2, strict=True)) % 11) % 11
        if k2 == 10:
            continue
        assert national_id.birth_date(ten + str(k2)) == date(1990, 5, 17)
        return
    raise AssertionError("no synthetic number found")


def test_every_single_digit_changed_is_caught() -> None:
    number = fodselsnummer(date(1988, 3, 14))
    for position in range(11):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1 :]
            assert not national_id.is_valid(changed), changed


@pytest.mark.parametrize(
    "text", ["", "1234567890", "123456789012", "0101701234a", "31028812345", "00000000000"]
)
def test_not_a_number(text: str) -> None:
    assert not national_id.is_valid(text)
