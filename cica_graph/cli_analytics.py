"""Analytics commands of ``cica-graph``: members, status, panel, network, chart, diff.

Thin layer over :mod:`cica_graph.analytics`: parse the options, call one
function, write its files or print its result. Registered on the main app by
the last lines of :mod:`cica_graph.cli`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
import typer
from rich.table import Table as RichTable

from . import dates
from .analytics import codebook, panel
from .analytics.diff import diff_releases
from .analytics.graphdata import compact, load_release, release_digest
from .analytics.temporal import ROLE_NAMES, members_on, status_on
from .analytics.timeline import Timeline
from .console import fail, out, progress
from .errors import CicaError, ConfigError
from .project import Project
from .release import write_file
from .sparql import expand
from .workspace import ensure_release, open_release_store

Release = Annotated[
    Path | None,
    typer.Option("--release", help="A release to analyse: a dist folder or a cica.trig/.ttl file (default: the project's)."),
]
Root = Annotated[Path | None, typer.Option("--root", help="Project folder (default: found from the working directory).")]
On = Annotated[str, typer.Option("--on", help="The day, YYYY-MM-DD (default: today).")]
OutDir = Annotated[Path, typer.Option("--out", "-o", help="Folder to write into (created if missing).")]
NETWORKS = ("bipartite", "projection", "coordination", "participation")
CHARTS = ("membership-growth", "meetings-timeline", "coordination-network", "dimension-area-matrix")


def register(app: typer.Typer) -> None:
    """Add the analytics commands to ``app``."""
    app.command(name="members")(members)
    app.command(name="status")(status)
    app.command(name="panel")(panel_command)
    app.command(name="network")(network_command)
    app.command(name="chart")(chart_command)
    app.command(name="diff")(diff_command)


def members(
    org: Annotated[str, typer.Option("--org", help="The organization (prefixed name or IRI).")] = "io:cica",
    role: Annotated[str, typer.Option("--role", help="member | observer | partner | candidate")] = "member",
    on: On = "today",
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    release: Release = None,
    root: Root = None,
) -> None:
    """Who holds a status in an organization on a day, from the memberships' dates."""
    try:
        if role not in ROLE_NAMES:
            raise ConfigError(f"unknown role '{role}' (expected {', '.join(ROLE_NAMES)})")
        day, timeline = _day(on), _timeline(release, root)
        holders = members_on(timeline, _iri(org), day, ROLE_NAMES[role])
    except CicaError as exc:
        fail(exc)
    rows = [{"member": compact(h.iri), "label": h.label, "proven": h.proven, "memberships": [compact(m) for m in h.memberships]}
            for h in holders]
    if fmt == "json":
        data = {"organization": org, "role": role, "on": day.isoformat(), "count": len(rows), "holders": rows}
        out.print_json(json.dumps(data))
    elif fmt == "csv":
        table = panel.Table(["member", "label", "proven"], [[r["member"], r["label"], str(r["proven"]).lower()] for r in rows])
        typer.echo(table.to_csv(), nl=False)
    else:
        grid = RichTable("member", "label", "proven", title=f"{role}s of {org} on {day.isoformat()}: {len(rows)}")
        for r in rows:
            grid.add_row(r["member"], r["label"], "yes" if r["proven"] else "no (no start date before this day)")
        out.print(grid)


def status(
    state: Annotated[str, typer.Argument(help="A state or other member (state:lka, or an IRI).")],
    org: Annotated[str, typer.Option("--org", help="The organization (prefixed name or IRI).")] = "io:cica",
    on: On = "today",
    release: Release = None,
    root: Root = None,
) -> None:
    """The status of a state in an organization on a day, with its panel code."""
    try:
        found = status_on(_timeline(release, root), _iri(state), _iri(org), _day(on))
    except CicaError as exc:
        fail(exc)
    data = {"member": compact(found.member), "organization": compact(found.organization), "on": found.on.isoformat(),
            "role": compact(found.role) if found.role else None, "code": found.code, "reason": found.reason,
            "memberships": [compact(m) for m in found.memberships]}
    out.print_json(json.dumps(data))


def panel_command(
    out_dir: OutDir = Path("panels"),
    first: Annotated[int, typer.Option("--from", help="First year.")] = 1999,
    last: Annotated[int | None, typer.Option("--to", help="Last year (default: this year).")] = None,
    release: Release = None,
    root: Root = None,
) -> None:
    """COW-IGO-compatible state-year, dyad-year and organization-year CSV panels with their codebook."""
    last = last or date.today().year
    try:
        if last < first:
            raise ConfigError(f"--to {last} is before --from {first}")
        timeline, digest = _timeline(release, root), _digest(release, root)
        tables = {
            "state-year.csv": panel.state_year(timeline, first, last),
            "dyad-year.csv": panel.dyad_year(timeline, first, last),
            "organization-year.csv": panel.organization_year(timeline, first, last),
        }
        for name, table in tables.items():
            write_file(out_dir / name, table.to_csv().encode())
        write_file(out_dir / "codebook.md", codebook.codebook(timeline, first, last, tables, digest).encode())
    except CicaError as exc:
        fail(exc)
    for name, table in tables.items():
        out.print(f"wrote {out_dir / name}: {len(table.rows)} rows", markup=False, highlight=False)
    out.print(f"wrote {out_dir / 'codebook.md'}", markup=False, highlight=False)


def network_command(
    kind: Annotated[str, typer.Argument(help="bipartite | projection | coordination | participation | all")] = "all",
    on: On = "today",
    out_dir: OutDir = Path("networks"),
    rdf: Annotated[bool, typer.Option("--rdf", help="Also write the measures as RDF (Turtle) with PROV.")] = False,
    release: Release = None,
    root: Root = None,
) -> None:
    """Build networks with networkx, compute their measures and export GraphML, GEXF and CSV."""
    from .analytics import measures, network  # networkx: imported only when needed
    try:
        if kind not in (*NETWORKS, "all"):
            raise ConfigError(f"unknown network '{kind}' (expected {', '.join(NETWORKS)} or all)")
        day = _day(on)
        store = _store(release, root)
        timeline, digest = Timeline.read(store), _digest(release, root)
        built = {}
        if kind in ("bipartite", "projection", "all"):
            built["bipartite"] = network.bipartite(timeline, day)
            built["projection"] = network.projection(built["bipartite"])
        if kind in ("coordination", "all"):
            built["coordination"] = network.coordination(timeline, network.cbm_areas(store))
        if kind in ("participation", "all"):
            built["participation"] = network.participation(store, timeline)
        chosen = {k: g for k, g in built.items() if kind in ("all", k)}
        for name, graph in chosen.items():
            table = measures.measures(graph)
            measures.annotate(graph, table)
            out_dir.mkdir(parents=True, exist_ok=True)
            measures.write_graphml(graph, out_dir / f"{name}.graphml")
            measures.write_gexf(graph, out_dir / f"{name}.gexf", day.isoformat())
            write_file(out_dir / f"{name}-measures.csv", table.to_csv().encode())
            if rdf:
                turtle = measures.measures_rdf(table, name, digest).serialize(format="turtle")
                write_file(out_dir / f"{name}-measures.ttl", turtle.encode())
            out.print(f"{name}: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges → {out_dir}/{name}.*",
                      markup=False, highlight=False)
    except CicaError as exc:
        fail(exc)


def chart_command(
    name: Annotated[str, typer.Argument(help=" | ".join((*CHARTS, "all")))] = "all",
    out_dir: OutDir = Path("charts"),
    first: Annotated[str, typer.Option("--from", help="First day of time charts.")] = "1999-01-01",
    last: Annotated[str, typer.Option("--to", help="Last day of time charts (default: today).")] = "today",
    release: Release = None,
    root: Root = None,
) -> None:
    """Draw charts as PNG and SVG (deterministic: same input, same files)."""
    from .analytics import charts  # matplotlib takes ~1 s to import: only when drawing
    try:
        if name not in (*CHARTS, "all"):
            raise ConfigError(f"unknown chart '{name}' (expected {', '.join(CHARTS)} or all)")
        start, end = _day(first), _day(last)
        store = _store(release, root)
        timeline = Timeline.read(store)
        makers = {
            "membership-growth": lambda: charts.membership_growth(timeline, out_dir, start, end),
            "meetings-timeline": lambda: charts.meetings_timeline(store, timeline, out_dir, end),
            "coordination-network": lambda: charts.coordination_network(store, timeline, out_dir),
            "dimension-area-matrix": lambda: charts.dimension_area_matrix(store, timeline, out_dir),
        }
        for key, make in makers.items():
            if name in ("all", key):
                chart = make()
                files = ", ".join(str(f) for f in chart.files)
                out.print(f"{key}: {chart.size[0]}×{chart.size[1]} px → {files}", markup=False, highlight=False)
    except CicaError as exc:
        fail(exc)


def diff_command(
    old: Annotated[Path, typer.Argument(help="The older release: a dist folder or a cica.trig/cica.ttl file.")],
    new: Annotated[Path, typer.Argument(help="The newer release.")],
    fmt: Annotated[str, typer.Option("--format", help="md | json")] = "md",
    output: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
) -> None:
    """What changed between two releases, in domain terms (memberships, meetings, agreements …)."""
    try:
        if fmt not in ("md", "json"):
            raise ConfigError(f"unknown format '{fmt}' (expected md or json)")
        report = diff_releases(old, new)
        text = report.to_markdown() if fmt == "md" else report.to_json()
        if output is None:
            typer.echo(text, nl=False)
        else:
            write_file(output, text.encode())
    except CicaError as exc:
        fail(exc)


def _store(release: Path | None, root: Path | None) -> ox.Store:
    if release is not None:
        return load_release(release)
    return open_release_store(Project.discover(root), progress=progress)


def _timeline(release: Path | None, root: Path | None) -> Timeline:
    return Timeline.read(_store(release, root))


def _digest(release: Path | None, root: Path | None) -> str:
    return release_digest(release if release is not None else ensure_release(Project.discover(root)))


def _day(text: str) -> date:
    if text == "today":
        return date.today()
    try:
        parsed = dates.from_text(text)
    except dates.DateFormatError as exc:
        raise ConfigError(f"bad date '{text}': {exc}") from exc
    if parsed.precision != "day":
        raise ConfigError(f"'{text}' is not a full date: write YYYY-MM-DD")
    return parsed.earliest


def _iri(value: str) -> str:
    try:
        return expand(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc



