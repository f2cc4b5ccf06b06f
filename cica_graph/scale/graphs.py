"""One Oxigraph store holding the four graphs of a build, and views of it for the shared helpers.

The ontology, asserted, derived and inferred triples live in the release's
named graphs (cica_graph.terms), so that writing the release's TriG is a dump
and the union of the graphs is what validation and queries see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from ..errors import LoadError, Problem
from ..load import _literal_problem, _locate, display_path
from ..shacl_fast import to_rdflib
from ..terms import ASSERTED_GRAPH, DERIVED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH

ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
ASSERTED = ox.NamedNode(str(ASSERTED_GRAPH))
DERIVED = ox.NamedNode(str(DERIVED_GRAPH))
INFERRED = ox.NamedNode(str(INFERRED_GRAPH))
PARTS = (ONTOLOGY, ASSERTED, DERIVED, INFERRED)
_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: Oxigraph's store keeps numbers and booleans in a canonical form: "06"^^xsd:integer comes back as "6" and
#: "1"^^xsd:positiveInteger as "1"^^xsd:integer. A release must give back what the sources say, so literals of
#: these datatypes are stored under a private datatype (EXACT + the XSD IRI) and unwrapped on the way out.
EXACT = "urn:x-cica-graph:exact:"
LOSSY = frozenset(_XSD + name for name in (
    "integer", "decimal", "float", "double", "boolean", "nonPositiveInteger", "negativeInteger", "long", "int", "short",
    "byte", "nonNegativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "positiveInteger"))
_LOSSY_TEXT = re.compile(rb"(?i)integer|decimal|boolean|double|float|#int\b|:int\b|long|short|byte|unsigned"
                         rb"|[\s,(][+-]?[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?\s*[;,.)\]]|[\s,(]\.[0-9]")


def wrap(term: object) -> object:
    """``term`` as stored: a literal of a datatype Oxigraph would canonicalise gets the private datatype."""
    if isinstance(term, ox.Literal) and not term.language and term.datatype.value in LOSSY:
        return ox.Literal(term.value, datatype=ox.NamedNode(EXACT + term.datatype.value))
    return term


def unwrap(term: object) -> object:
    """``term`` as the sources wrote it (the inverse of :func:`wrap`)."""
    if isinstance(term, ox.Literal) and not term.language and term.datatype.value.startswith(EXACT):
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype.value[len(EXACT):]))
    return term


def _wrapped(quads: Iterable[ox.Quad], graph: ox.NamedNode) -> Iterator[ox.Quad]:
    for quad in quads:
        yield ox.Quad(quad.subject, quad.predicate, wrap(quad.object), graph)  # type: ignore[arg-type]


def load_into(store: ox.Store, files: list[Path], graph: ox.NamedNode) -> None:
    """Bulk-load ``files`` into ``graph``; raise one LoadError with every file's problem (file:line:col).

    Besides syntax, literals invalid for their XSD datatype are reported, as
    :mod:`cica_graph.load` does; only the distinct typed literals are checked,
    and the files are searched for them only when there is one.
    """
    problems: list[Problem] = []
    for path in files:
        fmt = _FORMATS.get(path.suffix.lower())
        if fmt is None:
            problems.append(Problem(f"unsupported file type '{path.suffix}' (expected .ttl or .nt)", display_path(path)))
            continue
        try:
            with open(path, "rb") as handle:
                lossy = _LOSSY_TEXT.search(handle.read()) is not None
            if lossy:  # only files that may hold numbers or booleans take the slower, wrapping path
                parsed = ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri())
                store.bulk_extend(_wrapped(parsed, graph))
            else:
                store.bulk_load(path=str(path), format=fmt, base_iri=path.resolve().as_uri(), to_graph=graph)
        except SyntaxError as exc:
            line, col = (exc.args[1][1], exc.args[1][2]) if len(exc.args) > 1 and exc.args[1] else (None, None)
            problems.append(Problem(f"syntax error: {exc.args[0]}", display_path(path), line, col))
        except (OSError, ValueError) as exc:
            problems.append(Problem(f"cannot read file: {exc}", display_path(path)))
    for lexical, message in typed_literal_problems(store, graph):
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            line = _locate(text, lexical)
            if line is not None:
                problems.append(Problem(message, display_path(path), line))
    if problems:
        raise LoadError(problems)


def typed_literal_problems(store: ox.Store, graph: ox.NamedNode) -> list[tuple[str, str]]:
    """(lexical form, message) of each distinct XSD-typed literal in ``graph`` that is invalid for its datatype."""
    rows = store.query(
        f"SELECT DISTINCT ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} FILTER(isLiteral(?o) && DATATYPE(?o) != <{_XSD}string> "
        f"&& (STRSTARTS(STR(DATATYPE(?o)), '{_XSD}') || STRSTARTS(STR(DATATYPE(?o)), '{EXACT}'))) }}"
    )
    found = []
    for row in rows:
        literal = to_rdflib(unwrap(row["o"]))
        message = _literal_problem(literal)  # type: ignore[arg-type]
        if message:
            found.append((str(literal), message))
    return sorted(found)


class UnionStore:
    """``store`` as the shared validators expect it: every query over the union of its graphs."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def query(self, text: str, **options: object) -> object:
        """Run ``text`` with the union of the named graphs as default graph."""
        options["use_default_graph_as_union"] = True
        return self.store.query(text, **options)  # type: ignore[arg-type]

    def quads_for_pattern(self, *pattern: object) -> Iterator[ox.Quad]:
        """Quads of every graph matching ``pattern``."""
        return self.store.quads_for_pattern(*pattern)  # type: ignore[arg-type]


class LabelView:
    """Enough of an rdflib graph for :func:`cica_graph.validate.label_of`: objects of a subject's predicate."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def objects(self, subject: object, predicate: object) -> Iterable[object]:
        """Objects of (subject, predicate) in any graph, as rdflib terms."""
        if not isinstance(subject, URIRef):
            return []
        found = self.store.quads_for_pattern(ox.NamedNode(str(subject)), ox.NamedNode(str(predicate)), None)
        return sorted({to_rdflib(unwrap(q.object)) for q in found}, key=lambda term: (not isinstance(term, Literal), str(term)))


def origins_of(nodes: Iterable[object], files: list[Path]) -> dict[URIRef, str]:
    """The data file each IRI in ``nodes`` is first described in (file order), for the few nodes a report names."""
    wanted = {ox.NamedNode(str(node)) for node in nodes if isinstance(node, URIRef)}
    found: dict[URIRef, str] = {}
    for path in files:
        if not wanted:
            break
        name = display_path(path)
        fmt = _FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
        for quad in ox.parse(path=str(path), format=fmt, base_iri=path.resolve().as_uri()):
            if quad.subject in wanted:
                wanted.discard(quad.subject)  # type: ignore[arg-type]
                found[URIRef(quad.subject.value)] = name
    return found
