"""What a resource page shows, and what its RDF description holds.

A page gathers a resource's statements (asserted ones first, derived and
inferred ones apart), its memberships in both directions with role, dates and
sources, the links pointing at it, and numbered references to every source a
shown fact cites — the way Wikidata lists references under each statement.

The RDF description served for ``/id/...`` is a symmetric concise bounded
description: the resource's triples, those of its blank nodes and of its own
fragment IRIs (``…#interval``), and the triples that point at it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..terms import PREFIXES
from .view import RDFS, TYPE, Value, View

ORG = PREFIXES["org"]
PROV_DERIVED = ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom")
MEMBER = ox.NamedNode(ORG + "member")
ORGANIZATION = ox.NamedNode(ORG + "organization")
ROLE = ox.NamedNode(ORG + "role")
MEMBERSHIP = ORG + "Membership"
START = ox.NamedNode(PREFIXES["schema"] + "startDate")
END = ox.NamedNode(PREFIXES["schema"] + "endDate")
ATTESTED = ox.NamedNode(PREFIXES["cica"] + "attestedOn")
NOTE = ox.NamedNode(PREFIXES["skos"] + "editorialNote")
DESCRIPTIONS = [ox.NamedNode(RDFS + "comment"), ox.NamedNode(PREFIXES["skos"] + "definition"),
                ox.NamedNode(PREFIXES["dct"] + "description")]
ALT_LABELS = [ox.NamedNode(PREFIXES["skos"] + "altLabel"), ox.NamedNode(PREFIXES["dct"] + "alternative")]
#: Shown elsewhere on the page than in the statements table.
APART = {TYPE.value, RDFS + "label", PREFIXES["skos"] + "prefLabel", PROV_DERIVED.value, NOTE.value,
         *(p.value for p in DESCRIPTIONS), *(p.value for p in ALT_LABELS)}
INCOMING_LIMIT = 300


@dataclass
class Source:
    """A cited source, numbered in the order the page first cites it."""

    number: int
    href: str | None
    title: str
    publisher: str = ""
    issued: str = ""
    url: str | None = None


@dataclass
class Statement:
    """One property of the resource with its values."""

    label: str
    href: str | None
    values: list[Value]


@dataclass
class MembershipRow:
    """One org:Membership seen from the member or from the organization."""

    href: str | None
    member: Value
    organization: Value
    role: Value
    start: Value | None
    end: Value | None
    attested: Value | None
    notes: list[str]
    refs: list[int]
    node: object = None


@dataclass
class Page:
    """Everything the resource template needs."""

    iri: str
    label: str
    types: list[Value]
    inferred_types: list[Value]
    also_known_as: list[Value]
    descriptions: list[str]
    notes: list[str]
    statements: list[Statement]
    other_statements: list[Statement]
    own_refs: list[int]
    memberships: list[MembershipRow]
    members: dict[str, list[MembershipRow]]
    incoming: list[Statement]
    cited_by: list[Value]
    sources: list[Source] = field(default_factory=list)


class Citations:
    """Numbers sources in first-cited order and collects their details."""

    def __init__(self, view: View) -> None:
        self.view = view
        self.numbers: dict[str, int] = {}

    def cite(self, subject: object) -> list[int]:
        """The reference numbers of the sources ``subject`` cites (prov:wasDerivedFrom)."""
        refs = []
        for source in self.view.objects(subject, PROV_DERIVED):
            key = source.value if isinstance(source, ox.NamedNode) else str(source)
            refs.append(self.numbers.setdefault(key, len(self.numbers) + 1))
        return sorted(set(refs))

    def sources(self) -> list[Source]:
        """Every cited source with title, publisher, date and web address."""
        out = []
        view = self.view
        for iri, number in sorted(self.numbers.items(), key=lambda item: item[1]):
            node = ox.NamedNode(iri)
            title = view.first(node, ox.NamedNode(PREFIXES["dct"] + "title"))
            publisher = view.first(node, ox.NamedNode(PREFIXES["dct"] + "publisher"))
            issued = view.first(node, ox.NamedNode(PREFIXES["dct"] + "issued"))
            url = view.first(node, ox.NamedNode(PREFIXES["schema"] + "url"))
            out.append(Source(
                number,
                view.href(iri),
                title.value if isinstance(title, ox.Literal) else view.label(node),
                view.label(publisher) if publisher is not None else "",
                view.value(issued).text if issued is not None else "",
                url.value if url is not None and url.value.startswith(("http://", "https://")) else None,
            ))
        return out


def page(view: View, iri: str) -> Page:
    """The page model of a described resource."""
    node = ox.NamedNode(iri)
    cites = Citations(view)
    quads = view.quads(node)
    types = [q for q in quads if q.predicate == TYPE]
    asserted_types = {q.object for q in types if view.graph_of(q) in ("asserted", "ontology")}
    inferred_types = {q.object for q in types} - asserted_types
    statements, others = _statements(view, [q for q in quads if q.predicate.value not in APART], iri)
    scratch = Citations(view)
    memberships = membership_rows(view, view.subjects(MEMBER, node), scratch)
    for row in memberships:  # "CICA" rather than its full name, which the table would repeat
        if isinstance(row.organization.term, ox.NamedNode):
            row.organization = view.short(row.organization.term)
    memberships.sort(key=lambda r: (r.organization.text.lower(), r.role.text == "chair", _sort_date(r.start or r.end)))
    members: dict[str, list[MembershipRow]] = defaultdict(list)
    for row in sorted(membership_rows(view, view.subjects(ORGANIZATION, node), scratch), key=lambda r: r.role.text):
        members[row.role.text].append(row)
    for rows in members.values():
        # a group where every row is dated reads best as a chronology (chairs), others alphabetically (members)
        if all(r.start or r.end for r in rows):
            rows.sort(key=lambda r: (_sort_date(r.start or r.end), r.member.text.lower()))
        else:
            rows.sort(key=lambda r: (r.member.text.lower(), _sort_date(r.start)))
    # references are numbered in the order the page shows them, as in an article
    for row in [*memberships, *(r for rows in members.values() for r in rows)]:
        row.refs = cites.cite(row.node)
    own_refs = cites.cite(node)
    return Page(
        iri=iri,
        label=view.label(node),
        types=sorted((view.value(t) for t in asserted_types), key=lambda v: v.text),
        inferred_types=sorted((view.value(t) for t in inferred_types), key=lambda v: v.text),
        also_known_as=_also_known_as(view, node),
        descriptions=[t.value for p in DESCRIPTIONS for t in view.objects(node, p) if isinstance(t, ox.Literal)],
        notes=[t.value for t in view.objects(node, NOTE) if isinstance(t, ox.Literal)],
        statements=statements,
        other_statements=others,
        own_refs=own_refs,
        memberships=memberships,
        members=dict(members),
        incoming=_incoming(view, node),
        cited_by=[view.value(s) for s in view.subjects(PROV_DERIVED, node)][:INCOMING_LIMIT],
        sources=cites.sources(),
    )


def rdf_description(view: View, iri: str) -> list[ox.Triple]:
    """The symmetric concise bounded description of ``iri`` (deduplicated across graphs)."""
    node = ox.NamedNode(iri)
    seen: set = set()
    triples: list[ox.Triple] = []
    todo = [node]
    done = set()
    while todo:
        subject = todo.pop()
        if subject in done:
            continue
        done.add(subject)
        for quad in view.quads(subject):
            triple = ox.Triple(quad.subject, quad.predicate, quad.object)
            if triple not in seen:
                seen.add(triple)
                triples.append(triple)
            obj = quad.object
            if isinstance(obj, ox.BlankNode) or (isinstance(obj, ox.NamedNode) and obj.value.startswith(iri + "#")):
                todo.append(obj)
    for quad in view.quads(None, None, node):
        triple = ox.Triple(quad.subject, quad.predicate, quad.object)
        if triple not in seen:
            seen.add(triple)
            triples.append(triple)
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _statements(view: View, quads: list[ox.Quad], iri: str, depth: int = 0) -> tuple[list[Statement], list[Statement]]:
    by_property: dict[ox.NamedNode, dict[object, set[str]]] = defaultdict(lambda: defaultdict(set))
    for quad in quads:
        by_property[quad.predicate][quad.object].add(view.graph_of(quad))
    curated, rest = [], []
    for prop, objects in sorted(by_property.items(), key=lambda item: view.label(item[0]).lower()):
        values = []
        for obj, graphs in objects.items():
            value = view.value(obj, graphs)
            if depth < 2 and (isinstance(obj, ox.BlankNode) or (isinstance(obj, ox.NamedNode) and "#" in obj.value
                                                                and obj.value.startswith(iri.split("#")[0] + "#"))):
                nested, nested_rest = _statements(view, view.quads(obj), iri, depth + 1)
                value.nested = nested + nested_rest
            values.append(value)
        values.sort(key=lambda v: (bool(v.origin), v.text.lower()))
        shown = [v for v in values if not v.origin]
        derived = [v for v in values if v.origin]
        label, href = view.label(prop), view.href(prop.value)
        if shown:
            curated.append(Statement(label, href, shown))
        if derived:
            rest.append(Statement(label, href, derived))
    return curated, rest


def membership_rows(view: View, nodes: list, cites: Citations) -> list[MembershipRow]:
    """The org:Membership nodes among ``nodes`` as table rows, their sources cited in ``cites``."""
    rows = []
    for node in nodes:
        if not view.has_type(node, MEMBERSHIP):
            continue
        member, organization, role = (view.first(node, p) for p in (MEMBER, ORGANIZATION, ROLE))
        start, end, attested = (view.first(node, p) for p in (START, END, ATTESTED))
        rows.append(MembershipRow(
            href=view.href(node.value) if isinstance(node, ox.NamedNode) else None,
            member=view.value(member) if member is not None else Value("(unknown)", kind="literal"),
            organization=view.value(organization) if organization is not None else Value("(unknown)", kind="literal"),
            role=view.value(role) if role is not None else Value("(no role)", kind="literal"),
            start=view.value(start) if start is not None else None,
            end=view.value(end) if end is not None else None,
            attested=view.value(attested) if attested is not None else None,
            notes=[t.value for t in view.objects(node, NOTE) if isinstance(t, ox.Literal)],
            refs=cites.cite(node),
            node=node,
        ))
    return rows


def _incoming(view: View, node: ox.NamedNode) -> list[Statement]:
    groups: dict[ox.NamedNode, dict[object, set[str]]] = defaultdict(lambda: defaultdict(set))
    for quad in view.quads(None, None, node):
        graph = view.graph_of(quad)
        if graph == "inferred" or quad.predicate == PROV_DERIVED:
            continue
        if quad.predicate in (MEMBER, ORGANIZATION) and view.has_type(quad.subject, MEMBERSHIP):
            continue
        if quad.subject.value.startswith(node.value + "#") if isinstance(quad.subject, ox.NamedNode) else False:
            continue
        groups[quad.predicate][quad.subject].add(graph)
    out = []
    for prop, subjects in sorted(groups.items(), key=lambda item: view.label(item[0]).lower()):
        values = sorted((view.value(s, g) for s, g in subjects.items()), key=lambda v: v.text.lower())
        out.append(Statement(view.label(prop), view.href(prop.value), values[:INCOMING_LIMIT]))
    return out


def _also_known_as(view: View, node: ox.NamedNode) -> list[Value]:
    title = view.label(node)
    names = []
    for prop in [*ALT_LABELS, ox.NamedNode(RDFS + "label"), ox.NamedNode(PREFIXES["skos"] + "prefLabel")]:
        for term in view.objects(node, prop):
            if isinstance(term, ox.Literal) and term.value != title and term.value not in (v.text for v in names):
                names.append(view.value(term))
    return names


def _sort_date(value: Value | None) -> str:
    return value.note if value is not None and value.note else "9999"
