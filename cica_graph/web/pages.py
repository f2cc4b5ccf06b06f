"""The HTML pages: home, one page per resource, the list pages and error pages.

Pages are rendered on the server with Jinja2 (autoescaping on for every
template) and need no JavaScript; every response carries a Content Security
Policy that allows no script at all, so that a label that slipped through as
markup still could not run.
"""

from __future__ import annotations

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from . import catalog, describe
from .negotiate import choose
from .portal import Portal

CSP = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
#: pyLODE's page styles itself inline; it still gets no script.
CSP_ONTOLOGY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'none'; object-src 'none'"
#: Breadcrumbs: the list page of each kind of resource.
SECTIONS = {
    "state": ("States", "states"), "org": ("Organizations", "organizations"), "event": ("Meetings", "meetings"),
    "doc": ("Meetings", "meetings"), "cbm": ("CBM catalogue", "catalogue"), "agreement": ("Agreements", "agreements"),
    "source": ("Sources", "sources"), "person": ("People", "people"),
}


def render(
    request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None, **context: object
) -> HTMLResponse:
    """A page from a template, with the portal's security headers."""
    portal: Portal = request.app.state.portal
    html = portal.templates.get_template(template).render(request=request, **context)
    all_headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
    all_headers.update(headers or {})
    return HTMLResponse(html, status_code=status, headers=all_headers)


def not_found(request: Request, message: str = "There is nothing at this address.") -> Response:
    """404 as a page for browsers and as text for other clients."""
    if choose(request.headers.get("accept"), ["text/html", "text/plain", "*/*"]) == "text/html":
        return render(request, "error.html", 404, title="Not found", message=message)
    return PlainTextResponse(f"404 Not Found: {message}\n", status_code=404)


async def home(request: Request) -> Response:
    """What the dataset is, how big, and where to go next."""
    portal: Portal = request.app.state.portal
    view = portal.view
    dataset = portal.cached("dataset", lambda: _dataset(portal))
    return render(request, "home.html", active="home", dataset=dataset,
                  counts=portal.cached("counts", lambda: catalog.counts(view)),
                  dumps=portal.dumps(), queries=[q for q in portal.cached_queries() if q.query][:12],
                  triples=len(portal.store))


def resource_page(request: Request, iri: str, headers: dict[str, str]) -> Response:
    """The page of one described resource."""
    portal: Portal = request.app.state.portal
    page = describe.page(portal.view, iri)
    kind = request.path_params.get("kind", "")
    section = SECTIONS.get(kind)
    path = iri[len(portal.settings.data_base) :]
    return render(request, "resource.html", headers=headers, page=page, section=section, path=path,
                  active=section[1] if section else "")


def list_page(name: str) -> object:
    """A handler for one list page (``states``, ``organizations`` …)."""
    compute = {
        "states": catalog.states, "organizations": catalog.organizations, "meetings": catalog.meetings,
        "catalogue": catalog.catalogue, "agreements": catalog.agreements, "sources": catalog.sources,
        "people": catalog.people,
    }[name]

    async def handler(request: Request) -> Response:
        portal: Portal = request.app.state.portal
        data = portal.cached(f"list:{name}", lambda: compute(portal.view))
        return render(request, f"{name}.html", active=name, data=data)

    handler.__name__ = f"{name}_page"
    handler.__doc__ = f"The {name} list page."
    return handler


def ontology_page(request: Request, html: str, headers: dict[str, str]) -> Response:
    """pyLODE's documentation with a bar leading back to the portal."""
    portal: Portal = request.app.state.portal
    bar = portal.templates.get_template("ontology_bar.html").render()
    page = html.replace("<body>", "<body>" + bar, 1)
    page = page.replace("</head>", f'<link rel="stylesheet" href="{portal.url("static/ontology.css")}"></head>', 1)
    all_headers = {"Content-Security-Policy": CSP_ONTOLOGY, "X-Content-Type-Options": "nosniff", **headers}
    return HTMLResponse(page, headers=all_headers)


def _dataset(portal: Portal) -> dict[str, str]:
    data = (portal.settings.dist / "void.ttl").read_bytes() if (portal.settings.dist / "void.ttl").is_file() else b""
    found: dict[str, str] = {}
    wanted = {"http://purl.org/dc/terms/title": "title", "http://purl.org/dc/terms/description": "description",
              "http://purl.org/dc/terms/modified": "modified", "http://purl.org/dc/terms/license": "license",
              "http://purl.org/dc/terms/conformsTo": "conforms_to"}
    for quad in ox.parse(input=data, format=ox.RdfFormat.TURTLE) if data else []:
        key = wanted.get(quad.predicate.value)
        if key and quad.subject.value.endswith("/dataset") and key not in found:
            found[key] = quad.object.value
    found.setdefault("title", "CICA knowledge graph")
    return found
