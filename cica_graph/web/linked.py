"""Dereferenceable IRIs: instances, the ontology, the VoID description and the dumps.

``/id/{kind}/{key}`` answers with the resource's page for browsers and with
its RDF description as Turtle, JSON-LD or N-Triples by content negotiation
(``Vary: Accept``; 406 when nothing fits); ``/id/{kind}/{key}.ttl`` (``.jsonld``,
``.nt``, ``.html``) names one representation. ``/def`` is the ontology: its
pyLODE documentation or its Turtle. Only the files of a release are served
under ``/dumps/``.
"""

from __future__ import annotations

import pyoxigraph as ox
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from ..errors import CicaError
from . import formats, pages
from .describe import rdf_description
from .negotiate import choose
from .portal import DUMPS, Portal
from .protocol import error

RDF_OFFER = ["text/turtle", "application/ld+json", "application/n-triples"]
HTML_OFFER = ["text/html", "application/xhtml+xml", *RDF_OFFER]
SUFFIXES = {**formats.SUFFIXES, "html": "html"}
#: Where ``/id/{kind}`` (no key) sends a reader.
KIND_PAGES = {"state": "states", "org": "organizations", "event": "meetings", "doc": "meetings", "cbm": "catalogue",
              "agreement": "agreements", "source": "sources", "person": "people"}


def negotiated(request: Request, offer: list[str]) -> str | None:
    """'html', 'turtle', 'jsonld' or 'nt' for the request's Accept header, or None (406)."""
    chosen = choose(request.headers.get("accept"), offer)
    if chosen in ("text/html", "application/xhtml+xml"):
        return "html"
    return {v: k for k, v in formats.GRAPH_TYPES.items()}.get(chosen or "")


async def resource(request: Request) -> Response:
    """An instance IRI, ``/id/{kind}/{key}`` with an optional format suffix."""
    portal: Portal = request.app.state.portal
    kind, key = request.path_params["kind"], request.path_params["key"]
    path, fmt = f"id/{kind}/{key}", None
    stem, dot, ext = key.rpartition(".")
    if dot and ext in SUFFIXES and portal.view.exists(portal.settings.graph_iri(f"id/{kind}/{stem}")):
        path, fmt = f"id/{kind}/{stem}", SUFFIXES[ext]
    iri = portal.settings.graph_iri(path)
    if not portal.view.exists(iri):
        return pages.not_found(request, f"There is no resource <{iri}> in this release.")
    headers = {"Link": _alternates(portal, path)}
    if fmt is None:
        headers["Vary"] = "Accept"
        fmt = negotiated(request, HTML_OFFER)
        if fmt is None:
            return error(406, f"<{iri}> is available as text/html, {', '.join(RDF_OFFER)}; the Accept header allows none",
                         {"Vary": "Accept"})
        headers["Content-Location"] = portal.url(f"{path}.{_suffix(fmt)}")
    if fmt == "html":
        return pages.resource_page(request, iri, headers)
    body = _rdf(portal, rdf_description(portal.view, iri), fmt)
    return Response(body, media_type=formats.media_type(fmt), headers=headers)


async def kind_index(request: Request) -> Response:
    """``/id/{kind}``: the list page of that kind of resource."""
    portal: Portal = request.app.state.portal
    page = KIND_PAGES.get(request.path_params["kind"])
    if page is None:
        return pages.not_found(request, "There is no such kind of resource.")
    return RedirectResponse(portal.url(page), status_code=303)


async def ontology(request: Request) -> Response:
    """``/def`` (and ``/def.ttl`` …): the ontology's documentation or its RDF."""
    portal: Portal = request.app.state.portal
    ext = request.path_params.get("ext")
    headers = {"Link": _alternates(portal, "def")}
    if ext is not None:
        fmt = SUFFIXES.get(ext)
        if fmt is None:
            return pages.not_found(request, f"The ontology is not available as .{ext}.")
    else:
        headers["Vary"] = "Accept"
        fmt = negotiated(request, HTML_OFFER)
        if fmt is None:
            return error(406, f"the ontology is available as text/html, {', '.join(RDF_OFFER)}", {"Vary": "Accept"})
    if fmt == "html":
        try:
            html = await portal.ontology_html()
        except CicaError as exc:
            return error(503, f"the ontology documentation could not be generated: {exc}", {"Retry-After": "30"})
        return pages.ontology_page(request, html, headers)
    return Response(_rdf(portal, portal.ontology_triples(), fmt), media_type=formats.media_type(fmt), headers=headers)


async def void(request: Request) -> Response:
    """``/.well-known/void`` (and ``/dataset``, the dataset's IRI): the release's VoID/DCAT description."""
    portal: Portal = request.app.state.portal
    fmt = negotiated(request, RDF_OFFER)
    if fmt is None:
        return error(406, f"the VoID description is available as {', '.join(RDF_OFFER)}", {"Vary": "Accept"})
    data = (portal.settings.dist / "void.ttl").read_bytes()
    if fmt != "turtle":
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(input=data, format=ox.RdfFormat.TURTLE)]
        data = _rdf(portal, triples, fmt)
    return Response(data, media_type=formats.media_type(fmt), headers={"Vary": "Accept"})


async def dump(request: Request) -> Response:
    """``/dumps/{name}``: one file of the release (allow-listed names only)."""
    portal: Portal = request.app.state.portal
    name = request.path_params["name"]
    path = portal.settings.dist / name
    if name not in DUMPS or not path.is_file():
        return pages.not_found(request, f"There is no dump named '{name}'.")
    media = next((d.media_type for d in portal.dumps() if d.name == name), "text/plain")
    media += "; charset=utf-8"
    return FileResponse(path, media_type=media, headers={"Cache-Control": "public, max-age=300"})


def _rdf(portal: Portal, triples: list, fmt: str) -> bytes:
    if fmt == "jsonld":
        return formats.jsonld(triples)
    return formats.rdf(triples, fmt, formats.prefixes_for(triples))


def _suffix(fmt: str) -> str:
    return {"turtle": "ttl"}.get(fmt, fmt)


def _alternates(portal: Portal, path: str) -> str:
    links = [f'<{portal.url(path)}.{ext}>; rel="alternate"; type="{media}"'
             for ext, media in (("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"))]
    return ", ".join(links)
