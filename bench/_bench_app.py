"""The app as production serves it, plus two yardstick routes for the benchmark.

DESIGN §9 measures autosave against "a bare FastAPI endpoint returning a fixed string, measured
in the same run". Serving that endpoint from the same process, behind the same middleware, on
the same event loop, means both are measured under the same conditions. Both yardsticks live
under /api/, so they take the JSON API's way through the middleware (no CSRF cookie to sign),
as autosave does: the bare endpoint is as fast as this app can answer anything.

The second yardstick, the *framework floor*, has the autosave route's shape and nothing else: a
sync PATCH with a path id, the same JSON body model, If-Match and Prefer headers, answering 204
with an ETag. It touches no database and checks no token, so it shows how fast a FastAPI route of
that shape can ever be on this machine: the ceiling for the autosave itself. Both routes exist
only here, never in the product.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import FastAPI, Header, Response
from fastapi.responses import PlainTextResponse

from app.canvases.schemas import CanvasPatch
from app.kit.concurrency import IfMatch, etag, expected_version
from app.main import create_app

BARE_PATH = "/api/bench/bare"
BARE_TEXT = "ok"
FLOOR_PREFIX = "/api/bench/floor/"


def create_bench_app() -> FastAPI:
    app = create_app()

    @app.get(BARE_PATH, response_class=PlainTextResponse, include_in_schema=False)
    async def bare() -> str:
        return BARE_TEXT

    @app.patch(FLOOR_PREFIX + "{canvas_id}", status_code=204, include_in_schema=False)
    def floor(
        canvas_id: uuid.UUID,
        data: CanvasPatch,
        if_match: IfMatch = None,
        prefer: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        # A yardstick without a record: the version the tablet sends is taken as the current.
        sent = (if_match or '"1"').strip().strip('"')
        version = expected_version(if_match, int(sent) if sent.isdigit() else 1)
        return Response(status_code=204, headers={"ETag": etag(version + 1)})

    return app
