"""A query worker: a separate process holding the store, one query at a time.

The server cannot stop a query running inside Oxigraph from a thread, so user
queries run here and the server kills this process when a query passes its
deadline (see :mod:`cica_graph.web.pool`). The process is started as
``python -m cica_graph.web.worker RELEASE.trig SERVER_PID [MEMORY_MB]`` and talks over its standard
streams: one JSON line per job in; per job, one JSON header line and
``length`` bytes of body out. Anything else written to stdout would corrupt
that channel, so stdout is moved to stderr first. With ``MEMORY_MB`` (not 0)
the process's address space is limited to that (``RLIMIT_AS``) before
anything is loaded: a query that needs more fails here, not in the server.

The worker also checks the query (syntax with line and column, updates,
SERVICE, FROM): the check itself parses untrusted text, so it too runs under
the deadline.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import BinaryIO

import pyoxigraph as ox

from ..sparql import mentions_remote, refuse_remote_by_parse
from . import formats


def main(argv: list[str]) -> int:
    """Load the release ``argv[0]`` and answer jobs until stdin closes.

    ``argv[1]``: the server's pid; ``argv[2]``: the memory limit in MB (0 or absent: none).
    """
    _die_with_parent(int(argv[1]) if len(argv) > 1 else None)
    memory_mb = int(argv[2]) if len(argv) > 2 else 0
    if memory_mb > 0:
        limit_memory(memory_mb)
    if not isolate_network():
        print("cica-graph worker: no private network namespace here; SERVICE is kept out by the query checks alone",
              file=sys.stderr)
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    from ..errors import QueryError  # imported here: these pull in rdflib, which we need for the checks
    from ..sparql import check_query
    from ..terms import PREFIXES

    checked = functools.lru_cache(maxsize=512)(check_query)  # repeated texts (named queries, dashboards) parse once
    store = ox.Store()
    store.bulk_load(path=argv[0], format=ox.RdfFormat.TRIG)
    # Warm the parsers (rdflib's SPARQL grammar is built on first use: ~0.5 s) before saying ready, so that a
    # fresh worker's first query is not slowed by it (a slow first query could meet --busy-timeout).
    screen("SELECT ?from WHERE { ?from ?p ?o }", checked)
    store.query("ASK { ?s ?p ?o }")
    _send(channel, {"ready": True, "quads": len(store)})
    for line in sys.stdin.buffer:
        job = json.loads(line)
        started = time.perf_counter()
        if job.get("op") == "named_queries":
            header, body = named_queries(job["folder"])
            _send(channel, header, body)
            continue
        try:
            screen(job["query"], checked)
            header, body = execute(store, job, PREFIXES)
        except QueryError as exc:
            problem = exc.problems[0]
            status = 403 if problem.message.startswith("updates are not allowed") else 400
            header, body = {"status": status, "message": problem.message, "line": problem.line, "col": problem.col}, b""
        except (SyntaxError, ValueError, TypeError, OSError, RuntimeError) as exc:
            header, body = {"status": 400, "message": f"the query cannot be evaluated: {exc}"}, b""
        except MemoryError:
            limit = f"the {memory_mb} MB" if memory_mb else "the"
            header, body = {"status": 503, "message": f"the query needed more than {limit} memory a query may use "
                                                      "and was stopped"}, b""
        header["elapsed"] = time.perf_counter() - started
        _send(channel, header, body)
    return 0


def screen(text: str, check_query: Callable[[str], None]) -> None:
    """Refuse updates, SERVICE, FROM and syntax errors before a text reaches the store.

    First the project's own rules (:func:`cica_graph.sparql.check_query`, as
    ``cica-graph query`` applies them: located syntax errors, 403 for updates).
    Then, because Oxigraph would really fetch a SERVICE, a text that says
    "service" or "from" anywhere outside comment lines (or holds a ``\\u``
    escape) gets a second opinion from a parser (:func:`refuse_remote_by_parse`).
    Lines that start with ``#`` and hold no quote are skipped: they are comments,
    or string content a string cannot end on (an IRI cannot span lines).
    """
    check_query(text)
    if mentions_remote(text):
        refuse_remote_by_parse(text)


def limit_memory(megabytes: int) -> None:
    """Limit this process's address space to ``megabytes`` (``RLIMIT_AS``): allocations past it fail."""
    import resource

    limit = megabytes * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def isolate_network() -> bool:
    """Move this process into a network namespace of its own (no interfaces up): nothing can be fetched.

    A third line of defence behind the two checks: a query that slipped a
    SERVICE past them fails to connect. Needs root or unprivileged user
    namespaces (Linux); returns False where neither is available. Must run
    while the process is still single-threaded.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    if libc.unshare(clone_newnet) == 0:
        return True
    return libc.unshare(clone_newuser | clone_newnet) == 0


def execute(store: ox.Store, job: dict, prefixes: dict[str, str]) -> tuple[dict, bytes]:
    """Run one job; the header says what came out (kind, rows, truncation) and in which format."""
    options: dict = {"prefixes": prefixes}
    if job.get("default_graph") is None and job.get("named_graphs") is None:
        options["use_default_graph_as_union"] = True
    else:
        options["default_graph"] = [ox.NamedNode(g) for g in job.get("default_graph") or []]
        options["named_graphs"] = [ox.NamedNode(g) for g in job.get("named_graphs") or []]
    result = store.query(job["query"], **options)
    cap = int(job["max_rows"])
    if isinstance(result, ox.QueryBoolean):
        fmt = job.get("results")
        if fmt is None:
            return _not_acceptable("ASK", formats.RESULT_TYPES), b""
        return {"status": 200, "kind": "ask", "format": fmt, "rows": 1, "truncated": False}, formats.boolean(bool(result), fmt)
    if isinstance(result, ox.QuerySolutions):
        fmt = job.get("results")
        if fmt is None:
            return _not_acceptable("SELECT", formats.RESULT_TYPES), b""
        variables = [v.value for v in result.variables]
        rows, truncated = [], False
        for solution in result:
            if len(rows) == cap:
                truncated = True
                break
            rows.append([solution[v] for v in variables])
        header = {"status": 200, "kind": "select", "format": fmt, "rows": len(rows), "truncated": truncated}
        return header, formats.results(variables, rows, fmt)
    fmt = job.get("graph")
    if fmt is None:
        return _not_acceptable("CONSTRUCT and DESCRIBE", formats.GRAPH_TYPES), b""
    triples, truncated = [], False
    for triple in result:
        if len(triples) == cap:
            truncated = True
            break
        triples.append(triple)
    header = {"status": 200, "kind": "graph", "format": fmt, "rows": len(triples), "truncated": truncated}
    return header, formats.rdf(triples, fmt, formats.prefixes_for(triples))


def named_queries(folder: str) -> tuple[dict, bytes]:
    """The named queries of ``folder`` as JSON (parsing them costs ~0.1 s each, so not in the server)."""
    from pathlib import Path

    from ..errors import QueryError
    from ..sparql import load_query

    entries = []
    for path in sorted(Path(folder).glob("*.rq")):
        try:
            query = load_query(path)
        except QueryError as exc:
            entries.append({"name": path.stem, "error": "; ".join(str(p) for p in exc.problems)})
            continue
        entries.append({"name": query.name, "path": query.path, "text": query.text, "title": query.title,
                        "description": query.description,
                        "params": [{"name": p.name, "type": p.type, "default": p.default} for p in query.params]})
    return {"status": 200, "format": "json"}, json.dumps(entries).encode("utf-8")


def _not_acceptable(kind: str, offered: dict[str, str]) -> dict:
    types = ", ".join(offered.values())
    return {"status": 406, "message": f"{kind} results can be returned as {types}; the Accept header allows none of them"}


def _send(channel: BinaryIO, header: dict, body: bytes = b"") -> None:
    header["length"] = len(body)
    channel.write(json.dumps(header).encode("utf-8") + b"\n")
    channel.write(body)
    channel.flush()


def _die_with_parent(parent: int | None) -> None:
    # A worker must not outlive the server (e.g. after a SIGKILL) while it is busy with a long query.
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
