"""Every dated statement of the graph, read once, with the rules that decide it on a day.

A :class:`Timeline` holds the memberships (member, observer, partner and
candidate statuses, chairmanships, coordinations, posts), the states with their
ISO and COW codes, and the organizations with their founding dates. It answers
two different questions about a statement on a day:

* :meth:`Statement.in_force` — the graph's reading (docs/curation.md, the named
  queries ``members-on`` and ``observers-on``): a partial start counts from its
  first day, a full-date end day belongs to the successor, a partial end lasts
  to its last day, an open end is in force and a missing start does not exclude.
* :meth:`Timeline.verdict` — whether the sources *prove* it: ``IN``, ``OUT`` or
  ``UNKNOWN``. A statement without a start is proven only from its first
  attestation (``cica:attestedOn``); a member statement with neither start nor
  attestation (a founding-era member, listed by undated sources while every
  later admission is dated) is proven from the organization's founding date or,
  failing that, its earliest dated activity; statements linked by
  ``cica:conflictsWith`` that disagree on the day are both ``UNKNOWN``.
  The panels' -9 code is this ``UNKNOWN`` (docs/analytics.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import Enum

import pyoxigraph as ox

from .. import dates
from ..terms import CICA
from .graphdata import iri, partial, select, text

MEMBER = str(CICA.MemberRole)
OBSERVER = str(CICA.ObserverRole)
PARTNER = str(CICA.PartnerRole)
CANDIDATE = str(CICA.CandidateRole)
CHAIR = str(CICA.ChairRole)
COORDINATING = str(CICA.CoordinatingStateRole)
#: The roles that make up a status in an organization, strongest first.
STATUS_ROLES = (MEMBER, OBSERVER, PARTNER, CANDIDATE)


class Verdict(Enum):
    """What the sources prove about a statement on one day."""

    IN = "in force"
    OUT = "not in force"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Statement:
    """One org:Membership as the graph states it."""

    iri: str
    member: str
    organization: str
    role: str
    start: dates.PartialDate | None = None
    end: dates.PartialDate | None = None
    attested: tuple[dates.PartialDate, ...] = ()
    conflicts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def in_force(self, on: date) -> bool:
        """The graph's reading of the date rules (a missing start does not exclude)."""
        return dates.in_force(self.start, self.end, on)


@dataclass(frozen=True)
class State:
    """A cica:State with the codes the panels need."""

    iri: str
    label: str
    iso3: str
    cow: str | None


@dataclass(frozen=True)
class Source:
    """A cited source: title, publisher, issue date and where to find it."""

    iri: str
    title: str
    publisher: str | None = None
    issued: str | None = None
    url: str | None = None

    def cite(self) -> str:
        """A short citation: title, publisher, date, URL (or file name)."""
        bits = [self.title]
        bits += [b for b in (self.publisher, self.issued) if b]
        if self.url:
            bits.append(self.url)
        return ", ".join(bits)


@dataclass(frozen=True)
class Organization:
    """An organization as the panels and networks see it."""

    iri: str
    label: str
    acronym: str | None
    founded: dates.PartialDate | None
    first_activity: date | None
    international: bool = False

    @property
    def documented_from(self) -> date | None:
        """The first day the graph shows the organization existing: founding, else first dated activity."""
        if self.founded is not None:
            return self.founded.latest
        return self.first_activity


_MEMBERSHIPS = """
SELECT ?m ?member ?org ?role ?start ?end ?attested ?conflict ?source WHERE {
  ?m a org:Membership ; org:member ?member ; org:organization ?org ; org:role ?role .
  OPTIONAL { ?m schema:startDate ?start }
  OPTIONAL { ?m schema:endDate ?end }
  OPTIONAL { ?m cica:attestedOn ?attested }
  OPTIONAL { ?m cica:conflictsWith ?conflict }
  OPTIONAL { ?m prov:wasDerivedFrom ?source }
}
"""

_LABELS = """
SELECT ?s ?label ?alt WHERE {
  { ?s rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }
  UNION { ?s skos:prefLabel ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
  UNION { ?s skos:altLabel ?alt FILTER(LANGMATCHES(LANG(?alt), "en")) }
  FILTER(isIRI(?s))
}
"""

_STATES = """
SELECT ?s ?iso3 ?cow WHERE {
  ?s a cica:State ; cica:iso3166Alpha3 ?iso3 .
  OPTIONAL { ?s dct:identifier ?cow FILTER(DATATYPE(?cow) = cica:COWStateCode) }
}
"""

_ORGANIZATIONS = """
SELECT DISTINCT ?o ?founded ?activity ?igo WHERE {
  { ?o a cica:InternationalOrganization } UNION { ?m a org:Membership ; org:organization ?o }
  UNION { ?o schema:foundingDate ?anything }
  OPTIONAL { ?o schema:foundingDate ?founded }
  OPTIONAL { ?o a ?type . ?type rdfs:subClassOf* cica:InternationalOrganization BIND(true AS ?igo) }
  OPTIONAL {
    { ?event schema:organizer ?o ; schema:startDate ?activity }
    UNION { ?dated a org:Membership ; org:organization ?o ; schema:startDate ?activity }
  }
}
"""

_SOURCES = """
SELECT ?s ?title ?publisher ?issued ?url ?identifier WHERE {
  { ?s a prov:Entity } UNION { ?x prov:wasDerivedFrom ?s }
  FILTER(isIRI(?s))
  OPTIONAL { ?s dct:title ?title }
  OPTIONAL { ?s dct:publisher ?publisher }
  OPTIONAL { ?s dct:issued ?issued }
  OPTIONAL { ?s schema:url ?url }
  OPTIONAL { ?s dct:identifier ?identifier }
}
"""

_BROADER = "SELECT ?narrower ?broader WHERE { ?narrower skos:broader+ ?broader }"


class Timeline:
    """The statements, states and organizations of one release, indexed for time-aware questions."""

    def __init__(
        self,
        statements: list[Statement],
        states: dict[str, State],
        organizations: dict[str, Organization],
        labels: dict[str, str],
        broader: dict[str, set[str]],
        sources: dict[str, Source] | None = None,
    ) -> None:
        self.statements = sorted(statements, key=lambda s: s.iri)
        self.states = states
        self.organizations = organizations
        self.labels = labels
        self.broader = broader
        self.sources = sources or {}
        self.by_iri = {s.iri: s for s in self.statements}
        self._pairs: dict[tuple[str, str], list[Statement]] = defaultdict(list)
        for statement in self.statements:
            self._pairs[(statement.member, statement.organization)].append(statement)

    @classmethod
    def read(cls, store: ox.Store) -> Timeline:
        """Read everything the analytics need from ``store`` (a few SPARQL queries)."""
        labels, acronyms = _labels(store)
        return cls(
            _statements(store), _states(store, labels), _organizations(store, labels, acronyms), labels, _broader(store),
            _sources(store),
        )

    def label(self, iri_text: str) -> str:
        """The English label of a resource, else its IRI key."""
        return self.labels.get(iri_text) or iri_text.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def has_role(self, statement: Statement, role: str) -> bool:
        """Whether the statement's role is ``role`` or a narrower role (skos:broader in the ontology)."""
        return statement.role == role or role in self.broader.get(statement.role, set())

    def about(self, member: str, organization: str) -> list[Statement]:
        """The statements about one member in one organization."""
        return self._pairs.get((member, organization), [])

    def verdicts(self, statements: list[Statement], on: date) -> dict[str, Verdict]:
        """What the sources prove about each statement on ``on``, conflicts taken into account."""
        raw = {s.iri: self._raw_verdict(s, on) for s in statements}
        final = dict(raw)
        for statement in statements:
            for other in statement.conflicts:
                theirs = raw.get(other) or (self._raw_verdict(self.by_iri[other], on) if other in self.by_iri else None)
                if {raw[statement.iri], theirs} == {Verdict.IN, Verdict.OUT}:
                    final[statement.iri] = Verdict.UNKNOWN
        return final

    def _raw_verdict(self, statement: Statement, on: date) -> Verdict:
        if not statement.in_force(on):
            return Verdict.OUT
        if statement.start is not None:
            return Verdict.IN
        if statement.attested:
            return Verdict.IN if on >= min(a.latest for a in statement.attested) else Verdict.UNKNOWN
        if self.has_role(statement, MEMBER):
            organization = self.organizations.get(statement.organization)
            since = organization.documented_from if organization else None
            if since is not None and on >= since:
                return Verdict.IN
        return Verdict.UNKNOWN


def _statements(store: ox.Store) -> list[Statement]:
    rows: dict[str, dict] = {}
    for row in select(store, _MEMBERSHIPS):
        m = iri(row["m"])
        entry = rows.setdefault(
            m,
            {"member": iri(row["member"]), "organization": iri(row["org"]), "role": iri(row["role"]),
             "start": partial(row.get("start")), "end": partial(row.get("end")),
             "attested": set(), "conflicts": set(), "sources": set()},
        )
        if (attested := partial(row.get("attested"))) is not None:
            entry["attested"].add(attested)
        if "conflict" in row:
            entry["conflicts"].add(iri(row["conflict"]))
        if "source" in row:
            entry["sources"].add(iri(row["source"]))
    return [
        Statement(m, e["member"], e["organization"], e["role"], e["start"], e["end"],
                  tuple(sorted(e["attested"])), tuple(sorted(e["conflicts"])), tuple(sorted(e["sources"])))
        for m, e in rows.items()
    ]


def _labels(store: ox.Store) -> tuple[dict[str, str], dict[str, str]]:
    labels: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    for row in select(store, _LABELS):
        subject = iri(row["s"])
        if "label" in row:
            value = text(row["label"]) or ""
            if subject not in labels or value < labels[subject]:
                labels[subject] = value
        if "alt" in row:
            value = text(row["alt"]) or ""
            if value.replace(" ", "").isupper() and _better_acronym(subject, value, acronyms.get(subject)):
                acronyms[subject] = value
    return labels, acronyms


def _better_acronym(subject: str, value: str, current: str | None) -> bool:
    """The acronym is the upper-case alternative label spelling the IRI key (SCO RATS), else the shortest."""
    if current is None:
        return True
    rank = lambda v: (v.lower().replace(" ", "-") != subject.rsplit("/", 1)[-1], len(v), v)  # noqa: E731
    return rank(value) < rank(current)


def _states(store: ox.Store, labels: dict[str, str]) -> dict[str, State]:
    states = {}
    for row in select(store, _STATES):
        s = iri(row["s"])
        states[s] = State(s, labels.get(s, s), text(row["iso3"]) or "", text(row.get("cow")))
    return states


def _organizations(store: ox.Store, labels: dict[str, str], acronyms: dict[str, str]) -> dict[str, Organization]:
    founded: dict[str, dates.PartialDate | None] = {}
    first: dict[str, date | None] = {}
    igo: set[str] = set()
    for row in select(store, _ORGANIZATIONS):
        o = iri(row["o"])
        founded.setdefault(o, partial(row.get("founded")))
        if "igo" in row:
            igo.add(o)
        activity = partial(row.get("activity"))
        current = first.setdefault(o, None)
        if activity is not None and (current is None or activity.latest < current):
            first[o] = activity.latest
    return {
        o: Organization(o, labels.get(o, o), acronyms.get(o), founded[o], first[o], o in igo) for o in sorted(founded)
    }


def _sources(store: ox.Store) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for row in select(store, _SOURCES):
        s = iri(row["s"])
        if s in found:
            continue
        url = text(row.get("url"))
        found[s] = Source(
            s, text(row.get("title")) or s.rsplit("/", 1)[-1], text(row.get("publisher")), text(row.get("issued")),
            url or text(row.get("identifier")),
        )
    return found


def _broader(store: ox.Store) -> dict[str, set[str]]:
    broader: dict[str, set[str]] = defaultdict(set)
    for row in select(store, _BROADER):
        broader[iri(row["narrower"])].add(iri(row["broader"]))
    return dict(broader)
