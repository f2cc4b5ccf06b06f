"""Read access to the release for the pages: labels, values, links and dates.

The portal's own pages (unlike user queries) read the store directly in the
server process: their access patterns are fixed and each costs well under a
millisecond at this size. Everything here is a pure function of the store,
which never changes while the server runs, so labels are memoised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox

from ..terms import PREFIXES
from .settings import Settings

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
WIKIDATA = "http://www.wikidata.org/entity/"
TYPE = ox.NamedNode(RDF + "type")
LABEL_PROPERTIES = [
    ox.NamedNode(RDFS + "label"),
    ox.NamedNode(PREFIXES["skos"] + "prefLabel"),
    ox.NamedNode(PREFIXES["foaf"] + "name"),
    ox.NamedNode(PREFIXES["dct"] + "title"),
    ox.NamedNode(PREFIXES["schema"] + "name"),
]
#: Labels for the reused vocabularies' terms, whose definitions are not in the release.
FRIENDLY = {
    RDF + "type": "type",
    RDFS + "label": "label",
    RDFS + "comment": "comment",
    RDFS + "subClassOf": "subclass of",
    RDFS + "domain": "domain",
    RDFS + "range": "range",
    "http://www.w3.org/ns/org#member": "member",
    "http://www.w3.org/ns/org#memberOf": "member of",
    "http://www.w3.org/ns/org#organization": "organization",
    "http://www.w3.org/ns/org#role": "role",
    "http://www.w3.org/ns/org#unitOf": "unit of",
    "http://www.w3.org/ns/org#hasUnit": "has unit",
    "http://www.w3.org/ns/org#roleProperty": "role property",
    "http://www.w3.org/ns/org#Membership": "Membership",
    "http://www.w3.org/ns/org#Organization": "Organization",
    "http://www.w3.org/ns/org#FormalOrganization": "Formal organization",
    "http://www.w3.org/ns/org#OrganizationalUnit": "Organizational unit",
    "http://www.w3.org/ns/org#Role": "Role",
    "http://www.w3.org/ns/prov#wasDerivedFrom": "source",
    "http://www.w3.org/ns/prov#Entity": "Source",
    "http://www.w3.org/ns/prov#Agent": "Agent",
    "http://xmlns.com/foaf/0.1/name": "name",
    "http://xmlns.com/foaf/0.1/Person": "Person",
    "http://xmlns.com/foaf/0.1/Agent": "Agent",
    "http://purl.org/dc/terms/title": "title",
    "http://purl.org/dc/terms/alternative": "alternative title",
    "http://purl.org/dc/terms/date": "date",
    "http://purl.org/dc/terms/issued": "issued",
    "http://purl.org/dc/terms/created": "created",
    "http://purl.org/dc/terms/modified": "modified",
    "http://purl.org/dc/terms/publisher": "publisher",
    "http://purl.org/dc/terms/identifier": "identifier",
    "http://purl.org/dc/terms/description": "description",
    "http://purl.org/dc/terms/creator": "creator",
    "http://purl.org/dc/terms/license": "license",
    "http://www.w3.org/2004/02/skos/core#prefLabel": "preferred label",
    "http://www.w3.org/2004/02/skos/core#altLabel": "also known as",
    "http://www.w3.org/2004/02/skos/core#definition": "definition",
    "http://www.w3.org/2004/02/skos/core#editorialNote": "editorial note",
    "http://www.w3.org/2004/02/skos/core#notation": "notation",
    "http://www.w3.org/2004/02/skos/core#broader": "broader",
    "http://www.w3.org/2004/02/skos/core#narrower": "narrower",
    "http://www.w3.org/2004/02/skos/core#inScheme": "in scheme",
    "http://www.w3.org/2004/02/skos/core#topConceptOf": "top concept of",
    "http://www.w3.org/2004/02/skos/core#hasTopConcept": "top concept",
    "http://www.w3.org/2004/02/skos/core#Concept": "Concept",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": "Concept scheme",
    "http://www.w3.org/2006/time#hasBeginning": "beginning",
    "http://www.w3.org/2006/time#hasEnd": "end",
    "http://www.w3.org/2006/time#inXSDDate": "date",
    "http://www.w3.org/2006/time#inXSDgYear": "year",
    "http://www.w3.org/2006/time#inXSDgYearMonth": "month",
    "http://www.w3.org/2006/time#Interval": "Interval",
    "http://www.w3.org/2006/time#Instant": "Instant",
    "http://www.w3.org/2006/time#ProperInterval": "Proper interval",
    "https://schema.org/startDate": "start date",
    "https://schema.org/endDate": "end date",
    "https://schema.org/location": "location",
    "https://schema.org/organizer": "organizer",
    "https://schema.org/attendee": "attendee",
    "https://schema.org/sameAs": "same as",
    "https://schema.org/url": "web page",
    "https://schema.org/nationality": "nationality",
    "https://schema.org/foundingDate": "founding date",
    "https://schema.org/eventStatus": "event status",
    "https://schema.org/eventAttendanceMode": "attendance mode",
    "https://schema.org/Event": "Event",
    "https://schema.org/City": "City",
    "https://schema.org/Country": "Country",
    "https://schema.org/CreativeWork": "Creative work",
    "http://www.w3.org/2002/07/owl#versionIRI": "version IRI",
    "http://www.w3.org/2002/07/owl#versionInfo": "version",
    "http://www.w3.org/2002/07/owl#inverseOf": "inverse of",
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


@dataclass
class Value:
    """One term as a page shows it: text, link, and where it came from."""

    text: str
    href: str | None = None
    kind: str = "iri"
    note: str = ""
    graphs: set[str] = field(default_factory=set)
    nested: list = field(default_factory=list)
    term: object = None

    @property
    def origin(self) -> str:
        """'derived' or 'inferred' when no curator asserted it, else ''."""
        if not self.graphs or self.graphs & {"asserted", "ontology"}:
            return ""
        return "derived" if "derived" in self.graphs else "inferred"


class View:
    """Labels, links and graph provenance over one store."""

    def __init__(self, store: ox.Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.label = lru_cache(maxsize=100_000)(self._label)

    def quads(self, s: object = None, p: object = None, o: object = None) -> list[ox.Quad]:
        """Matching quads from every graph of the release."""
        return list(self.store.quads_for_pattern(s, p, o, None))

    def objects(self, s: object, p: object) -> list:
        """Distinct objects, in store order."""
        return list(dict.fromkeys(q.object for q in self.quads(s, p, None)))

    def subjects(self, p: object, o: object) -> list:
        """Distinct subjects, in store order."""
        return list(dict.fromkeys(q.subject for q in self.quads(None, p, o)))

    def first(self, s: object, p: object) -> object | None:
        """One object (the English or untagged literal when there are several), or None."""
        found = self.objects(s, p)
        return _prefer_english(found) if found else None

    def exists(self, iri: str) -> bool:
        """Whether the IRI is described (is the subject of some triple)."""
        return next(iter(self.store.quads_for_pattern(ox.NamedNode(iri), None, None, None)), None) is not None

    def has_type(self, s: object, cls: str) -> bool:
        """Whether ``s`` has rdf:type ``cls`` in any graph."""
        return bool(self.quads(s, TYPE, ox.NamedNode(cls)))

    def graph_of(self, quad: ox.Quad) -> str:
        """The short name of the quad's graph (asserted, derived, inferred, ontology)."""
        name = quad.graph_name
        return name.value.rsplit("/", 1)[-1] if isinstance(name, ox.NamedNode) else "default"

    def _label(self, term: object) -> str:
        if isinstance(term, ox.Literal):
            return term.value
        if isinstance(term, ox.NamedNode):
            for prop in LABEL_PROPERTIES:
                found = [o for o in self.objects(term, prop) if isinstance(o, ox.Literal)]
                if found:
                    return _prefer_english(found).value
            if term.value in FRIENDLY:
                return FRIENDLY[term.value]
            return self.compact(term.value)
        return "(anonymous node)"

    def short(self, term: object) -> Value:
        """A value labelled with its acronym (``CICA``) when it has one, for lists that repeat it."""
        value = self.value(term)
        acronyms = [o.value for o in self.objects(term, ox.NamedNode(PREFIXES["skos"] + "altLabel"))
                    if isinstance(o, ox.Literal) and len(o.value) <= 10 and o.value.upper() == o.value]
        if acronyms:
            value.note, value.text = value.text, min(acronyms, key=len)
        return value

    def compact(self, iri: str) -> str:
        """``prefix:local`` for IRIs in a known namespace, else the IRI."""
        for prefix, base in PREFIXES.items():
            local = iri[len(base) :]
            if iri.startswith(base) and local and "/" not in local and ("#" not in local or "#" not in base):
                return f"{prefix}:{iri[len(base):]}"
        return iri

    def href(self, iri: str) -> str | None:
        """A link for an IRI: the portal path for graph IRIs, the IRI itself for http(s), else None."""
        local = self.settings.local(iri)
        if local is not None:
            return local
        return iri if iri.startswith(("http://", "https://")) else None

    def value(self, term: object, graphs: set[str] | None = None) -> Value:
        """A display value for any term."""
        if isinstance(term, ox.NamedNode):
            text = self.label(term)
            if term.value.startswith(WIKIDATA) and text == term.value:
                text = "Wikidata " + term.value[len(WIKIDATA) :]
            return Value(text, self.href(term.value), "iri", self.compact(term.value), graphs or set(), term=term)
        if isinstance(term, ox.Literal):
            text, note = literal_text(term)
            href = term.value if term.datatype.value == XSD + "anyURI" and term.value.startswith("http") else None
            return Value(text, href, "literal", note, graphs or set(), term=term)
        return Value("(anonymous node)", None, "bnode", "", graphs or set(), term=term)


def literal_text(term: ox.Literal) -> tuple[str, str]:
    """Display text and a note (language or datatype) for a literal; dates read as in prose."""
    datatype = term.datatype.value
    if term.language:
        return term.value, term.language
    if datatype.startswith(XSD) and datatype[len(XSD) :] in ("date", "gYearMonth", "gYear"):
        return human_date(term.value), term.value
    if datatype in (XSD + "string", RDF + "langString"):
        return term.value, ""
    local = datatype.rsplit("#", 1)[-1]
    return term.value, f"xsd:{local}" if datatype.startswith(XSD) else datatype


def human_date(lexical: str) -> str:
    """'2014-05-20' → '20 May 2014', '2014-05' → 'May 2014', '2014' → '2014'; anything else unchanged."""
    parts = lexical.split("-")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            return f"{int(parts[2][:2])} {_MONTHS[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 2 and len(parts[0]) == 4:
            return f"{_MONTHS[int(parts[1][:2]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return lexical
    return lexical


def _prefer_english(terms: list) -> object:
    for wanted in ("en", ""):
        for term in terms:
            if isinstance(term, ox.Literal) and (term.language or "").split("-")[0] == wanted:
                return term
    return terms[0]
