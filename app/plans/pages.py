"""Pages of the plans room (HTML for the browser; the JSON API is in routes.py)."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
