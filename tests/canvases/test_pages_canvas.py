"""The canvas in the browser: the family page, the duk, the domain editor and its autosave."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.models import Canvas, CanvasDomain
from app.models.enums import Language
from tests.accounts.test_pages import csrf_from, sign_in
from tests.factories import World, build_world, make_canvas, make_family, make_unit, make_user

META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
DOMAIN_TITLES_NB = (
    "Bolig",
    "Økonomi",
    "Arbeid og aktivitet",
    "Helse",
    "Fritid",
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


def _csrf(client: TestClient, path: str) -> str:
    match = META_CSRF.search(client.get(path).text)
    assert match
    return match.group(1)


def _autosave(
    client: TestClient, world: World, body: dict[str, object], *, csrf: str | None = None
) -> tuple[int, dict[str, object]]:
    path = f"/canvases/{world.canvas.id}"
    token = csrf if csrf is not None else _csrf(client, path)
    headers = {"x-csrftoken": token} if token else {}
    response = client.patch(f"{path}/autosave", json=body, headers=headers)
    try:
        data = response.json()
    except ValueError:
        data = {}
    return response.status_code, data


def _assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "inline script in the page"
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler in the page"


# --- the family page ------------------------------------------------------------------------


def test_family_page_lists_the_canvases_and_starts_a_new_conversation(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, display_name="Familien Haddad")
    session.commit()
    sign_in(client, kari.username)

    page = client.get(f"/families/{family.id}")
    assert page.status_code == 200
    assert "Familien Haddad" in page.text
    assert f'action="/families/{family.id}/canvases"' in page.text

    started = client.post(
        f"/families/{family.id}/canvases",
        data={"csrftoken": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert started.status_code == 303
    canvases = session.scalars(select(Canvas).where(Canvas.family_id == family.id)).all()
    assert len(canvases) == 1
    assert started.headers["location"] == f"/canvases/{canvases[0].id}"

    again = client.get(f"/families/{family.id}")
    assert f'href="/canvases/{canvases[0].id}"' in again.text
    assert f'href="/canvases/{canvases[0].id}/plan"' in again.text


def test_home_shows_the_next_review_date_of_each_family(client: TestClient, world: World) -> None:
    sign_in(client, world.lead.username)
    home = client.get("/")
    assert world.canvas.next_review_date is not None
    assert world.canvas.next_review_date.strftime("%d.%m.%Y") in home.text


def test_a_consented_reviewer_reads_the_family_page_but_cannot_start_a_canvas(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.consented.username)
    page = client.get(f"/families/{world.family.id}")
    assert page.status_code == 200
    # What the consent shares: the plan, not the conversations it was made in.
    assert f'href="/plans/{world.plan.id}"' in page.text
    assert f"/canvases/{world.canvas.id}" not in page.text
    assert f'action="/families/{world.family.id}/canvases"' not in page.text
    refused = client.post(
        f"/families/{world.family.id}/canvases", data={"csrftoken": csrf_from(page.text)}
    )
    assert refused.status_code == 404


def test_the_family_page_of_another_unit_is_not_found(client: TestClient, world: World) -> None:
    sign_in(client, world.other_unit.username)
    assert client.get(f"/families/{world.family.id}").status_code == 404


# --- the canvas page ------------------------------------------------------------------------


def test_canvas_page_shows_the_centre_the_eight_domains_and_the_ring(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.lead.username)
    page = client.get(f"/canvases/{world.canvas.id}")
    assert page.status_code == 200
    assert "At vi har det trygt hjemme." in page.text
    for title in DOMAIN_TITLES_NB:
        assert title in page.text
    assert page.text.count('class="duk-domain ') == 8
    assert f'href="/canvases/{world.canvas.id}/domains/bolig"' in page.text
    # The referral of the world: its service and its provider, in the outer ring.
    assert "Testtjeneste" in page.text
    assert "Barnevern Test" in page.text
    assert 'data-autosave-field="centre.what_matters"' in page.text
    assert f'data-canvas-version="{world.canvas.version}"' in page.text
    _assert_no_inline_code(page.text)


@pytest.mark.parametrize("path", ["", "/domains/bolig", "/needs", "/goals", "/actions", "/plan"])
def test_the_live_canvas_is_not_there_for_a_consented_reviewer(
    client: TestClient, world: World, path: str
) -> None:
    sign_in(client, world.consented.username)
    page = client.get(f"/canvases/{world.canvas.id}{path}")
    assert page.status_code == 404
    assert "At vi har det trygt hjemme." not in page.text
    assert "Vi bor trangt." not in page.text


def test_canvas_page_of_another_unit_is_not_found(client: TestClient, world: World) -> None:
    sign_in(client, world.other_unit.username)
    assert client.get(f"/canvases/{world.canvas.id}").status_code == 404


# --- the domain editor ----------------------------------------------------------------------


def test_domain_page_shows_the_prompts_in_the_users_language_and_scores_as_radios(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.lead.username)
    path = f"/canvases/{world.canvas.id}/domains/bolig"
    page = client.get(path)
    assert page.status_code == 200
    assert "Hvordan har dere det der dere bor nå?" in page.text
    assert "Vi bor trangt." in page.text
    for n in range(1, 11):
        assert f'name="family_score" value="{n}"' in page.text
        assert f'name="worker_score" value="{n}"' in page.text
    assert re.search(r'name="family_score" value="3"\s+checked', page.text)
    assert "Det er tungt nå" in page.text
    assert f'href="/canvases/{world.canvas.id}/needs?domain=bolig"' in page.text
    assert f'href="/canvases/{world.canvas.id}/domains/okonomi"' in page.text
    _assert_no_inline_code(page.text)

    client.cookies.set("duk_lang", "en")
    english = client.get(path)
    assert "How are things where you live now?" in english.text
    assert "Things are hard right now" in english.text
    assert "Hvordan har dere det der dere bor nå?" not in english.text


def test_unknown_domain_is_not_found(client: TestClient, world: World) -> None:
    sign_in(client, world.lead.username)
    assert client.get(f"/canvases/{world.canvas.id}/domains/nowhere").status_code == 404


def test_the_domain_form_saves_without_javascript_and_goes_back_to_the_canvas(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    path = f"/canvases/{world.canvas.id}/domains/okonomi"
    page = client.get(path)
    version = _version(session, world)
    response = client.post(
        path,
        data={
            "csrftoken": csrf_from(page.text),
            "version": str(version),
            "situation": "Pengene strekker ikke til.\r\nVi har gjeld.",
            "strengths": "Vi har oversikt over regningene.",
            "family_score": "4",
            "worker_score": "",
            "indicators": ["okonomi.gjeld", "okonomi.inkasso"],
        },
        follow_redirects=False,
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
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    path = f"/canvases/{world.canvas.id}/domains/bolig"
    page = client.get(path)
    version = _version(session, world)
    status, _ = _autosave(
        client,
        world,
        {
            "version": version,
            "field": "domains.bolig.situation",
            "value": "Tekst fra nettbrett B.",
            "base": "Vi bor trangt.",
        },
    )
    assert status == 200
    response = client.post(
        path,
        data={
            "csrftoken": csrf_from(page.text),
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
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    version = _version(session, world)
    status, body = _autosave(
        client,
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
        client,
        world,
        {"version": version + 1, "field": "domains.helse.family_score", "value": 5},
    )
    assert status == 200
    assert _canvas_domain(session, world, "helse").family_score == 5


def test_autosave_on_a_stale_version_is_applied_when_only_other_fields_changed(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    version = _version(session, world)
    status, _ = _autosave(
        client,
        world,
        {"version": version, "field": "centre.what_matters", "value": "Trygghet.", "base": ""},
    )
    assert status == 200
    status, body = _autosave(
        client,
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
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    version = _version(session, world)
    field = "domains.bolig.situation"
    status, _ = _autosave(
        client,
        world,
        {"version": version, "field": field, "value": "Theirs.", "base": "Vi bor trangt."},
    )
    assert status == 200
    status, body = _autosave(
        client,
        world,
        {"version": version, "field": field, "value": "Mine.", "base": "Vi bor trangt."},
    )
    assert status == 409
    assert body == {
        "conflict": True,
        "field": field,
        "yours": "Mine.",
        "theirs": "Theirs.",
        "version": version + 1,
    }
    assert _canvas_domain(session, world, "bolig").situation == "Theirs."
    assert _version(session, world) == version + 1


def test_autosave_rejects_bad_input_with_the_field_named(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    version = _version(session, world)
    cases: list[dict[str, object]] = [
        {"version": version, "field": "domains.bolig.family_score", "value": 11},
        {"version": version, "field": "domains.nowhere.situation", "value": "x"},
        {"version": version, "field": "family.display_name", "value": "x"},
        {"version": version, "field": "domains.bolig.indicators", "value": ["okonomi.gjeld"]},
    ]
    for case in cases:
        status, body = _autosave(client, world, case)
        assert status == 422, case
        errors = body["errors"]
        assert isinstance(errors, list), case
        assert {e["field"] for e in errors} & {"field", "value"}, case
    assert _version(session, world) == version


def test_autosave_without_the_csrf_header_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.lead.username)
    version = _version(session, world)
    status, _ = _autosave(
        client,
        world,
        {"version": version, "field": "centre.what_matters", "value": "x", "base": ""},
        csrf="",
    )
    assert status == 403
    assert _version(session, world) == version


def test_consented_reviewer_may_not_autosave(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.consented.username)
    version = _version(session, world)
    status, _ = _autosave(
        client,
        world,
        {"version": version, "field": "centre.what_matters", "value": "x", "base": ""},
    )
    assert status == 404
    assert _version(session, world) == version


def test_autosave_on_a_canvas_of_another_unit_is_not_found(
    client: TestClient, session: Session, world: World
) -> None:
    sign_in(client, world.other_unit.username)
    token = _csrf(client, "/")
    version = _version(session, world)
    status, _ = _autosave(
        client,
        world,
        {"version": version, "field": "centre.what_matters", "value": "x", "base": ""},
        csrf=token,
    )
    assert status == 404
    assert _version(session, world) == version


def test_a_new_canvas_page_has_every_domain_empty_and_editable(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings)
    canvas = make_canvas(session, kari, family)
    session.commit()
    sign_in(client, kari.username)
    page = client.get(f"/canvases/{canvas.id}")
    assert page.status_code == 200
    assert page.text.count("duk-score-empty") == 8
    assert page.text.count("duk-meter-step") == 0


# --- who takes part, the plan period and the next review ----------------------------------


def _stored_canvas(session: Session, canvas_id: object) -> Canvas:
    session.expire_all()
    canvas = session.get(Canvas, canvas_id)
    assert canvas is not None
    return canvas


def _sign_in_english(client: TestClient, username: str) -> None:
    sign_in(client, username)
    client.cookies.set("duk_lang", "en")  # the texts asserted below are the English ones


def _form_of(html: str, action: str) -> dict[str, str]:
    """The hidden fields (csrf, version, base) of the form posting to ``action``."""
    form = html.split(f'action="{action}"')[1].split("</form>")[0]
    return dict(
        re.findall(r'<input type="hidden" name="(csrftoken|version|base)" value="([^"]*)"', form)
    )


def test_the_family_and_the_team_are_listed_through_the_participants_form(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=Language.en)
    canvas = make_canvas(session, kari, family)
    session.commit()
    _sign_in_english(client, kari.username)
    preview = client.get(f"/canvases/{canvas.id}/plan").text
    assert "Who takes part in the plan" in preview

    page = client.get(f"/canvases/{canvas.id}")
    assert 'id="participants"' in page.text
    hidden = _form_of(page.text, f"/canvases/{canvas.id}/participants")
    response = client.post(
        f"/canvases/{canvas.id}/participants",
        data={
            **hidden,
            "origin": ["new", "new"],
            "unit_id": ["", ""],
            "name": ["Amal Haddad", "Kari Nordmann"],
            "role": ["family_member", "plan_lead"],
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/canvases/{canvas.id}?saved=participants#participants"
    )
    assert _stored_canvas(session, canvas.id).participants == [
        {"name": "Amal Haddad", "role": "family_member", "unit_id": None},
        {"name": "Kari Nordmann", "role": "plan_lead", "unit_id": None},
    ]
    shown = client.get(response.headers["location"]).text
    assert "Saved: who takes part." in shown
    listed = shown.split('data-testid="participant-list"')[1].split("</ul>")[0]
    assert "Amal Haddad" in listed
    assert "Family member" in listed
    preview = client.get(f"/canvases/{canvas.id}/plan").text
    missing = preview.split('data-testid="plan-missing"')[1].split("</ul>")[0]
    assert "Who takes part in the plan" not in missing
    assert "The family itself must be among those who take part" not in missing


def test_participants_can_be_renamed_and_removed_in_one_save(
    client: TestClient, session: Session, world: World
) -> None:
    _sign_in_english(client, world.lead.username)
    page = client.get(f"/canvases/{world.canvas.id}")
    hidden = _form_of(page.text, f"/canvases/{world.canvas.id}/participants")
    response = client.post(
        f"/canvases/{world.canvas.id}/participants",
        data={
            **hidden,
            "origin": ["saved", "saved", "new"],
            "unit_id": ["", "", ""],
            "name": ["Mor Haddad", "Veileder", "Tolk Ali"],
            "role": ["family_member", "plan_lead", "interpreter"],
            "remove": ["1"],
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert [
        (p["name"], p["role"]) for p in _stored_canvas(session, world.canvas.id).participants
    ] == [
        ("Mor Haddad", "family_member"),
        ("Tolk Ali", "interpreter"),
    ]


def test_a_participant_without_a_name_is_shown_again_with_what_was_typed(
    client: TestClient, session: Session, world: World
) -> None:
    _sign_in_english(client, world.lead.username)
    before = _stored_canvas(session, world.canvas.id)
    stored, version = list(before.participants), before.version
    page = client.get(f"/canvases/{world.canvas.id}")
    hidden = _form_of(page.text, f"/canvases/{world.canvas.id}/participants")
    response = client.post(
        f"/canvases/{world.canvas.id}/participants",
        data={
            **hidden,
            "origin": ["saved", "saved", "new"],
            "unit_id": ["", "", ""],
            "name": ["   ", "Veileder", "Bestemor Leila"],
            "role": ["family_member", "plan_lead", ""],
        },
    )

    assert response.status_code == 422
    assert 'id="participant-0-name" name="name"' in response.text
    assert 'aria-describedby="participant-0-name-error"' in response.text
    assert "Write the name, or tick “Remove”." in response.text
    assert 'aria-describedby="participant-2-role-error"' in response.text
    assert "Choose the role." in response.text
    assert 'value="Bestemor Leila"' in response.text
    after = _stored_canvas(session, world.canvas.id)
    assert (after.participants, after.version) == (stored, version)


def test_the_plan_period_and_next_review_are_set_through_the_form(
    client: TestClient, session: Session, settings: Settings
) -> None:
    unit = make_unit(session)
    kari = make_user(session, units=[unit])
    family = make_family(session, kari, settings, language=Language.en)
    canvas = make_canvas(session, kari, family)
    session.commit()
    _sign_in_english(client, kari.username)
    page = client.get(f"/canvases/{canvas.id}")
    assert 'id="plan-period"' in page.text
    assert page.text.count('type="date"') == 3
    hidden = _form_of(page.text, f"/canvases/{canvas.id}/period")
    start = date.today()
    response = client.post(
        f"/canvases/{canvas.id}/period",
        data={
            **hidden,
            "period_from": start.isoformat(),
            "period_to": (start + timedelta(days=180)).isoformat(),
            "next_review": (start + timedelta(days=60)).isoformat(),
        },
        follow_redirects=False,
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
        in client.get(response.headers["location"]).text
    )
    preview = client.get(f"/canvases/{canvas.id}/plan").text
    missing = preview.split('data-testid="plan-missing"')[1].split("</ul>")[0]
    assert "The period the plan covers" not in missing
    assert "The date of the next review" not in missing


def test_a_period_that_ends_before_it_starts_is_shown_again_with_the_dates_typed(
    client: TestClient, session: Session, world: World
) -> None:
    _sign_in_english(client, world.lead.username)
    before = _stored_canvas(session, world.canvas.id)
    stored = (before.period_from, before.period_to, before.version)
    page = client.get(f"/canvases/{world.canvas.id}")
    hidden = _form_of(page.text, f"/canvases/{world.canvas.id}/period")
    response = client.post(
        f"/canvases/{world.canvas.id}/period",
        data={
            **hidden,
            "period_from": "2027-06-01",
            "period_to": "2027-01-31",
            "next_review": "2027-03-01",
        },
    )

    assert response.status_code == 422
    assert "The plan must end after it starts." in response.text
    assert 'aria-describedby="period-to-error"' in response.text
    assert 'value="2027-06-01"' in response.text
    assert 'value="2027-01-31"' in response.text
    after = _stored_canvas(session, world.canvas.id)
    assert (after.period_from, after.period_to, after.version) == stored


def test_dates_save_after_an_autosave_of_the_centre_but_not_over_someone_elses_dates(
    client: TestClient, session: Session, world: World
) -> None:
    _sign_in_english(client, world.lead.username)
    page = client.get(f"/canvases/{world.canvas.id}")
    hidden = _form_of(page.text, f"/canvases/{world.canvas.id}/period")
    version = int(hidden["version"])
    status, _ = _autosave(
        client,
        world,
        {"version": version, "field": "centre.what_matters", "value": "Trygghet."},
    )
    assert status == 200
    ok = client.post(
        f"/canvases/{world.canvas.id}/period",
        data={**hidden, "period_from": "2027-01-01", "period_to": "2027-06-30"},
        follow_redirects=False,
    )
    assert ok.status_code == 303  # the autosave moved the version on, but not these dates

    stale = client.post(
        f"/canvases/{world.canvas.id}/period",
        data={**hidden, "period_from": "2027-02-01", "period_to": "2027-05-31"},
    )

    assert stale.status_code == 409
    assert "Someone else changed these dates while you were writing." in stale.text
    assert 'value="2027-02-01"' in stale.text
    stored = _stored_canvas(session, world.canvas.id)
    assert (stored.period_from, stored.period_to) == (date(2027, 1, 1), date(2027, 6, 30))


def test_participants_on_a_stale_list_show_the_conflict_and_store_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    _sign_in_english(client, world.lead.username)
    page = client.get(f"/canvases/{world.canvas.id}")
    hidden = _form_of(page.text, f"/canvases/{world.canvas.id}/participants")
    first = client.post(
        f"/canvases/{world.canvas.id}/participants",
        data={
            **hidden,
            "origin": ["saved", "saved", "new"],
            "unit_id": ["", "", ""],
            "name": ["Mor", "Veileder", "Nabo"],
            "role": ["family_member", "plan_lead", "network"],
        },
        follow_redirects=False,
    )
    assert first.status_code == 303

    second = client.post(  # drawn before the first save: it would drop "Nabo"
        f"/canvases/{world.canvas.id}/participants",
        data={
            **hidden,
            "origin": ["saved", "saved", "new"],
            "unit_id": ["", "", ""],
            "name": ["Mor", "Veileder", "Onkel"],
            "role": ["family_member", "plan_lead", "network"],
        },
    )

    assert second.status_code == 409
    assert "Someone else changed this list while you were writing." in second.text
    assert 'value="Onkel"' in second.text
    names = [p["name"] for p in _stored_canvas(session, world.canvas.id).participants]
    assert names == ["Mor", "Veileder", "Nabo"]


def test_consented_reviewer_cannot_change_who_takes_part(
    client: TestClient, session: Session, world: World
) -> None:
    _sign_in_english(client, world.consented.username)
    before = _stored_canvas(session, world.canvas.id)
    stored = (list(before.participants), before.period_to, before.version)
    token = _csrf(client, "/")

    people = client.post(
        f"/canvases/{world.canvas.id}/participants",
        data={
            "csrftoken": token,
            "version": str(before.version),
            "name": ["Ny"],
            "role": ["other"],
            "origin": ["new"],
            "unit_id": [""],
        },
    )
    dates = client.post(
        f"/canvases/{world.canvas.id}/period",
        data={"csrftoken": token, "version": str(before.version), "period_to": "2030-01-01"},
    )

    # The participants are read in the submitted plan; the live canvas is not there for the unit.
    assert people.status_code == 404
    assert dates.status_code == 404
    after = _stored_canvas(session, world.canvas.id)
    assert (list(after.participants), after.period_to, after.version) == stored
