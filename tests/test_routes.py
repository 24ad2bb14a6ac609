"""Routes get their session, actor and idempotency key from ``TransactionalRoute``
(app/web/deps.py), which checks what they ask for when they are registered, not when a request
comes."""

from __future__ import annotations

import inspect
import uuid

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.web.deps import (
    CurrentActor,
    FamilyVisitor,
    IdempotencyDep,
    PageActor,
    SessionDep,
    TransactionalRoute,
)


def _routes(app: FastAPI) -> list[APIRoute]:
    return [c.route for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]


def test_every_route_with_a_session_runs_in_one_transaction(app: FastAPI) -> None:
    with_needs = [r for r in _routes(app) if getattr(r.endpoint, "duk_needs", None)]

    assert len(with_needs) > 100, "the walk found too few routes to be looking right"
    assert [r.path for r in with_needs if not isinstance(r, TransactionalRoute)] == []
    # FastAPI sees none of the parameters the route class gives, so none can come from a
    # query string or a header of the client's choosing.
    leaked = [
        (r.path, p.name)
        for r in with_needs
        for p in r.dependant.query_params + r.dependant.header_params
        if p.name in r.endpoint.duk_needs  # type: ignore[attr-defined]
    ]
    assert leaked == []
    assert all(inspect.iscoroutinefunction(r.endpoint) for r in with_needs)


def _register(endpoint: object, *, route_class: type[APIRoute] = TransactionalRoute) -> None:
    router = APIRouter(route_class=route_class)
    router.add_api_route("/x/{item_id}", endpoint, methods=["POST"])  # type: ignore[arg-type]


def test_a_route_that_cannot_work_is_refused_when_it_is_registered() -> None:
    async def async_with_session(item_id: uuid.UUID, session: SessionDep) -> None: ...

    def actor_without_session(item_id: uuid.UUID, actor: CurrentActor) -> None: ...

    def both_sign_ins(
        item_id: uuid.UUID, actor: CurrentActor, me: PageActor, session: SessionDep
    ) -> None: ...

    def staff_and_family(
        item_id: uuid.UUID, me: PageActor, visitor: FamilyVisitor, session: SessionDep
    ) -> None: ...

    def key_of_nobody(item_id: uuid.UUID, idem: IdempotencyDep, session: SessionDep) -> None: ...

    for endpoint, says in (
        (async_with_session, "async route cannot take a session"),
        (actor_without_session, "needs a SessionDep"),
        (both_sign_ins, "not both"),
        (staff_and_family, "not both"),
        (key_of_nobody, "belongs to someone"),
    ):
        with pytest.raises(TypeError, match=says):
            _register(endpoint)


def test_a_session_outside_the_route_class_is_refused_too() -> None:
    def plain(item_id: uuid.UUID, session: SessionDep) -> None: ...

    with pytest.raises(Exception, match="Session"):
        _register(plain, route_class=APIRoute)
