"""Read a release for analysis: open it, query it, turn its terms into Python values.

Analytics work on a pyoxigraph store of a release (``cica.trig`` with its named
graphs, or any Turtle/N-Triples/TriG file). Everything they read is asserted
data and the ontology; they never rely on the derived or inferred graphs, so a
small hand-written Turtle file analyses the same way as a full release.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from .. import dates
from ..errors import Problem, ReleaseError
from ..terms import PREFIXES

_FORMATS = {
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
}


def release_file(path: Path) -> Path:
    """The RDF file of a release given as a dist folder or as the file itself."""
    if path.is_dir():
        for name in ("cica.trig", "cica.ttl", "cica.nt"):
            if (path / name).is_file():
                return path / name
        raise ReleaseError(Problem("no cica.trig, cica.ttl or cica.nt in this folder", str(path)))
    if not path.is_file():
        raise ReleaseError(Problem("no such release folder or file", str(path)))
    if path.suffix.lower() not in _FORMATS:
        raise ReleaseError(Problem(f"unsupported file type '{path.suffix}' (expected .trig, .ttl, .nt or .nq)", str(path)))
    return path


def load_release(path: Path) -> ox.Store:
    """An in-memory store of the release at ``path`` (a dist folder or an RDF file)."""
    file = release_file(path)
    store = ox.Store()
    try:
        store.bulk_load(path=str(file), format=_FORMATS[file.suffix.lower()])
    except (SyntaxError, OSError) as exc:
        raise ReleaseError(Problem(f"cannot read the release: {exc}", str(file))) from exc
    return store


def store_from_files(paths: list[Path]) -> ox.Store:
    """A store of source files as they are (no build): enough for every analysis, which reads only asserted data."""
    store = ox.Store()
    for path in paths:
        if path.suffix.lower() not in _FORMATS:
            raise ReleaseError(Problem(f"unsupported file type '{path.suffix}'", str(path)))
        try:
            store.bulk_load(path=str(path), format=_FORMATS[path.suffix.lower()])
        except (SyntaxError, OSError) as exc:
            raise ReleaseError(Problem(f"cannot read: {exc}", str(path))) from exc
    return store


def release_digest(path: Path) -> str:
    """The SHA-256 that identifies a release: of its SHA256SUMS for a dist folder, else of the file."""
    target = path / "SHA256SUMS" if path.is_dir() and (path / "SHA256SUMS").is_file() else release_file(path)
    return hashlib.sha256(target.read_bytes()).hexdigest()


def select(store: ox.Store, text: str) -> list[dict[str, object]]:
    """Rows of a SELECT over the union of the store's graphs, as plain dicts of terms."""
    solutions = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    return [{name: row[name] for name in names if row[name] is not None} for row in solutions]  # type: ignore[union-attr]


def iri(term: object) -> str:
    """The IRI of a named node as a string."""
    return term.value  # type: ignore[attr-defined,no-any-return]


def text(term: object | None) -> str | None:
    """The lexical form of a literal (or IRI), or None."""
    return None if term is None else term.value  # type: ignore[attr-defined]


def partial(term: object | None) -> dates.PartialDate | None:
    """A partial date from an xsd:date/gYearMonth/gYear literal; None when absent or not a date."""
    if term is None or not isinstance(term, ox.Literal):
        return None
    try:
        return dates.parse_partial(term.value, URIRef(term.datatype.value))
    except dates.DateFormatError:
        return None


def key(iri_text: str) -> str:
    """The short key of an instance IRI: ``https://w3id.org/cica/id/org/cica`` → ``cica``."""
    return iri_text.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def compact(iri_text: str) -> str:
    """``prefix:local`` for an IRI under one of the project's prefixes, else the IRI."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri_text.startswith(namespace) and "/" not in iri_text[len(namespace) :]:
            return f"{prefix}:{iri_text[len(namespace):]}"
    return iri_text
