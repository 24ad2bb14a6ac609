"""The canvas in the browser: the family page, the duk, the domain editor and its autosave."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import httpx2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.kit.i18n import local_today
from app.models import Canvas, CanvasDomain
from app.models.enums import Language
from tests.factories import World, build_world, make_canvas, make_family, make_unit, make_user
from tests.html import page
from tests.pages import PageClient, SignedIn

DOMAIN_TITLES_NB = (
    "Bolig",
    "Økonomi",
    "Arbeid og aktivitet",
    "Helse",
    "Fritid og deltakelse",
    "Språk og integrering",
)


@pytest.fixture
def world(session: Session, settings: Settings) -> World:
    return build_world(session, settings)


def _canvas_domain(session: Session, world: World, key: str) -> CanvasDomain:
    session.expire_all()
    row = session.scalar(
        select(CanvasDomain).where(
            CanvasDomain.canvas_id == world.canvas.id, CanvasDomain.domain_key == key
        )
    )
    assert row is not None
    return row


def _version(session: Session, world: World) -> int:
    session.expire_all()
    canvas = session.get(Canvas, world.canvas.id)
    assert canvas is not None
    return canvas.version


def _autosave(
    browser: PageClient, world: World, body: dict[str, object], *, csrf_header: bool = True
) -> tuple[int, dict[str, object]]:
    """What the canvas page's script sends as the user types: the field, its new value, and
    the page's CSRF header (or, with ``csrf_header=False``, none)."""
    url = f"/canvases/{world.canvas.id}/autosave"
    if csrf_header:
        response = browser.fetch("PATCH", url, body)
    else:
        response = browser.http.patch(url, json=body)
    try:
        data = response.json()
    except ValueError:
        data = {}
    return response.status_code, data


# --- the family page ------------------------------------------------------------------------


def test_family_page_lists_the_canvases_and_starts_a_new_conversation(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, display_name="Familien Haddad")
    session.commit()
    browser = signed_in(kari)

    response = browser.get(f"/families/{family.id}")
    assert response.status_code == 200
    assert "Familien Haddad" in response.text
    assert page(response).has(f'form[action="/families/{family.id}/canvases"]')

    started = browser.submit(f"/families/{family.id}", f"/families/{family.id}/canvases")
    assert started.status_code == 303
    canvases = session.scalars(select(Canvas).where(Canvas.family_id == family.id)).all()
    assert len(canvases) == 1
    assert started.headers["location"] == f"/canvases/{canvases[0].id}"

    again = page(browser.get(f"/families/{family.id}"))
    assert again.has(f'a[href="/canvases/{canvases[0].id}"]')
    assert again.has(f'a[href="/canvases/{canvases[0].id}/plan"]')


def test_home_shows_the_next_review_date_of_each_family(signed_in: SignedIn, world: World) -> None:
    home = signed_in(world.lead).get("/")
    assert world.canvas.next_review_date is not None
    assert world.canvas.next_review_date.strftime("%d.%m.%Y") in home.text


def test_a_consented_reviewer_reads_the_family_page_but_cannot_start_a_canvas(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented)
    response = browser.get(f"/families/{world.family.id}")
    assert response.status_code == 200
    # What the consent shares: the plan, not the conversations it was made in.
    assert page(response).has(f'a[href="/plans/{world.plan.id}"]')
    assert f"/canvases/{world.canvas.id}" not in response.text
    assert not page(response).has(f'form[action="/families/{world.family.id}/canvases"]')
    refused = browser.post_form(f"/families/{world.family.id}/canvases")
    assert refused.status_code == 404


# --- the canvas page ------------------------------------------------------------------------


def test_canvas_page_shows_the_centre_the_eight_domains_and_the_ring(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead)
    response = browser.get(f"/canvases/{world.canvas.id}")
    assert response.status_code == 200
    shown = page(response)
    assert "At vi har det trygt hjemme." in shown.text
    titles = shown.texts("section.duk-domain > h3")
    for title in DOMAIN_TITLES_NB:
        assert title in titles
    assert len(shown.all("section.duk-domain")) == 8
    assert shown.has(f'a[href="/canvases/{world.canvas.id}/domains/bolig"]')
    # The referral of the world: its service and its provider, in the outer ring.
    assert "Testtjeneste" in shown.text
    assert "Barnevern Test" in shown.text
    # What the page's script needs to save as the user types: the field, the version, the token.
    assert shown.has('[data-autosave-field="centre.what_matters"]')
    assert shown.one("[data-canvas-version]")["data-canvas-version"] == str(world.canvas.version)
    assert shown.one('meta[name="csrf-token"]')["content"] == browser.csrf_token
    assert page(response).inline_code() == []


@pytest.mark.parametrize("path", ["", "/domains/bolig", "/needs", "/goals", "/actions", "/plan"])
def test_the_live_canvas_is_not_there_for_a_consented_reviewer(
    signed_in: SignedIn, world: World, path: str
) -> None:
    response = signed_in(world.consented).get(f"/canvases/{world.canvas.id}{path}")
    assert response.status_code == 404
    assert "At vi har det trygt hjemme." not in response.text
    assert "Vi bor trangt." not in response.text


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("other_unit", "/families/{family}"),
        ("other_unit", "/canvases/{canvas}"),
        ("lead", "/canvases/{canvas}/domains/nowhere"),
    ],
    ids=["family page of another unit", "canvas of another unit", "unknown domain"],
)
def test_a_page_that_is_not_there_for_the_user_is_not_found(
    signed_in: SignedIn, world: World, persona: str, path: str
) -> None:
    url = path.format(family=world.family.id, canvas=world.canvas.id)
    assert signed_in(getattr(world, persona)).get(url).status_code == 404


# --- the domain editor ----------------------------------------------------------------------


def test_domain_page_shows_the_prompts_in_the_users_language_and_scores_as_radios(
    signed_in: SignedIn, world: World
) -> None:
    browser = signed_in(world.lead)
    path = f"/canvases/{world.canvas.id}/domains/bolig"
    response = browser.get(path)
    assert response.status_code == 200
    shown = page(response)
    assert "Hvordan har dere det der dere bor nå?" in shown.text
    assert shown.form(path).value("situation") == "Vi bor trangt."
    for group in ("family_score", "worker_score"):
        values = {radio["value"] for radio in shown.all(f"input[type=radio][name={group}]")}
        assert {str(n) for n in range(1, 11)} <= values, group
    assert shown.checked("family_score") == "3"
    assert "Det er tungt nå" in shown.text
    assert shown.has(f'a[href="/canvases/{world.canvas.id}/needs?domain=bolig"]')
    assert shown.has(f'a[href="/canvases/{world.canvas.id}/domains/okonomi"]')
    assert page(response).inline_code() == []

    browser.http.cookies.set("duk_lang", "en")
    english = page(browser.get(path)).text
    assert "How are things where you live now?" in english
    assert "Things are hard right now" in english
    assert "Hvordan har dere det der dere bor nå?" not in english


def test_the_domain_form_saves_without_javascript_and_goes_back_to_the_canvas(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    path = f"/canvases/{world.canvas.id}/domains/okonomi"
    version = _version(session, world)
    response = browser.submit(
        path,
        path,
        {
            "version": str(version),
            "situation": "Pengene strekker ikke til.\r\nVi har gjeld.",
            "strengths": "Vi har oversikt over regningene.",
            "family_score": "4",
            "worker_score": "",
            "indicators": ["okonomi.gjeld", "okonomi.inkasso"],
        },
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/canvases/{world.canvas.id}?saved=okonomi")
    stored = _canvas_domain(session, world, "okonomi")
    assert stored.situation == "Pengene strekker ikke til.\nVi har gjeld."
    assert stored.strengths == "Vi har oversikt over regningene."
    assert stored.family_score == 4
    assert stored.worker_score is None
    assert sorted(stored.indicators) == ["okonomi.gjeld", "okonomi.inkasso"]
    assert _version(session, world) == version + 1


def test_the_domain_form_shows_both_texts_when_someone_else_saved_the_same_field(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    path = f"/canvases/{world.canvas.id}/domains/bolig"
    form = page(browser.get(path)).form(path).hidden_fields()  # tablet A opens the form
    version = _version(session, world)
    status, _ = _autosave(
        browser,
        world,
        {
            "version": version,
            "field": "domains.bolig.situation",
            "value": "Tekst fra nettbrett B.",
            "base": "Vi bor trangt.",
        },
    )
    assert status == 200
    response = browser.post_form(
        path,
        {
            **form,
            "version": str(version),
            "situation": "Tekst fra nettbrett A.",
            "base_situation": "Vi bor trangt.",
            "family_score": "3",
            "base_family_score": "3",
        },
    )
    assert response.status_code == 409
    assert "Tekst fra nettbrett A." in response.text
    assert "Tekst fra nettbrett B." in response.text
    assert _canvas_domain(session, world, "bolig").situation == "Tekst fra nettbrett B."


# --- autosave -------------------------------------------------------------------------------


def test_autosave_stores_the_field_and_moves_the_version_on(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    version = _version(session, world)
    status, body = _autosave(
        browser,
        world,
        {
            "version": version,
            "field": "domains.helse.situation",
            "value": "Mor sover dårlig.",
            "base": "",
        },
    )
    assert status == 200
    assert body["version"] == version + 1
    assert _canvas_domain(session, world, "helse").situation == "Mor sover dårlig."

    status, body = _autosave(
        browser,
        world,
        {"version": version + 1, "field": "domains.helse.family_score", "value": 5},
    )
    assert status == 200
    assert _canvas_domain(session, world, "helse").family_score == 5


def test_autosave_on_a_stale_version_is_applied_when_only_other_fields_changed(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    version = _version(session, world)
    status, _ = _autosave(
        browser,
        world,
        {"version": version, "field": "centre.what_matters", "value": "Trygghet.", "base": ""},
    )
    assert status == 200
    status, body = _autosave(
        browser,
        world,
        {
            "version": version,
            "field": "domains.bolig.strengths",
            "value": "Naboene hjelper oss.",
            "base": "Vi holder sammen.",
        },
    )
    assert status == 200
    assert body["version"] == version + 2
    assert _canvas_domain(session, world, "bolig").strengths == "Naboene hjelper oss."


def test_autosave_conflict_answers_with_both_texts_and_stores_nothing(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    version = _version(session, world)
    field = "domains.bolig.situation"
    status, _ = _autosave(
        browser,
        world,
        {"version": version, "field": field, "value": "Theirs.", "base": "Vi bor trangt."},
    )
    assert status == 200
    status, body = _autosave(
        browser,
        world,
        {"version": version, "field": field, "value": "Mine.", "base": "Vi bor trangt."},
    )
    assert status == 409
    assert body == {
        "conflict": True,
        "field": field,
        "yours": "Mine.",
        "theirs": "Theirs.",
        "merged": "Theirs. Mine.",  # both replaced the one sentence: both versions, once each
        "version": version + 1,
    }
    assert _canvas_domain(session, world, "bolig").situation == "Theirs."
    assert _version(session, world) == version + 1


def test_autosave_rejects_bad_input_with_the_field_named(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead)
    version = _version(session, world)
    cases: list[dict[str, object]] = [
        {"version": version, "field": "domains.bolig.family_score", "value": 11},
        {"version": version, "field": "domains.nowhere.situation", "value": "x"},
        {"version": version, "field": "family.display_name", "value": "x"},
        {"version": version, "field": "domains.bolig.indicators", "value": ["okonomi.gjeld"]},
    ]
    for case in cases:
        status, body = _autosave(browser, world, case)
        assert status == 422, case
        errors = body["errors"]
        assert isinstance(errors, list), case
        assert {e["field"] for e in errors} & {"field", "value"}, case
    assert _version(session, world) == version


@pytest.mark.parametrize(
    ("persona", "csrf_header", "status"),
    [
        pytest.param("lead", False, 403, id="without the CSRF header"),
        pytest.param("consented", True, 404, id="by a consented reviewer"),
        pytest.param("other_unit", True, 404, id="on a canvas of another unit"),
    ],
)
def test_an_autosave_that_may_not_be_made_is_refused_and_stores_nothing(
    signed_in: SignedIn,
    session: Session,
    world: World,
    persona: str,
    csrf_header: bool,
    status: int,
) -> None:
    browser = signed_in(getattr(world, persona))
    version = _version(session, world)
    answered, _ = _autosave(
        browser,
        world,
        {"version": version, "field": "centre.what_matters", "value": "x", "base": ""},
        csrf_header=csrf_header,
    )
    assert answered == status
    assert _version(session, world) == version


def test_a_new_canvas_page_has_every_domain_empty_and_editable(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings)
    canvas = make_canvas(session, kari, family)
    session.commit()
    browser = signed_in(kari)
    response = browser.get(f"/canvases/{canvas.id}")
    assert response.status_code == 200
    domains = page(response).all("section.duk-domain")
    assert len(domains) == 8
    assert all(domain.has(".duk-score-empty") for domain in domains)
    assert not page(response).has(".duk-meter-step")


# --- who takes part, the plan period and the next review (read in English) ----------------


def _stored_canvas(session: Session, canvas_id: object) -> Canvas:
    session.expire_all()
    canvas = session.get(Canvas, canvas_id)
    assert canvas is not None
    return canvas


def _form_on_canvas(
    browser: PageClient, canvas_id: object, part: str
) -> dict[str, str | list[str]]:
    """The hidden fields (CSRF token, version, base) of the canvas page's form for ``part``,
    as the page draws them now."""
    canvas_page = page(browser.get(f"/canvases/{canvas_id}"))
    return canvas_page.form(f"/canvases/{canvas_id}/{part}").hidden_fields()


def _save_participants(
    browser: PageClient,
    canvas_id: object,
    hidden: Mapping[str, str | Sequence[str]],
    people: Sequence[tuple[str, ...]],
    *,
    remove: Sequence[str] = (),
) -> httpx2.Response:
    """The participants form sent with a row for each (origin, name, role[, language]) and
    the rows ticked "Remove"; ``hidden`` are the form's hidden fields as a page drew them."""
    return browser.post_form(
        f"/canvases/{canvas_id}/participants",
        {
            **hidden,
            "origin": [person[0] for person in people],
            "unit_id": ["" for _ in people],
            "name": [person[1] for person in people],
            "role": [person[2] for person in people],
            "language": [person[3] if len(person) > 3 else "" for person in people],
            "remove": list(remove),
        },
    )


def _missing_from_plan(browser: PageClient, canvas_id: object) -> str:
    """What the plan's preview says it still lacks."""
    preview = page(browser.get(f"/canvases/{canvas_id}/plan"))
    return preview.one('[data-testid="plan-missing"]').text


def test_the_family_and_the_team_are_listed_through_the_participants_form(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=Language.en)
    canvas = make_canvas(session, kari, family)
    session.commit()
    browser = signed_in(kari, language="en")
    assert "Who takes part in the plan" in _missing_from_plan(browser, canvas.id)

    assert page(browser.get(f"/canvases/{canvas.id}")).has("#participants")
    hidden = _form_on_canvas(browser, canvas.id, "participants")
    response = _save_participants(
        browser,
        canvas.id,
        hidden,
        [
            ("new", "Amal Haddad", "family_member"),
            ("new", "Kari Nordmann", "plan_lead"),
        ],
    )

    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/canvases/{canvas.id}?saved=participants#participants"
    )
    assert _stored_canvas(session, canvas.id).participants == [
        {"name": "Amal Haddad", "role": "family_member", "unit_id": None},
        {"name": "Kari Nordmann", "role": "plan_lead", "unit_id": None},
    ]
    shown = page(browser.get(response.headers["location"]))
    assert "Saved: who takes part." in shown.text
    listed = shown.one('[data-testid="participant-list"]').text
    assert "Amal Haddad" in listed
    assert "Family member" in listed
    missing = _missing_from_plan(browser, canvas.id)
    assert "Who takes part in the plan" not in missing
    assert "The family itself must be among those who take part" not in missing


def test_participants_can_be_renamed_and_removed_in_one_save(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    hidden = _form_on_canvas(browser, world.canvas.id, "participants")
    response = _save_participants(
        browser,
        world.canvas.id,
        hidden,
        [
            ("saved", "Mor Haddad", "family_member"),
            ("saved", "Veileder", "plan_lead"),
            ("new", "Tolk Ali", "interpreter", "arabisk"),
        ],
        remove=["1"],
    )

    assert response.status_code == 303
    assert _stored_canvas(session, world.canvas.id).participants == [
        {"name": "Mor Haddad", "role": "family_member", "unit_id": None},
        {"name": "Tolk Ali", "role": "interpreter", "unit_id": None, "language": "arabisk"},
    ]


def test_a_participant_without_a_name_is_shown_again_with_what_was_typed(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    before = _stored_canvas(session, world.canvas.id)
    stored, version = list(before.participants), before.version
    hidden = _form_on_canvas(browser, world.canvas.id, "participants")
    response = _save_participants(
        browser,
        world.canvas.id,
        hidden,
        [
            ("saved", "   ", "family_member"),
            ("saved", "Veileder", "plan_lead"),
            ("new", "Bestemor Leila", ""),
        ],
    )

    assert response.status_code == 422
    form = page(response).form(f"/canvases/{world.canvas.id}/participants")
    assert form.one("#participant-0-name")["name"] == "name"
    assert form.error_of("#participant-0-name") == "Write the name, or tick “Remove”."
    assert form.error_of("#participant-2-role") == "Choose the role."
    assert form.one("#participant-2-name")["value"] == "Bestemor Leila"
    after = _stored_canvas(session, world.canvas.id)
    assert (after.participants, after.version) == (stored, version)


def test_the_plan_period_and_next_review_are_set_through_the_form(
    signed_in: SignedIn, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=Language.en)
    canvas = make_canvas(session, kari, family)
    session.commit()
    browser = signed_in(kari, language="en")
    canvas_page = page(browser.get(f"/canvases/{canvas.id}"))
    assert canvas_page.has("#plan-period")
    period = canvas_page.form(f"/canvases/{canvas.id}/period")
    assert [field["name"] for field in period.all('input[type="date"]')] == [
        "period_from",
        "period_to",
        "next_review",
    ]
    start = local_today()
    response = browser.post_form(
        f"/canvases/{canvas.id}/period",
        {
            **period.hidden_fields(),
            "period_from": start.isoformat(),
            "period_to": (start + timedelta(days=180)).isoformat(),
            "next_review": (start + timedelta(days=60)).isoformat(),
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/canvases/{canvas.id}?saved=period#plan-period"
    stored = _stored_canvas(session, canvas.id)
    assert (stored.period_from, stored.period_to, stored.next_review_date) == (
        start,
        start + timedelta(days=180),
        start + timedelta(days=60),
    )
    assert (
        "Saved: the plan period and the next review."
        in page(browser.get(response.headers["location"])).text
    )
    missing = _missing_from_plan(browser, canvas.id)
    assert "The period the plan covers" not in missing
    assert "The date of the next review" not in missing


def test_a_period_that_ends_before_it_starts_is_shown_again_with_the_dates_typed(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    before = _stored_canvas(session, world.canvas.id)
    stored = (before.period_from, before.period_to, before.version)
    hidden = _form_on_canvas(browser, world.canvas.id, "period")
    response = browser.post_form(
        f"/canvases/{world.canvas.id}/period",
        {
            **hidden,
            "period_from": "2027-06-01",
            "period_to": "2027-01-31",
            "next_review": "2027-03-01",
        },
    )

    assert response.status_code == 422
    form = page(response).form(f"/canvases/{world.canvas.id}/period")
    assert form.field_error("period_to") == "The plan must end after it starts."
    assert form.value("period_from") == "2027-06-01"
    assert form.value("period_to") == "2027-01-31"
    after = _stored_canvas(session, world.canvas.id)
    assert (after.period_from, after.period_to, after.version) == stored


def test_dates_save_after_an_autosave_of_the_centre_but_not_over_someone_elses_dates(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    period = page(browser.get(f"/canvases/{world.canvas.id}")).form(
        f"/canvases/{world.canvas.id}/period"
    )
    hidden = period.hidden_fields()
    status, _ = _autosave(
        browser,
        world,
        {
            "version": int(period.value("version")),
            "field": "centre.what_matters",
            "value": "Trygghet.",
        },
    )
    assert status == 200
    ok = browser.post_form(
        f"/canvases/{world.canvas.id}/period",
        {**hidden, "period_from": "2027-01-01", "period_to": "2027-06-30"},
    )
    assert ok.status_code == 303  # the autosave moved the version on, but not these dates

    stale = browser.post_form(
        f"/canvases/{world.canvas.id}/period",
        {**hidden, "period_from": "2027-02-01", "period_to": "2027-05-31"},
    )

    assert stale.status_code == 409
    assert "Someone else changed these dates while you were writing." in page(stale).text
    assert page(stale).form(f"/canvases/{world.canvas.id}/period").value("period_from") == (
        "2027-02-01"
    )
    stored = _stored_canvas(session, world.canvas.id)
    assert (stored.period_from, stored.period_to) == (date(2027, 1, 1), date(2027, 6, 30))


def test_participants_on_a_stale_list_show_the_conflict_and_store_nothing(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.lead, language="en")
    hidden = _form_on_canvas(browser, world.canvas.id, "participants")
    first = _save_participants(
        browser,
        world.canvas.id,
        hidden,
        [
            ("saved", "Mor", "family_member"),
            ("saved", "Veileder", "plan_lead"),
            ("new", "Nabo", "network"),
        ],
    )
    assert first.status_code == 303

    second = _save_participants(  # drawn before the first save: it would drop "Nabo"
        browser,
        world.canvas.id,
        hidden,
        [
            ("saved", "Mor", "family_member"),
            ("saved", "Veileder", "plan_lead"),
            ("new", "Onkel", "network"),
        ],
    )

    assert second.status_code == 409
    assert "Someone else changed this list while you were writing." in page(second).text
    form = page(second).form(f"/canvases/{world.canvas.id}/participants")
    assert "Onkel" in [field["value"] for field in form.all("input[name=name]")]
    names = [p["name"] for p in _stored_canvas(session, world.canvas.id).participants]
    assert names == ["Mor", "Veileder", "Nabo"]


def test_consented_reviewer_cannot_change_who_takes_part(
    signed_in: SignedIn, session: Session, world: World
) -> None:
    browser = signed_in(world.consented, language="en")
    before = _stored_canvas(session, world.canvas.id)
    stored = (list(before.participants), before.period_to, before.version)

    people = _save_participants(
        browser,
        world.canvas.id,
        {"version": str(before.version)},
        [("new", "Ny", "other")],
    )
    dates = browser.post_form(
        f"/canvases/{world.canvas.id}/period",
        {"version": str(before.version), "period_to": "2030-01-01"},
    )

    # The participants are read in the submitted plan; the live canvas is not there for the unit.
    assert people.status_code == 404
    assert dates.status_code == 404
    after = _stored_canvas(session, world.canvas.id)
    assert (list(after.participants), after.period_to, after.version) == stored
