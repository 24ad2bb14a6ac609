from __future__ import annotations

from fastapi import APIRouter

from app.deps import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
