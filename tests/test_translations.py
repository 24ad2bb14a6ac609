"""Every UI string is translatable, and translated: bokmål and nynorsk catalogs hold every
message the code and templates use (DESIGN §5; issue 3 point 8); what a family reads is in a
domain of its own, complete in each of the family's seven languages (DESIGN §12)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from app.config import FAMILY_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
LOCALE = ROOT / "app" / "locale"


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _extract(config: str, pot: Path) -> set[str]:
    """The messages the code uses today, extracted the way `make messages` does."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            config,
            "--no-location",
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-o",
            str(pot),
            "app",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {_id(m) for m in _catalog(pot) if m.id}


def _id(message: Message) -> str:
    return str(message.id if isinstance(message.id, str) else message.id[0])


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    return _extract("babel.cfg", tmp_path_factory.mktemp("pot") / "messages.pot")


@pytest.fixture(scope="module")
def extracted_family(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    return _extract("babel-family.cfg", tmp_path_factory.mktemp("pot") / "family.pot")


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_the_catalog_holds_every_message_the_code_uses(lang: str, extracted: set[str]) -> None:
    catalog = _catalog(LOCALE / lang / "LC_MESSAGES" / "messages.po")
    known = {str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    missing = sorted(extracted - known)
    assert missing == [], f"run `make messages` and translate: {missing[:20]}"


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_every_message_is_translated(lang: str) -> None:
    catalog = _catalog(LOCALE / lang / "LC_MESSAGES" / "messages.po")
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
    ]
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated, e.g. {untranslated[:10]}"


def test_the_pages_speak_the_chosen_language() -> None:
    from app.kit.i18n import translations

    assert translations("nb").gettext("Sign in") == "Logg inn"
    assert translations("nn").gettext("Sign in") == "Logg inn"
    assert translations("en").gettext("Sign in") == "Sign in"
    assert translations("nn").gettext("My families") != translations("nb").gettext("My families")


# --- what a family reads (the domain "family") -----------------------------------------------

UNREVIEWED = ("ar", "so", "uk", "pl")


def _family(lang: str) -> Catalog:
    return _catalog(LOCALE / lang / "LC_MESSAGES" / "family.po")


def test_the_family_domain_holds_the_plan_and_the_consent_statement(
    extracted_family: set[str], extracted: set[str]
) -> None:
    assert {"Who does what, and by when", "Consent to share our plan", "Our plan"} <= (
        extracted_family
    )
    # The staff's own words stay in theirs.
    assert "My families" in extracted
    assert "My families" not in extracted_family


@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_each_family_catalogue_holds_every_message_a_family_reads(
    lang: str, extracted_family: set[str]
) -> None:
    known = {_id(m) for m in _family(lang) if m.id}
    missing = sorted(extracted_family - known)
    assert missing == [], f"run `make messages` and translate family.po: {missing[:20]}"


@pytest.mark.parametrize("lang", FAMILY_LANGUAGES)
def test_each_family_catalogue_is_complete_and_keeps_the_placeholders(lang: str) -> None:
    untranslated, broken = [], []
    for m in _family(lang):
        if not m.id:
            continue
        strings = tuple(m.string) if isinstance(m.string, (tuple, list)) else (str(m.string or ""),)
        if not all(strings) or m.fuzzy:
            untranslated.append(m.id)
            continue
        wanted = set(PLACEHOLDER.findall(_id(m)))
        if "python-format" in m.flags and any(
            set(PLACEHOLDER.findall(t)) != wanted for t in strings
        ):
            broken.append(m.id)
    assert untranslated == [], f"{lang}: {len(untranslated)} untranslated: {untranslated[:10]}"
    assert broken == [], f"{lang}: placeholders lost or added in {broken[:10]}"


@pytest.mark.parametrize("lang", UNREVIEWED)
def test_a_translation_no_translator_has_reviewed_says_so(lang: str) -> None:
    header = _family(lang).header_comment
    assert "no qualified translator has reviewed" in " ".join(header.split())


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
def test_the_reviewed_languages_do_not_say_they_are_unreviewed(lang: str) -> None:
    assert "NOT REVIEWED" not in _family(lang).header_comment


def test_one_catalogue_speaks_the_familys_words_and_the_staffs() -> None:
    from app.kit.i18n import translations

    assert translations("ar").gettext("Our plan") == "خطتنا"
    assert translations("pl").gettext("Who does what, and by when") == "Kto co robi i do kiedy"
    # The staff's words have no Arabic: bokmål, never the English message id.
    assert translations("ar").gettext("Sign in") == "Logg inn"
    assert translations("nb").gettext("Our plan") == "Planen vår"
    assert translations("nn").gettext("My families") == "Familiane mine"
