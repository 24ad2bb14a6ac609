"""The one path a page's form takes (app/kit/forms.py): the schema and the service inside a
savepoint, and field messages in the user's words."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.kit import forms
from app.kit.errors import FieldError, Invalid, PreconditionFailed
from app.models import Unit
from tests.factories import make_unit

MESSAGES = {
    "text": "Write the need in the family's own words.",
    "responsible": "Say who is responsible: the family or a service.",
    "responsible.unit_id": "Choose the service that is responsible.",
    "version": "Someone else changed this action just now. Look at it again and retry.",
}


class Responsible(BaseModel):
    unit_id: int


class Thing(BaseModel):
    text: str = Field(min_length=1)
    indicators: list[int] = []
    responsible: Responsible | None = None


def units(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Unit)) or 0


def test_a_refusal_undoes_the_service_work_and_keeps_what_came_before(session: Session) -> None:
    kept = make_unit(session, name="Before the form")
    before = units(session)

    def work() -> None:
        make_unit(session, name="Written by the service, then refused")
        raise Invalid.field("text", "Too vague")

    result, errors = forms.submit(session, work, MESSAGES, "nb")

    assert result is None
    assert errors == {"text": "Skriv behovet med familiens egne ord."}
    assert units(session) == before  # the refused write is gone ...
    assert session.get(Unit, kept.id) is not None  # ... what the request did before stands


def test_work_that_succeeds_is_kept_and_returned(session: Session) -> None:
    before = units(session)

    unit, errors = forms.submit(session, lambda: make_unit(session), MESSAGES, "nb")

    assert errors == {}
    assert unit is not None
    assert session.get(Unit, unit.id) is not None
    assert units(session) == before + 1


def test_a_record_changed_meanwhile_answers_under_version(session: Session) -> None:
    def work() -> None:
        raise PreconditionFailed("stale")

    _, errors = forms.submit(session, work, MESSAGES, "en")

    assert errors == {"version": MESSAGES["version"]}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"text": ""}, "text", id="a field"),
        pytest.param({"text": "x", "indicators": ["a"]}, "indicators", id="a list item"),
        pytest.param(
            {"text": "x", "responsible": {"unit_id": "b"}},
            "responsible.unit_id",
            id="the most specific name known",
        ),
    ],
)
def test_schema_errors_name_the_form_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Thing.model_validate(data)

    errors = forms.form_errors(refused.value, MESSAGES, "en")

    assert list(errors) == [field]
    if field in MESSAGES:
        assert errors[field] == MESSAGES[field]


def test_service_errors_name_the_form_field_without_positions() -> None:
    refused = Invalid(
        [
            FieldError("indicators[2]", "'x' is not an indicator of bolig"),
            FieldError("responsible.unit_id", "No such unit"),
            FieldError("responsible.user_id", "This user is not in that unit"),
        ]
    )

    errors = forms.form_errors(refused, MESSAGES, "en")

    assert errors == {
        "indicators": "'x' is not an indicator of bolig",  # no words of ours: the service's
        "responsible.unit_id": MESSAGES["responsible.unit_id"],
        "responsible": MESSAGES["responsible"],
    }


def test_a_fallback_answers_for_a_field_without_words_and_keeps_its_whole_name() -> None:
    refused = Invalid([FieldError("household.adults", "Too many")])

    errors = forms.form_errors(refused, {}, "nb", fallback="Check this field.")

    assert errors == {"household.adults": "Se over dette feltet."}


def test_form_values_ids_and_versions() -> None:
    assert forms.given({"status": "done", "reason": ""}) == {"status": "done", "reason": None}
    assert forms.expected_version("3") == 3
    assert forms.expected_version("3; drop") == -1
    assert str(forms.parse_id("00000000-0000-0000-0000-000000000001")).endswith("1")
    assert forms.parse_id("not-an-id") == "not-an-id"
