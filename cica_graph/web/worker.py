"""A query worker: a separate process holding the store, one query at a time.

The server cannot stop a query running inside Oxigraph from a thread, so user
queries run here and the server kills this process when a query passes its
deadline (see :mod:`cica_graph.web.pool`). The process is started as
``python -m cica_graph.web.worker RELEASE.trig SERVER_PID`` and talks over its standard
streams: one JSON line per job in; per job, one JSON header line and
``length`` bytes of body out. Anything else written to stdout would corrupt
that channel, so stdout is moved to stderr first.

The worker also checks the query (syntax with line and column, updates,
SERVICE, FROM): the check itself parses untrusted text, so it too runs under
the deadline.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from typing import BinaryIO

import pyoxigraph as ox

from . import formats

_QUIET_LINE = re.compile(r"^[ \t]*#[^\"']*$")


def main(argv: list[str]) -> int:
    """Load the release ``argv[0]`` and answer jobs until stdin closes (``argv[1]``: the server's pid)."""
    _die_with_parent(int(argv[1]) if len(argv) > 1 else None)
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    from ..errors import QueryError  # imported here: these pull in rdflib, which we need for the checks
    from ..sparql import check_query
    from ..terms import PREFIXES

    checked = functools.lru_cache(maxsize=512)(check_query)  # repeated texts (named queries, dashboards) parse once
    store = ox.Store()
    store.bulk_load(path=argv[0], format=ox.RdfFormat.TRIG)
    _send(channel, {"ready": True, "quads": len(store)})
    for line in sys.stdin.buffer:
        job = json.loads(line)
        started = time.perf_counter()
        if job.get("op") == "named_queries":
            header, body = named_queries(job["folder"])
            _send(channel, header, body)
            continue
        try:
            screen(job["query"], checked, PREFIXES)
            header, body = execute(store, job, PREFIXES)
        except QueryError as exc:
            problem = exc.problems[0]
            status = 403 if problem.message.startswith("updates are not allowed") else 400
            header, body = {"status": status, "message": problem.message, "line": problem.line, "col": problem.col}, b""
        except (SyntaxError, ValueError, TypeError, OSError, RuntimeError) as exc:
            header, body = {"status": 400, "message": f"the query cannot be evaluated: {exc}"}, b""
        header["elapsed"] = time.perf_counter() - started
        _send(channel, header, body)
    return 0


def screen(text: str, check_query: Callable[[str], None], prefixes: dict[str, str]) -> None:
    """Refuse what :func:`cica_graph.sparql.check_query` refuses, without its cost for plain queries.

    check_query parses with rdflib (~0.1-0.2 s for a 40-line query, far more than running it), so it
    runs only when it could matter: when the text fails Oxigraph's parser (it then names the line and
    column, or says the text is an update) or when the words SERVICE or FROM, or a codepoint escape,
    occur anywhere outside comment lines. A text without them cannot hold a SERVICE pattern or a
    dataset clause. Skipped are lines that start with ``#`` and hold no quote: they are comments, or
    string content a string cannot end on (an IRI cannot span lines); no keyword can hide there.
    """
    # SPARQL comments end at CR or LF only, so lines are split there (not at Unicode line breaks)
    scanned = "\n".join(line for line in re.split(r"[\r\n]", text.lower()) if not _QUIET_LINE.match(line))
    if "service" in scanned or "from" in scanned or "\\u" in scanned:
        check_query(text)
        return
    try:
        ox.Store().query(text, prefixes=prefixes)
    except SyntaxError:
        check_query(text)


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
