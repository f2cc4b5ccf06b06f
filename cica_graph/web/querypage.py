"""The query page: named queries as examples, an editable query, results as a table.

It works as a plain HTML form (GET or POST), so it needs no JavaScript. A
named query's parameters get one input each and are bound exactly as
``cica-graph query --param`` binds them (:func:`cica_graph.sparql.bind`
types and checks each value; :func:`~cica_graph.sparql.with_bindings` adds
them as a ``VALUES`` row), never pasted into the text as typed. Queries run through the same worker pool, deadline and row
cap as the SPARQL endpoint; ``format=csv|tsv|json|xml|turtle|nt|jsonld``
returns the raw results for download instead of the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from starlette.datastructures import MultiDict
from starlette.requests import Request
from starlette.responses import Response

from ..errors import QueryError
from ..sparql import NamedQuery, bind, with_bindings
from . import formats
from .pages import render
from .portal import Portal
from .protocol import problem_text, run_query, too_long
from .view import Value, View

DISPLAY_ROWS = 1000
DOWNLOADS = ("csv", "tsv", "json", "xml", "turtle", "nt", "jsonld")
DEFAULT_QUERY = """# The project's prefixes (cica:, org:, state:, io: …) are predefined.
SELECT ?state ?name ?code WHERE {
  ?state a cica:State ;
         rdfs:label ?name ;
         cica:iso3166Alpha3 ?code .
  FILTER(LANGMATCHES(LANG(?name), "en"))
}
ORDER BY ?name
"""


@dataclass
class Outcome:
    """What running the query gave, ready for the template."""

    status: int = 200
    error: str = ""
    kind: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[Value | None]] = field(default_factory=list)
    boolean: bool | None = None
    count: int = 0
    truncated: bool = False
    elapsed_ms: float = 0.0


async def query_page(request: Request) -> Response:
    """GET or POST /query."""
    portal: Portal = request.app.state.portal
    if request.method == "POST":
        if (refused := too_long(request, portal)) is not None:
            return refused
        form = await request.form()
        args = MultiDict([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    else:
        args = MultiDict(request.query_params.multi_items())
    entries = await portal.named_queries()
    selected = next((e for e in entries if e.name == args.get("name") and e.query), None)
    named = selected.query if selected else None
    text = args.get("query")
    if text is None and named is not None:
        text = named.text
    values = {p.name: (args.get(f"param.{p.name}") or "").strip() for p in named.params} if named else {}
    given = {k: v for k, v in values.items() if v}
    fmt = args.get("format")
    outcome = None
    if text and text.strip():
        outcome = await run(request, portal, text, named, given, fmt if fmt in DOWNLOADS else None)
        if isinstance(outcome, Response):
            return outcome
    return render(
        request, "query.html", active="query", entries=entries, selected=selected, text=text or DEFAULT_QUERY,
        params=[(p, values.get(p.name, "")) for p in (named.params if named else ())], outcome=outcome,
        downloads=_download_links(portal, text, named, given, outcome), endpoint=portal.settings.public("sparql"),
        timeout=portal.settings.timeout, max_rows=portal.settings.max_rows, display_rows=DISPLAY_ROWS,
    )


async def run(request: Request, portal: Portal, text: str, named: NamedQuery | None, given: dict[str, str],
              fmt: str | None) -> Outcome | Response:
    """Run the query; the raw results as a download when ``fmt`` is given, else an Outcome for the page."""
    try:
        bound = with_bindings(text, bind(named, given)) if named else text
    except QueryError as exc:
        return Outcome(status=400, error=exc.problems[0].message)
    job = {
        "query": bound,
        "results": fmt if fmt in formats.RESULT_TYPES else ("json" if fmt is None else None),
        "graph": fmt if fmt in formats.GRAPH_TYPES else ("nt" if fmt is None else None),
        "max_rows": portal.settings.max_rows,
    }
    reply = await run_query(request, portal, job)
    if reply.status != 200:
        return Outcome(status=reply.status, error=problem_text(reply.header))
    header = reply.header
    if fmt is not None:
        extension = {"turtle": "ttl"}.get(header["format"], header["format"])
        return Response(reply.body, media_type=formats.media_type(header["format"]),
                        headers={"Content-Disposition": f'attachment; filename="results.{extension}"',
                                 "X-Result-Truncated": "true" if header.get("truncated") else "false"})
    outcome = Outcome(kind=header["kind"], count=int(header.get("rows", 0)), truncated=bool(header.get("truncated")),
                      elapsed_ms=float(header.get("elapsed", 0)) * 1000)
    if header["kind"] == "ask":
        outcome.boolean = bool(json.loads(reply.body)["boolean"])
    elif header["kind"] == "select":
        data = json.loads(reply.body)
        outcome.columns = list(data["head"]["vars"])
        for binding in data["results"]["bindings"][:DISPLAY_ROWS]:
            outcome.rows.append([_cell(portal.view, binding.get(c)) for c in outcome.columns])
    else:
        outcome.columns = ["subject", "predicate", "object"]
        for quad in list(ox.parse(input=reply.body, format=ox.RdfFormat.N_TRIPLES))[:DISPLAY_ROWS]:
            outcome.rows.append([_term_cell(portal.view, t) for t in (quad.subject, quad.predicate, quad.object)])
    return outcome


def _cell(view: View, binding: dict | None) -> Value | None:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return _iri_cell(view, ox.NamedNode(value))
    if kind == "bnode":
        return Value(f"_:{value}", kind="bnode")
    if kind in ("literal", "typed-literal"):
        datatype = binding.get("datatype")
        return Value(value, kind="literal", note=binding.get("xml:lang") or (view.compact(datatype) if datatype else ""))
    return Value(json.dumps(value), kind="literal")


def _term_cell(view: View, term: object) -> Value:
    if isinstance(term, ox.Literal):
        note = term.language or ("" if term.datatype.value == formats.XSD_STRING else view.compact(term.datatype.value))
        return Value(term.value, kind="literal", note=note)
    return _iri_cell(view, term) if isinstance(term, ox.NamedNode) else view.value(term)


def _iri_cell(view: View, term: ox.NamedNode) -> Value:
    # an acronym keeps wide result tables readable; the compact IRI goes underneath
    value = view.short(term)
    value.note = view.compact(term.value)
    return value


def _download_links(
    portal: Portal, text: str | None, named: NamedQuery | None, given: dict[str, str], outcome: Outcome | None
) -> list[tuple[str, str]]:
    if outcome is None or outcome.status != 200:
        return []
    args: list[tuple[str, str]] = []
    if named is not None:
        args.append(("name", named.name))
    if named is None or text != named.text:
        args.append(("query", text or ""))
    args += [(f"param.{k}", v) for k, v in given.items()]
    names = ("csv", "tsv", "json", "xml") if outcome.kind in ("select", "ask") else ("turtle", "jsonld", "nt")
    labels = {"csv": "CSV", "tsv": "TSV", "json": "JSON", "xml": "XML", "turtle": "Turtle", "jsonld": "JSON-LD",
              "nt": "N-Triples"}
    return [(labels[n], portal.url("query") + "?" + urlencode([*args, ("format", n)])) for n in names]
