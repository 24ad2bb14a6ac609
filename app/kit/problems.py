"""Render errors as RFC 9457 problem documents (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.kit.errors import DukError, FieldError, Invalid, TooManyRequests, Unauthorized
from app.kit.requestid import current_request_id

PROBLEM_JSON = "application/problem+json"

_HTTP_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Send JSON",
    422: "Invalid input",
    429: "Too many attempts",
}


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "request_id": current_request_id(),
    }
    if errors is not None:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    all_headers = {"Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=all_headers)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where = parts[0]
        parts = parts[1:]
        if where != "body" and parts:
            return f"{where}.{'.'.join(parts)}"
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors():
        loc = err.get("loc", ())
        # pydantic puts the union/discriminator tag in loc; keep only field-like parts.
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            message = "Unknown field"
        elif err.get("type") == "json_invalid":
            message = "Body is not valid JSON"
        out.append(FieldError(_field_name(loc), message))
    return out


async def _duk_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DukError)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    errors = exc.errors if isinstance(exc, Invalid) else None
    return problem_response(
        exc.status, exc.slug, exc.title, exc.detail, errors=errors, headers=headers
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        422,
        "validation",
        "Invalid input",
        "The request has invalid or missing fields.",
        errors=validation_errors(exc),
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    slug = title.lower().replace(" ", "-")
    return problem_response(exc.status_code, slug, title, detail, headers=dict(exc.headers or {}))


async def _stale(_request: Request, exc: Exception) -> JSONResponse:
    # Another request changed the record between our read and our write (optimistic locking).
    return problem_response(
        412,
        "precondition-failed",
        "The record has changed",
        "Someone else changed this record just now. Reload it, merge and try again.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DukError, _duk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale)
