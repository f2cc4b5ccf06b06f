"""Charts as PNG and SVG, each returning the data it plotted (tests check data, not pixels).

Matplotlib's object API with the Agg canvas (no pyplot, no global backend).
The same input gives the same files: SVG ids are salted with a constant, no
creation date is written, layouts use a fixed seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib as mpl
import networkx as nx
import pyoxigraph as ox
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .graphdata import iri, partial, select, text
from .network import SEPARATOR, cbm_areas, coordination, coordinators
from .temporal import FULL, OBSERVER_CODE, PARTNER_CODE, code_on
from .timeline import CHAIR, COORDINATING, STATUS_ROLES, Timeline

DPI = 100
FORMATS = ("png", "svg")
CICA_ORG = "https://w3id.org/cica/id/org/cica"
SEED = 42

_MEETINGS = """
SELECT ?event ?type ?label ?start WHERE {
  VALUES ?type { cica:Summit cica:MinisterialMeeting }
  ?event a ?type ; schema:organizer ?org ; schema:startDate ?start .
  OPTIONAL { ?event rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
}
"""


@dataclass
class Chart:
    """What a chart function plotted and the files it wrote."""

    name: str
    data: dict[str, object]
    files: list[Path] = field(default_factory=list)
    size: tuple[int, int] = (0, 0)


def membership_growth(timeline: Timeline, out: Path, first: dt.date, last: dt.date, organization: str = CICA_ORG) -> Chart:
    """Step chart of members, observers and partners proven on each day a count changes."""
    agents = sorted({s.member for s in timeline.statements if s.organization == organization
                     and any(timeline.has_role(s, r) for r in STATUS_ROLES)})
    days = sorted({first, last} | {d for d in _change_days(timeline, organization) if first < d < last})
    series: dict[str, list[int]] = {"member": [], "observer": [], "partner": []}
    for day in days:
        codes = [code_on(timeline, a, organization, day) for a in agents]
        series["member"].append(codes.count(FULL))
        series["observer"].append(codes.count(OBSERVER_CODE))
        series["partner"].append(codes.count(PARTNER_CODE))
    fig = _figure(10, 5)
    ax = fig.add_subplot()
    for role, values in series.items():
        ax.step(days, values, where="post", label=role)
    ax.set_title(f"{_short(timeline, organization)}: members, observers and partners proven in force")
    ax.set_ylabel("count")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    data: dict[str, object] = {"dates": [d.isoformat() for d in days], **series}
    return _save(fig, out, "membership-growth", data)


def meetings_timeline(store: ox.Store, timeline: Timeline, out: Path, last: dt.date, organization: str = CICA_ORG) -> Chart:
    """Summits and ministerial meetings as points, chairmanships as bars, on one time axis."""
    meetings = sorted(
        (partial(r["start"]).earliest, text(r.get("label")) or iri(r["event"]), iri(r["type"]).rsplit("#", 1)[-1])  # type: ignore[union-attr]
        for r in select(store, _MEETINGS.replace("?org", f"<{organization}>")) if partial(r["start"])
    )
    org = timeline.organizations.get(organization)
    since = org.documented_from if org and org.documented_from else min((m[0] for m in meetings), default=last)
    chairs = sorted(
        (((s.start.earliest if s.start else since), s, timeline.label(s.member))
         for s in timeline.statements if s.organization == organization and timeline.has_role(s, CHAIR)),
        key=lambda item: (item[0], item[1].iri),
    )
    fig = _figure(12, 5)
    ax = fig.add_subplot()
    for row, (kind, marker) in enumerate((("Summit", "o"), ("MinisterialMeeting", "s")), start=1):
        points = [m[0] for m in meetings if m[2] == kind]
        ax.plot(points, [row] * len(points), marker, label=kind.replace("MinisterialMeeting", "Ministerial meeting"))
    for begin, statement, name in chairs:
        end = statement.end.earliest if statement.end else last
        ax.barh(0, (end - begin).days, left=begin, height=0.6, hatch="//" if statement.start is None else None,
                edgecolor="black", alpha=0.6)
        ax.text(begin + (end - begin) / 2, 0, name, ha="center", va="center", fontsize=8)
    ax.set_yticks([0, 1, 2], ["chair", "summits", "ministerial"])
    ax.set_title(f"{_short(timeline, organization)}: summits, ministerial meetings and chairmanships")
    ax.grid(axis="x", alpha=0.3)
    data: dict[str, object] = {
        "summits": [(d.isoformat(), label) for d, label, kind in meetings if kind == "Summit"],
        "ministerial": [(d.isoformat(), label) for d, label, kind in meetings if kind == "MinisterialMeeting"],
        "chairs": [(name, s.start.lexical if s.start else None, s.end.lexical if s.end else None) for _b, s, name in chairs],
    }
    return _save(fig, out, "meetings-timeline", data)


def coordination_network(store: ox.Store, timeline: Timeline, out: Path) -> Chart:
    """The CBM co-coordination network, nodes labelled by ISO code, edge width by shared areas."""
    graph = coordination(timeline, cbm_areas(store))
    positions = _layout(graph)
    fig = _figure(9, 9)
    ax = fig.add_subplot()
    widths = [1.5 * d["weight"] for _a, _b, d in graph.edges(data=True)]
    nx.draw_networkx_edges(graph, positions, ax=ax, width=widths, alpha=0.5)
    nx.draw_networkx_nodes(graph, positions, ax=ax, node_size=500, node_color="#9ecae1")
    labels = {n: timeline.states[graph.nodes[n]["iri"]].iso3 if graph.nodes[n]["iri"] in timeline.states else n for n in graph}
    nx.draw_networkx_labels(graph, positions, labels=labels, ax=ax, font_size=8)
    ax.set_title("CICA CBM catalogue: states linked by the areas they coordinate together")
    ax.set_axis_off()
    data: dict[str, object] = {
        "nodes": sorted(graph.nodes),
        "edges": sorted((min(a, b), max(a, b), d["weight"], d["areas"].split(SEPARATOR)) for a, b, d in graph.edges(data=True)),
        "positions": {n: (round(float(x), 6), round(float(y), 6)) for n, (x, y) in sorted(positions.items())},
    }
    return _save(fig, out, "coordination-network", data)


def dimension_area_matrix(store: ox.Store, timeline: Timeline, out: Path) -> Chart:
    """Areas (grouped by dimension) × coordinating states: 2 coordinator, 1 coordinating state, 0.5 co-coordinator."""
    areas = sorted(cbm_areas(store), key=lambda a: (a["dimension_label"], a["label"]))
    listed = coordinators(timeline, areas)
    states = sorted({s for members in listed.values() for s in members}, key=lambda s: timeline.states[s].iso3)
    roles = {
        (s.organization, s.member): s.role.rsplit("#", 1)[-1] for s in timeline.statements if timeline.has_role(s, COORDINATING)
    }
    value = {"CoordinatorRole": 2.0, "CoordinatingStateRole": 1.0, "CoCoordinatorRole": 0.5}
    matrix = [[value.get(roles.get((a["area"], s), ""), 0.0) for s in states] for a in areas]
    fig = _figure(12, 8)
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=2, aspect="auto")
    ax.set_xticks(range(len(states)), [timeline.states[s].iso3 for s in states], rotation=90, fontsize=8)
    ax.set_yticks(range(len(areas)), [f"{a['dimension_label']} · {a['label'][:45]}" for a in areas], fontsize=7)
    ax.set_title("CICA CBM catalogue: coordinating states by dimension and area\n"
                 "(dark: coordinator, medium: coordinating state, light: co-coordinator)", fontsize=10)
    data: dict[str, object] = {
        "rows": [(a["dimension_label"], a["label"]) for a in areas],
        "columns": [timeline.states[s].iso3 for s in states],
        "matrix": matrix,
    }
    return _save(fig, out, "dimension-area-matrix", data)


def _layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """A spring layout per connected component (fixed seed), the largest in the middle, the others in a column beside it."""
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    positions: dict[str, tuple[float, float]] = {}
    for index, nodes in enumerate(components):
        sub = graph.subgraph(nodes)
        scale = 1.0 if index == 0 else max(0.15, 0.3 * (len(nodes) / max(len(components[0]), 1)) ** 0.5)
        centre = (0.0, 0.0) if index == 0 else (1.45, 0.9 - 0.6 * (index - 1))
        if len(nodes) == 1:
            placed = {nodes[0]: centre}
        else:
            placed = nx.spring_layout(sub, seed=SEED, weight="weight", scale=scale, center=centre)
        positions.update({n: (float(x), float(y)) for n, (x, y) in placed.items()})
    return positions


def _change_days(timeline: Timeline, organization: str) -> set[dt.date]:
    days: set[dt.date] = set()
    for s in timeline.statements:
        if s.organization != organization:
            continue
        if s.start:
            days.add(s.start.earliest)
        if s.end:
            days.add(s.end.earliest if s.end.precision == "day" else s.end.latest + dt.timedelta(days=1))
        days.update(a.latest for a in s.attested)
    org = timeline.organizations.get(organization)
    if org and org.documented_from:
        days.add(org.documented_from)
    return days


def _short(timeline: Timeline, organization: str) -> str:
    org = timeline.organizations.get(organization)
    return (org.acronym or org.label) if org else organization


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, out: Path, name: str, data: dict[str, object]) -> Chart:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    with mpl.rc_context({"svg.hashsalt": "cica-graph", "svg.fonttype": "path"}):
        for fmt in FORMATS:
            path = out / f"{name}.{fmt}"
            metadata = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(path, format=fmt, dpi=DPI, metadata=metadata)
            files.append(path)
    width, height = (round(v) for v in fig.get_size_inches() * DPI)
    return Chart(name, data, files, (width, height))
