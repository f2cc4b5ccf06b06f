"""Query results in the SPARQL 1.1 result formats and as a terminal table."""

from __future__ import annotations

import io

import pyoxigraph as ox

from .terms import PREFIXES

FORMATS = ("table", "csv", "tsv", "json", "xml")
_OX_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
MEDIA_TYPES = {
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
}


def serialize(result: object, fmt: str) -> str:
    """SELECT/ASK results in a SPARQL results format (csv, tsv, json, xml)."""
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.TURTLE).decode("utf-8")  # type: ignore[union-attr]
    buffer = io.BytesIO()
    result.serialize(buffer, _OX_FORMATS[fmt])  # type: ignore[attr-defined]
    return buffer.getvalue().decode("utf-8")


def rows(result: ox.QuerySolutions) -> tuple[list[str], list[list[str]]]:
    """Column names and rows of display strings (prefixed IRIs, plain literal values)."""
    columns = [v.value for v in result.variables]
    table = []
    for solution in result:
        table.append([display(solution[c]) for c in columns])
    return columns, table


def display(term: object) -> str:
    """A compact human form of a term: ``state:kaz`` for IRIs, the lexical form for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, iri in PREFIXES.items():
            if term.value.startswith(iri) and "/" not in term.value[len(iri) :]:
                return f"{prefix}:{term.value[len(iri):]}"
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)
