"""Networks built from SPARQL results, each with the meaning of its edges spelled out.

* :func:`bipartite` — states and organizations, an edge where a member or
  observer status is in force on the day (the graph's reading, as
  ``members_on``); edge attributes ``role`` and ``proven``.
* :func:`projection` — states linked by the organizations they share on that
  day, ``weight`` = their number, ``organizations`` = their keys.
* :func:`coordination` — states linked by the CBM areas they coordinate
  together, ``weight`` = the number of areas, ``areas`` = their labels.
* :func:`participation` — meetings and the agents that organized, attended,
  chaired or led a delegation to them.

Node ids are compact IRIs (``state:kaz``); every node has ``label``, ``kind``
and ``iri``. Multi-valued attributes are joined with ``"; "`` so that GraphML
and GEXF, which only hold scalars, keep them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import combinations

import networkx as nx
import pyoxigraph as ox

from .graphdata import compact, iri, partial, select, text
from .temporal import members_on
from .timeline import COORDINATING, MEMBER, OBSERVER, Timeline

_AREAS = """
SELECT ?area ?label ?dimension ?dimensionLabel WHERE {
  ?area a cica:CBMArea .
  OPTIONAL { ?area skos:prefLabel ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL {
    ?area skos:broader ?dimension . ?dimension a cica:CBMDimension .
    OPTIONAL { ?dimension skos:prefLabel ?dimensionLabel FILTER(LANGMATCHES(LANG(?dimensionLabel), "en")) }
  }
}
"""

_PARTICIPATION = """
SELECT ?event ?type ?start ?agent ?how WHERE {
  ?event a ?type . ?type rdfs:subClassOf* cica:Meeting .
  OPTIONAL { ?event schema:startDate ?start }
  VALUES (?property ?how) {
    (schema:attendee "attendee") (schema:organizer "organizer") (cica:chairedBy "chair") (cica:delegationHead "delegation head")
  }
  ?event ?property ?agent .
}
"""

SEPARATOR = "; "


def cbm_areas(store: ox.Store) -> list[dict[str, str]]:
    """The CBM areas with their label and dimension (IRI and label), in IRI order."""
    rows = {}
    for row in select(store, _AREAS):
        area = iri(row["area"])
        rows[area] = {
            "area": area,
            "label": text(row.get("label")) or area.rsplit("/", 1)[-1],
            "dimension": iri(row["dimension"]) if "dimension" in row else "",
            "dimension_label": text(row.get("dimensionLabel")) or "",
        }
    return [rows[k] for k in sorted(rows)]


def coordinators(timeline: Timeline, areas: list[dict[str, str]], on: date | None = None) -> dict[str, list[str]]:
    """Area IRI → the states coordinating it (on ``on`` when given; every listed state otherwise)."""
    found: dict[str, set[str]] = defaultdict(set)
    keys = {a["area"] for a in areas}
    for statement in timeline.statements:
        in_force = on is None or statement.in_force(on)
        if statement.organization in keys and timeline.has_role(statement, COORDINATING) and in_force:
            found[statement.organization].add(statement.member)
    return {area: sorted(found[area]) for area in sorted(keys)}


def bipartite(timeline: Timeline, on: date) -> nx.Graph:
    """States and organizations, linked by member or observer statuses in force on ``on``."""
    graph = nx.Graph(name=f"state-organization {on.isoformat()}", date=on.isoformat())
    organizations = _organizations(timeline)
    for state in sorted(timeline.states):
        _node(graph, timeline, state, "state", bipartite=0)
    for organization in organizations:
        _node(graph, timeline, organization, "organization", bipartite=1)
    for organization in organizations:
        for role, name in ((MEMBER, "member"), (OBSERVER, "observer")):
            for holder in members_on(timeline, organization, on, role):
                if holder.iri in timeline.states and not graph.has_edge(compact(holder.iri), compact(organization)):
                    graph.add_edge(compact(holder.iri), compact(organization), role=name, proven=holder.proven, weight=1)
    return graph


def projection(graph: nx.Graph) -> nx.Graph:
    """The state–state projection of a bipartite graph, weighted by shared organizations."""
    states = sorted(n for n, kind in graph.nodes(data="kind") if kind == "state")
    projected = nx.Graph(name=f"state-state {graph.graph.get('date', '')}".strip(), date=graph.graph.get("date", ""))
    for node in states:
        projected.add_node(node, **graph.nodes[node])
    for a, b in combinations(states, 2):
        shared = sorted(set(graph[a]) & set(graph[b]))
        if shared:
            projected.add_edge(a, b, weight=len(shared), organizations=SEPARATOR.join(shared))
    return projected


def coordination(timeline: Timeline, areas: list[dict[str, str]], on: date | None = None) -> nx.Graph:
    """States linked by the CBM areas they coordinate together (weight = number of shared areas)."""
    labels = {a["area"]: a["label"] for a in areas}
    graph = nx.Graph(name="cbm co-coordination")
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for area, states in coordinators(timeline, areas, on).items():
        for state in states:
            _node(graph, timeline, state, "state")
        for a, b in combinations(sorted(compact(s) for s in states), 2):
            shared[(a, b)].append(labels[area])
    for (a, b), names in sorted(shared.items()):
        graph.add_edge(a, b, weight=len(names), areas=SEPARATOR.join(sorted(names)))
    return graph


def participation(store: ox.Store, timeline: Timeline) -> nx.Graph:
    """Meetings and the agents that took part in them (edge attribute ``how``: attendee, organizer …)."""
    graph = nx.Graph(name="event participation")
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in select(store, _PARTICIPATION):
        event, agent = iri(row["event"]), iri(row["agent"])
        if event not in graph:
            start = partial(row.get("start"))
            _node(graph, timeline, event, "event", bipartite=1, date=start.lexical if start else "")
        if agent not in graph:
            kind = "state" if agent in timeline.states else "person" if "/id/person/" in agent else "organization"
            _node(graph, timeline, agent, kind, bipartite=0)
        edges[(compact(agent), compact(event))].add(text(row["how"]) or "")
    for (agent, event), hows in sorted(edges.items()):
        graph.add_edge(agent, event, how=SEPARATOR.join(sorted(hows)), weight=1)
    return _sorted(graph)


def _organizations(timeline: Timeline) -> list[str]:
    """Every international organization of the graph, and any other organization with state members or observers."""
    with_states = {
        s.organization for s in timeline.statements
        if s.member in timeline.states and (timeline.has_role(s, MEMBER) or timeline.has_role(s, OBSERVER))
    }
    return sorted({o for o, info in timeline.organizations.items() if info.international} | with_states)


def _node(graph: nx.Graph, timeline: Timeline, node: str, kind: str, **extra: object) -> None:
    graph.add_node(compact(node), label=timeline.label(node), kind=kind, iri=node, **extra)


def _sorted(graph: nx.Graph) -> nx.Graph:
    ordered = nx.Graph(**graph.graph)
    ordered.add_nodes_from(sorted(graph.nodes(data=True)))
    ordered.add_edges_from(sorted(graph.edges(data=True)))
    return ordered
