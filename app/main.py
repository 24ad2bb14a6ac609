"""The app factory: settings, database, middleware, error renderers and the rooms' routers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import RouteContext, iter_route_contexts
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import URLPath
from starlette.middleware.sessions import SessionMiddleware

from app.accounts import oidc
from app.accounts.admin_pages import router as admin_pages
from app.accounts.oidc_pages import router as oidc_pages
from app.accounts.pages import router as accounts_pages
from app.accounts.routes import router as accounts_router
from app.actions.pages import router as actions_pages
from app.actions.routes import router as actions_router
from app.audit.pages import router as audit_pages
from app.audit.routes import router as audit_router
from app.barriers.pages import router as barriers_pages
from app.barriers.routes import router as barriers_router
from app.canvases.domain_pages import router as canvas_domain_pages
from app.canvases.pages import router as canvases_pages
from app.canvases.routes import router as canvases_router
from app.catalogue.routes import router as catalogue_router
from app.config import Settings, get_settings
from app.consents.pages import router as consents_pages
from app.consents.routes import router as consents_router
from app.db import make_engine, make_session_factory
from app.families.pages import router as families_pages
from app.families.routes import router as families_router
from app.family.consent_pages import router as family_consent_pages
from app.family.message_pages import router as family_message_pages
from app.family.notify_pages import router as family_notify_pages
from app.family.pages import router as family_pages
from app.family.signin_pages import router as family_signin_pages
from app.family_mode.pages import router as family_mode_pages
from app.goals.pages import router as goals_pages
from app.goals.routes import router as goals_router
from app.inbox import reminders
from app.inbox.pages import router as inbox_pages
from app.inbox.routes import router as inbox_router
from app.kit.templating import STATIC_DIR, static_url
from app.members.message_pages import router as members_message_pages
from app.members.pages import router as members_pages
from app.members.routes import router as members_router
from app.needs.pages import router as needs_pages
from app.needs.routes import router as needs_router
from app.notifications import worker as notification_worker
from app.notifications.pages import router as notifications_pages
from app.notifications.routes import router as notifications_router
from app.plans.pages import router as plans_pages
from app.plans.routes import router as plans_router
from app.readings.pages import router as readings_pages
from app.readings.routes import router as readings_router
from app.reports.pages import router as reports_pages
from app.reports.routes import router as reports_router
from app.reviews.pages import router as reviews_pages
from app.reviews.routes import router as reviews_router
from app.web.browser import CachedStaticFiles, CSRFMiddleware, FormFetchMiddleware
from app.web.idempotency import Replay
from app.web.middleware import RequestGuardMiddleware
from app.web.problems import install_problem_handlers

API_DESCRIPTION = """\
Duk: the family's canvas and one plan across services.

All person-level data is visible only under the access rules of DESIGN §4: the family's plan
lead, caseworkers of the plan lead's unit, and units the family has consented to share with.
Errors are RFC 9457 problem documents. Updates need `If-Match` with the record's `ETag`.
"""


def api_docs() -> HTMLResponse:
    """The API's documentation: the vendored Swagger UI, started by a script file of its own
    (the app's CSP allows no inline script and no other origin)."""
    html = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Duk API</title>
  <link rel="stylesheet" href="{static_url("vendor/swagger-ui/swagger-ui.css")}">
  <link rel="icon" href="{static_url("favicon.svg")}" type="image/svg+xml">
</head>
<body>
  <main id="swagger-ui" data-openapi-url="/openapi.json"></main>
  <script src="{static_url("vendor/swagger-ui/swagger-ui-bundle.js")}"></script>
  <script src="{static_url("swagger-init.js")}"></script>
</body>
</html>"""
    return HTMLResponse(html)


class DukApp(FastAPI):
    """FastAPI, finding a named route's URL in a dict. FastAPI tries every route in turn, and
    each miss raises an exception: with some 200 routes that was 0.3 ms a URL, and a canvas
    page draws several (bench/tablet.py --profile)."""

    _by_name: tuple[int, dict[str, RouteContext]] = (-1, {})

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        count, index = self._by_name
        if count != len(self.router.routes):  # built on first use, again if routes were added
            index = {}
            for context in iter_route_contexts(self.router.routes):
                if context.name is not None:
                    index.setdefault(context.name, context)
            self._by_name = (len(self.router.routes), index)
        found = index.get(name)
        if found is None:
            return super().url_path_for(name, **path_params)
        url: URLPath = found.url_path_for(name, **path_params)
        return url


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if session_factory is None:
            engine = make_engine(settings.database_url)
            app.state.session_factory = make_session_factory(engine)
        worker = None
        if settings.notify_worker:
            worker = asyncio.create_task(
                notification_worker.run(app.state.session_factory, settings, reminders.scan)
            )
        yield
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if engine is not None:
            engine.dispose()

    app = DukApp(
        title="Duk API",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # /api/docs is served below from the vendored Swagger UI (FastAPI's loads a CDN).
        docs_url=None,
        redoc_url=None,
        # FastAPI's OpenTelemetry logs carry exception messages, which may hold personal data.
        telemetry={"logs": False},
    )
    app.state.settings = settings
    app.state.oidc = oidc.make_client(oidc.staff_provider(settings))
    app.state.idporten = oidc.make_client(oidc.idporten_provider(settings))
    if session_factory is not None:
        app.state.session_factory = session_factory
    install_problem_handlers(app)

    async def _replay(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Replay)
        return exc.response()

    app.add_exception_handler(Replay, _replay)
    # FastAPI tries the routers in this order, route by route: the tablet's pages first (its
    # autosave is by far the most frequent request, its canvas page the most frequent page),
    # then the canvas API.
    for router in (
        canvas_domain_pages,
        canvases_pages,
        canvases_router,
        needs_router,
        goals_router,
        actions_router,
        accounts_router,
        catalogue_router,
        families_router,
        consents_router,
        members_router,
        audit_router,
        plans_router,
        reviews_router,
        inbox_router,
        notifications_router,
        readings_router,
        barriers_router,
        reports_router,
        accounts_pages,
        oidc_pages,
        admin_pages,
        families_pages,
        consents_pages,
        members_pages,
        members_message_pages,
        audit_pages,
        needs_pages,
        goals_pages,
        actions_pages,
        plans_pages,
        reviews_pages,
        inbox_pages,
        notifications_pages,
        readings_pages,
        barriers_pages,
        reports_pages,
        family_signin_pages,
        family_pages,
        family_mode_pages,
        family_message_pages,
        family_notify_pages,
        family_consent_pages,
    ):
        app.include_router(router)
    app.add_api_route(
        "/api/docs", api_docs, methods=["GET"], include_in_schema=False, name="api_docs"
    )
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    # The answers of page forms sent with fetch: innermost, next to the routes.
    app.add_middleware(FormFetchMiddleware)
    if settings.oidc_enabled or settings.idporten_enabled:
        # A sign-in through the provider keeps its state, nonce and PKCE verifier, and then the
        # ID token for the provider's sign-out, in a signed cookie of its own: the state is
        # bound to this browser. Lax, so it comes back with the provider's redirect.
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie="duk_oidc",
            max_age=settings.token_ttl_hours * 3600,
            same_site="lax",
            https_only=settings.env == "production",
        )
    # Added last = outermost: request guard, then compression, then CSRF, then the rest.
    app.add_middleware(
        CSRFMiddleware, secret=settings.secret_key, secure=settings.env == "production"
    )
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(
        RequestGuardMiddleware,
        max_body_bytes=settings.max_body_bytes,
        allowed_hosts=settings.allowed_host_names,
        form_origins=lambda: oidc.form_origins(app.state.oidc, app.state.idporten),
    )
    logging.getLogger("duk").setLevel(logging.INFO)
    return app
