"""The app as production serves it, plus one bare route for the benchmark's yardstick.

DESIGN §9 measures autosave against "a bare FastAPI endpoint returning a fixed string, measured
in the same run". Serving that endpoint from the same process, behind the same middleware, on
the same event loop, means both are measured under the same conditions; the route exists only
here, never in the product.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from app.main import create_app

BARE_PATH = "/bench/bare"
BARE_TEXT = "ok"


def create_bench_app() -> FastAPI:
    app = create_app()

    @app.get(BARE_PATH, response_class=PlainTextResponse, include_in_schema=False)
    async def bare() -> str:
        return BARE_TEXT

    return app
