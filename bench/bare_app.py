"""The yardstick of DESIGN §9: a bare FastAPI app with none of Duk's code or middleware.
bench/tablet.py serves it in a process of its own, under the same uvicorn settings as ``duk
serve``, beside Duk in the same run.

``GET /`` is the yardstick itself: one route returning a fixed string. ``PATCH /floor/{id}`` is
context, not a target: a route of the tablet autosave's shape (a sync route, a path id, a JSON
body checked against a model, a JSON answer) that touches no database and checks nobody. What it
manages is as fast as FastAPI lets a route like the autosave be on the machine."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()


@app.get("/", response_class=PlainTextResponse)
async def bare() -> str:
    return "ok"


class Autosave(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    field: str = Field(max_length=200)
    value: Any = None
    base: Any = None


@app.patch("/floor/{canvas_id}")
def floor(canvas_id: uuid.UUID, body: Autosave) -> dict[str, Any]:
    return {"version": body.version + 1, "field": body.field}
