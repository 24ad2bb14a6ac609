"""Languages of the user interface and of what the family reads, through gettext catalogs made
with Babel (``app/locale``), in two domains: ``messages``, the staff's pages, in bokmål
(default), nynorsk and English; and ``family``, everything a family reads (its copy of the plan,
the consent statement, its own pages and the messages it gets), in those three and Arabic,
Somali, Ukrainian and Polish (DESIGN §12). An installation offers some or all of the family's
languages (``DUK_LANGUAGES``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.support import NullTranslations, Translations
from starlette.requests import Request

from app.config import FAMILY_LANGUAGES

# The staff's languages; a family's may also be one of FAMILY_LANGUAGES (app/config.py).
LANGUAGES: Final = ("nb", "nn", "en")
# The time the pages show and the days they count in: the municipality's, not the server's.
LOCAL_TIME: Final = ZoneInfo("Europe/Oslo")
DEFAULT_LANGUAGE: Final = "nb"
LANGUAGE_COOKIE: Final = "duk_lang"
LOCALE_DIR: Final = Path(__file__).resolve().parents[1] / "locale"

# Each language's name in that language, for the language switcher.
LANGUAGE_NAMES: Final = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}
# The same for the family's languages, for the family form (each named in its own language).
FAMILY_LANGUAGE_NAMES: Final = {
    **LANGUAGE_NAMES,
    "ar": "العربية",
    "so": "Soomaali",
    "uk": "Українська",
    "pl": "Polski",
}
# Written right to left: pages in these are mirrored (<html dir="rtl">).
RTL_LANGUAGES: Final = frozenset({"ar"})


def direction(lang: str) -> str:
    """``rtl`` or ``ltr``, for an element's ``dir``."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


@lru_cache(maxsize=len(FAMILY_LANGUAGES))
def translations(lang: str) -> NullTranslations:
    """Both domains in one catalogue: the family's words in ``lang``, and the staff's words
    behind them, in ``lang`` where the staff's pages have it, else in bokmål (the staff
    catalogue has no Arabic, Somali, Ukrainian or Polish, and staff never choose them). The
    family's catalogue comes first, with its own plural rule (Arabic has six forms)."""
    if lang not in FAMILY_LANGUAGES:
        lang = DEFAULT_LANGUAGE
    staff = Translations.load(
        str(LOCALE_DIR), [lang if lang in LANGUAGES else DEFAULT_LANGUAGE], domain="messages"
    )
    family = Translations.load(str(LOCALE_DIR), [lang], domain="family")
    if not isinstance(family, Translations):  # not compiled (`make translations`)
        return staff
    family.add_fallback(staff)
    return family


def _from_accept_language(header: str, known: Collection[str] = LANGUAGES) -> str | None:
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        primary = tag.split("-")[0]
        # Browsers say "no" for Norwegian without saying which written standard.
        lang = "nb" if primary == "no" else primary
        if lang in known and (best is None or quality > best[0]):
            best = (quality, lang)
    return best[1] if best else None


def request_language(request: Request) -> str:
    """The user's chosen language (cookie), else the browser's, else bokmål."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return _from_accept_language(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


def family_request_language(request: Request, offered: Collection[str]) -> str:
    """The language of a family page drawn before anyone is signed in (the way in, the kind
    page for someone with no family, signed out): as ``request_language``, but the browser's
    may be any the installation offers families (an Arabic phone gets the page in Arabic).
    Once signed in, a member reads their own language (``FamilyMember.language``)."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES and chosen in offered:
        return chosen
    header = request.headers.get("accept-language", "")
    return _from_accept_language(header, offered) or DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where it is shown
    (``translations(lang).gettext(message)``). `make messages` extracts ``N_`` too."""
    return message


# Babel's locales for the languages; en_GB writes "27 November 2026", as Norwegians who read
# English expect. Arabic dates keep the digits 0-9 ("27 نوفمبر 2026").
_BABEL_LOCALES: Final = {
    "nb": "nb_NO",
    "nn": "nn_NO",
    "en": "en_GB",
    "ar": "ar",
    "so": "so_SO",
    "uk": "uk_UA",
    "pl": "pl_PL",
}


def long_date(value: date | datetime | str | None, lang: str) -> str:
    """A date written out in the language ("27. november 2026"); "" for none. Pages and the
    plan PDF use the same words, since no browser formats dates inside a PDF."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="long", locale=_BABEL_LOCALES.get(lang, "nb_NO"))


def local_today(at: datetime | None = None) -> date:
    """The date on the municipality's wall calendar: between midnight in Oslo and midnight UTC
    the server's own ``date.today()`` is still yesterday."""
    return (at or datetime.now(LOCAL_TIME)).astimezone(LOCAL_TIME).date()


def local(moment: datetime) -> datetime:
    """A stored moment (UTC) as the clock on the municipality's wall shows it."""
    return moment.astimezone(LOCAL_TIME)
