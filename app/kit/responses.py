"""A response whose body is made when it is sent, after the request's transaction."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class MadeLater(Response):
    """A response whose body ``make()`` makes on a worker thread as it is sent, after the
    request's transaction has committed: slow work that needs no database (a PDF, a report's
    page) holds no database turn, lock or connection. What ``make`` uses must be plain data,
    read before the transaction ended."""

    def __init__(
        self,
        make: Callable[[], bytes],
        *,
        media_type: str,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._make = make
        super().__init__(b"", status_code=status_code, headers=headers, media_type=media_type)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.body = await run_in_threadpool(self._make)
        self.headers["content-length"] = str(len(self.body))
        await super().__call__(scope, receive, send)
