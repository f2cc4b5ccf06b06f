"""The ``synth`` and ``push`` commands: thin wrappers over :mod:`cica_graph.synth` and :mod:`cica_graph.push`.

Registered on the main Typer app by ``cica_graph/cli.py`` (``register(app)``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import push as pushing
from . import synth as synthetic
from .errors import EXIT_INPUT, EXIT_NONCONFORMANT, CicaError
from .project import Project
from .workspace import ensure_release

err = Console(stderr=True, soft_wrap=True)
Root = Annotated[Path | None, typer.Option("--root", help="Project folder (default: found from the working directory).")]


def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (data/ plus copies of ontology/, shapes/, queries/).")],
    triples: Annotated[int, typer.Option("--triples", min=1000, max=5_000_000, help="Asserted triples to reach.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same bytes.")] = 0,
    root: Root = None,
) -> None:
    """Write a synthetic CICA-shaped graph; then 'cica-graph build --root OUT' builds it."""
    made = synthetic.write(out, triples, seed, Project.discover(root).root)
    err.print(f"wrote {out}: {made.total} asserted triples in {len(made.triples)} files (seed {seed})", markup=False)


def push(
    endpoint: Annotated[str, typer.Option("--endpoint", help="Graph Store endpoint, e.g. http://host:8890/sparql-graph-crud-auth.")],
    graph: Annotated[str, typer.Option("--graph", help="Graph readers use (its pointer names the current version).")]
    = pushing.DEFAULT_GRAPH,
    sparql: Annotated[str | None, typer.Option("--sparql", help="SPARQL endpoint for counts and the switch "
                                               "(default: derived from --endpoint).")] = None,
    user: Annotated[str | None, typer.Option("--user", help="User for digest authentication.")] = None,
    password_env: Annotated[str | None, typer.Option("--password-env", help="Environment variable holding the password.")]
    = None,
    root: Root = None,
) -> None:
    """Upload the release as a new version graph, verify its count, then switch readers to it (exit 1 on a mismatch)."""
    password = os.environ.get(password_env, "") if password_env else None
    if password_env and password_env not in os.environ:
        err.print(f"environment variable {password_env} is not set", markup=False)
        raise typer.Exit(EXIT_INPUT)
    try:
        dist = ensure_release(Project.discover(root))
        done = pushing.push(dist, pushing.Endpoint.from_url(endpoint, sparql, user, password), graph,
                            progress=lambda m: err.print(f"… {m}", markup=False) if err.is_terminal else None)
    except pushing.PushError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(EXIT_NONCONFORMANT) from exc
    except CicaError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(EXIT_INPUT) from exc
    err.print(f"pushed {done.triples} triples to {done.version}; {graph} now points at it", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``synth`` and ``push`` to the main command."""
    app.command()(synth)
    app.command()(push)
