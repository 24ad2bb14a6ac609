"""Every route that takes a database session commits and closes it before answering.

``get_session`` only opens the session; ``TransactionalRoute`` runs the route's sign-in, body
and commit and closes the session (app/deps.py). A route with a session outside that class, or
an ``async def`` route, which the class does not wrap, would answer without committing.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from app.deps import TransactionalRoute, get_session


def _takes_session(dependant: Dependant) -> bool:
    return any(d.call is get_session or _takes_session(d) for d in dependant.dependencies)


def test_every_route_with_a_session_runs_in_one_transaction(app: FastAPI) -> None:
    routes = [c.route for c in iter_route_contexts(app.routes) if isinstance(c.route, APIRoute)]
    with_session = [r for r in routes if _takes_session(r.dependant)]

    assert len(with_session) > 100, "the walk found too few routes to be looking right"
    outside = [r.path for r in with_session if not isinstance(r, TransactionalRoute)]
    assert outside == []
    unwrapped = [
        r.path
        for r in with_session
        if inspect.iscoroutinefunction(inspect.unwrap(r.endpoint))
        or r.endpoint is inspect.unwrap(r.endpoint)
    ]
    assert unwrapped == []
