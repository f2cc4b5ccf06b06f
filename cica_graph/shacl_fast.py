"""SHACL-SPARQL targets and constraints executed by Oxigraph.

pySHACL evaluates SPARQL-based targets and constraints with rdflib's SPARQL
engine: on the CICA graph the 14 of them took ~20 s of a ~21 s validation,
against ~0.4 s for all core constraints (benchmarks/build.py). This module
runs exactly those parts in Oxigraph and leaves the core constraints to
pySHACL, which stays the reference: ``tests/test_validate_engines.py`` checks
that both paths give the same findings on the CICA data and on every shape
fixture.

Supported (what our shapes use): node shapes with ``sh:sparql`` SELECT
constraints pre-binding ``$this``, ``sh:target [a sh:SPARQLTarget]``,
``sh:prefixes``/``sh:declare``, ``sh:message`` templates (``{?var}``/``{$var}``),
``sh:severity``, ``sh:deactivated``. Anything else SPARQL-based (``$PATH``,
``$currentShape``, ``$shapesGraph``, ASK validators, SPARQL on property
shapes) is refused with a ShapesError, never silently skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from .errors import Problem, ShapesError
from .sparql import with_values

_UNSUPPORTED = re.compile(r"\$(PATH|currentShape|shapesGraph)\b")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class SparqlFinding:
    """One row of a SPARQL constraint, in the terms pySHACL reports."""

    severity: str
    shape: URIRef
    focus: object
    path: object
    value: object
    message: str


def split_shapes(shapes: Graph, store: ox.Store) -> tuple[Graph, list[SparqlFinding]]:
    """Core-only shapes for pySHACL, and the findings of the SPARQL parts run in ``store``.

    SPARQL targets are resolved here and handed to pySHACL as ``sh:targetNode``
    so that the core constraints of those shapes still apply to them.
    """
    core = Graph(bind_namespaces="none")
    core += shapes
    findings: list[SparqlFinding] = []
    for shape in sorted(set(shapes.subjects(SH.sparql)) | set(shapes.subjects(SH.target)), key=str):
        _refuse_unsupported(shapes, shape)
        focus = focus_nodes(shapes, shape, store)
        for target in list(shapes.objects(shape, SH.target)):
            _remove_tree(core, shape, SH.target, target)
        for node in sorted(focus, key=str):
            core.add((shape, SH.targetNode, to_rdflib(node)))
        for constraint in list(shapes.objects(shape, SH.sparql)):
            _remove_tree(core, shape, SH.sparql, constraint)
            if _is_true(shapes.value(constraint, SH.deactivated)) or _is_true(shapes.value(shape, SH.deactivated)):
                continue
            findings += _run_constraint(shapes, shape, constraint, focus, store)
    return core, findings


def focus_nodes(shapes: Graph, shape: URIRef, store: ox.Store) -> set:
    """The focus nodes of ``shape``: core targets and SPARQL targets, evaluated in ``store``."""
    nodes: set = set()
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.append(shape)
    for cls in classes:
        rows = store.query(
            "SELECT DISTINCT ?x WHERE { ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }",
            substitutions={ox.Variable("c"): _to_ox(cls)},
        )
        nodes |= {row["x"] for row in rows}
    nodes |= {_to_ox(n) for n in shapes.objects(shape, SH.targetNode)}
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        nodes |= {q.subject for q in store.quads_for_pattern(None, _to_ox(prop), None)}
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        nodes |= {q.object for q in store.quads_for_pattern(None, _to_ox(prop), None)}
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is None:
            raise ShapesError(Problem(f"{shape}: only SPARQL-based targets with sh:select are supported", "shapes/"))
        text = _prefixes(shapes, target) + str(select)
        nodes |= {row["this"] for row in store.query(text, use_default_graph_as_union=True)}
    return nodes


def _run_constraint(shapes: Graph, shape: URIRef, constraint: object, focus: set, store: ox.Store) -> list[SparqlFinding]:
    if not focus:
        return []
    select = str(shapes.value(constraint, SH.select))
    text = with_values(_prefixes(shapes, constraint) + select.replace("$this", "?this"), "this", sorted(focus, key=str))
    messages = list(shapes.objects(constraint, SH.message)) or list(shapes.objects(shape, SH.message))
    severity = SEVERITIES.get(shapes.value(shape, SH.severity), "Violation")
    found: list[SparqlFinding] = []
    seen = set()
    results = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    for row in results:
        bound = {name: row[name] for name in names if row[name] is not None}
        this = bound.get("this")
        path = bound.get("path")
        value = bound.get("value", this)
        key = (this, path, value, tuple(sorted((k, str(v)) for k, v in bound.items())))
        if key in seen:
            continue
        seen.add(key)
        texts = [_fill(str(m), bound) for m in messages] or ["SPARQL constraint not met"]
        for message in texts:
            found.append(SparqlFinding(severity, shape, to_rdflib(this), to_rdflib(path), to_rdflib(value), message))
    return found


def _fill(message: str, bound: dict) -> str:
    for name, term in bound.items():
        message = re.sub(r"\{[?$]" + re.escape(name) + r"\}", lambda _m, t=term: str(to_rdflib(t)), message)
    return message


def _prefixes(shapes: Graph, node: object) -> str:
    lines = []
    for ontology in shapes.objects(node, SH.prefixes):
        for declaration in shapes.objects(ontology, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _refuse_unsupported(shapes: Graph, shape: URIRef) -> None:
    is_property_shape = (shape, RDF.type, SH.PropertyShape) in shapes or shapes.value(shape, SH.path) is not None
    if is_property_shape and shapes.value(shape, SH.sparql) is not None:
        raise ShapesError(Problem(f"{shape}: SPARQL constraints on property shapes are not supported", "shapes/"))
    for constraint in shapes.objects(shape, SH.sparql):
        select = shapes.value(constraint, SH.select)
        if select is None:
            raise ShapesError(Problem(f"{shape}: only SELECT-based SPARQL constraints are supported", "shapes/"))
        found = _UNSUPPORTED.search(str(select))
        if found:
            raise ShapesError(Problem(f"{shape}: {found[0]} is not supported in SPARQL constraints", "shapes/"))


def _remove_tree(graph: Graph, subject: object, predicate: object, node: object) -> None:
    graph.remove((subject, predicate, node))
    if isinstance(node, BNode):
        for _s, p, o in list(graph.triples((node, None, None))):
            _remove_tree(graph, node, p, o)


def _is_true(value: object) -> bool:
    return isinstance(value, Literal) and value.toPython() is True


def _to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    from .release import to_ox

    return to_ox(term)


def to_rdflib(term: object) -> object:
    """An Oxigraph term as an rdflib term (plain literals for xsd:string)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    return term
