"""Two people writing in one text at once (issue 13): the three-way merge from the base both
started from keeps both changes to different sentences, each sentence once, and shows both
versions of a sentence both changed; never both whole texts glued together."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.canvases.merge import merge_text, sentences
from app.config import Settings
from app.models import CanvasDomain
from tests.factories import make_canvas, make_family, make_unit, make_user
from tests.pages import PageClient, SignedIn

BASE = "Vi bor trangt i en toroms. Badet har mugg. Barna deler rom."


@pytest.mark.parametrize(
    ("theirs", "mine", "merged"),
    [
        pytest.param(
            "Vi bor svært trangt i en toroms. Badet har mugg. Barna deler rom.",
            "Vi bor trangt i en toroms. Badet har mugg. Barna deler rom, og Åse sover i stua.",
            "Vi bor svært trangt i en toroms. Badet har mugg. "
            "Barna deler rom, og Åse sover i stua.",
            id="first and last sentence",
        ),
        pytest.param(
            "Vi bor svært trangt i en toroms. Badet har mugg. Barna deler rom.",
            "Vi bor trangt i en toroms. Badet har svart mugg. Barna deler rom.",
            "Vi bor svært trangt i en toroms. Badet har svart mugg. Barna deler rom.",
            id="neighbouring sentences",
        ),
        pytest.param(
            BASE,
            BASE + " Utleier svarer ikke.",
            BASE + " Utleier svarer ikke.",
            id="one added a sentence",
        ),
        pytest.param(
            "Badet har mugg. Barna deler rom.",
            BASE + "\nUtleier svarer ikke.",
            "Badet har mugg. Barna deler rom.\nUtleier svarer ikke.",
            id="one took a sentence out, the other added a line",
        ),
    ],
)
def test_changes_to_different_sentences_merge_with_each_sentence_once(
    theirs: str, mine: str, merged: str
) -> None:
    result = merge_text(BASE, theirs, mine)

    assert result.clean
    assert result.text == merged


def test_the_same_sentence_changed_twice_holds_both_versions_and_the_rest_once() -> None:
    result = merge_text(
        BASE,
        "Vi bor svært trangt i en toroms. Badet har mugg. Barna deler rom.",
        "Vi bor altfor trangt i en toroms. Badet har mugg. Barna deler rom.",
    )

    assert not result.clean
    assert result.text == (
        "Vi bor svært trangt i en toroms. Vi bor altfor trangt i en toroms. "
        "Badet har mugg. Barna deler rom."
    )
    assert result.text.count("Badet har mugg.") == 1


def test_a_text_splits_into_sentences_that_join_back_into_it() -> None:
    text = "Mor jobber natt. Hvem henter?\nFar: «Jeg!» Ok… vi ser."
    assert "".join(sentences(text)) == text
    assert sentences(text)[1] == "Hvem henter?\n"


def _save(browser: PageClient, canvas_id: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = browser.fetch("PATCH", f"/canvases/{canvas_id}/autosave", json=body)
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


def test_two_tablets_editing_different_sentences_both_keep_their_words(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    ola = make_user(session, units=[unit])
    family = make_family(session, kari, settings)
    canvas = make_canvas(session, kari, family)
    session.commit()
    karis, olas = signed_in(kari), signed_in(ola)
    field = "domains.bolig.situation"
    status, first = _save(
        karis, canvas.id, {"version": 1, "field": field, "value": BASE, "base": ""}
    )
    assert status == 200
    version = first["version"]  # both tablets show the canvas at this version now

    status, _ = _save(
        karis,
        canvas.id,
        {
            "version": version,
            "field": field,
            "value": BASE.replace("trangt", "svært trangt"),
            "base": BASE,
        },
    )
    assert status == 200
    status, answer = _save(
        olas,
        canvas.id,
        {
            "version": version,
            "field": field,
            "value": BASE.replace("har mugg", "har svart mugg"),
            "base": BASE,
        },
    )

    both = "Vi bor svært trangt i en toroms. Badet har svart mugg. Barna deler rom."
    assert status == 200, answer
    assert answer["value"] == both  # Ola's tablet shows Kari's change too
    session.expire_all()
    stored = session.query(CanvasDomain).filter_by(canvas_id=canvas.id, domain_key="bolig").one()
    assert stored.situation == both


def test_both_changing_one_sentence_is_a_conflict_that_offers_the_merge(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings)
    canvas = make_canvas(session, kari, family)
    session.commit()
    karis, olas = signed_in(kari), signed_in(kari)
    field = "centre.what_matters"
    _, first = _save(karis, canvas.id, {"version": 1, "field": field, "value": BASE, "base": ""})
    version = first["version"]
    theirs = BASE.replace("trangt", "svært trangt")
    _save(karis, canvas.id, {"version": version, "field": field, "value": theirs, "base": BASE})

    status, answer = _save(
        olas,
        canvas.id,
        {
            "version": version,
            "field": field,
            "value": BASE.replace("trangt", "for trangt"),
            "base": BASE,
        },
    )

    assert status == 409
    assert answer["theirs"] == theirs
    assert answer["merged"].count("Badet har mugg.") == 1
    assert "svært trangt" in answer["merged"]
    assert "for trangt" in answer["merged"]
