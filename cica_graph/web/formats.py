"""The formats the portal writes: SPARQL 1.1 results and RDF serialisations.

The result writers take a list of rows rather than Oxigraph's solution
iterator because the endpoint caps the number of rows: it reads at most
``max_rows + 1`` solutions, and a capped iterator cannot be handed back to
Oxigraph's own writers. They follow the W3C result formats (JSON, XML, CSV,
TSV) and are checked against SPARQLWrapper and rdflib's parsers in the tests.
"""

from __future__ import annotations

import csv
import io
import json
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: SELECT/ASK result formats: short name → media type (the first is the default).
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: CONSTRUCT/DESCRIBE formats: short name → media type (the first is the default).
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
#: Media types clients also send for the same formats.
ALIASES = {
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/x-turtle": "turtle",
    "text/plain": "nt",
}
#: Names accepted in a ``format=`` parameter (which overrides Accept).
FORMAT_NAMES = {**{k: k for k in (*RESULT_TYPES, *GRAPH_TYPES)}, "ttl": "turtle", "json-ld": "jsonld", "ntriples": "nt"}
SUFFIXES = {"ttl": "turtle", "jsonld": "jsonld", "nt": "nt"}
_OX_RDF = {
    "turtle": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


def media_type(fmt: str) -> str:
    """The media type (with charset for text) of a short format name."""
    base = RESULT_TYPES.get(fmt) or GRAPH_TYPES[fmt]
    return base + "; charset=utf-8"


def rdf(triples: list[ox.Triple], fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples as Turtle, JSON-LD, N-Triples or RDF/XML (prefixes where the format has them)."""
    use = prefixes if fmt in ("turtle", "rdfxml") else None
    return ox.serialize(triples, format=_OX_RDF[fmt], prefixes=use)


def results(variables: list[str], rows: list[list[object]], fmt: str) -> bytes:
    """SELECT results in a SPARQL results format."""
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt]
    return writer(variables, rows).encode("utf-8")


def boolean(value: bool, fmt: str) -> bytes:
    """An ASK result (CSV and TSV, which the standard leaves open, carry ``true``/``false``)."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    return f"{'true' if value else 'false'}\n".encode()


def term_json(term: object) -> dict:
    """A term in the SPARQL JSON results encoding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {k: term_json(getattr(term, k)) for k in ("subject", "predicate", "object")}}
    raise TypeError(f"not an RDF term: {term!r}")


def _json(variables: list[str], rows: list[list[object]]) -> str:
    bindings = [{v: term_json(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}}, ensure_ascii=False)


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        parts = "".join(f"<{k}>{_xml_term(getattr(term, k))}</{k}>" for k in ("subject", "predicate", "object"))
        return f"<triple>{parts}</triple>"
    raise TypeError(f"not an RDF term: {term!r}")


def _xml(variables: list[str], rows: list[list[object]]) -> str:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f"<variable name={quoteattr(v)}/>" for v in variables]
    out.append("</head>\n<results>")
    for row in rows:
        cells = "".join(
            f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>" for v, t in zip(variables, row, strict=True) if t is not None
        )
        out.append(f"<result>{cells}</result>")
    out.append("</results>\n</sparql>\n")
    return "\n".join(out)


def _csv_value(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _csv(variables: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([_csv_value(t) for t in row])
    return buffer.getvalue()


def _tsv(variables: list[str], rows: list[list[object]]) -> str:
    # TSV cells are terms in SPARQL/Turtle syntax; str() of an Oxigraph term is its N-Triples form.
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    return "\n".join(lines) + "\n"


def prefixes_for(triples: list[ox.Triple]) -> dict[str, str]:
    """The project's prefixes that some IRI in ``triples`` uses (Turtle without unused declarations)."""
    from ..terms import PREFIXES

    used = {}
    terms = (t for triple in triples for t in (triple.subject, triple.predicate, triple.object))
    iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    for prefix, base in PREFIXES.items():
        if any(iri.startswith(base) and iri != base for iri in iris):
            used[prefix] = base
    return used


def jsonld(triples: list[ox.Triple]) -> bytes:
    """Compacted JSON-LD with the project's context (the release's context.jsonld), for descriptions and the ontology."""
    from rdflib import Graph

    from ..terms import PREFIXES

    graph = Graph(bind_namespaces="none")
    graph.parse(data=rdf(triples, "nt").decode("utf-8"), format="nt")
    context = prefixes_for(triples) or dict(PREFIXES)
    return graph.serialize(format="json-ld", context=context, auto_compact=True, indent=1, base=None).encode("utf-8")
