"""Parse the input files, collecting every problem with its file and line.

Only local files are read: no ``owl:imports`` is followed and no remote
JSON-LD context is fetched. Literals that rdflib accepts but that are not
valid for their datatype (``"2025-13-45"^^xsd:date``) are reported here too,
because later stages would silently treat them as plain strings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

from . import dates
from .errors import LoadError, Problem
from .terms import PREFIXES

FORMATS = {".ttl": "turtle", ".nt": "nt", ".trig": "trig", ".n3": "n3"}


@dataclass
class Loaded:
    """The union of the parsed files and where each subject is defined.

    A subject is defined in the file that asserts its ``rdf:type`` (the first
    such file); a subject typed nowhere, in the first file that describes it.
    """

    graph: Graph
    origins: dict[URIRef, str] = field(default_factory=dict)


def new_graph() -> Graph:
    """An empty in-memory graph with the project's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    return graph


def display_path(path: Path) -> str:
    """The path as users typed it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def parse_file(path: Path, into: Graph | None = None) -> Graph:
    """Parse one RDF file into ``into`` (or return a new graph); raise LoadError with file:line:col.

    Nothing is added to ``into`` unless the whole file parses and every literal is valid.
    """
    name = display_path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(Problem(f"unsupported file type '{path.suffix}' (expected one of {', '.join(FORMATS)})", name))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(Problem(f"cannot read file: {exc.strerror}", name)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(Problem(f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", name, line)) from exc
    scratch = Graph(bind_namespaces="none")
    try:
        _quiet_rdflib()
        scratch.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise LoadError(_syntax_problem(exc, name)) from exc
    except Exception as exc:  # rdflib raises many types for bad input
        raise LoadError(Problem(f"cannot parse as {fmt}: {exc}", name)) from exc
    problems = list(check_literals(scratch, text, name))
    if problems:
        raise LoadError(problems)
    if into is None:
        return scratch
    into += scratch
    return into


def load_files(paths: list[Path]) -> Loaded:
    """Parse every file; raise one LoadError listing the problems of all of them."""
    loaded = Loaded(new_graph())
    typed: dict[URIRef, str] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            part = parse_file(path)
        except LoadError as exc:
            problems.extend(exc.problems)
            continue
        name = display_path(path)
        for subject in part.subjects(RDF.type, unique=True):
            if isinstance(subject, URIRef):
                typed.setdefault(subject, name)
        for subject in part.subjects(unique=True):
            if isinstance(subject, URIRef):
                loaded.origins.setdefault(subject, name)
        loaded.graph += part
    if problems:
        raise LoadError(problems)
    loaded.origins.update(typed)
    return loaded


def check_literals(graph: Graph, text: str, name: str) -> list[Problem]:
    """Literals whose lexical form is not valid for their datatype, located in ``text`` and named by their triple."""
    problems = []
    for subject, predicate, literal in sorted(graph.triples((None, None, None))):
        if not isinstance(literal, Literal):
            continue
        message = _literal_problem(literal)
        if message:
            where = f" (in <{subject}> <{predicate}>)"
            problems.append(Problem(message + where, name, _locate(text, str(literal))))
    return problems


def _literal_problem(literal: Literal) -> str | None:
    if literal.datatype in dates.DATE_TYPES:
        try:
            dates.from_literal(literal)
        except dates.DateFormatError as exc:
            return f"ill-typed literal: {exc}"
        return None
    if literal.ill_typed:
        kind = str(literal.datatype).rsplit("#", 1)[-1]
        return f"ill-typed literal: '{literal}' is not a valid xsd:{kind}"
    return None


def _locate(text: str, lexical: str) -> int | None:
    for needle in (f'"{lexical}"', lexical):
        index = text.find(needle)
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None


def _syntax_problem(exc: BadSyntax, name: str) -> Problem:
    source = exc._str.decode("utf-8", "replace")
    before = source[: exc._i]
    col = exc._i - (before.rfind("\n") + 1) + 1
    return Problem(f"syntax error: {exc._why}", name, exc.lines + 1, col)


def _quiet_rdflib() -> None:
    # rdflib logs a traceback for every ill-typed literal; we report them ourselves.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
