"""The ``serve`` and ``docs`` commands: thin wrappers over :mod:`cica_graph.web`.

Registered on the main Typer app by ``cica_graph/cli.py`` (``register(app)``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .errors import EXIT_INPUT, CicaError, Problem
from .project import Project
from .release import write_file
from .workspace import ensure_release

err = Console(stderr=True)
Root = Annotated[Path | None, typer.Option("--root", help="Project folder (default: found from the working directory).")]


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
    base_iri: Annotated[str | None, typer.Option("--base-iri", help="Public address of the portal "
                        "(default: http://HOST:PORT/). A path in it is where the portal is mounted.")] = None,
    timeout: Annotated[float, typer.Option(help="Deadline of a SPARQL query in seconds; past it the query's "
                                           "worker process is killed and the client gets 503.")] = 10.0,
    max_rows: Annotated[int, typer.Option("--max-rows", help="Most rows (or triples) a query returns.")] = 10_000,
    workers: Annotated[int, typer.Option(help="Query worker processes (queries that run at once).")] = 2,
    worker_memory_mb: Annotated[int, typer.Option("--worker-memory-mb", help="Address space a query worker may use, "
                                "in MB (0: no limit); a query that needs more is stopped with 503.")] = 1024,
    max_query_bytes: Annotated[int, typer.Option("--max-query-bytes", help="Longest query accepted, in bytes "
                               "(UTF-8); longer ones get 413.")] = 100_000,
    max_queue: Annotated[int, typer.Option("--max-queue", help="Queries that may wait for a free worker; "
                         "one more gets 503 with Retry-After.")] = 64,
    max_client_queries: Annotated[int, typer.Option("--max-client-queries", help="Queries one client may have "
                                  "running or waiting at once (0: no limit); one more gets 429 with "
                                  "Retry-After.")] = 8,
    client_seconds_per_minute: Annotated[float, typer.Option("--client-seconds-per-minute", help="Budget of query "
                                         "time per client per minute (0: no limit); past it 429 with "
                                         "Retry-After.")] = 60.0,
    busy_timeout: Annotated[float, typer.Option("--busy-timeout", help="Deadline of a query that gets the last "
                            "free worker while the others are busy, in seconds.")] = 1.0,
    spare_workers: Annotated[int, typer.Option("--spare-workers", help="Idle workers kept forked to take over "
                             "from a killed one without waiting for a fork (a few ms).")] = 0,
    trust_proxy: Annotated[bool, typer.Option("--trust-proxy", help="Take the client's address from "
                           "X-Forwarded-For set by a reverse proxy on this host (for the rate limit).")] = False,
    dist: Annotated[Path | None, typer.Option("--dist", help="Serve this release folder as it is "
                    "(default: the project's dist/, rebuilt first when older than its inputs).")] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    root: Root = None,
) -> None:
    """Serve the graph: SPARQL endpoint, linked-data pages and dumps (see docs/portal.md)."""
    import uvicorn

    from .web import Settings, create_app

    project = Project.discover(root)
    try:
        release = dist.resolve() if dist is not None else _release(project)
        if not (release / "cica.trig").is_file():
            raise CicaError(Problem("no release here: run 'cica-graph build' or pass --dist", str(release)))
        settings = Settings(dist=release, base_iri=base_iri or f"http://{_host(host)}:{port}/",
                            queries_dir=project.queries_dir, timeout=timeout, max_rows=max_rows, workers=workers,
                            worker_memory_mb=worker_memory_mb, max_query_bytes=max_query_bytes, max_queue=max_queue,
                            max_client_queries=max_client_queries,
                            client_seconds_per_minute=client_seconds_per_minute, busy_timeout=busy_timeout,
                            spare_workers=spare_workers,
                            trust_proxy=trust_proxy)
        app = create_app(settings)
    except CicaError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        raise typer.Exit(EXIT_INPUT) from exc
    err.print(f"serving {release} at {settings.base_iri} (SPARQL: {settings.public('sparql')})", markup=False, soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=trust_proxy,
                timeout_graceful_shutdown=5)


def docs(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="HTML file to write (default: docs/ontology.html).")] = None,
    root: Root = None,
) -> None:
    """Write the ontology's documentation (pyLODE) from ontology/*.ttl."""
    from .web.ontodoc import generate

    project = Project.discover(root)
    target = out or project.root / "docs" / "ontology.html"
    try:
        files = project.ontology_files
        if not files:
            raise CicaError(Problem("no ontology files found", str(project.root / "ontology")))
        write_file(target, generate(files=files).encode("utf-8"))
    except CicaError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        raise typer.Exit(EXIT_INPUT) from exc
    err.print(f"wrote {target}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``docs`` to the main command."""
    app.command()(serve)
    app.command()(docs)


def _release(project: Project) -> Path:
    try:
        return ensure_release(project, progress=lambda message: err.print(f"… {message}", style="dim"))
    except CicaError as exc:
        if (project.dist / "cica.trig").is_file():
            err.print(f"warning: the release could not be rebuilt ({exc.problems[0].message}); "
                      "serving the last good release", style="yellow")
            return project.dist
        raise


def _host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "localhost"
    return f"[{host}]" if ":" in host else host
