"""The ``cica-graph`` command line: parse arguments, call one stage, format the result.

Exit codes: 0 success; 1 the graph does not conform to the shapes; 2 bad input
(a file that does not parse, an unsafe or malformed query, a bad option).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from . import __version__, guard, results, stats
from .console import err, fail, out, progress
from .errors import EXIT_NONCONFORMANT, CicaError, ConfigError, Problem
from .pipeline import assemble, build_release
from .project import Project
from .reason import ENGINES as REASONERS
from .release import write_file
from .sparql import find_queries, load_query
from .store import run
from .validate import ENGINES as VALIDATORS
from .workspace import EXPORTS, ensure_release, open_release_store

HELP = """Build, validate, query and export the CICA knowledge graph.

Exit codes: 0 success · 1 the graph does not conform to the shapes · 2 bad input or configuration."""

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

Root = Annotated[Path | None, typer.Option("--root", help="Project folder (default: found from the working directory).")]
VALIDATOR_HELP = ("compiled (every shape in Oxigraph, core constraints compiled to SPARQL; default) | "
                  "fast (core constraints in pySHACL) | pyshacl (reference).")


def _project(root: Path | None) -> Project:
    try:
        return Project.discover(root)
    except CicaError as exc:
        fail(exc)





def _version(value: bool) -> None:
    if value:
        out.print(f"cica-graph {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Build, validate, query and export the CICA knowledge graph."""
    guard.install()  # no outbound request from any command (docs/security.md)


@app.command()
def build(
    root: Root = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Release folder (default: dist/).")] = None,
    reasoner: Annotated[str, typer.Option(help="fast (reasonable, default) | owlrl (reference).")] = "fast",
    validator: Annotated[str, typer.Option(help=VALIDATOR_HELP)] = "compiled",
) -> None:
    """Load, enrich, reason, validate and write the release (exit 1 if the data does not conform)."""
    project = _project(root)
    _check_engines(reasoner, validator)
    try:
        result = build_release(project, out_dir, progress=progress, reasoner=reasoner, validator=validator)
    except CicaError as exc:
        fail(exc)
    if not result.report.conforms:
        err.print(result.report.as_text(), markup=False, highlight=False)
        err.print("release not written: fix the violations above", style="bold red")
        raise typer.Exit(EXIT_NONCONFORMANT)
    numbers = stats.compute(result)
    total = sum(result.timings.values())
    target = out_dir or project.dist
    out.print(
        f"built {target}: {numbers.triples['asserted']} asserted, {numbers.triples['derived']} derived, "
        f"{numbers.triples['inferred']} inferred triples; {sum(1 for _ in numbers.classes)} classes in use, "
        f"{numbers.sources} sources, {numbers.warnings} warning(s); {total:.2f} s",
        markup=False,
    )


@app.command()
def validate(
    root: Root = None,
    fmt: Annotated[str, typer.Option("--format", help="text | json | turtle")] = "text",
    validator: Annotated[str, typer.Option(help=VALIDATOR_HELP)] = "compiled",
) -> None:
    """Validate the data against the shapes and quality checks; exit 1 on violations."""
    if fmt not in ("text", "json", "turtle"):
        fail(ConfigError(f"unknown format '{fmt}' (expected text, json or turtle)"))
    _check_engines("fast", validator)
    try:
        report = assemble(_project(root), progress=progress, validator=validator).report
    except CicaError as exc:
        fail(exc)
    text = {"text": report.as_text, "json": report.as_json, "turtle": report.as_turtle}[fmt]()
    out.print(text, markup=False, highlight=False)
    if not report.conforms:
        raise typer.Exit(EXIT_NONCONFORMANT)


@app.command()
def query(
    name: Annotated[str, typer.Argument(help="A named query (see 'cica-graph queries') or a path to a .rq file.")],
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="name=value, repeatable.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | tsv | json | xml")] = "table",
    store_at: Annotated[str, typer.Option("--store", help="disk (.cica/store, built once per release) | memory | "
                                          "a folder for the on-disk store.")] = "disk",
    root: Root = None,
) -> None:
    """Run a named SPARQL query (or a .rq file) over the release."""
    project = _project(root)
    if fmt not in results.FORMATS:
        fail(ConfigError(f"unknown format '{fmt}' (expected {', '.join(results.FORMATS)})"))
    try:
        values = _params(param or [])
        path = Path(name)
        if path.suffix == ".rq" and path.exists():
            named = load_query(path)
        else:
            available = find_queries(project.queries_dir)
            if name not in available:
                raise ConfigError(f"no named query '{name}' (available: {', '.join(sorted(available))})")
            named = available[name]
        on_disk = {"disk": True, "memory": False}.get(store_at, Path(store_at))
        store = open_release_store(project, progress=progress, on_disk=on_disk)
        result = run(store, named, values)
    except CicaError as exc:
        fail(exc)
    if fmt == "table" and hasattr(result, "variables"):
        columns, table_rows = results.rows(result)  # type: ignore[arg-type]
        table = Table(*columns, title=named.title, show_lines=False)
        for row in table_rows:
            table.add_row(*row)
        out.print(table)
        out.print(f"{len(table_rows)} row(s)", style="dim")
    else:
        sys.stdout.write(results.serialize(result, "json" if fmt == "table" else fmt))


@app.command()
def queries(
    root: Root = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """List the named queries with their titles and parameters."""
    try:
        found = find_queries(_project(root).queries_dir)
    except CicaError as exc:
        fail(exc)
    if fmt == "json":
        data = [
            {"name": q.name, "title": q.title, "description": q.description,
             "params": [{"name": p.name, "type": p.type, "default": p.default} for p in q.params]}
            for q in found.values()
        ]
        out.print_json(json.dumps(data))
        return
    table = Table("name", "title", "parameters")
    for q in found.values():
        params = (f"?{p.name} {p.type}" + (f" = {p.default}" if p.default else "") for p in q.params)
        table.add_row(q.name, q.title, ", ".join(params))
    out.print(table)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="turtle | jsonld | nt | trig")] = "turtle",
    output: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: standard output).")] = None,
    root: Root = None,
) -> None:
    """Export the graph as Turtle, JSON-LD, N-Triples or TriG (building it first if needed)."""
    if fmt not in EXPORTS:
        fail(ConfigError(f"unknown format '{fmt}' (expected {', '.join(EXPORTS)})"))
    project = _project(root)
    try:
        dist = ensure_release(project, progress=progress)
        data = (dist / EXPORTS[fmt]).read_bytes()
        if output is None:
            sys.stdout.buffer.write(data)
        else:
            write_file(output, data)
    except CicaError as exc:
        fail(exc)


@app.command(name="stats")
def stats_command(
    root: Root = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Counts per graph and per class, sources and validation findings."""
    try:
        numbers = stats.compute(assemble(_project(root), progress=progress))
    except CicaError as exc:
        fail(exc)
    if fmt == "json":
        out.print_json(json.dumps(numbers.as_dict()))
        return
    table = Table("what", "count")
    for name, count in numbers.triples.items():
        table.add_row(f"triples ({name})", str(count))
    for cls, count in numbers.classes.items():
        table.add_row(cls, str(count))
    table.add_row("sources", str(numbers.sources))
    table.add_row("resources citing a source", str(numbers.cited_facts))
    table.add_row("violations", str(numbers.violations))
    table.add_row("warnings", str(numbers.warnings))
    out.print(table)


def _check_engines(reasoner: str, validator: str) -> None:
    if reasoner not in REASONERS:
        fail(ConfigError(f"unknown reasoner '{reasoner}' (expected {', '.join(REASONERS)})"))
    if validator not in VALIDATORS:
        fail(ConfigError(f"unknown validator '{validator}' (expected {', '.join(VALIDATORS)})"))


def _params(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(Problem(f"bad --param '{pair}': write name=value"))
        values[key.strip().lstrip("?")] = value.strip()
    return values


# Commands of other areas register themselves here (one line each).
from .cli_web import register as _register_web  # noqa: E402

_register_web(app)
from .cli_analytics import register as _register_analytics  # noqa: E402

_register_analytics(app)
from .cli_scale import register as _register_scale  # noqa: E402

_register_scale(app)
