"""The SPARQL 1.1 Protocol, read-only, at ``/sparql``.

Queries arrive by GET (``?query=``), by POST of a form, or by POST of
``application/sparql-query``; ``default-graph-uri`` and ``named-graph-uri``
select among the release's named graphs (anything else is refused with 400).
Without them the default graph is the union of all graphs. Updates are
refused with 403, ``SERVICE`` and ``FROM`` with 400, syntax errors with 400
naming the line and column. Every query runs in a worker process under the
portal's deadline (503 when it passes) and row cap (``X-Result-Truncated``).
Without a query, ``GET /sparql`` returns the SPARQL service description.

Under load (docs/security.md, "Endpoint limits"): a query longer than
``--max-query-bytes`` is refused with 413; a client that used up its budget
of query seconds per minute gets 429 with ``Retry-After``
(:mod:`cica_graph.web.ratelimit`), and so does a client with
``--max-client-queries`` queries already running or waiting (counted by the
pool); a full queue or a stopped query gives 503 with ``Retry-After``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from starlette.datastructures import MultiDict
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ..terms import PREFIXES
from . import formats
from .negotiate import choose
from .pool import Reply
from .portal import Portal

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
_RESULT_OFFER = [*formats.RESULT_TYPES.values(), "application/json", "application/xml", "text/xml"]
_GRAPH_OFFER = [*formats.GRAPH_TYPES.values(), "application/x-turtle", "text/plain"]


def _short(media_type: str | None) -> str | None:
    if media_type is None:
        return None
    for table in (formats.RESULT_TYPES, formats.GRAPH_TYPES):
        for name, known in table.items():
            if known == media_type:
                return name
    return formats.ALIASES.get(media_type)


def problem_text(header: dict) -> str:
    """A worker's error as one readable line, with line and column for syntax errors."""
    message = str(header.get("message", "the query failed"))
    if header.get("line") and message.startswith("syntax error"):
        detail = message.removeprefix("syntax error: ")
        return f"SPARQL syntax error at line {header['line']}, column {header.get('col') or 1}: {detail}"
    if header.get("line"):  # a refusal located in the text (SERVICE, FROM, an update)
        return f"{message} (line {header['line']}, column {header.get('col') or 1})"
    return message


def error(status: int, message: str, headers: dict[str, str] | None = None) -> PlainTextResponse:
    """A plain-text error response (what protocol clients can show as is)."""
    return PlainTextResponse(message.rstrip() + "\n", status_code=status, headers=headers)


def client_address(request: Request) -> str:
    """Who is asking, for the rate limit: the peer's address.

    With ``--trust-proxy`` uvicorn has already replaced it by the address a
    proxy on this host put in ``X-Forwarded-For``; otherwise that header is
    ignored (a client could write anything there).
    """
    return request.client.host if request.client else "unknown"


async def run_query(request: Request, portal: Portal, job: dict) -> Reply:
    """Run a user query under every limit: its length, the client's budget, the queue, the deadline, the memory."""
    settings = portal.settings
    size = len(job["query"].encode("utf-8"))
    if size > settings.max_query_bytes:
        message = (f"the query is {size} bytes long; this endpoint accepts queries of up to {settings.max_query_bytes} "
                   "bytes")
        return Reply(413, {"message": message})
    client = client_address(request)
    wait = portal.budgets.retry_after(client)
    if wait:
        message = (f"this client used its budget of {settings.client_seconds_per_minute:g} s of query time per minute; "
                   f"try again in {wait} s")
        return Reply(429, {"message": message}, retry_after=wait)
    reply = await portal.pool.run(job, settings.timeout, client=client, priority=portal.budgets.used(client),
                                  client_cap=settings.max_client_queries)
    portal.budgets.charge(client, reply.charge)
    return reply


def too_long(request: Request, portal: Portal) -> Response | None:
    """413 before the body is read when its declared length cannot hold an acceptable query."""
    try:
        declared = int(request.headers.get("content-length", "0"))
    except ValueError:
        return error(400, "the Content-Length header is not a number")
    most = 3 * portal.settings.max_query_bytes + 65_536  # a form encodes one byte in up to three
    if declared > most:
        return error(413, f"the request body is {declared} bytes long; this endpoint accepts queries of up to "
                          f"{portal.settings.max_query_bytes} bytes")
    return None


async def endpoint(request: Request) -> Response:
    """GET or POST /sparql."""
    portal: Portal = request.app.state.portal
    if request.method == "POST" and (refused := too_long(request, portal)) is not None:
        return refused
    args, body_query = await _arguments(request)
    if isinstance(args, Response):
        return args
    if "update" in args:
        return error(403, "this endpoint is read-only: SPARQL Update is not accepted (use the query parameter for queries)")
    queries = [*args.getlist("query"), *([body_query] if body_query is not None else [])]
    if not queries:
        if request.method == "POST":
            return error(400, "no query: send the query as the 'query' form field or as an application/sparql-query body")
        return service_description(request, portal)
    if len(queries) > 1:
        return error(400, "more than one query in the request: send exactly one 'query'")
    dataset = _dataset(args, portal)
    if isinstance(dataset, Response):
        return dataset
    fmt = args.get("format")
    accept = request.headers.get("accept")
    if fmt is not None:
        name = formats.FORMAT_NAMES.get(fmt.lower())
        if name is None:
            return error(400, f"unknown format '{fmt}' (use one of {', '.join(sorted(formats.FORMAT_NAMES))})")
        results, graph = (name, None) if name in formats.RESULT_TYPES else (None, name)
    else:
        if request.method == "GET" and _prefers_html(accept):
            return RedirectResponse(portal.url("query") + "?" + urlencode({"query": queries[0]}), status_code=303)
        results, graph = _short(choose(accept, _RESULT_OFFER)), _short(choose(accept, _GRAPH_OFFER))
        if results is None and graph is None:
            offered = ", ".join([*formats.RESULT_TYPES.values(), *formats.GRAPH_TYPES.values()])
            return error(406, f"none of the result formats fits the Accept header; this endpoint returns {offered}")
    job = {"query": queries[0], "results": results, "graph": graph, "max_rows": portal.settings.max_rows, **dataset}
    reply = await run_query(request, portal, job)
    if reply.status != 200:
        headers = {"Retry-After": str(reply.retry_after)} if reply.retry_after else None
        return error(reply.status, problem_text(reply.header), headers)
    headers = {
        "Vary": "Accept",
        "X-Result-Rows": str(reply.header.get("rows", 0)),
        "X-Result-Truncated": "true" if reply.header.get("truncated") else "false",
        "Cache-Control": "no-cache",
    }
    if fmt is not None:
        headers["Content-Disposition"] = f'inline; filename="results.{_extension(reply.header["format"])}"'
    return Response(reply.body, media_type=formats.media_type(reply.header["format"]), headers=headers)


def service_description(request: Request, portal: Portal) -> Response:
    """The SPARQL 1.1 service description of the endpoint (Turtle by default)."""
    wanted = choose(request.headers.get("accept"), ["text/turtle", "application/ld+json", "application/n-triples",
                                                    "application/rdf+xml", "text/html"])
    if wanted == "text/html":
        return RedirectResponse(portal.url("query"), status_code=303)
    if wanted is None:
        return error(406, "the service description is available as text/turtle, application/ld+json, "
                          "application/n-triples or application/rdf+xml")
    triples = list(ox.parse(input=_description_turtle(portal).encode("utf-8"), format=ox.RdfFormat.TURTLE))
    fmt = _short(wanted) or "turtle"
    prefixes = {"sd": SD, "formats": FORMATS_NS, "void": PREFIXES["void"], "dct": PREFIXES["dct"], "rdfs": PREFIXES["rdfs"]}
    body = formats.rdf([ox.Triple(q.subject, q.predicate, q.object) for q in triples], fmt, prefixes)
    return Response(body, media_type=formats.media_type(fmt), headers={"Vary": "Accept"})


def _description_turtle(portal: Portal) -> str:
    settings = portal.settings
    endpoint_iri = settings.public("sparql")
    result_formats = ", ".join(f"formats:{n}" for n in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                                                         "SPARQL_Results_TSV", "Turtle", "JSON-LD", "N-Triples", "RDF_XML"))
    named = " , ".join(
        f"[ a sd:NamedGraph ; sd:name <{g}> ; sd:graph [ a sd:Graph ; void:triples {portal.graph_size(g)} ] ]"
        for g in portal.graphs
    )
    return f"""
@prefix sd: <{SD}> . @prefix formats: <{FORMATS_NS}> . @prefix void: <http://rdfs.org/ns/void#> .
@prefix dct: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{endpoint_iri}> a sd:Service ;
  sd:endpoint <{endpoint_iri}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat {result_formats} ;
  sd:feature sd:UnionDefaultGraph ;
  dct:title "CICA knowledge graph SPARQL endpoint"@en ;
  rdfs:comment "{_limits(settings)}"@en ;
  void:inDataset <{settings.public('.well-known/void')}> ;
  sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ; void:triples {len(portal.store)} ] ; sd:namedGraph {named} ] .
"""


async def _arguments(request: Request) -> tuple[MultiDict | Response, str | None]:
    if request.method != "POST":
        return MultiDict(request.query_params.multi_items()), None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    url_args = request.query_params.multi_items()
    if content_type == "application/sparql-update":
        return MultiDict([*url_args, ("update", "")]), None
    if content_type == "application/sparql-query":
        try:
            text = (await request.body()).decode("utf-8")
        except UnicodeDecodeError:
            return error(400, "the query body is not UTF-8"), None
        return MultiDict(url_args), text
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        return MultiDict([*url_args, *((k, v) for k, v in form.multi_items() if isinstance(v, str))]), None
    return error(415, "send the query as application/x-www-form-urlencoded (query=...) or as an application/sparql-query "
                      f"body, not '{content_type or 'no content type'}'"), None


def _dataset(args: MultiDict, portal: Portal) -> dict | Response:
    default, named = args.getlist("default-graph-uri"), args.getlist("named-graph-uri")
    unknown = [g for g in (*default, *named) if g not in portal.graphs]
    if unknown:
        known = ", ".join(f"<{g}>" for g in portal.graphs)
        return error(400, f"unknown graph <{unknown[0]}>: default-graph-uri and named-graph-uri may only name this "
                          f"endpoint's graphs ({known}); other datasets are not fetched")
    if not default and not named:
        return {}
    return {"default_graph": default, "named_graphs": named}


def _limits(settings: object) -> str:
    return (
        f"Read-only SPARQL 1.1 Query. Each query must finish within {settings.timeout:g} s or it is stopped (HTTP 503); "
        f"results are capped at {settings.max_rows} rows or triples (header X-Result-Truncated). Queries may be "
        f"{settings.max_query_bytes} bytes long (HTTP 413 past it); each client may use "
        f"{settings.client_seconds_per_minute:g} s of query time per minute{_at_once(settings.max_client_queries)} "
        "(HTTP 429 with Retry-After past it); at "
        f"most {settings.max_queue} queries wait for a worker (HTTP 503 with Retry-After past it). SERVICE, FROM and "
        "FROM NAMED are refused; default-graph-uri and named-graph-uri may name the graphs listed here. The default "
        "graph is the union of the named graphs."
    )


def _at_once(cap: int) -> str:
    return f" and have {cap} queries running or waiting at once" if cap > 0 else ""


def _prefers_html(accept: str | None) -> bool:
    # Only a client that names text/html (a browser) gets the query page; */* gets results.
    return "text/html" in (accept or "") and choose(accept, ["text/html", *_RESULT_OFFER, *_GRAPH_OFFER]) == "text/html"


def _extension(fmt: str) -> str:
    return {"turtle": "ttl", "rdfxml": "rdf"}.get(fmt, fmt)
