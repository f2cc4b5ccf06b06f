"""Derive intervals, role shortcuts and source labels in the store (same triples as cica_graph.enrich).

Two queries and a scan replace rdflib's per-subject lookups; the partial-date
arithmetic stays in :mod:`cica_graph.dates`, computed once per distinct date.
"""

from __future__ import annotations

from functools import cache

import pyoxigraph as ox
from rdflib.namespace import XSD

from .. import dates
from ..shacl_fast import to_rdflib
from .graphs import ASSERTED, DERIVED, ONTOLOGY

_CICA = "https://w3id.org/cica/def#"
_TIME = "http://www.w3.org/2006/time#"
_XSD = str(XSD)
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_TIME_PROPERTY = {_XSD + "date": "inXSDDate", _XSD + "gYearMonth": "inXSDgYearMonth", _XSD + "gYear": "inXSDgYear"}
_INTERVAL, _EARLIEST, _LATEST = (ox.NamedNode(_CICA + n) for n in ("interval", "earliestDay", "latestDay"))
_PROPER, _INSTANT = ox.NamedNode(_TIME + "ProperInterval"), ox.NamedNode(_TIME + "Instant")
_BEGIN, _END = ox.NamedNode(_TIME + "hasBeginning"), ox.NamedNode(_TIME + "hasEnd")
_DATE = ox.NamedNode(_XSD + "date")


def derive(store: ox.Store) -> int:
    """Add the derived graph for the asserted graph of ``store``; return how many triples it holds."""
    quads = _intervals(store) + _role_shortcuts(store) + _source_labels(store)
    store.bulk_extend(quads)
    return len(set(quads))


@cache
def _bounds(lexical: str, datatype: str) -> tuple[ox.Literal, ox.Literal] | None:
    try:
        day = dates.from_literal(to_rdflib(ox.Literal(lexical, datatype=ox.NamedNode(datatype))))  # type: ignore[arg-type]
    except dates.DateFormatError:
        return None
    return ox.Literal(day.earliest.isoformat(), datatype=_DATE), ox.Literal(day.latest.isoformat(), datatype=_DATE)


def _intervals(store: ox.Store) -> list[ox.Quad]:
    rows = store.query(
        f"""SELECT ?s ?which ?value WHERE {{ GRAPH {ASSERTED} {{
              {{ ?s <https://schema.org/startDate> ?value BIND("start" AS ?which) }}
              UNION {{ ?s <https://schema.org/endDate> ?value BIND("end" AS ?which) }} }}
              FILTER(isIRI(?s)) }}"""
    )
    values: dict[tuple[str, str], ox.Literal] = {}
    subjects: set[str] = set()
    for row in rows:
        subject, which, value = row["s"].value, row["which"].value, row["value"]
        subjects.add(subject)
        # rdflib's Graph.value picks one of several values; the shapes forbid several anyway
        if (subject, which) not in values or str(value) < str(values[(subject, which)]):
            values[(subject, which)] = value
    out = []
    for subject in sorted(subjects):
        node, interval = ox.NamedNode(subject), ox.NamedNode(f"{subject}#interval")
        out += [ox.Quad(node, _INTERVAL, interval, DERIVED), ox.Quad(interval, _RDF_TYPE, _PROPER, DERIVED)]
        for which, link in (("start", _BEGIN), ("end", _END)):
            value = values.get((subject, which))
            if not isinstance(value, ox.Literal) or value.datatype.value not in _TIME_PROPERTY:
                continue
            bounds = _bounds(value.value, value.datatype.value)
            if bounds is None:
                continue
            instant = ox.NamedNode(f"{subject}#{which}")
            out += [
                ox.Quad(interval, link, instant, DERIVED),
                ox.Quad(instant, _RDF_TYPE, _INSTANT, DERIVED),
                ox.Quad(instant, ox.NamedNode(_TIME + _TIME_PROPERTY[value.datatype.value]), value, DERIVED),
                ox.Quad(instant, _EARLIEST, bounds[0], DERIVED),
                ox.Quad(instant, _LATEST, bounds[1], DERIVED),
            ]
    return out


def _role_shortcuts(store: ox.Store) -> list[ox.Quad]:
    rows = store.query(
        f"""SELECT ?member ?property ?organization WHERE {{
              GRAPH {ONTOLOGY} {{ ?role <http://www.w3.org/ns/org#roleProperty> ?property }}
              GRAPH {ASSERTED} {{
                ?m a <http://www.w3.org/ns/org#Membership> ; <http://www.w3.org/ns/org#role> ?role ;
                   <http://www.w3.org/ns/org#member> ?member ; <http://www.w3.org/ns/org#organization> ?organization }} }}"""
    )
    return [ox.Quad(row["member"], row["property"], row["organization"], DERIVED) for row in rows]


def _source_labels(store: ox.Store) -> list[ox.Quad]:
    rows = store.query(
        f"""SELECT ?source (MIN(?t) AS ?title) WHERE {{ GRAPH {ASSERTED} {{
              {{ SELECT DISTINCT ?source WHERE {{ ?fact <http://www.w3.org/ns/prov#wasDerivedFrom> ?source }} }}
              ?source <http://purl.org/dc/terms/title> ?t .
              FILTER NOT EXISTS {{ ?source <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }} }} GROUP BY ?source"""
    )
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    # rdflib's Graph.value picks one of several titles (the shapes forbid several per language); we take the least
    return [ox.Quad(row["source"], label, row["title"], DERIVED) for row in rows]
