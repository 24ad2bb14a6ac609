"""Who takes part, on the canvas page (issue 13): as many people as the meeting had in one save,
an interpreter with the language interpreted, and "Add a person" that works without the page's
script by drawing the form again with one more row and everything typed kept.

Read in English (``signed_in(..., language="en")``); the browser test with the script is in
tests/browser/test_participants_consents.py.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import httpx2
import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Canvas
from app.models.enums import Language
from tests.factories import (
    World,
    build_world,
    make_canvas,
    make_family,
    make_unit,
    make_user,
)
from tests.html import Element, page
from tests.pages import PageClient, SignedIn

Person = tuple[str, str, str]  # name, role, language (the language field: an interpreter's)

EIGHT: list[Person] = [
    ("Amal Haddad", "family_member", ""),
    ("Omar Haddad", "family_member", ""),
    ("Kari Hansen", "plan_lead", ""),
    ("Sara Lie", "service", ""),
    ("Berit Dahl", "service", ""),
    ("Leila (bestemor)", "network", ""),
    ("Yusuf Karim", "interpreter", "arabisk"),
    ("Nabo Per", "other", ""),
]


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _canvas_url(canvas_id: object) -> str:
    return f"/canvases/{canvas_id}"


def _action(canvas_id: object) -> str:
    return f"/canvases/{canvas_id}/participants"


def _stored(session: Session, canvas_id: object) -> Canvas:
    session.expire_all()
    canvas = session.get(Canvas, canvas_id)
    assert canvas is not None
    return canvas


def _form(shown: httpx2.Response | Element, canvas_id: object) -> Element:
    drawn = shown if isinstance(shown, Element) else page(shown)
    return drawn.form(_action(canvas_id))


def _rows(form: Element) -> list[Element]:
    return form.all("[data-participant-row]")


def _typed(form: Element) -> list[tuple[str, str, str]]:
    """What each row of the form holds: its name, its chosen role and its language."""
    return [
        (
            row.one("input[name=name]").get("value") or "",
            next(iter(row.selected("role")), ""),
            row.one("input[name=language]").get("value") or "",
        )
        for row in _rows(form)
    ]


def _send(
    browser: PageClient,
    form: Element,
    canvas_id: object,
    new: Sequence[Person],
    *,
    extra: Mapping[str, str] | None = None,
) -> httpx2.Response:
    """The form as drawn (its hidden fields and the saved rows as they stand) with ``new``
    written into new rows, as many as there are."""
    saved = [
        (name, role, language)
        for (name, role, language), row in zip(_typed(form), _rows(form), strict=True)
        if row.one("input[name=origin]")["value"] == "saved"
    ]
    people = [*saved, *new]
    return browser.post_form(
        _action(canvas_id),
        {
            "version": form.value("version"),
            "base": form.value("base"),
            "origin": ["saved"] * len(saved) + ["new"] * len(new),
            "unit_id": ["" for _ in people],
            "name": [name for name, _, _ in people],
            "role": [role for _, role, _ in people],
            "language": [language for _, _, language in people],
            **(extra or {}),
        },
    )


def test_the_form_shows_everyone_and_one_empty_row_and_a_way_to_add_more(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")

    shown = page(browser.get(_canvas_url(world.canvas.id)))

    form = _form(shown, world.canvas.id)
    assert _typed(form) == [
        ("Mor", "family_member", ""),
        ("Veileder", "plan_lead", ""),
        ("", "", ""),
    ]
    add = form.button("Add a person")
    assert (add["type"], add["name"]) == ("submit", "add")
    assert "interpreter" in [o["value"] for o in form.all("select[name=role] option")]
    language = form.one("#participant-2-language")
    assert form.one('label[for="participant-2-language"]').text == "Language interpreted"
    assert "participant-2-language-hint" in language["aria-describedby"]
    # The row the page's script adds: outside the form, so a form sent without it is the same.
    template = shown.one("template#participant-row-template")
    assert template.one("[data-participant-row] legend").text == "New person"
    assert template.one("input[name=name]")["id"] == "participant-__index__-name"
    assert not [t for t in template.ancestors() if t.tag == "form"]


def test_eight_people_are_saved_in_one_save(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=Language.en)
    canvas = make_canvas(session, kari, family)
    session.commit()
    version = canvas.version
    browser = signed_in(kari, language="en")
    form = _form(browser.get(_canvas_url(canvas.id)), canvas.id)
    assert _typed(form) == [("", "", "")]  # nobody yet: one empty row

    response = _send(browser, form, canvas.id, [*EIGHT, ("", "", "")])

    assert response.status_code == 303, page(response).text[:2000]
    stored = _stored(session, canvas.id)
    assert [(p["name"], p["role"], p.get("language", "")) for p in stored.participants] == EIGHT
    assert stored.version == version + 1  # one save
    listed = page(browser.get(response.headers["location"])).one('[data-testid="participant-list"]')
    assert [li.text for li in listed.all("li")][-2:] == [
        "Yusuf Karim Interpreter, language: arabisk",
        "Nabo Per Other",
    ]
    assert len(listed.all("li")) == 8
    # Drawn again: the eight, and one empty row for the ninth.
    again = _form(browser.get(_canvas_url(canvas.id)), canvas.id)
    assert len(_rows(again)) == 9


def test_more_than_fifty_people_are_refused_as_a_whole_and_nothing_is_saved(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    version = _stored(session, world.canvas.id).version
    form = _form(browser.get(_canvas_url(world.canvas.id)), world.canvas.id)

    crowd = [(f"Person {n}", "network", "") for n in range(49)]  # and the two saved: 51
    response = _send(browser, form, world.canvas.id, crowd)

    assert response.status_code == 422
    assert page(response).one("#participants .message-error").text == (
        "At most 50 people can be listed."
    )
    assert len(_rows(_form(response, world.canvas.id))) == 51  # all kept, to cut down
    assert _stored(session, world.canvas.id).version == version


def test_a_language_left_in_a_row_that_is_not_an_interpreters_is_not_saved(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    # The script hides the field when the role is not interpreter; what it held stays behind.
    browser = signed_in(world.lead, language="en")
    form = _form(browser.get(_canvas_url(world.canvas.id)), world.canvas.id)

    response = _send(browser, form, world.canvas.id, [("Onkel Ali", "network", "arabisk")])

    assert response.status_code == 303
    assert _stored(session, world.canvas.id).participants[-1] == {
        "name": "Onkel Ali",
        "role": "network",
        "unit_id": None,
    }


def test_an_interpreter_without_a_language_is_asked_for_it_and_nothing_is_saved(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    before = _stored(session, world.canvas.id)
    stored, version = list(before.participants), before.version
    form = _form(browser.get(_canvas_url(world.canvas.id)), world.canvas.id)

    response = _send(
        browser,
        form,
        world.canvas.id,
        [("Bestemor Leila", "network", ""), ("Yusuf Karim", "interpreter", "  ")],
    )

    assert response.status_code == 422
    shown = _form(response, world.canvas.id)
    assert shown.error_of("#participant-3-language") == (
        "Write the language the interpreter interprets."
    )
    assert shown.one("#participant-3-language")["aria-invalid"] == "true"
    assert not shown.one("#participant-2-name").get("aria-invalid")
    # Everything typed is there to put right.
    assert _typed(shown)[2:] == [
        ("Bestemor Leila", "network", ""),
        ("Yusuf Karim", "interpreter", ""),
    ]
    after = _stored(session, world.canvas.id)
    assert (after.participants, after.version) == (stored, version)

    fixed = _send(browser, shown, world.canvas.id, [("Yusuf Karim", "interpreter", "somali")])

    assert fixed.status_code == 303
    assert _stored(session, world.canvas.id).participants[-1] == {
        "name": "Yusuf Karim",
        "role": "interpreter",
        "unit_id": None,
        "language": "somali",
    }


def test_add_a_person_without_the_script_keeps_what_was_typed_and_saves_nothing(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    version = _stored(session, world.canvas.id).version
    on = _canvas_url(world.canvas.id)

    response = browser.submit(
        on,
        _action(world.canvas.id),
        {
            "origin": ["saved", "saved", "new"],
            "unit_id": ["", "", ""],
            "name": ["Mor Amal", "Veileder", "Yusuf Karim"],
            "role": ["family_member", "plan_lead", "interpreter"],
            "language": ["", "", "arabisk"],
            "remove": ["1"],
        },
        button="Add a person",
    )

    assert response.status_code == 200
    form = _form(response, world.canvas.id)
    assert _typed(form) == [
        ("Mor Amal", "family_member", ""),
        ("Veileder", "plan_lead", ""),
        ("Yusuf Karim", "interpreter", "arabisk"),
        ("", "", ""),
    ]
    assert form.ticked("remove") == ["1"]
    assert "autofocus" in form.one("#participant-3-name")  # the new row, to write in
    assert not page(response).has(".message-error")
    assert _stored(session, world.canvas.id).version == version  # nothing saved yet

    saved = _send(
        browser, form, world.canvas.id, [("Nabo Per", "other", "")], extra={"remove": "1"}
    )

    assert saved.status_code == 303
    assert [
        (p["name"], p.get("language")) for p in _stored(session, world.canvas.id).participants
    ] == [("Mor Amal", None), ("Nabo Per", None)]


def test_a_form_grown_by_add_a_person_still_sees_someone_elses_change(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    # The form drawn again keeps the version and the list it was first drawn from: a save
    # from it must not drop a person someone else added meanwhile.
    browser = signed_in(world.lead, language="en")
    grown = browser.submit(
        _canvas_url(world.canvas.id), _action(world.canvas.id), button="Add a person"
    )
    form = _form(grown, world.canvas.id)
    colleague = signed_in(world.lead, language="en")
    first = _send(
        colleague,
        _form(colleague.get(_canvas_url(world.canvas.id)), world.canvas.id),
        world.canvas.id,
        [("Onkel Ali", "network", "")],
    )
    assert first.status_code == 303

    late = _send(browser, form, world.canvas.id, [("Nabo Per", "other", "")])

    assert late.status_code == 409
    assert "Someone else changed this list" in page(late).text
    names = [p["name"] for p in _stored(session, world.canvas.id).participants]
    assert names == ["Mor", "Veileder", "Onkel Ali"]


def test_the_interpreter_and_the_language_are_in_the_plan_its_print_and_its_pdf(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    form = _form(browser.get(_canvas_url(world.canvas.id)), world.canvas.id)
    assert _send(browser, form, world.canvas.id, [EIGHT[6]]).status_code == 303
    # The plan speaks the family's bokmål: "Yusuf Karim – Interpreter, language: arabisk".
    said = "Yusuf Karim – Tolk, språk: arabisk"
    preview = page(browser.get(f"/canvases/{world.canvas.id}/plan"))
    assert said in preview.texts("li")

    submitted = browser.submit(
        f"/canvases/{world.canvas.id}/plan", f"/canvases/{world.canvas.id}/plans"
    )
    assert submitted.status_code == 303, submitted.text
    plan = submitted.headers["location"]

    assert said in page(browser.get(plan)).texts("li")
    assert said in page(browser.get(f"{plan}/print")).texts("li")
    pdf = PdfReader(io.BytesIO(browser.get(f"{plan}.pdf").content))
    text = " ".join(" ".join(sheet.extract_text() for sheet in pdf.pages).split())
    assert said in text
