"""The embedded store that queries, the CLI and the server share (Oxigraph).

A store is loaded from a release's TriG file: asserted, derived and inferred
triples and the ontology, each in its named graph. Queries see the union of
the graphs as their default graph.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .errors import Problem, ReleaseError
from .sparql import NamedQuery, bind, check_query, with_bindings
from .terms import PREFIXES


def open_store(trig: Path) -> ox.Store:
    """An in-memory store holding the release in ``trig``."""
    if not trig.is_file():
        raise ReleaseError(Problem("no release found: run 'cica-graph build' first", str(trig)))
    store = ox.Store()
    try:
        store.bulk_load(path=str(trig), format=ox.RdfFormat.TRIG)
    except (SyntaxError, OSError) as exc:
        hint = "the release is damaged or incomplete: rebuild it with 'cica-graph build'"
        raise ReleaseError(Problem(f"cannot load the release: {exc}", str(trig), hint=hint)) from exc
    return store


def store_from_nquads(data: bytes) -> ox.Store:
    """An in-memory store from N-Quads bytes (used by the build to skip a reparse)."""
    store = ox.Store()
    store.bulk_load(input=data, format=ox.RdfFormat.N_QUADS)
    return store


def run(store: ox.Store, query: NamedQuery | str, params: dict[str, str] | None = None) -> object:
    """Execute a named query (with parameters) or a query text over the union graph."""
    if isinstance(query, NamedQuery):
        text = with_bindings(query.text, bind(query, params or {}))
    else:
        check_query(query)
        text = query
    return store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
