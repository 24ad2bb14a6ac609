"""The check that keeps personal data out of barrier texts (DESIGN §3 Barrier, §7).

A barrier is written for the system level and may end up in a report, so its text must not
identify anyone. The check is deliberately cautious: what merely looks like a national ID
number, a D-number, a phone number or an e-mail address is refused, and so is any of the
family's names when the writer says which family the barrier came from. It names the kind of
data it found, never the text itself (it must not be echoed into responses or logs).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable


class PersonalData(enum.StrEnum):
    national_id = "national_id"
    d_number = "d_number"
    phone = "phone"
    email = "email"
    name = "name"


# 11 digits, written as one run or with a space after the birth date (DDMMYY NNNNN).
_ELEVEN_DIGITS = re.compile(r"(?<!\d)(\d{6})[ \u00a0]?(\d{5})(?!\d)")
# A Norwegian phone number: 8 digits (not starting with 0 or 1) as one run or in the usual
# groups 3-2-3 or 2-2-2-2, optionally after +47 or 0047. Amounts like "12 000 000" are not
# written in those groups.
_SEP = r"[ \u00a0.-]?"
_PHONE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)47" + _SEP + r")?"
    r"(?:[2-9]\d{7}"
    r"|[2-9]\d{2}[ \u00a0.-]\d{2}[ \u00a0.-]\d{3}"
    r"|[2-9]\d[ \u00a0.-]\d{2}[ \u00a0.-]\d{2}[ \u00a0.-]\d{2})"
    r"(?![\d])"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WORD = re.compile(r"[^\W\d_]+")  # hyphenated names count word by word

# Words in a display name or a participant's "name" that say who someone is to the family
# rather than name them ("Familien Haddad", "Mor", "Veileder NAV"); blocking them would block
# ordinary barrier texts.
GENERIC_WORDS = frozenset(
    {
        "familien", "familie", "familiens", "family", "the", "og", "and", "i", "av", "de",
        "mor", "far", "mamma", "pappa", "barn", "barna", "sønn", "datter", "bror", "søster",
        "besteforeldre", "bestemor", "bestefar", "onkel", "tante", "venn", "nabo",
        "mother", "father", "child", "son", "daughter", "veileder", "kontaktperson",
        "tolk", "interpreter", "lærer", "rektor", "lege", "nav", "barnevernet", "skolen",
    }
)  # fmt: skip


def name_words(names: Iterable[str]) -> set[str]:
    """The words of the given names that could identify someone, lower-cased."""
    words: set[str] = set()
    for name in names:
        for word in _WORD.findall(name):
            folded = word.casefold()
            if len(folded) >= 2 and folded not in GENERIC_WORDS:
                words.add(folded)
    return words


def _without(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(" ", text)


def personal_data_in(text: str, names: Iterable[str] = ()) -> list[PersonalData]:
    """The kinds of personal data the text seems to hold, in a fixed order."""
    found: list[PersonalData] = []
    for match in _ELEVEN_DIGITS.finditer(text):
        # A D-number is a national ID number with 4 added to the first digit (day 41–71).
        kind = PersonalData.d_number if 41 <= int(match.group(1)[:2]) <= 71 else None
        found.append(kind or PersonalData.national_id)
    rest = _without(_ELEVEN_DIGITS, text)
    if _EMAIL.search(rest):
        found.append(PersonalData.email)
    rest = _without(_EMAIL, rest)
    if _PHONE.search(rest):
        found.append(PersonalData.phone)
    words = name_words(names)
    if words and any(w.casefold() in words for w in _WORD.findall(rest)):
        found.append(PersonalData.name)
    return [kind for kind in PersonalData if kind in found]


def describe(kind: PersonalData, _: Callable[[str], str] = str) -> str:
    """What to tell the writer, through ``_`` (gettext on pages; as it is in the API)."""
    messages = {
        PersonalData.national_id: _(
            "The text seems to hold a national ID number (fødselsnummer). "
            "Write for the system level, with no numbers that identify anyone."
        ),
        PersonalData.d_number: _(
            "The text seems to hold a D-number. "
            "Write for the system level, with no numbers that identify anyone."
        ),
        PersonalData.phone: _(
            "The text seems to hold a phone number. "
            "Write for the system level, with no numbers that identify anyone."
        ),
        PersonalData.email: _(
            "The text seems to hold an e-mail address. "
            "Write for the system level, with no addresses that identify anyone."
        ),
        PersonalData.name: _(
            "The text holds a name from the family or from its meetings. "
            "Write for the system level, with no names."
        ),
    }
    return messages[kind]
