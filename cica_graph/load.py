"""Parse the input files, collecting every problem with its file and line.

Only local files are read: no ``owl:imports`` is followed and no remote
JSON-LD context is fetched; RDF/XML, TriX and JSON-LD are refused unread and
files over the size limit are refused before they are read (``limits``).
Terms that rdflib accepts but that are not valid are reported here too,
because later stages would silently carry them: literals ill-typed for their
datatype (``"2025-13-45"^^xsd:date``), language tags that are not BCP 47,
IRIs with spaces or other forbidden characters, web addresses that are not
http(s) (``javascript:``), and SHACL-SPARQL that would reach outside the graph.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, FOAF, RDF, SH
from rdflib.plugins.parsers.notation3 import BadSyntax

from . import dates, guard, limits
from .errors import GuardError, LoadError, Problem
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
        foreign = limits.foreign_type_message(path.suffix, limits.read_head(path))
        raise LoadError(Problem(foreign or f"unsupported file type '{path.suffix}' (expected one of {', '.join(FORMATS)})", name))
    try:
        too_large = limits.size_problem(path.stat().st_size, name)
        if too_large:
            raise LoadError(too_large)
        raw = path.read_bytes()
    except OSError as exc:
        raise LoadError(Problem(f"cannot read file: {exc.strerror}", name)) from exc
    foreign = limits.foreign_content_message(raw[:4096])
    if foreign:
        raise LoadError(Problem(foreign, name, 1))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(Problem(f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded", name, line)) from exc
    scratch = Graph(bind_namespaces="none")
    try:
        _quiet_rdflib()
        with guard.reading([path]):
            scratch.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise LoadError(_syntax_problem(exc, name)) from exc
    except GuardError as exc:
        raise LoadError([Problem(p.message, name) for p in exc.problems]) from exc
    except Exception as exc:  # rdflib raises many types for bad input
        raise LoadError(_fallback_problem(text, fmt, name, exc)) from exc
    problems = check_literals(scratch, text, name) + check_terms(scratch, text, name)
    problems.sort(key=lambda p: p.line or 0)
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


SCHEMA = "https://schema.org/"
#: Properties whose value is a web address a user may follow: only http(s) is allowed.
WEB_ADDRESS_PROPERTIES = frozenset(
    URIRef(base + local)
    for base in (SCHEMA, "http://schema.org/")
    for local in ("url", "sameAs", "image", "logo", "contentUrl", "downloadUrl")
) | {DCAT.downloadURL, DCAT.accessURL, DCAT.landingPage, FOAF.homepage, FOAF.page}
_SPARQL_PROPERTIES = frozenset({SH.select, SH.ask, SH.construct, SH.update})
# RFC 5646 (BCP 47) well-formed language tags; grandfathered irregular tags are rare and not accepted.
_LANGTAG = re.compile(
    r"(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?"
    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*(?:-[\da-wyz](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?"
    r"|x(?:-[a-z\d]{1,8})+)",
    re.I,
)
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def check_terms(graph: Graph, text: str, name: str) -> list[Problem]:
    """IRIs with forbidden characters, non-BCP 47 language tags, non-http(s) web addresses, unsafe SHACL-SPARQL."""
    problems = []
    seen: set = set()
    for subject, predicate, value in sorted(graph.triples((None, None, None))):
        where = f" (in <{subject}> <{predicate}>)"
        for term in (subject, predicate, value):
            if isinstance(term, URIRef) and term not in seen:
                seen.add(term)
                bad = _IRI_FORBIDDEN.search(term)
                if bad:
                    what = "a space" if bad[0] == " " else f"the character {bad[0]!r}"
                    message = f"bad IRI <{term}>: it contains {what}, not allowed in an IRI (write it as %{ord(bad[0]):02X})"
                    problems.append(Problem(message, name, _locate_iri(text, term)))
        if isinstance(value, Literal) and value.language and not _LANGTAG.fullmatch(value.language):
            message = f"bad language tag '@{value.language}': not a well-formed BCP 47 tag (e.g. en, ru, zh-Hans, kk-Cyrl-KZ)"
            problems.append(Problem(message + where, name, _locate(text, f"@{value.language}")))
        if predicate in WEB_ADDRESS_PROPERTIES and not re.match(r"(?i)https?://[^/?#\s]", str(value)):
            message = f"'{value}' is not a web address: <{predicate}> takes an http:// or https:// IRI"
            problems.append(Problem(message + where, name, _locate_iri(text, str(value))))
        if predicate in _SPARQL_PROPERTIES and isinstance(value, Literal):
            refused = _unsafe_sparql(str(value))
            if refused:
                problems.append(Problem(f"{refused} in SHACL-SPARQL is not allowed: shapes run only over the local graph"
                                        + where, name, _locate(text, str(value)[:40])))
    return problems


def _unsafe_sparql(query: str) -> str | None:
    from .sparql import _FROM, _SERVICE, _UPDATE, mask  # sparql imports this module

    masked = mask(query)
    if _UPDATE.search(masked):
        return "an update"
    found = _SERVICE.search(masked) or _FROM.search(masked)
    return " ".join(found[0].upper().split()) if found else None


_PREFIX_DECLARATION = re.compile(r"(?im)^[ \t]*@?prefix[ \t]+[^\s:]*:[ \t]*<([^>\n]*)>")


def _locate_iri(text: str, iri: str) -> int | None:
    """The line of ``iri``: written in full, else its last segment, else the prefix declaration it was built from."""
    line = _locate(text, f"<{iri}>")
    if line is None:
        tail = re.split(r"[/#:]", iri.rstrip("/#"))[-1]
        line = _locate(text, tail) if tail else None
    if line is None:
        declarations = [m for m in _PREFIX_DECLARATION.finditer(text) if m[1] and iri.startswith(m[1])]
        if declarations:
            longest = max(declarations, key=lambda m: len(m[1]))
            line = text.count("\n", 0, longest.start()) + 1
    return line


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


_OX_ERROR = re.compile(
    r"Parser error at line (\d+),? (?:between columns|at column|column) (\d+)[^:]*: (.*?)(?: \(line \d+\))?$", re.S
)


def _fallback_problem(text: str, fmt: str, name: str, exc: Exception) -> Problem:
    """An rdflib failure without a position (IndexError, ValueError…): Oxigraph's parser locates it."""
    ox_format = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG}.get(fmt)
    if ox_format is not None:
        try:
            for _ in ox.parse(text.encode("utf-8"), format=ox_format):
                pass
        except SyntaxError as error:
            found = _OX_ERROR.match(str(error))
            if found:
                return Problem(f"syntax error: {found[3].strip()}", name, int(found[1]), int(found[2]))
            return Problem(f"syntax error: {error}", name)
    return Problem(f"cannot parse as {fmt}: {exc}", name)


def _quiet_rdflib() -> None:
    # rdflib logs a traceback for every ill-typed literal; we report them ourselves.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
