"""Render errors as RFC 9457 problem documents (``application/problem+json``)."""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.kit.errors import (
    DukError,
    FamilyModeOn,
    FieldError,
    Invalid,
    LoginRequired,
    TooManyRequests,
    Unauthorized,
)
from app.kit.requestid import current_request_id

PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="The offending field, like `domains.bolig.family_score`")
    message: str


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document, the body of every error response of the API."""

    type: str = Field(description="A relative URI naming the kind of problem")
    title: str
    status: int
    detail: str
    request_id: str | None = Field(description="Quote it to support; it is in the server's log")
    errors: list[FieldProblem] | None = Field(
        default=None, description="One entry per invalid field (422 only)"
    )


def _documented(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    }


# Every API router declares these, so the OpenAPI document says what clients (and the fuzzer)
# will actually get: a problem document, not FastAPI's default {"detail": [...]} for 422.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("Bad request (such as a malformed If-Match)"),
    401: _documented("No valid bearer token"),
    403: _documented("The record is known to the caller but the action is not allowed"),
    404: _documented("No such record, or not visible to the caller"),
    409: _documented("Conflicts with the record's state"),
    412: _documented("If-Match is stale: the record has changed"),
    413: _documented("The request body is over the limit"),
    415: _documented("The request body is not JSON"),
    422: _documented("Invalid input; `errors` names every offending field"),
    428: _documented("If-Match is required"),
    429: _documented("Too many attempts; see Retry-After"),
    500: _documented("A generic error with the request id, never a trace"),
}

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
        field = _field_name(loc)
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            message = "Unknown field"
        elif err.get("type") == "json_invalid":
            # pydantic's loc here is ("body", <byte offset>): name the body, not the offset.
            field, message = "body", "Body is not valid JSON"
        out.append(FieldError(field, message))
    return out


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _page_error(request: Request, status: int, slug: str) -> Response:
    from app.kit.templating import render

    if slug == LoginRequired.slug:
        # The family's own pages have their own way in (ID-porten), and staff theirs.
        sign_in = "/familie/logg-inn" if request.url.path.startswith("/familie/") else "/login"
        target = f"{sign_in}?next={quote(request.url.path)}"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": target})
        # Said in a header too, for a form static/app.js sent: it keeps the form until the
        # user has signed in again (app/web/browser.py).
        return RedirectResponse(target, status_code=303, headers={"Duk-Problem": "signed-out"})
    if slug == FamilyModeOn.slug:
        return _family_mode_on(request)
    return render(request, "error.html", {"status": status, "slug": slug}, status_code=status)


FAMILY_VIEW = "/family-mode"


def _family_mode_on(request: Request) -> Response:
    """A staff page or form asked for while the tablet is in family mode (DESIGN §12): a page
    is sent back to the family view; htmx is told to go there; a form is refused (403) and
    changes nothing, with a page (no menus) that leads back. Said in a header too, for a form
    static/app.js sent: it shows the refusal and keeps nothing for later."""
    from app.kit.templating import render

    if request.headers.get("hx-request") == "true":
        return Response(status_code=403, headers={"HX-Redirect": FAMILY_VIEW})
    if request.method in ("GET", "HEAD"):
        return RedirectResponse(FAMILY_VIEW, status_code=303)
    return render(
        request,
        "family_mode_refused.html",
        {"family_view": FAMILY_VIEW},
        status_code=403,
        headers={"Duk-Problem": "family-mode"},
    )


async def _duk_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DukError)
    if _is_page(request):
        return _page_error(request, exc.status, exc.slug)
    headers: dict[str, str] = {}
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    errors = exc.errors if isinstance(exc, Invalid) else None
    return problem_response(
        exc.status, exc.slug, exc.title, exc.detail, errors=errors, headers=headers
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _is_page(request):
        return _page_error(request, 422, "validation")
    return problem_response(
        422,
        "validation",
        "Invalid input",
        "The request has invalid or missing fields.",
        errors=validation_errors(exc),
    )


@functools.cache
def _path_regex(path: str) -> re.Pattern[str]:
    return compile_path(path)[0]


def allowed_methods(request: Request) -> str:
    """Every method the request's path answers (RFC 9110 §15.5.6: a 405 lists them all), not
    only those of the first route that matched the path. GET brings HEAD with it."""
    methods: set[str] = set()
    path = request.url.path
    for route in iter_route_contexts(request.app.routes):
        if route.path is not None and route.methods and _path_regex(route.path).match(path):
            methods |= set(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    if _is_page(request) and not request.url.path.startswith("/static/"):
        page = _page_error(request, exc.status_code, "http")
        page.headers.update(headers)
        return page
    title = _HTTP_TITLES.get(exc.status_code, "Error")
    detail = exc.detail if isinstance(exc.detail, str) else title
    slug = title.lower().replace(" ", "-")
    return problem_response(exc.status_code, slug, title, detail, headers=headers)


async def _stale(_request: Request, exc: Exception) -> JSONResponse:
    # Another request changed the record between our read and our write (optimistic locking).
    return problem_response(
        412,
        "precondition-failed",
        "The record has changed",
        "Someone else changed this record just now. Reload it, merge and try again.",
    )


def _document_problem_schema(app: FastAPI) -> None:
    """Add ``ProblemDetails`` to the OpenAPI components that ``PROBLEM_RESPONSES`` refer to.
    FastAPI registers a response model only under the route's own media type
    (application/json), so the schema is added here and referenced under problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # FastAPI caches this very dict in app.openapi_schema
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        problem = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["ProblemDetails"] = problem
        _require_if_match(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _require_if_match(document: dict[str, Any]) -> None:
    """If-Match is optional in the routes' signatures so that a missing one gets 428 (RFC 6585)
    rather than a validation error; the document tells clients the truth: it is required."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else ():
                if parameter.get("in") == "header" and parameter.get("name") == "If-Match":
                    parameter["required"] = True
                    parameter["description"] = (
                        'The ETag of the version you edited ("7"), a list of them, or *; a weak '
                        "tag never matches. Missing: 428; another version: 412."
                    )
                    parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 200}


def install_problem_handlers(app: FastAPI) -> None:
    _document_problem_schema(app)
    app.add_exception_handler(DukError, _duk_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(StaleDataError, _stale)
