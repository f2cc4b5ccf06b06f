"""The data behind the list pages: states, organizations, meetings, the CBM catalogue, agreements, sources.

Each function reads the store through :class:`~cica_graph.web.view.View` and
returns plain rows for a template. Class membership follows ``rdfs:subClassOf``
so that the lists are right whether or not the inferred graph is loaded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..terms import PREFIXES
from .describe import ORGANIZATION, Citations, MembershipRow, membership_rows
from .view import TYPE, Value, View

CICA = PREFIXES["cica"]
SKOS = PREFIXES["skos"]
SCHEMA = PREFIXES["schema"]
DCT = PREFIXES["dct"]


@dataclass
class Row:
    """A generic list row: the resource plus named columns."""

    item: Value
    cells: dict[str, object] = field(default_factory=dict)


def instances(view: View, cls: str) -> list[ox.NamedNode]:
    """IRIs of the instances of ``cls`` or of its subclasses, sorted by label."""
    query = "SELECT DISTINCT ?s ?cls WHERE { ?s a/rdfs:subClassOf* ?cls FILTER(isIRI(?s)) }"
    found = [r["s"] for r in view.store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True,
                                              substitutions={ox.Variable("cls"): ox.NamedNode(cls)})]
    return sorted(found, key=lambda s: view.label(s).lower())


def cica_org(view: View) -> ox.NamedNode:
    """CICA itself, in the release's namespace."""
    return ox.NamedNode(view.settings.data_base + "id/org/cica")


def relations_with(view: View, subject: ox.NamedNode, organization: ox.NamedNode, cites: Citations) -> list[MembershipRow]:
    """The memberships of ``subject`` in ``organization`` (any role), oldest first."""
    rows = [r for r in membership_rows(view, view.subjects(ox.NamedNode(PREFIXES["org"] + "member"), subject), cites)
            if r.organization.term == organization]
    def key(row: MembershipRow) -> tuple:
        dated = row.start or row.end
        return (row.role.text == "chair", dated.note if dated else "0000", row.role.text)

    return sorted(rows, key=key)


def states(view: View) -> dict[str, list[Row]]:
    """States grouped as CICA members, observers and others, each with its CICA memberships."""
    cica, cites = cica_org(view), Citations(view)
    groups: dict[str, list[Row]] = {"Member states": [], "Observer states": [], "Other states": []}
    for state in instances(view, CICA + "State"):
        relations = relations_with(view, state, cica, cites)
        roles = {r.role.term.value for r in relations if r.end is None and isinstance(r.role.term, ox.NamedNode)}
        code = view.first(state, ox.NamedNode(CICA + "iso3166Alpha3"))
        wikidata = [o.value for o in view.objects(state, ox.NamedNode(SCHEMA + "sameAs"))
                    if isinstance(o, ox.NamedNode) and "wikidata.org" in o.value]
        row = Row(view.value(state), {"code": code.value if code else "", "relations": relations,
                                      "wikidata": wikidata[0] if wikidata else None})
        if CICA + "MemberRole" in roles:
            groups["Member states"].append(row)
        elif CICA + "ObserverRole" in roles:
            groups["Observer states"].append(row)
        else:
            groups["Other states"].append(row)
    return {name: rows for name, rows in groups.items() if rows}


def organizations(view: View) -> dict[str, list[Row]]:
    """International organizations with their status in CICA, then bodies and units with what they belong to."""
    cica, cites = cica_org(view), Citations(view)
    unit_of = ox.NamedNode(PREFIXES["org"] + "unitOf")
    international = instances(view, CICA + "InternationalOrganization")
    units = [u for u in instances(view, PREFIXES["org"] + "OrganizationalUnit") if u not in international]
    out: dict[str, list[Row]] = {"International organizations": [], "Bodies and units": []}
    for org in international:
        out["International organizations"].append(Row(view.value(org), {
            "acronyms": _alt_labels(view, org), "types": _types(view, org),
            "relations": relations_with(view, org, cica, cites) if org != cica else [],
        }))
    for unit in units:
        out["Bodies and units"].append(Row(view.value(unit), {
            "acronyms": _alt_labels(view, unit), "types": _types(view, unit),
            "parents": [view.short(p) for p in view.objects(unit, unit_of)],
        }))
    return {name: rows for name, rows in out.items() if rows}


def meetings(view: View) -> list[tuple[str, list[Row]]]:
    """Meetings by year, in date order, with place, organizer and the documents adopted at them."""
    adopted, signed = ox.NamedNode(CICA + "adoptedAt"), ox.NamedNode(CICA + "signedAt")
    rows = []
    for event in instances(view, CICA + "Meeting"):
        start, end = view.first(event, ox.NamedNode(SCHEMA + "startDate")), view.first(event, ox.NamedNode(SCHEMA + "endDate"))
        rows.append(Row(view.value(event), {
            "start": view.value(start) if start is not None else None,
            "end": view.value(end) if end is not None else None,
            "sort": start.value if start is not None else "9999",
            "types": _types(view, event),
            "places": [view.value(p) for p in view.objects(event, ox.NamedNode(SCHEMA + "location"))],
            "organizers": [view.short(o) for o in view.objects(event, ox.NamedNode(SCHEMA + "organizer"))],
            "documents": sorted((view.value(d) for d in view.subjects(adopted, event)), key=lambda v: v.text),
            "agreements": sorted((view.value(a) for a in view.subjects(signed, event)), key=lambda v: v.text),
        }))
    by_year: dict[str, list[Row]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.cells["sort"], r.item.text)):
        by_year[str(row.cells["sort"])[:4] if row.cells["sort"] != "9999" else "Undated"].append(row)
    return list(by_year.items())


def catalogue(view: View) -> list[dict]:
    """Each CBM concept scheme: its dimensions, their areas, and the states coordinating each area with their role."""
    has_top, top_of = ox.NamedNode(SKOS + "hasTopConcept"), ox.NamedNode(SKOS + "topConceptOf")
    broader = ox.NamedNode(SKOS + "broader")
    cites = Citations(view)
    schemes = []
    for scheme in instances(view, SKOS + "ConceptScheme"):
        tops = set(view.objects(scheme, has_top)) | set(view.subjects(top_of, scheme))
        tops = sorted(tops, key=lambda t: view.label(t).lower())
        if not tops or not scheme.value.startswith(view.settings.data_base + "id/"):
            continue
        dimensions = []
        for top in tops:
            areas = []
            for area in sorted(view.subjects(broader, top), key=lambda a: view.label(a).lower()):
                coordinators = membership_rows(view, view.subjects(ORGANIZATION, area), cites)
                coordinators.sort(key=lambda r: (r.role.text, r.member.text))
                areas.append({"area": view.value(area), "aliases": _alt_labels(view, area), "coordinators": coordinators})
            dimensions.append({"dimension": view.value(top), "areas": areas})
        schemes.append({"scheme": view.value(scheme), "dimensions": dimensions})
    return schemes


def agreements(view: View) -> list[Row]:
    """Agreements with their type, parties, date and the meeting they were signed at, oldest first."""
    rows = []
    for agreement in instances(view, CICA + "Agreement"):
        date = view.first(agreement, ox.NamedNode(DCT + "date"))
        rows.append(Row(view.value(agreement), {
            "title": _text(view.first(agreement, ox.NamedNode(DCT + "title"))),
            "types": _types(view, agreement),
            "parties": [view.value(p) for p in view.objects(agreement, ox.NamedNode(CICA + "party"))],
            "date": view.value(date) if date is not None else None,
            "sort": date.value if date is not None else "9999",
            "signed_at": [view.value(e) for e in view.objects(agreement, ox.NamedNode(CICA + "signedAt"))],
        }))
    return sorted(rows, key=lambda r: r.cells["sort"])


def sources(view: View) -> list[Row]:
    """The sources of the graph with publisher, date, address and how many resources cite them."""
    derived_from = ox.NamedNode(PREFIXES["prov"] + "wasDerivedFrom")
    rows = []
    for source in instances(view, PREFIXES["prov"] + "Entity"):
        if not source.value.startswith(view.settings.data_base + "id/source/"):
            continue
        issued, url = view.first(source, ox.NamedNode(DCT + "issued")), view.first(source, ox.NamedNode(SCHEMA + "url"))
        rows.append(Row(view.value(source), {
            "publisher": _text(view.first(source, ox.NamedNode(DCT + "publisher"))),
            "issued": view.value(issued) if issued is not None else None,
            "url": url.value if url is not None and url.value.startswith(("http://", "https://")) else None,
            "citations": len(view.subjects(derived_from, source)),
        }))
    return rows


def people(view: View) -> list[Row]:
    """People with their nationality and the posts they held, with dates."""
    member = ox.NamedNode(PREFIXES["org"] + "member")
    cites = Citations(view)
    rows = []
    for person in instances(view, PREFIXES["foaf"] + "Person"):
        posts = membership_rows(view, view.subjects(member, person), cites)
        posts.sort(key=lambda r: (r.start.note if r.start else "0000", r.organization.text))
        rows.append(Row(view.value(person), {
            "nationality": [view.value(n) for n in view.objects(person, ox.NamedNode(SCHEMA + "nationality"))],
            "posts": posts,
        }))
    return rows


def counts(view: View) -> list[tuple[str, int, str]]:
    """Headline numbers for the home page: (what, how many, list page)."""
    states_by_group = states(view)
    numbers = [
        ("member states", len(states_by_group.get("Member states", [])), "states"),
        ("observer states", len(states_by_group.get("Observer states", [])), "states"),
        ("international organizations", len(instances(view, CICA + "InternationalOrganization")), "organizations"),
        ("meetings", len(instances(view, CICA + "Meeting")), "meetings"),
        ("documents", len(instances(view, CICA + "Document")), "meetings"),
        ("agreements", len(instances(view, CICA + "Agreement")), "agreements"),
        ("CBM areas", len(instances(view, CICA + "CBMArea")), "catalogue"),
        ("memberships and posts", len(instances(view, PREFIXES["org"] + "Membership")), "states"),
        ("people", len(instances(view, PREFIXES["foaf"] + "Person")), "people"),
        ("cited sources", len(sources(view)), "sources"),
    ]
    return [n for n in numbers if n[1]]


def _types(view: View, node: ox.NamedNode) -> list[Value]:
    asserted = [q.object for q in view.quads(node, TYPE) if view.graph_of(q) == "asserted"]
    return sorted((view.value(t) for t in dict.fromkeys(asserted)), key=lambda v: v.text)


def _alt_labels(view: View, node: ox.NamedNode) -> list[str]:
    return [t.value for t in view.objects(node, ox.NamedNode(SKOS + "altLabel")) if isinstance(t, ox.Literal)]


def _text(term: object) -> str:
    return term.value if isinstance(term, ox.Literal) else ""
