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

from collections.abc import Callable
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
_UNIQUE_LANG = "isLiteral(?_a) && LANG(?_a) != '' && LCASE(LANG(?_a)) = LCASE(LANG(?_b)) && !sameTerm(?_a, ?_b)"


@dataclass(frozen=True)
class CoreFinding:
    """One violation of a core constraint, in the terms pySHACL reports."""

    severity: str
    shape: object
    focus: object
    path: object
    value: object
    message: str


@dataclass(frozen=True)
class _Check:
    """Who reports a failed check, and whether the finding names the value node, the focus node or none."""

    shape: object
    severity: str
    path: object
    message: str
    reports: str  # "value", "focus" or ""


@dataclass(frozen=True)
class _Query:
    """A query whose rows are violations: ``?this``, ``?v`` if ``valued``, and a flag ``?_cN`` per check if ``flags``.

    Without flags every row is a violation of the only check; with flags, of each check whose flag is false
    (an unbound flag is a condition that raised an error, which ``FILTER(!(c))`` does not report either).
    """

    text: str
    checks: tuple[_Check, ...]
    valued: bool
    flags: bool
    probe: str = ""  # an ASK query, false when the query has no rows: then it is not run


def validate(shapes: Graph, store: object) -> list[CoreFinding]:
    """Findings of every core constraint of ``shapes`` over ``store`` (queries see the union of its graphs).

    Constraints are grouped so that the data is read few times (at a million triples the per-constraint
    queries took 20 s, now a few): whatever is checked once per focus node (node-shape conditions,
    sh:minCount 1, sh:maxCount 0 or 1, sh:uniqueLang, qualified counts 1 and 0) for every shape with the same
    targets runs in one query over those focus nodes, each check an index seek; the value conditions of the
    shapes with the same targets and path run in one query over the path's values, which tests whether the
    subject is a focus node only for the values that fail (when the path is a bounded one). Cheap probes
    skip what cannot fail: one ASK per path over its values for every value condition on it, and one count
    per path (no subject with two values) for sh:maxCount 1 and sh:uniqueLang. Classes are expanded to their
    subclasses once, so that no query walks rdfs:subClassOf* per node.
    """
    plan = _Plan(shapes, store)
    order = [shape for shape in _top_shapes(shapes) if not _true(shapes.value(shape, SH.deactivated))]
    for shape in order:
        plan.add(shape)
    found: dict[object, list[CoreFinding]] = {}
    probes: dict[str, bool] = {}

    def ask(text: str) -> bool:
        if text not in probes:
            probes[text] = bool(store.query(text))  # type: ignore[attr-defined]
        return probes[text]

    for query in plan.queries(ask):
        if query.probe and not ask(query.probe):
            continue
        for row in store.query(query.text):  # type: ignore[attr-defined]
            this = to_rdflib(unwrap(row["this"]))
            value = to_rdflib(unwrap(row["v"])) if query.valued else None
            for index, check in enumerate(query.checks):
                if query.flags:
                    flag = row[f"_c{index}"]
                    if flag is None or flag.value != "false":
                        continue
                reported = value if check.reports == "value" else this if check.reports == "focus" else None
                found.setdefault(check.shape, []).append(
                    CoreFinding(check.severity, check.shape, this, check.path, reported, check.message))
    return [finding for shape in order for finding in found.get(shape, [])]


def _top_shapes(shapes: Graph) -> list:
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    found = {s for t in targets for s in shapes.subjects(t, None)}
    found |= {s for s in shapes.subjects(RDF.type, SH.NodeShape) if (s, RDF.type, RDFS.Class) in shapes}
    return sorted(found, key=str)


@dataclass(frozen=True)
class _Target:
    """The focus nodes of a shape: instances of ``named`` classes and their ``classes`` (every subclass listed),
    of ``closures`` (classes with a blank-node subclass, matched by rdfs:subClassOf*), ``nodes``, subjects and
    objects of predicates."""

    named: tuple[str, ...]
    classes: tuple[str, ...]
    closures: tuple[str, ...]
    nodes: tuple[str, ...]
    subjects_of: tuple[str, ...]
    objects_of: tuple[str, ...]

    def pattern(self) -> str:
        """A group pattern binding ``?this`` to each focus node, some maybe more than once: callers use DISTINCT.

        The objects of a predicate are made distinct first (a source is cited by many facts); elsewhere
        repeats are few (a node of two listed classes) and a DISTINCT sub-select costs more than it saves.
        """
        parts = []
        if len(self.classes) == 1:
            parts.append(f"{{ ?this a {self.classes[0]} }}")
        elif self.classes:
            parts.append(f"{{ VALUES ?_t {{ {' '.join(self.classes)} }} ?this a ?_t }}")
        parts += [f"{{ ?this a/<{RDFS.subClassOf}>* {c} }}" for c in self.closures]
        if self.nodes:
            parts.append("{ VALUES ?this { " + " ".join(self.nodes) + " } }")
        parts += [f"{{ ?this {p} ?_t }}" for p in self.subjects_of]
        parts += [f"{{ SELECT DISTINCT ?this WHERE {{ ?_t {p} ?this }} }}" for p in self.objects_of]
        return " UNION ".join(parts)

    def test(self) -> str:
        """An expression true when the bound ``?this`` is a focus node (targets without ``nodes`` only)."""
        parts = [_instance("?this", self.named, self.classes, self.closures, "?_t")] if self.classes or self.closures else []
        parts += [f"EXISTS {{ ?this {p} ?_t }}" for p in self.subjects_of]
        parts += [f"EXISTS {{ ?_t {p} ?this }}" for p in self.objects_of]
        return "(" + " || ".join(parts) + ")"


def _instance(v: str, named: tuple[str, ...], classes: tuple[str, ...], closures: tuple[str, ...], var: str) -> str:
    """True when ``v`` is an instance of one of ``classes`` (subclasses listed) or of ``closures``; the ``named``
    classes (usually asserted or inferred for every instance) are looked up first, one index seek each."""
    direct = [c for c in named if c in classes]
    parts = [f"EXISTS {{ {v} a {c} }}" for c in direct]
    others = [c for c in classes if c not in direct]
    if len(others) == 1:
        parts.append(f"EXISTS {{ {v} a {others[0]} }}")
    elif others:
        parts.append(f"EXISTS {{ {v} a {var} FILTER({var} IN ({', '.join(others)})) }}")
    parts += [f"EXISTS {{ {v} a/<{RDFS.subClassOf}>* {c} }}" for c in closures]
    return "(" + (" || ".join(parts) or "false") + ")"


class _Plan:
    """The checks of the shapes added, grouped by target (per focus node) and by target and path (per value)."""

    def __init__(self, shapes: Graph, store: object) -> None:
        self.shapes, self.store = shapes, store
        self._subclasses: dict[object, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        # per target: (expression true when ?this passes, check, probe, expression when the probe is false or
        # None when the check then always passes); the probe (an ASK query, "" for none) is false when no
        # subject has two values for the path, which sh:maxCount 1 and sh:uniqueLang need to fail
        self.per_focus: dict[_Target, list[tuple[str, _Check, str, str | None]]] = {}
        self.helpers: dict[_Target, list[tuple[str, str]]] = {}  # values checks share, bound as ?_eN, and their probe
        self.per_value: dict[tuple[_Target, str, bool], list[tuple[str, _Check]]] = {}
        self.counts: list[_Query] = []

    def classes(self, classes: list) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(``classes``, every subclass of them, those whose subclasses include a blank node) as SPARQL terms."""
        listed: set[str] = set()
        closures: set[str] = set()
        for cls in classes:
            if cls not in self._subclasses:
                term = _term(cls)
                rows = self.store.query(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {term} }}")  # type: ignore[attr-defined]
                found = {row["c"] for row in rows}
                if any(not isinstance(c, ox.NamedNode) for c in found):
                    self._subclasses[cls] = ((), (term,))
                else:
                    self._subclasses[cls] = (tuple(sorted({term} | {str(c) for c in found})), ())
            listed.update(self._subclasses[cls][0])
            closures.update(self._subclasses[cls][1])
        return tuple(sorted({_term(c) for c in classes})), tuple(sorted(listed)), tuple(sorted(closures))

    def target(self, shape: object) -> _Target | None:
        shapes = self.shapes
        classes = list(shapes.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in shapes:
            classes.append(shape)
        named, listed, closures = self.classes(classes)
        nodes = tuple(sorted({_term(n) for n in shapes.objects(shape, SH.targetNode)}))
        subjects = tuple(sorted({_term(p) for p in shapes.objects(shape, SH.targetSubjectsOf)}))
        objects = tuple(sorted({_term(p) for p in shapes.objects(shape, SH.targetObjectsOf)}))
        if not (listed or closures or nodes or subjects or objects):
            return None
        return _Target(named, listed, closures, nodes, subjects, objects)

    def add(self, shape: object) -> None:
        """Plan the checks of the top-level ``shape``."""
        shapes = self.shapes
        target = self.target(shape)
        if target is None:
            return
        _refuse_unknown(shapes, shape, top=True)
        severity = SEVERITIES.get(shapes.value(shape, SH.severity), "Violation")  # type: ignore[arg-type]
        message = (sorted(str(m) for m in shapes.objects(shape, SH.message)) or [f"{_short(shape)} not met"])[0]
        path = shapes.value(shape, SH.path)
        focus = self.per_focus.setdefault(target, [])

        def check(reports: str) -> _Check:
            return _Check(shape, severity, path, message, reports)

        if path is None:  # a node shape: the focus node is the value node
            focus += [(c, check("focus"), "", c) for c in self.conditions(shape, "?this")]
            return
        p, bounded = _path(shapes, path), _bounded(shapes, path)
        pairs = _pairs_probe(p) if bounded else ""
        mins, maxs = [int(c) for c in shapes.objects(shape, SH.minCount)], [int(c) for c in shapes.objects(shape, SH.maxCount)]
        one = ""
        if 1 in mins and 1 in maxs:  # exactly one value, two index seeks; the bounds apart only when it fails
            one = f"?_e{len(self.helpers.setdefault(target, []))}"
            self.helpers[target].append(
                (f"EXISTS {{ ?this {p} ?_a FILTER NOT EXISTS {{ ?this {p} ?_b FILTER(!sameTerm(?_a, ?_b)) }} }}", pairs))
        for n in mins:
            if n == 1:
                test = f"EXISTS {{ ?this {p} ?_x }}"
                focus.append((f"IF({one}, true, {test})", check(""), pairs, test) if one else (test, check(""), "", test))
            elif n > 1:
                self.count(target, f"OPTIONAL {{ ?this {p} ?_v }}", f"< {n}", check(""))
        for n in maxs:
            if n == 0:
                test = f"NOT EXISTS {{ ?this {p} ?_x }}"
                focus.append((test, check(""), "", test))
            elif n == 1:
                test = f"NOT EXISTS {{ ?this {p} ?_a , ?_b FILTER(!sameTerm(?_a, ?_b)) }}"
                focus.append((f"IF({one}, true, {test})" if one else test, check(""), pairs, None))
            else:
                self.count(target, f"?this {p} ?_v", f"> {n}", check(""))
        if _true(shapes.value(shape, SH.uniqueLang)):
            focus.append((f"NOT EXISTS {{ ?this {p} ?_a , ?_b FILTER({_UNIQUE_LANG}) }}", check(""), pairs, None))
        qualified = shapes.value(shape, SH.qualifiedValueShape)
        if qualified is not None:
            cond = " && ".join(self.conditions(qualified, "?_q")) or "true"
            for count in shapes.objects(shape, SH.qualifiedMinCount):
                n = int(count)
                if n == 1:
                    test = f"EXISTS {{ ?this {p} ?_q FILTER({cond}) }}"
                    focus.append((test, check(""), "", test))
                elif n > 1:
                    self.count(target, f"OPTIONAL {{ ?this {p} ?_q FILTER({cond}) }}", f"< {n}", check(""), "?_q")
            for count in shapes.objects(shape, SH.qualifiedMaxCount):
                n = int(count)
                if n == 0:
                    test = f"NOT EXISTS {{ ?this {p} ?_q FILTER({cond}) }}"
                    focus.append((test, check(""), "", test))
                else:
                    self.count(target, f"OPTIONAL {{ ?this {p} ?_q FILTER({cond}) }}", f"> {n}", check(""), "?_q")
        conditions = self.conditions(shape, "?v")
        if conditions:
            self.per_value.setdefault((target, p, bounded), []).extend((c, check("value")) for c in conditions)

    def count(self, target: _Target, pattern: str, compare: str, check: _Check, var: str = "?_v") -> None:
        self.counts.append(_Query(f"SELECT ?this WHERE {{ {target.pattern()} {pattern} }} GROUP BY ?this "
                                  f"HAVING (COUNT(DISTINCT {var}) {compare})", (check,), False, False))

    def queries(self, ask: Callable[[str], bool]) -> list[_Query]:
        """The queries of the checks planned, ``ask`` answering their probes."""
        out = []
        for target, entries in self.per_focus.items():
            expressions = [(c if not probe or ask(probe) else fallback, check) for c, check, probe, fallback in entries]
            checks = [(c, check) for c, check in expressions if c is not None]
            if not checks:
                continue
            helpers = [(f"?_e{i}", c) for i, (c, probe) in enumerate(self.helpers.get(target, [])) if not probe or ask(probe)]
            binds = " ".join(f"BIND({c} AS {name})" for name, c in helpers)
            binds += " " + " ".join(f"BIND({c} AS ?_c{i})" for i, (c, _) in enumerate(checks))
            failed = " && ".join(f"?_c{i}" for i in range(len(checks)))
            flags = " ".join(f"?_c{i}" for i in range(len(checks)))
            out.append(_Query(f"SELECT DISTINCT ?this {flags} WHERE {{ {target.pattern()} {binds} FILTER(!({failed})) }}",
                              tuple(c for _, c in checks), False, True))
        probes: dict[str, list[str]] = {}  # the conditions on the values of each path read without a start
        for (target, p, bounded), checks in self.per_value.items():
            if bounded and not target.nodes:
                probes.setdefault(p, []).extend(c for c, _ in checks)
        for p, conds in probes.items():
            failed = "!(" + " && ".join(conds) + ")"
            values = _distinct_values(p) if "EXISTS" in failed else f"?_s {p} ?v"
            probes[p] = [f"ASK {{ {values} FILTER({failed}) }}"]
        for (target, p, bounded), checks in self.per_value.items():
            conds = [c for c, _ in checks]
            flags = " ".join(f"({c} AS ?_c{i})" for i, c in enumerate(conds))
            failed = "!(" + " && ".join(conds) + ")"
            if bounded and not target.nodes and "EXISTS" in failed:
                # conditions reading the graph (sh:class, nested shapes) are evaluated once per distinct value
                # (facts cite the same few sources, memberships the same few roles), then the failing values are
                # joined back to their subjects, tested as focus nodes
                values = " ".join(f"?_c{i}" for i in range(len(conds)))
                text = (f"SELECT DISTINCT ?this ?v {values} WHERE {{ {{ SELECT ?v {flags} WHERE {{ {_distinct_values(p)} "
                        f"FILTER({failed}) }} }} ?this {p} ?v FILTER({target.test()}) }}")
            elif bounded and not target.nodes:
                # read the path's values, then test whether the subject is a focus node for the failing ones only
                # (as a FILTER on the same group, Oxigraph evaluates the test's EXISTS on every value)
                text = (f"SELECT ?this ?v {flags} WHERE {{ {{ SELECT DISTINCT ?this ?v WHERE {{ ?this {p} ?v "
                        f"FILTER({failed}) }} }} FILTER({target.test()}) }}")
            else:
                text = f"SELECT DISTINCT ?this ?v {flags} WHERE {{ {target.pattern()} ?this {p} ?v FILTER({failed}) }}"
            probe = probes[p][0] if bounded and not target.nodes else ""
            out.append(_Query(text, tuple(c for _, c in checks), True, True, probe))
        return out + self.counts

    def conditions(self, shape: object, v: str) -> list[str]:
        """One SPARQL expression per value-type constraint of ``shape``: true when the value node ``v`` conforms."""
        shapes = self.shapes
        out = []
        for datatype in shapes.objects(shape, SH.datatype):
            out.append(_datatype(v, datatype))
        for kind in shapes.objects(shape, SH.nodeKind):
            if kind not in _KINDS:
                raise ShapesError(Problem(f"{shape}: unknown sh:nodeKind {kind}", "shapes/"))
            out.append(_KINDS[kind].format(v=v))
        for pattern in shapes.objects(shape, SH.pattern):
            flags = shapes.value(shape, SH.flags)
            out.append(f"(!isBlank({v}) && REGEX(STR({v}), {_string(str(pattern))}, {_string(str(flags or ''))}))")
        for cls in shapes.objects(shape, SH["class"]):
            out.append(_instance(v, *self.classes([cls]), "?_k"))
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
                members = [self.all(member, v) for member in Collection(shapes, listed)]
                out.append("(" + (joiner.join(members) or ("false" if key == SH["or"] else "true")) + ")")
        for listed in shapes.objects(shape, SH.xone):
            members = [self.all(member, v) for member in Collection(shapes, listed)]
            out.append("(" + " + ".join(f"IF({m}, 1, 0)" for m in members) + " = 1)")
        for other in shapes.objects(shape, SH["not"]):
            out.append(f"!({self.all(other, v)})")
        for other in shapes.objects(shape, SH.node):
            out.append(self.all(other, v))
        return out

    def all(self, shape: object, v: str) -> str:
        """True when ``v`` conforms to every constraint of a nested shape."""
        shapes = self.shapes
        _refuse_unknown(shapes, shape, top=False)
        path = shapes.value(shape, SH.path)
        if path is None:
            parts = self.conditions(shape, v)
        else:
            if self.conditions(shape, "?_x"):
                raise ShapesError(Problem(f"{shape}: value constraints on a nested property shape are not supported",
                                          "shapes/"))
            p, parts = _path(shapes, path), []
            for count in shapes.objects(shape, SH.minCount):
                if int(count) > 1:
                    raise ShapesError(Problem(f"{shape}: sh:minCount above 1 inside sh:or/sh:and is not supported", "shapes/"))
                if int(count) == 1:
                    parts.append(f"EXISTS {{ {v} {p} ?_nested }}")
            for count in shapes.objects(shape, SH.maxCount):
                if int(count) != 0:
                    raise ShapesError(Problem(f"{shape}: sh:maxCount other than 0 inside sh:or/sh:and is not supported",
                                              "shapes/"))
                parts.append(f"NOT EXISTS {{ {v} {p} ?_nested }}")
        return "(" + (" && ".join(parts) or "true") + ")"


def _pairs_probe(p: str) -> str:
    """An ASK query, false when no subject has two solutions of path ``p`` (so none has two distinct values)."""
    return (f"ASK {{ {{ SELECT (COUNT(*) AS ?_n) (COUNT(DISTINCT ?_s) AS ?_d) WHERE {{ ?_s {p} ?_o }} }} "
            f"FILTER(?_n != ?_d) }}")


def _distinct_values(p: str) -> str:
    """A sub-select of the distinct values of path ``p`` as ``?v`` (GROUP BY: Oxigraph moves a FILTER that follows
    a SELECT DISTINCT below it, onto every triple, but not below a GROUP BY)."""
    return f"{{ SELECT ?v WHERE {{ ?_s {p} ?v }} GROUP BY ?v }}"


def _datatype(v: str, datatype: object) -> str:
    """True when ``v`` is a literal of ``datatype``, stored as is or under the private datatype (graphs.EXACT)."""
    if isinstance(datatype, URIRef) and not str(datatype).startswith(EXACT):
        return f"(isLiteral({v}) && DATATYPE({v}) IN (<{datatype}>, <{EXACT}{datatype}>))"
    return f"(isLiteral({v}) && {_DT.format(v=v)} = {_term(datatype)})"


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


def _bounded(shapes: Graph, path: object) -> bool:
    """Whether ``path`` is made of predicates, inverses, sequences and alternatives only (no */+/?), so that its
    pairs can be read without a starting node."""
    if isinstance(path, URIRef):
        return True
    if (path, RDF.first, None) in shapes:
        return all(_bounded(shapes, p) for p in Collection(shapes, path))
    inner = shapes.value(path, SH.inversePath)
    if inner is not None:
        return _bounded(shapes, inner)
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return all(_bounded(shapes, p) for p in Collection(shapes, alternatives))
    return False


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
