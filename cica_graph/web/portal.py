"""The state one portal process shares between requests.

The release's store (for the portal's own pages), the worker pool (for user
queries), the templates, and things computed once because the release does
not change while the server runs: list-page data, graph sizes, the ontology's
documentation. Named queries are re-read (by a worker: parsing them takes
~0.1 s each) when their files change, so queries added to ``queries/``
appear without a restart.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..release import MEDIA_TYPES
from ..sparql import NamedQuery, Param
from ..store import open_store
from ..terms import PREFIXES
from . import formats, ontodoc
from .pool import Pool
from .ratelimit import ClientBudgets
from .settings import Settings
from .view import View

HERE = Path(__file__).resolve().parent
#: Files of a release that /dumps/ serves (nothing else in the folder is reachable).
DUMPS = (*MEDIA_TYPES, "SHA256SUMS")
#: Reading the named queries runs in a worker but is not a user query: it gets its own, longer deadline.
QUERY_FILES_SECONDS = 120.0


@dataclass(frozen=True)
class QueryEntry:
    """A named query file: the parsed query, or why it could not be read."""

    name: str
    query: NamedQuery | None
    error: str = ""


@dataclass(frozen=True)
class Dump:
    """A release file offered for download."""

    name: str
    media_type: str
    size: int
    sha256: str


class Portal:
    """Everything the request handlers need, built once per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = open_store(settings.trig)
        self.view = View(self.store, settings)
        self.pool = Pool(settings.trig, settings.workers, memory_mb=settings.worker_memory_mb,
                         max_queue=settings.max_queue, busy_timeout=settings.busy_timeout,
                         spares=settings.spare_workers)
        self.budgets = ClientBudgets(settings.client_seconds_per_minute)
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(url=self.url, settings=settings)
        self.graphs = sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))
        self._cache: dict[str, Any] = {}
        self._ontology_html: asyncio.Task | None = None
        self._queries: tuple[tuple, list[QueryEntry]] | None = None
        self._queries_lock = asyncio.Lock()
        self._warm: asyncio.Future | None = None

    async def start(self) -> None:
        """Start the query workers in the background, then read the named queries with one of them."""
        self.pool.start()
        self._warm = asyncio.ensure_future(self.named_queries())

    async def close(self) -> None:
        """Stop the query workers."""
        if self._warm is not None:
            self._warm.cancel()
        await self.pool.close()

    def url(self, path: str = "") -> str:
        """A portal path (below the mount point) as an absolute path for links."""
        return self.settings.prefix + path.lstrip("/")

    def cached(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per process (the release is immutable while served)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def graph_size(self, iri: str) -> int:
        """Number of triples in one named graph of the release."""
        def count() -> int:
            return sum(1 for _ in self.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))

        return self.cached(f"size:{iri}", count)

    def dumps(self) -> list[Dump]:
        """The release files present in the release folder, with size and checksum."""

        def compute() -> list[Dump]:
            sums = {}
            sums_file = self.settings.dist / "SHA256SUMS"
            if sums_file.is_file():
                for line in sums_file.read_text(encoding="utf-8").splitlines():
                    digest, _, name = line.partition("  ")
                    sums[name.strip()] = digest
            found = []
            for name in DUMPS:
                path = self.settings.dist / name
                if path.is_file():
                    found.append(Dump(name, MEDIA_TYPES.get(name, "text/plain"), path.stat().st_size, sums.get(name, "")))
            return found

        return self.cached("dumps", compute)

    def ontology_triples(self) -> list[ox.Triple]:
        """The ontology graph of the release."""
        graph = next((g for g in self.graphs if g.endswith("/graph/ontology")), None)
        if graph is None:
            return []
        quads = self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        return sorted((ox.Triple(q.subject, q.predicate, q.object) for q in quads), key=str)

    async def ontology_html(self) -> str:
        """pyLODE documentation of the release's ontology, generated on first use in a child process."""
        if self._ontology_html is None:
            turtle = formats.rdf(self.ontology_triples(), "turtle", PREFIXES)
            self._ontology_html = asyncio.ensure_future(asyncio.to_thread(ontodoc.generate, turtle))
        try:
            return await asyncio.shield(self._ontology_html)
        except Exception:
            self._ontology_html = None  # let a later request try again
            raise

    def _query_files(self) -> tuple:
        folder = self.settings.queries_dir
        if folder is None or not folder.is_dir():
            return ()
        return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.rq")))

    def cached_queries(self) -> list[QueryEntry]:
        """The named queries as last read (empty until a worker has read them once)."""
        return self._queries[1] if self._queries else []

    async def named_queries(self) -> list[QueryEntry]:
        """The named queries in the queries folder, re-read by a worker when a file changes."""
        async with self._queries_lock:
            stamp = self._query_files()
            if self._queries is not None and self._queries[0] == stamp:
                return self._queries[1]
            if not stamp:
                self._queries = (stamp, [])
                return []
            job = {"op": "named_queries", "folder": str(self.settings.queries_dir)}
            reply = await self.pool.run(job, QUERY_FILES_SECONDS)
            if reply.status != 200:
                return self.cached_queries()
            entries = [_entry(item) for item in json.loads(reply.body)]
            self._queries = (stamp, entries)
            return entries


def _entry(item: dict) -> QueryEntry:
    if item.get("error"):
        return QueryEntry(item["name"], None, item["error"])
    params = tuple(Param(p["name"], p["type"], p["default"]) for p in item["params"])
    query = NamedQuery(item["name"], item["path"], item["text"], item["title"], item["description"], params)
    return QueryEntry(item["name"], query)
