from __future__ import annotations

from fastapi import APIRouter

from app.deps import TransactionalRoute
from app.kit.problems import PROBLEM_RESPONSES

router = APIRouter(
    prefix="/api/v1", tags=["inbox"], responses=PROBLEM_RESPONSES, route_class=TransactionalRoute
)
