"""Every operation keeps its OpenAPI contract under fuzzing (DESIGN §8, §9).

Schemathesis generates requests from the app's own `/openapi.json`, valid and invalid ones, and
sends them as the plan lead of a world (built once; each operation in a savepoint rolled back
after it, so each finds the world as built). Each operation runs twice: once with generated
path ids (mostly unknown records: the 404 and 422 paths) and once with the world's real ids,
so reads, updates and erasure get past the lookup and do real work. No answer
may be a 5xx; every answer must be documented, with a body that matches its documented schema;
every 4xx must be a problem document.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, strategies
from hypothesis import settings as hypothesis_settings
from schemathesis import BaseSchema, Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.models import Action, Canvas, Family, Goal, Referral
from tests.canvases.matrix_checks import goal_ids
from tests.conftest import TEST_HOSTS, TEST_SECRET, savepoint_factory
from tests.factories import World, auth_headers, build_world_once, world_for_cell

EXAMPLES_PER_OPERATION = 50
PROBLEM_JSON = "application/problem+json"


# The OpenAPI document does not depend on the database: an app with no database serves it,
# once per run, and lists the operations at collection time so each becomes its own test.
# The requests themselves go to each test's own app, inside the test's transaction.
DOCUMENT_APP = create_app(
    Settings(
        env="test", database_url="sqlite://", secret_key=TEST_SECRET, allowed_hosts=TEST_HOSTS
    ),
    session_factory=sessionmaker(),
)
OPERATIONS = [
    (method.upper(), path)
    for path, operations in DOCUMENT_APP.openapi()["paths"].items()
    for method in operations
]


@pytest.fixture(scope="module")
def api_schema() -> BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", DOCUMENT_APP)


def errors_are_problem_documents(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """DESIGN §8: every error is an RFC 9457 problem document; a 422 names its fields."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith(PROBLEM_JSON), (
        f"{response.status_code} came as {content_type!r}, not {PROBLEM_JSON}"
    )
    problem = response.json()
    assert problem["status"] == response.status_code
    for member in ("type", "title", "detail", "request_id"):
        assert problem.get(member), f"the problem document has no {member}: {problem}"
    if response.status_code == 422:
        assert problem["errors"], f"a 422 names no field: {problem}"
        assert all(error["field"] and error["message"] for error in problem["errors"])


def _real_path_ids(world: World) -> dict[str, str]:
    return {
        "family_id": str(world.family.id),
        "canvas_id": str(world.canvas.id),
        "need_id": str(world.need.id),
        "referral_id": str(world.referral.id),
        "action_id": str(world.action.id),
        "plan_id": str(world.plan.id),
        "consent_id": str(world.consent_b_id),
        "goal_id": str(goal_ids(world)["goal_id"]),
    }


_VERSIONED: dict[str, type[Family] | type[Canvas] | type[Referral] | type[Action] | type[Goal]] = {
    "family_id": Family,
    "canvas_id": Canvas,
    "referral_id": Referral,
    "action_id": Action,
    "goal_id": Goal,
}


def _current_if_match(session: Session, path_parameters: dict[str, Any]) -> str | None:
    """The record's current ETag, so a valid update is applied rather than refused as stale."""
    for name, model in _VERSIONED.items():
        if name in path_parameters:
            version = session.scalar(
                select(model.version).where(model.id == uuid.UUID(path_parameters[name]))
            )
            return None if version is None else f'"{version}"'
    return None


@pytest.fixture
def session_factory(test_in_savepoint: sessionmaker[Session]) -> sessionmaker[Session]:
    """Each operation's examples in a savepoint of the module's transaction, rolled back after
    the operation: every operation finds the world as built (``fuzzed_world``)."""
    return test_in_savepoint


@pytest.fixture(scope="module")
def fuzzed_world(module_connection: Connection, settings: Settings) -> World:
    return build_world_once(savepoint_factory(module_connection), settings)


@pytest.mark.parametrize("path_ids", ["generated", "real"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_keeps_its_documented_contract_under_fuzzing(
    api_schema: BaseSchema,
    app: FastAPI,
    session: Session,
    settings: Settings,
    fuzzed_world: World,
    method: str,
    path: str,
    path_ids: str,
) -> None:
    world = world_for_cell(fuzzed_world, session)
    operation = api_schema[path][method]
    real_ids = path_ids == "real"
    fixed_ids = (
        {name: value for name, value in _real_path_ids(world).items() if f"{{{name}}}" in path}
        if real_ids
        else {}
    )
    # The lead's token is fixed, so the fuzzing goes into the request rather than its
    # credentials (signing in is tested on its own).
    fixed_headers = world.headers["lead"]
    modes = [GenerationMode.POSITIVE]
    breakable = (
        operation.body
        or operation.query
        or any(header.name not in fixed_headers for header in operation.headers)
        or any(parameter.name not in fixed_ids for parameter in operation.path_parameters)
    )
    if breakable:
        modes.append(GenerationMode.NEGATIVE)
    cases = strategies.one_of(
        *(
            operation.as_strategy(mode, path_parameters=fixed_ids or None, headers=fixed_headers)
            for mode in modes
        )
    )
    revokes_token = (method, path) == ("DELETE", "/api/v1/tokens/current")

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        # Generating from the larger schemas can be slow on a busy machine; that is timing,
        # not a fault in the API or the test.
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=cases)
    def exercise(case: Case[Any]) -> None:
        headers: dict[str, str] = {}
        if revokes_token:
            # Logging out revokes the token it is sent with; each example logs out anew.
            headers.update(auth_headers(session, world.lead, settings))
            session.commit()
        is_negative = case.meta is not None and case.meta.generation.mode.is_negative
        if real_ids and "If-Match" in case.headers and not is_negative:
            # A valid update with the record's current version is applied, not refused as stale.
            current = _current_if_match(session, case.path_parameters or {})
            if current is not None:
                headers["If-Match"] = current
        case.call_and_validate(
            app=app,
            headers=headers,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
            additional_checks=[errors_are_problem_documents],
        )

    exercise()
