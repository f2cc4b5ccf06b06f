"""Namespaces and the IRIs of the graphs a release is made of."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, TIME, VOID, XSD

DEFAULT_BASE = "https://w3id.org/cica/"

CICA = Namespace(DEFAULT_BASE + "def#")
ID = Namespace(DEFAULT_BASE + "id/")
GRAPH = Namespace(DEFAULT_BASE + "graph/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VANN = Namespace("http://purl.org/vocab/vann/")
SPDX = Namespace("http://spdx.org/rdf/terms#")

#: Named graphs of a release: what curators typed, what the build derived,
#: what the reasoner inferred, and the ontology itself.
ONTOLOGY_GRAPH = GRAPH["ontology"]
ASSERTED_GRAPH = GRAPH["asserted"]
DERIVED_GRAPH = GRAPH["derived"]
INFERRED_GRAPH = GRAPH["inferred"]

#: Prefixes bound in every serialisation, in this order.
PREFIXES: dict[str, str] = {
    "cica": str(CICA),
    "org": str(ORG),
    "prov": str(PROV),
    "time": str(TIME),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "schema": str(SCHEMA),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "vann": str(VANN),
    "void": str(VOID),
    "dcat": str(DCAT),
    "state": str(ID) + "state/",
    "io": str(ID) + "org/",
    "person": str(ID) + "person/",
    "event": str(ID) + "event/",
    "doc": str(ID) + "doc/",
    "agr": str(ID) + "agreement/",
    "cbm": str(ID) + "cbm/",
    "place": str(ID) + "place/",
    "src": str(ID) + "source/",
    "rel": str(ID) + "rel/",
}
