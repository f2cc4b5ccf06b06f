"""Named SPARQL queries: their header, their parameters and the safety rules.

A named query is a ``.rq`` file whose leading comment lines form a header::

    # title: Members on a date
    # description: States whose membership of an organization is in force.
    # param: ?date xsd:date today
    # param: ?org iri io:cica

Parameters are bound by an inline ``VALUES`` block opening the query's WHERE
pattern, so FILTERs and BINDs see them as if pre-bound, in every SPARQL engine
(Oxigraph's own substitution only accepts projected variables). Values are
typed terms written in N-Triples syntax, never raw user text. Queries that would reach outside the graph
(``SERVICE``, ``FROM``, ``FROM NAMED``) and updates are refused before running.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.parser import parseQuery

from . import dates
from .errors import Problem, QueryError
from .load import display_path
from .terms import PREFIXES

_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*)$")
_XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "xsd:string", "xsd:date", "xsd:gYear", "xsd:integer", "xsd:boolean")


@dataclass(frozen=True)
class Param:
    """A declared parameter: variable name, type and default (``today`` for dates)."""

    name: str
    type: str
    default: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    """A query file with its header."""

    name: str
    path: str
    text: str
    title: str
    description: str = ""
    params: tuple[Param, ...] = field(default_factory=tuple)


def load_query(path: Path) -> NamedQuery:
    """Read a ``.rq`` file, parse its header and check that it is a safe, valid query."""
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(Problem(f"cannot read query file: {exc}", name)) from exc
    title, description, params = "", [], []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line.strip())
        if not match:
            continue
        key, value = match.groups()
        if key == "title":
            title = value.strip()
        elif key == "description":
            description.append(value.strip())
        else:
            params.append(_parse_param(value, name, number))
    check_query(text, name)
    return NamedQuery(path.stem, name, text, title or path.stem, " ".join(description), tuple(params))


def find_queries(folder: Path) -> dict[str, NamedQuery]:
    """Every named query directly in ``folder`` by name (quality checks live below it)."""
    return {q.name: q for q in (load_query(p) for p in sorted(folder.glob("*.rq")))}


def check_query(text: str, name: str = "<query>") -> None:
    """Raise QueryError for an update, SERVICE, FROM / FROM NAMED, or a syntax error (with line:col).

    The keywords are found on the query text with strings, IRIs and comments
    masked out (``mask``): 0.1 ms against ~180 ms for rdflib's parser per
    query (benchmarks/build.py), which every build paid for each quality
    check. Only then is the text handed to Oxigraph, whose parser reports
    syntax errors; it is run on an empty store, so nothing can be reached.
    """
    masked = mask(text)
    update = _UPDATE.search(masked)
    if update:
        line, col = _position(text, update.start())
        raise QueryError(Problem("updates are not allowed: the graph is read-only", name, line, col))
    found = _SERVICE.search(masked) or _FROM.search(masked)
    if found:
        keyword = " ".join(found[0].upper().split())
        line, col = _position(text, found.start())
        raise QueryError(
            Problem(f"{keyword} is not allowed: queries run only over the local graph", name, line, col, hint="remove the clause")
        )
    if mentions_remote(text):
        refuse_remote_by_parse(text)
    try:
        ox.Store().query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(_syntax_problem(text, name, str(exc))) from exc


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def mentions_remote(text: str) -> bool:
    """Whether ``text`` says "service" or "from" (or holds a ``\\u`` escape) outside comment-only lines.

    Such a text gets a second opinion from rdflib's parser
    (:func:`refuse_remote_by_parse`) on top of the masked-keyword check,
    because Oxigraph would really carry out a SERVICE the masking missed.
    Lines that start with ``#`` and hold no quote are skipped: they are
    comments (an IRI cannot span lines). SPARQL comments end at CR or LF only.
    """
    scanned = "\n".join(line for line in re.split(r"[\r\n]", text.lower()) if not _QUIET_LINE.match(line))
    return _REMOTE_WORD.search(scanned) is not None or "\\u" in scanned


_QUIET_LINE = re.compile(r"^[ \t]*#[^\"']*$")
#: "service" or "from" as a word of its own: not part of a name (prov:wasDerivedFrom), a variable (?from) or a
#: prefixed name (ex:from), none of which can be the keyword; a keyword the masking missed is always such a word.
_REMOTE_WORD = re.compile(r"(?<![\w:?$])(?:service|from)(?![\w\-])")


@functools.lru_cache(maxsize=512)
def refuse_remote_by_parse(text: str) -> None:
    """A second opinion on SERVICE and FROM from rdflib's parse tree, for texts that mention them.

    Oxigraph carries out SERVICE (it has an HTTP client), so a text that names
    SERVICE or FROM is let through only if a real parser finds neither clause
    in it as well as the project's check. A text rdflib cannot parse is
    refused: the check must not depend on guessing where a comment ends.
    """
    try:
        tree = parseQuery(text)
    except ParseBaseException as exc:
        problem = Problem(f"the query mentions SERVICE or FROM and cannot be checked: {exc.msg}", "<query>", exc.lineno, exc.col)
        raise QueryError(problem) from exc
    stack: list = [tree]
    while stack:
        node = stack.pop()
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise QueryError(Problem("SERVICE is not allowed: queries run only over the local graph", "<query>"))
        if isinstance(node, dict):
            if dict.get(node, "datasetClause"):  # not node.get(): rdflib's CompValue.get() returns the key when missing
                raise QueryError(Problem("FROM is not allowed: queries run only over the local graph", "<query>"))
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)


_WORD = r"(?<![\w:?$]){}(?![\w:-])"
#: SPARQL's IRIREF: no control characters, space, or <>"{}|^`\ inside (not Python's \s, which
#: also matches U+2028 or U+00A0 and would let a '#' after them start a fake comment).
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_SERVICE = re.compile(_WORD.format("SERVICE"), re.I)
_FROM = re.compile(_WORD.format(r"FROM(?:\s+NAMED)?"), re.I)
_UPDATE = re.compile(_WORD.format("(?:INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)"), re.I)


def mask(text: str) -> str:
    """``text`` with comments, IRIs and string literals replaced by spaces (same length, same lines)."""
    out = list(text)
    i = 0
    while i < len(text):
        char = text[i]
        if char == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
        elif char == "<" and _IRIREF.match(text, i):
            end = text.index(">", i) + 1
        elif char in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else char
            end = i + len(quote)
            while end < len(text) and text[end : end + len(quote)] != quote:
                end += 2 if text[end] == "\\" else 1
            end = min(len(text), end + len(quote))
        else:
            i += 1
            continue
        for j in range(i, end):
            if out[j] != "\n":
                out[j] = " "
        i = end
    return "".join(out)


def bind(query: NamedQuery, values: dict[str, str], today: date | None = None) -> dict[str, object]:
    """Turn ``--param name=value`` strings into typed Oxigraph terms, defaults filled in."""
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise QueryError(Problem(f"unknown parameter(s) {', '.join(unknown)} (declared: {known})", query.path))
    bound: dict[str, object] = {}
    for param in query.params:
        raw = values.get(param.name, param.default)
        if raw is None:
            continue
        if raw == "today" and param.type == "xsd:date":
            raw = (today or date.today()).isoformat()
        bound[param.name] = to_term(raw, param.type, query.path)
    return bound


def with_bindings(text: str, bindings: dict[str, object]) -> str:
    """``text`` with ``VALUES (?a ?b) { (term term) }`` opening its WHERE group pattern."""
    if not bindings:
        return text
    names = sorted(bindings)
    variables = " ".join(f"?{n}" for n in names)
    terms = " ".join(str(bindings[n]) for n in names)
    at = _where_brace(text)
    return f"{text[: at + 1]} VALUES ({variables}) {{ ({terms}) }} {text[at + 1 :]}"


def with_values(text: str, name: str, terms: list[object]) -> str:
    """``text`` with ``VALUES ?name { term … }`` opening its WHERE group pattern."""
    at = _where_brace(text)
    listed = " ".join(str(term) for term in terms)
    return f"{text[: at + 1]} VALUES ?{name} {{ {listed} }} {text[at + 1 :]}"


def _where_brace(text: str) -> int:
    """Index of the ``{`` opening the WHERE pattern, skipping IRIs, strings and comments."""
    first_brace, i, depth = None, 0, 0
    while i < len(text):
        char = text[i]
        if char == "#":
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if char == "<" and _IRIREF.match(text, i):
            i = text.index(">", i) + 1
            continue
        if char in "\"'":
            quote = text[i : i + 3] if text[i : i + 3] in ('"""', "'''") else char
            end = i + len(quote)
            while end < len(text) and text[end : end + len(quote)] != quote:
                end += 2 if text[end] == "\\" else 1
            i = end + len(quote)
            continue
        if depth == 0 and re.match(r"(?i)where\b", text[i : i + 6]) and (i == 0 or not text[i - 1].isalnum()):
            brace = text.find("{", i)
            if brace >= 0:
                return brace
        if char == "{":
            if depth == 0 and first_brace is None:
                first_brace = i
            depth += 1
        elif char == "}":
            depth -= 1
        i += 1
    if first_brace is None:
        raise QueryError(Problem("the query has no WHERE pattern to bind parameters in"))
    return first_brace


def to_term(raw: str, kind: str, where: str = "<param>") -> object:
    """A typed Oxigraph term for a parameter value, or QueryError naming what is wrong."""
    try:
        if kind == "iri":
            return ox.NamedNode(expand(raw))
        if kind in ("xsd:date", "xsd:gYear"):
            parsed = dates.from_text(raw)
            if kind == "xsd:date" and parsed.precision != "day":
                raise dates.DateFormatError(f"'{raw}' is not a full date (YYYY-MM-DD)")
            return ox.Literal(parsed.lexical, datatype=ox.NamedNode(_XSD + kind[4:]))
        if kind == "xsd:integer":
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(_XSD + "integer"))
        if kind == "xsd:boolean":
            if raw not in ("true", "false"):
                raise ValueError(f"'{raw}' is not true or false")
            return ox.Literal(raw, datatype=ox.NamedNode(_XSD + "boolean"))
        return ox.Literal(raw)
    except (ValueError, dates.DateFormatError) as exc:
        raise QueryError(Problem(f"bad value for a {kind} parameter: {exc}", where)) from exc


def expand(value: str) -> str:
    """A full IRI from ``prefix:local`` (the project's prefixes) or an absolute IRI."""
    value = value.strip().removeprefix("<").removesuffix(">")
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if re.match(r"^(https?|urn):\S+$", value):
        return value
    raise ValueError(f"'{value}' is neither an http(s) IRI nor a known prefixed name")


def _parse_param(value: str, name: str, line: int) -> Param:
    parts = value.split()
    if len(parts) < 2 or not parts[0].startswith("?") or parts[1] not in PARAM_TYPES:
        hint = f"write '# param: ?name TYPE [default]', TYPE one of {', '.join(PARAM_TYPES)}"
        raise QueryError(Problem(f"bad param header '{value}'", name, line, hint=hint))
    return Param(parts[0][1:], parts[1], " ".join(parts[2:]) or None)


def _syntax_problem(text: str, name: str, message: str) -> Problem:
    # Oxigraph names what it expected and is usually exact to the column, but
    # after backtracking it can point past the end; pyparsing then has the line.
    problem = _oxigraph_problem(message, name)
    try:
        parseQuery(text)
    except ParseBaseException as exc:
        if problem.line is not None and exc.lineno is not None and problem.line > exc.lineno:
            return Problem(problem.message, name, exc.lineno, exc.col)
    return problem


def _oxigraph_problem(message: str, name: str) -> Problem:
    match = re.match(r"error at (\d+):(\d+)(?:-\d+:\d+)?:\s*(.*)", message, re.S)
    if match:
        return Problem(f"syntax error: {match[3].strip()}", name, int(match[1]), int(match[2]))
    return Problem(f"syntax error: {message}", name)
