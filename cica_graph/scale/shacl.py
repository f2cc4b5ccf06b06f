"""SHACL core constraints compiled to SPARQL and run in Oxigraph.

pySHACL stays the reference (and validates the CICA data by default); on a
million triples it needs an rdflib graph of the whole closure and minutes, so
the build at scale compiles each constraint of a shape into one SPARQL query
returning only the violations. SPARQL-based targets and constraints run as in
:mod:`cica_graph.shacl_fast`. Findings are the ones pySHACL reports — same
focus node, path, value, message, severity and shape — which
tests/test_scale_engines.py checks on the CICA data, on every shape's valid and
violating fixture and on synthetic graphs with injected errors.

Supported (what our shapes use, and a little more): targets by class (with
rdfs:subClassOf*), node, subjects-of and objects-of; predicate, inverse,
sequence, alternative and */+/? paths; sh:minCount, sh:maxCount, sh:datatype,
sh:nodeKind, sh:pattern (+ sh:flags), sh:class, sh:in, sh:languageIn,
sh:uniqueLang, sh:hasValue, sh:or / sh:and / sh:not / sh:xone / sh:node over
shapes made of those (a nested property shape may carry sh:minCount 1 or
sh:maxCount 0), sh:qualifiedValueShape with sh:qualifiedMin/MaxCount,
sh:severity, sh:message, sh:deactivated. Anything else raises ShapesError: a
constraint is never silently skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from ..errors import Problem, ShapesError
from ..shacl_fast import to_rdflib
from .graphs import EXACT, unwrap

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_DT = f'IF(STRSTARTS(STR(DATATYPE({{v}})), "{EXACT}"), IRI(STRAFTER(STR(DATATYPE({{v}})), "{EXACT}")), DATATYPE({{v}}))'
_KINDS = {
    SH.IRI: "isIRI({v})", SH.Literal: "isLiteral({v})", SH.BlankNode: "isBlank({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_HANDLED = {SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.message, SH.severity,
            SH.deactivated, SH.name, SH.description, SH.order, SH.group, SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind,
            SH.pattern, SH.flags, SH["class"], SH["in"], SH.languageIn, SH.uniqueLang, SH.hasValue, SH["or"], SH["and"],
            SH["not"], SH.xone, SH.node, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
            SH.qualifiedValueShapesDisjoint, RDF.type, RDFS.label, RDFS.comment, SH.prefixes, SH.declare}


@dataclass(frozen=True)
class CoreFinding:
    """One violation of a core constraint, in the terms pySHACL reports."""

    severity: str
    shape: object
    focus: object
    path: object
    value: object
    message: str


def validate(shapes: Graph, store: object) -> list[CoreFinding]:
    """Findings of every core constraint of ``shapes`` over ``store`` (queries see the union of its graphs)."""
    found: list[CoreFinding] = []
    for shape in _top_shapes(shapes):
        if _true(shapes.value(shape, SH.deactivated)):
            continue
        focus = _focus(shapes, shape)
        if focus is None:
            continue
        severity = SEVERITIES.get(shapes.value(shape, SH.severity), "Violation")
        messages = sorted(str(m) for m in shapes.objects(shape, SH.message)) or [f"{_short(shape)} not met"]
        path = shapes.value(shape, SH.path)
        for text, reports_value in _queries(shapes, shape, focus, path):
            for row in store.query(text):  # type: ignore[attr-defined]
                this = to_rdflib(unwrap(row["this"]))
                value = to_rdflib(unwrap(row["v"])) if reports_value else None
                found += [CoreFinding(severity, shape, this, path, value, m) for m in messages[:1]]
    return found


def _top_shapes(shapes: Graph) -> list:
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    found = {s for t in targets for s in shapes.subjects(t, None)}
    found |= {s for s in shapes.subjects(RDF.type, SH.NodeShape) if (s, RDF.type, RDFS.Class) in shapes}
    return sorted(found, key=str)


def _focus(shapes: Graph, shape: object) -> str | None:
    parts = []
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.append(shape)
    parts += [f"{{ ?this a/<{RDFS.subClassOf}>* {_term(c)} }}" for c in classes]
    nodes = list(shapes.objects(shape, SH.targetNode))
    if nodes:
        parts.append("{ VALUES ?this { " + " ".join(_term(n) for n in sorted(nodes, key=str)) + " } }")
    parts += [f"{{ ?this {_term(p)} ?_target }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"{{ ?_target {_term(p)} ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    if not parts:
        return None
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def _queries(shapes: Graph, shape: object, focus: str, path: object) -> list[tuple[str, bool]]:
    """(query, whether its rows report a value) for each constraint of a top-level shape."""
    _refuse_unknown(shapes, shape, top=True)
    if path is None:  # a node shape: the focus node is the value node
        cond = _conditions(shapes, shape, "?this")
        return [(f"SELECT ?this (?this AS ?v) WHERE {{ {focus} FILTER(!({c})) }}", True) for c in cond]
    p = _path(shapes, path)
    out: list[tuple[str, bool]] = []
    for count in shapes.objects(shape, SH.minCount):
        n = int(count)
        if n == 1:
            out.append((f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {p} ?_v }} }}", False))
        elif n > 1:
            out.append((f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {p} ?_v }} }} GROUP BY ?this "
                        f"HAVING (COUNT(DISTINCT ?_v) < {n})", False))
    for count in shapes.objects(shape, SH.maxCount):
        out.append((f"SELECT ?this WHERE {{ {focus} ?this {p} ?_v }} GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {int(count)})",
                    False))
    if _true(shapes.value(shape, SH.uniqueLang)):
        out.append((f"SELECT DISTINCT ?this WHERE {{ {focus} ?this {p} ?_a , ?_b . FILTER(isLiteral(?_a) && LANG(?_a) != '' "
                    f"&& LCASE(LANG(?_a)) = LCASE(LANG(?_b)) && !sameTerm(?_a, ?_b)) }}", False))
    qualified = shapes.value(shape, SH.qualifiedValueShape)
    if qualified is not None:
        cond = " && ".join(_conditions(shapes, qualified, "?_v")) or "true"
        for bound, op in ((SH.qualifiedMinCount, "<"), (SH.qualifiedMaxCount, ">")):
            for count in shapes.objects(shape, bound):
                out.append((f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {p} ?_v FILTER({cond}) }} }} GROUP BY ?this "
                            f"HAVING (COUNT(DISTINCT ?_v) {op} {int(count)})", False))
    for cond in _conditions(shapes, shape, "?v"):
        out.append((f"SELECT DISTINCT ?this ?v WHERE {{ {focus} ?this {p} ?v FILTER(!({cond})) }}", True))
    return out


def _conditions(shapes: Graph, shape: object, v: str) -> list[str]:
    """One SPARQL expression per value-type constraint of ``shape``: true when the value node ``v`` conforms."""
    out = []
    for datatype in shapes.objects(shape, SH.datatype):
        out.append(f"(isLiteral({v}) && {_DT.format(v=v)} = {_term(datatype)})")
    for kind in shapes.objects(shape, SH.nodeKind):
        if kind not in _KINDS:
            raise ShapesError(Problem(f"{shape}: unknown sh:nodeKind {kind}", "shapes/"))
        out.append(_KINDS[kind].format(v=v))
    for pattern in shapes.objects(shape, SH.pattern):
        flags = shapes.value(shape, SH.flags)
        out.append(f"(!isBlank({v}) && REGEX(STR({v}), {_string(str(pattern))}, {_string(str(flags or ''))}))")
    for cls in shapes.objects(shape, SH["class"]):
        out.append(f"EXISTS {{ {v} a/<{RDFS.subClassOf}>* {_term(cls)} }}")
    for listed in shapes.objects(shape, SH["in"]):
        terms = list(Collection(shapes, listed))
        out.append("(" + (" || ".join(f"sameTerm({v}, {_term(t, exact=True)})" for t in terms) or "false") + ")")
    for listed in shapes.objects(shape, SH.languageIn):
        tags = [str(t) for t in Collection(shapes, listed)]
        matches = " || ".join(f"LANGMATCHES(LANG({v}), {_string(t)})" for t in tags) or "false"
        out.append(f"(isLiteral({v}) && ({matches}))")
    for value in shapes.objects(shape, SH.hasValue):
        out.append(f"sameTerm({v}, {_term(value, exact=True)})")
    for key, joiner in ((SH["or"], " || "), (SH["and"], " && ")):
        for listed in shapes.objects(shape, key):
            members = [_all(shapes, member, v) for member in Collection(shapes, listed)]
            out.append("(" + (joiner.join(members) or ("false" if key == SH["or"] else "true")) + ")")
    for listed in shapes.objects(shape, SH.xone):
        members = [_all(shapes, member, v) for member in Collection(shapes, listed)]
        out.append("(" + " + ".join(f"IF({m}, 1, 0)" for m in members) + " = 1)")
    for other in shapes.objects(shape, SH["not"]):
        out.append(f"!({_all(shapes, other, v)})")
    for other in shapes.objects(shape, SH.node):
        out.append(_all(shapes, other, v))
    return out


def _all(shapes: Graph, shape: object, v: str) -> str:
    """True when ``v`` conforms to every constraint of a nested shape."""
    _refuse_unknown(shapes, shape, top=False)
    path = shapes.value(shape, SH.path)
    if path is None:
        parts = _conditions(shapes, shape, v)
    else:
        if _conditions(shapes, shape, "?_x"):
            raise ShapesError(Problem(f"{shape}: value constraints on a nested property shape are not supported", "shapes/"))
        p, parts = _path(shapes, path), []
        for count in shapes.objects(shape, SH.minCount):
            if int(count) > 1:
                raise ShapesError(Problem(f"{shape}: sh:minCount above 1 inside sh:or/sh:and is not supported", "shapes/"))
            if int(count) == 1:
                parts.append(f"EXISTS {{ {v} {p} ?_nested }}")
        for count in shapes.objects(shape, SH.maxCount):
            if int(count) != 0:
                raise ShapesError(Problem(f"{shape}: sh:maxCount other than 0 inside sh:or/sh:and is not supported", "shapes/"))
            parts.append(f"NOT EXISTS {{ {v} {p} ?_nested }}")
    return "(" + (" && ".join(parts) or "true") + ")"


def _refuse_unknown(shapes: Graph, shape: object, top: bool) -> None:
    unknown = sorted({str(p) for p in shapes.predicates(shape, None) if p not in _HANDLED and str(p).startswith(str(SH))})
    if unknown:
        raise ShapesError(Problem(f"{shape}: {', '.join(unknown)} not supported by the compiled validator", "shapes/"))
    if not top and set(shapes.objects(shape, SH.qualifiedValueShape)):
        raise ShapesError(Problem(f"{shape}: nested sh:qualifiedValueShape is not supported", "shapes/"))


def _path(shapes: Graph, path: object) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(_path(shapes, p) for p in Collection(shapes, path)) + ")"
    for key, template in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"), (SH.oneOrMorePath, "({})+"),
                          (SH.zeroOrOnePath, "({})?")):
        inner = shapes.value(path, key)
        if inner is not None:
            return template.format(_path(shapes, inner))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path(shapes, p) for p in Collection(shapes, alternatives)) + ")"
    raise ShapesError(Problem(f"unsupported sh:path {path}", "shapes/"))


def _term(term: object, exact: bool = False) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        from ..release import to_ox
        from .graphs import wrap

        literal = to_ox(term)
        return str(wrap(literal) if exact else literal)
    if isinstance(term, BNode):
        raise ShapesError(Problem(f"a blank node ({term}) cannot be a target or a listed value", "shapes/"))
    return str(ox.NamedNode(str(term)))


def _string(text: str) -> str:
    return str(ox.Literal(text))


def _true(value: object) -> bool:
    return isinstance(value, Literal) and value.toPython() is True


def _short(shape: object) -> str:
    return str(shape).rsplit("#", 1)[-1]
