"""Derive intervals, role shortcuts and source labels in the store (same triples as cica_graph.enrich).

Everything but the partial-date arithmetic runs as SPARQL updates inside
Oxigraph: creating a Python object per derived triple cost more than the
derivation (0.6 s of 1 s at 100k triples). The earliest and latest day of
each distinct date are computed once by :mod:`cica_graph.dates` and handed to
the update as a VALUES table.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import URIRef

from .. import dates
from .graphs import ASSERTED, DERIVED, ONTOLOGY

_CICA = "https://w3id.org/cica/def#"
_TIME = "http://www.w3.org/2006/time#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_TIME_PROPERTY = {_XSD + "date": "inXSDDate", _XSD + "gYearMonth": "inXSDgYearMonth", _XSD + "gYear": "inXSDgYear"}
_PREFIXES = f"""PREFIX cica: <{_CICA}>
PREFIX time: <{_TIME}>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX xsd: <{_XSD}>
"""


def derive(store: ox.Store) -> int:
    """Add the derived graph for the asserted graph of ``store``; return how many triples it holds."""
    store.update(_PREFIXES + _INTERVALS)
    table = _bounds_table(store)
    if table:
        for which, link, date_property in (("start", "time:hasBeginning", "schema:startDate"),
                                           ("end", "time:hasEnd", "schema:endDate")):
            update = _INSTANTS.replace("%WHICH%", which).replace("%LINK%", link).replace("%DATE%", date_property)
            store.update(_PREFIXES + update.replace("%VALUES%", table))
    store.update(_PREFIXES + _ROLE_SHORTCUTS)
    store.update(_PREFIXES + _SOURCE_LABELS)
    count = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {DERIVED} {{ ?s ?p ?o }} }}")
    return int(next(iter(count))["n"].value)  # type: ignore[call-overload, index]


#: Every IRI with a start or an end date gets an interval (as enrich.py does, whatever the dates hold).
_INTERVALS = f"""
INSERT {{ GRAPH {DERIVED} {{ ?s cica:interval ?interval . ?interval a time:ProperInterval }} }}
WHERE {{
  {{ SELECT DISTINCT ?s WHERE {{ GRAPH {ASSERTED} {{ {{ ?s schema:startDate ?v }} UNION {{ ?s schema:endDate ?v }} }} }} }}
  FILTER (isIRI(?s))
  BIND (IRI(CONCAT(STR(?s), "#interval")) AS ?interval)
}}"""

#: The instant of the start (end): only for the lexically least value of a subject's dates (rdflib's
#: Graph.value picks one of several; the shapes forbid several), and only when it is a valid date.
_INSTANTS = f"""
INSERT {{ GRAPH {DERIVED} {{
  ?interval %LINK% ?instant . ?instant a time:Instant ; ?property ?value ; cica:earliestDay ?first ; cica:latestDay ?last .
}} }}
WHERE {{
  GRAPH {ASSERTED} {{ ?s %DATE% ?value }}
  FILTER (isIRI(?s))
  OPTIONAL {{ GRAPH {ASSERTED} {{ ?s %DATE% ?smaller }} FILTER (STR(?smaller) < STR(?value)) }}
  FILTER (!BOUND(?smaller))
  VALUES (?value ?property ?first ?last) {{ %VALUES% }}
  BIND (IRI(CONCAT(STR(?s), "#interval")) AS ?interval)
  BIND (IRI(CONCAT(STR(?s), "#%WHICH%")) AS ?instant)
}}"""

_ROLE_SHORTCUTS = f"""
INSERT {{ GRAPH {DERIVED} {{ ?member ?property ?organization }} }}
WHERE {{
  GRAPH {ONTOLOGY} {{ ?role org:roleProperty ?property }}
  GRAPH {ASSERTED} {{ ?m a org:Membership ; org:role ?role ; org:member ?member ; org:organization ?organization }}
}}"""

#: A cited source without an rdfs:label gets its (least) dct:title as label.
_SOURCE_LABELS = f"""
INSERT {{ GRAPH {DERIVED} {{ ?source <http://www.w3.org/2000/01/rdf-schema#label> ?title }} }}
WHERE {{
  {{ SELECT ?source (MIN(?t) AS ?title) WHERE {{ GRAPH {ASSERTED} {{
      {{ SELECT DISTINCT ?source WHERE {{ ?fact <http://www.w3.org/ns/prov#wasDerivedFrom> ?source }} }}
      ?source <http://purl.org/dc/terms/title> ?t .
      FILTER NOT EXISTS {{ ?source <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }} }} GROUP BY ?source }}
}}"""


def _bounds_table(store: ox.Store) -> str:
    """VALUES rows (value, time property, earliest day, latest day) for every distinct valid date of a start or end."""
    rows = store.query(
        f"""SELECT DISTINCT ?value WHERE {{
              GRAPH {ASSERTED} {{ {{ ?s <https://schema.org/startDate> ?value }}
                                  UNION {{ ?s <https://schema.org/endDate> ?value }} }}
              FILTER (isLiteral(?value) && DATATYPE(?value) IN (<{_XSD}date>, <{_XSD}gYearMonth>, <{_XSD}gYear>)) }}"""
    )
    lines = []
    for row in rows:
        value: ox.Literal = row["value"]  # type: ignore[assignment]
        datatype = value.datatype.value
        try:
            day = dates.parse_partial(value.value, URIRef(datatype))
        except dates.DateFormatError:
            continue
        lines.append(f'({value} <{_TIME}{_TIME_PROPERTY[datatype]}> "{day.earliest.isoformat()}"^^<{_XSD}date> '
                     f'"{day.latest.isoformat()}"^^<{_XSD}date>)')
    return "\n".join(lines)
