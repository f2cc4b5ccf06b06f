"""A query worker: a process forked from the zygote, holding the store, one query at a time.

The server cannot stop a query running inside Oxigraph from a thread, so user
queries run here and the server kills this process when a query passes its
deadline (see :mod:`cica_graph.web.pool`). Workers are not started as fresh
interpreters: :mod:`cica_graph.web.zygote` loads the store and warms the
parsers once, then forks a worker on request in milliseconds; the child calls
:func:`become_worker` (its own limits) and :func:`serve`.

A worker talks over one Unix stream socket: first a ``{"ready": true}``
header out (its limits apply from then on); then one JSON line per job in;
per job, one JSON header line and ``length`` bytes of body out. A header with
``"replace": true`` asks the pool to replace the worker by a new fork: a big
query left it holding memory, or it has served its share of queries. With a memory
limit (not 0) the worker's address space is limited to that (``RLIMIT_AS``)
before it reads its first job: a query that needs more fails here, not in the
server. The worker dies with the zygote, which dies with the server.

The worker also checks the query (syntax with line and column, updates,
SERVICE, FROM): the check itself parses untrusted text, so it too runs under
the deadline.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import time
from collections.abc import Callable, Iterable
from typing import BinaryIO

import pyoxigraph as ox

from ..sparql import mentions_remote, refuse_remote_by_parse
from . import formats

#: The name workers show in ``ps`` and ``/proc/PID/comm`` (the zygote shows ``cica-zygote``).
WORKER_NAME = "cica-worker"
#: A worker whose resident memory grew by more than this many MB since it was forked asks to be replaced (a big
#: query left it holding memory; a new fork does not). Small queries grow a new worker by ~5 MB.
GROWN_MB = 16
#: A worker asks to be replaced after this many queries (it has made private copies of shared pages by then).
RECYCLE_AFTER = 1000
#: Texts checked once while loading, so that rdflib builds its SPARQL grammar before any worker is forked.
_WARM_TEXTS = ("SELECT ?from WHERE { ?from ?p ?o }",)


def load(trig: str) -> tuple[ox.Store, Callable[[str], None]]:
    """The release's store and the query check every worker uses (with its cache), parsers warmed.

    Done once, in the zygote, before any worker is forked. The store is read
    with ``Store.load`` (one thread, nothing left running: safe to fork).
    Building rdflib's SPARQL grammar takes ~0.5 s on first use; doing it
    here means no worker's first query pays for it.
    """
    from ..sparql import check_query

    check = functools.lru_cache(maxsize=512)(check_query)  # repeated texts (named queries) are parsed once
    store = ox.Store()
    store.load(path=trig, format=ox.RdfFormat.TRIG)
    warm(check, _WARM_TEXTS)
    store.query("ASK { ?s ?p ?o }")
    return store, check


def warm(check: Callable[[str], None], texts: Iterable[str]) -> int:
    """Check ``texts`` so that their verdicts are cached (for workers forked later); how many passed."""
    from ..errors import QueryError

    passed = 0
    for text in texts:
        try:
            screen(text, check)
        except QueryError:
            continue
        passed += 1
    return passed


def named_texts(folder: str) -> list[str]:
    """The named queries of ``folder`` as the portal sends them: as written and with their default parameters."""
    from pathlib import Path

    from ..errors import QueryError
    from ..sparql import bind, load_query, with_bindings

    texts = []
    for path in sorted(Path(folder).glob("*.rq")):
        try:
            query = load_query(path)
            texts += [query.text, with_bindings(query.text, bind(query, {}))]
        except QueryError:
            continue
    return texts


def become_worker(parent: int | None, memory_mb: int) -> None:
    """What a freshly forked worker does first: die with its parent, name itself, limit its memory."""
    die_with_parent(parent)
    set_name(WORKER_NAME)
    if memory_mb > 0:
        limit_memory(memory_mb)


def serve(store: ox.Store, channel: socket.socket, check: Callable[[str], None], memory_mb: int = 0) -> int:
    """Answer the jobs that arrive on ``channel`` until it closes; the exit status."""
    from ..errors import QueryError
    from ..terms import PREFIXES

    jobs = channel.makefile("rb")
    replies = channel.makefile("wb")
    baseline, served = resident_mb(), 0
    _send(replies, {"ready": True})
    for line in jobs:
        job = json.loads(line)
        started = time.perf_counter()
        if job.get("op") == "named_queries":
            header, body = named_queries(job["folder"])
            _send(replies, header, body)
            continue
        try:
            screen(job["query"], check)
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
        served += 1
        if resident_mb() - baseline > GROWN_MB or served >= RECYCLE_AFTER:
            header["replace"] = True  # the pool replaces this worker by a new fork rather than keep it
        _send(replies, header, body)
    return 0


def resident_mb() -> float:
    """This process's resident memory in MB (0 where /proc is not available)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


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


def die_with_parent(parent: int | None) -> None:
    """Be killed (SIGKILL) when the parent process ends; end at once if ``parent`` is no longer the parent.

    A worker must not outlive the zygote, nor the zygote the server (e.g.
    after a SIGKILL of the server), while a long query runs.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def set_name(name: str) -> None:
    """Name this process in ``ps`` and ``/proc/PID/comm`` (forked workers share the zygote's command line)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(15, name.encode("ascii")[:15], 0, 0, 0)
    except (OSError, AttributeError):
        return
