"""Every UI string is translatable, and translated: bokmål and nynorsk catalogs hold every
message the code and templates use (DESIGN §5; issue 3 point 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "app" / "locale"


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The messages the code uses today, extracted the way `make messages` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "--no-location",
            "-k",
            "_",
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
    return {str(m.id if isinstance(m.id, str) else m.id[0]) for m in _catalog(pot) if m.id}


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
