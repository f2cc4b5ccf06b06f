"""What a portal serves and where: the release, its limits and the IRI mapping.

Two bases are involved. The *data base* is the namespace the graph's own IRIs
were minted in (``https://w3id.org/cica/`` unless a project changed it; read
from the release's ``void:uriSpace``). The *public base* is the address the
portal answers at (``--base-iri``, by default ``http://HOST:PORT/``). The graph
is never rewritten: a request for ``{public base}id/state/kaz`` is answered
with the description of ``{data base}id/state/kaz``, so the same release can
be served from w3id.org's redirect target, a test port or a mirror.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox

from ..errors import ConfigError, Problem
from ..terms import DEFAULT_BASE

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_WORKERS = 2
DEFAULT_WORKER_MEMORY_MB = 1024
#: A worker is forked from the zygote with its address space (~75 MB: Python, rdflib, the store), then needs room
#: for queries; the limit is set in the worker right after the fork.
MIN_WORKER_MEMORY_MB = 300
DEFAULT_MAX_QUERY_BYTES = 100_000
DEFAULT_MAX_QUEUE = 64
#: Queries one client may have running or waiting at once. A browser opens up to 6 connections to a host, so a
#: person (or a dashboard) is never refused; 5 clients at the cap (40) cannot fill the default queue of 64.
DEFAULT_MAX_CLIENT_QUERIES = 8
DEFAULT_CLIENT_SECONDS_PER_MINUTE = 60.0
DEFAULT_BUSY_TIMEOUT = 1.0
_URI_SPACE = "http://rdfs.org/ns/void#uriSpace"


@dataclass(frozen=True)
class Settings:
    """The configuration of one portal process."""

    dist: Path
    base_iri: str
    queries_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    workers: int = DEFAULT_WORKERS
    worker_memory_mb: int = DEFAULT_WORKER_MEMORY_MB
    max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES
    max_queue: int = DEFAULT_MAX_QUEUE
    max_client_queries: int = DEFAULT_MAX_CLIENT_QUERIES
    client_seconds_per_minute: float = DEFAULT_CLIENT_SECONDS_PER_MINUTE
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    spare_workers: int = 0
    trust_proxy: bool = False
    data_base: str = field(default="")

    def __post_init__(self) -> None:
        problems = []
        parts = urlsplit(self.base_iri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            example = "http://localhost:8000/"
            problems.append(Problem(f"--base-iri must be an http(s) address such as {example}, not '{self.base_iri}'"))
        if self.timeout <= 0:
            problems.append(Problem(f"--timeout must be a positive number of seconds, not {self.timeout}"))
        if self.max_rows < 1:
            problems.append(Problem(f"--max-rows must be at least 1, not {self.max_rows}"))
        if self.workers < 1:
            problems.append(Problem(f"--workers must be at least 1, not {self.workers}"))
        if self.worker_memory_mb != 0 and self.worker_memory_mb < MIN_WORKER_MEMORY_MB:
            problems.append(Problem(f"--worker-memory-mb must be 0 (no limit) or at least {MIN_WORKER_MEMORY_MB}, "
                                    f"not {self.worker_memory_mb}"))
        if self.max_query_bytes < 64:
            problems.append(Problem(f"--max-query-bytes must be at least 64, not {self.max_query_bytes}"))
        if self.max_queue < 0:
            problems.append(Problem(f"--max-queue must be 0 or more, not {self.max_queue}"))
        if self.max_client_queries < 0:
            problems.append(Problem(f"--max-client-queries must be 0 (no limit) or more, not {self.max_client_queries}"))
        if self.client_seconds_per_minute < 0:
            problems.append(Problem("--client-seconds-per-minute must be 0 (no limit) or a positive number, "
                                    f"not {self.client_seconds_per_minute}"))
        if self.busy_timeout <= 0:
            problems.append(Problem(f"--busy-timeout must be a positive number of seconds, not {self.busy_timeout}"))
        if self.spare_workers < 0:
            problems.append(Problem(f"--spare-workers must be 0 or more, not {self.spare_workers}"))
        if problems:
            raise ConfigError(problems)
        if not self.base_iri.endswith("/"):
            object.__setattr__(self, "base_iri", self.base_iri + "/")
        if not self.data_base:
            object.__setattr__(self, "data_base", data_base_of(self.dist))

    @property
    def trig(self) -> Path:
        """The release's TriG file: every graph the portal serves."""
        return self.dist / "cica.trig"

    @property
    def prefix(self) -> str:
        """The path the portal is mounted at, from the public base (``/`` or ``/some/path/``)."""
        return urlsplit(self.base_iri).path or "/"

    def local(self, iri: str) -> str | None:
        """The portal path of a graph IRI under the data base, or None for other IRIs."""
        if not iri.startswith(self.data_base):
            return None
        rest = iri[len(self.data_base) :]
        if rest.startswith(("id/", "def", "dumps/", "dataset")):
            return self.prefix + rest
        return None

    def graph_iri(self, path: str) -> str:
        """The graph IRI a portal path (relative to the mount point, e.g. ``id/state/kaz``) stands for."""
        return self.data_base + path.lstrip("/")

    def public(self, path: str = "") -> str:
        """An absolute address on the portal for a path relative to the mount point."""
        return self.base_iri + path.lstrip("/")


def data_base_of(dist: Path) -> str:
    """The data base of a release: its VoID ``void:uriSpace`` without ``id/``, else the default."""
    try:
        quads = list(ox.parse(path=str(dist / "void.ttl"), format=ox.RdfFormat.TURTLE))
    except (OSError, SyntaxError):
        return DEFAULT_BASE
    for quad in quads:
        if quad.predicate.value == _URI_SPACE and quad.object.value.endswith("/id/"):
            return quad.object.value[: -len("id/")]
    return DEFAULT_BASE
