"""Push a release to an external triple store over the SPARQL 1.1 Graph Store HTTP Protocol.

Readers must never see half a release, and neither a Graph Store ``PUT`` nor a
SPARQL ``MOVE`` is atomic for concurrent readers in Virtuoso (readers see zero
or partial counts during a PUT, a torn state at the end of a MOVE; see
docs/scale.md). So every release goes to a *version graph* of its own,
``{graph}/v/{sha256 of its N-Triples, 16 hex}``, is counted there, and only
then does one small SPARQL Update switch the *pointer* — the triple
``<{graph}> dcat:hasCurrentVersion <version>`` in the graph ``<{graph}>`` —
from the old version to the new one. Readers resolve the pointer first
(docs/scale.md has the query). The version before the current one is kept
for readers still running on it; older ones are dropped.

The count is checked twice: in the version graph before the switch (a
mismatch aborts, the pointer is untouched) and through the pointer after it.
A mismatch raises :class:`PushError` (the CLI exits 1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox

from .errors import CicaError, Problem

DEFAULT_GRAPH = "https://w3id.org/cica/graph/release"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
CHUNK = 100_000  # triples per request: one huge request times out behind proxies and fills Virtuoso's log


class PushError(CicaError):
    """The store refused the upload or holds another number of triples than the release."""


@dataclass
class Pushed:
    """What a push did."""

    version: str
    triples: int
    previous: str | None
    dropped: list[str]


@dataclass
class Endpoint:
    """A Graph Store endpoint, the SPARQL endpoint beside it and the credentials for both."""

    graph_store: str
    sparql: str
    auth: httpx.Auth | None = None
    timeout: float = 300.0
    update_param: str = "update"  # Virtuoso reads updates from the 'query' parameter

    @classmethod
    def from_url(cls, url: str, sparql: str | None = None, user: str | None = None, password: str | None = None) -> Endpoint:
        """The endpoint at ``url``; the SPARQL endpoint is derived for Virtuoso's and Fuseki's layouts unless given.

        Virtuoso needs digest authentication for writes, so credentials are sent as digest.
        """
        if sparql is None:
            if url.endswith("/sparql-graph-crud-auth"):
                sparql = url[: -len("/sparql-graph-crud-auth")] + "/sparql-auth"
            elif url.endswith("/sparql-graph-crud"):
                sparql = url[: -len("/sparql-graph-crud")] + "/sparql"
            elif url.endswith("/data"):
                sparql = url[: -len("/data")] + "/update"
            else:
                sparql = url
        auth = httpx.DigestAuth(user, password or "") if user else None
        virtuoso = url.endswith(("/sparql-graph-crud-auth", "/sparql-graph-crud"))
        return cls(url, sparql, auth, update_param="query" if virtuoso else "update")


def release_ntriples(dist: Path) -> bytes:
    """The union of a release's four graphs (cica.trig) as sorted, distinct N-Triples."""
    trig = dist / "cica.trig"
    if not trig.is_file():
        raise PushError(Problem("no release to push: run 'cica-graph build' first", str(trig)))
    quads = ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)
    data = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    lines = sorted(set(data.split(b"\n")) - {b""})
    return b"\n".join(lines) + b"\n"


def push(dist: Path, endpoint: Endpoint, graph: str = DEFAULT_GRAPH, progress: Callable[[str], None] | None = None) -> Pushed:
    """Upload the release in ``dist`` as a new version of ``graph`` and switch readers to it."""
    say = progress or (lambda _m: None)
    data = release_ntriples(dist)
    lines = data.split(b"\n")[:-1]
    version = f"{graph}/v/{hashlib.sha256(data).hexdigest()[:16]}"
    with httpx.Client(auth=endpoint.auth, timeout=endpoint.timeout) as client:
        say(f"uploading {len(lines)} triples to {version}")
        for start in range(0, max(len(lines), 1), CHUNK):
            body = b"\n".join(lines[start : start + CHUNK]) + b"\n"
            method = "PUT" if start == 0 else "POST"
            _check(client.request(method, endpoint.graph_store, params={"graph-uri": version, "graph": version},
                                  content=body, headers={"Content-Type": "application/n-triples"}), f"{method} {version}")
        stored = count(client, endpoint, version)
        if stored != len(lines):
            update(client, endpoint, f"DROP SILENT GRAPH <{version}>")
            raise PushError(Problem(f"the store holds {stored} triples in {version}, the release {len(lines)}: "
                                    "pointer left unchanged", endpoint.graph_store))
        previous = current_version(client, endpoint, graph)
        say(f"switching {graph} to {version}")
        # one request, one transaction: the pointer moves from the old version to the new one at once
        # (a DELETE/INSERT … WHERE { OPTIONAL … } inserts nothing in Virtuoso when there is no old pointer)
        update(client, endpoint, f"DELETE WHERE {{ GRAPH <{graph}> {{ <{graph}> <{DCAT}hasCurrentVersion> ?old }} }} ; "
                                 f"INSERT DATA {{ GRAPH <{graph}> {{ <{graph}> <{DCAT}hasCurrentVersion> <{version}> . "
                                 f"<{graph}> <{DCT}hasVersion> <{version}> }} }}")
        if current_version(client, endpoint, graph) != version or count(client, endpoint, version) != len(lines):
            raise PushError(Problem(f"after the switch {graph} does not point at {len(lines)} triples in {version}",
                                    endpoint.graph_store))
        dropped = []
        for old in versions(client, endpoint, graph):
            if old in (version, previous):
                continue
            update(client, endpoint, f"DROP SILENT GRAPH <{old}> ; "
                                     f"DELETE DATA {{ GRAPH <{graph}> {{ <{graph}> <{DCT}hasVersion> <{old}> }} }}")
            dropped.append(old)
    return Pushed(version, len(lines), previous if previous != version else None, dropped)


def count(client: httpx.Client, endpoint: Endpoint, graph: str) -> int:
    """Triples in ``graph`` as the store counts them."""
    rows = select(client, endpoint, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"]) if rows else 0


def current_version(client: httpx.Client, endpoint: Endpoint, graph: str) -> str | None:
    """The version graph the pointer of ``graph`` names, if any."""
    rows = select(client, endpoint, f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ <{graph}> <{DCAT}hasCurrentVersion> ?v }} }}")
    return rows[0]["v"] if rows else None


def versions(client: httpx.Client, endpoint: Endpoint, graph: str) -> list[str]:
    """Every version graph recorded for ``graph``."""
    rows = select(client, endpoint, f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ <{graph}> <{DCT}hasVersion> ?v }} }}")
    return sorted(row["v"] for row in rows)


def select(client: httpx.Client, endpoint: Endpoint, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT query as {variable: lexical value}."""
    response = client.post(endpoint.sparql, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    _check(response, "query")
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def update(client: httpx.Client, endpoint: Endpoint, text: str) -> None:
    """Run a SPARQL Update (one request, one transaction in the store)."""
    _check(client.post(endpoint.sparql, data={endpoint.update_param: text}), "update")


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code >= 300:
        raise PushError(Problem(f"{what}: HTTP {response.status_code} {response.text[:300].strip()}", str(response.url)))
