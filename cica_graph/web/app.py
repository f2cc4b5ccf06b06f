"""The portal as an ASGI application: routes, CORS, error pages and lifespan.

``create_app(settings)`` loads the release's store (a few hundred
milliseconds) and returns a Starlette app; its lifespan starts the query
workers before the server begins to listen, and stops them on shutdown.
When the public base has a path (``https://example.org/cica/``), the portal is
mounted there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import linked, pages, protocol, querypage
from .portal import HERE, Portal
from .settings import Settings

LISTS = ("states", "organizations", "meetings", "catalogue", "agreements", "sources", "people")


def create_app(settings: Settings) -> Starlette:
    """The portal over the release in ``settings.dist``."""
    portal = Portal(settings)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await portal.start()
        try:
            yield
        finally:
            await portal.close()

    routes = [
        Route("/", pages.home),
        *(Route(f"/{name}", pages.list_page(name)) for name in LISTS),
        Route("/query", querypage.query_page, methods=["GET", "POST"]),
        Route("/sparql", protocol.endpoint, methods=["GET", "POST"]),
        Route("/id/{kind}/{key:path}", linked.resource),
        Route("/id/{kind}", linked.kind_index),
        Route("/def", linked.ontology),
        Route("/def.{ext}", linked.ontology),
        Route("/.well-known/void", linked.void),
        Route("/dataset", linked.void),
        Route("/dumps/{name}", linked.dump),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
                   allow_headers=["*"], expose_headers=["X-Result-Rows", "X-Result-Truncated", "Content-Location", "Link"],
                   max_age=86400),
    ]
    handlers = {HTTPException: _http_error}
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers, lifespan=lifespan)
    app.state.portal = portal
    prefix = settings.prefix.rstrip("/")
    if not prefix:
        return app
    outer = Starlette(routes=[Route("/", lambda _r: RedirectResponse(settings.prefix)), Mount(prefix, app=app)],
                      lifespan=lifespan)
    outer.state.portal = portal
    return outer


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return pages.not_found(request)
    return protocol.error(exc.status_code, str(exc.detail), dict(exc.headers or {}))
