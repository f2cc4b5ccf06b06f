"""OWL 2 RL closure of instance data under a fixed ontology, compiled from the ontology's closure.

The ontology is small and the data are instances: the schema is closed once
(with :func:`cica_graph.reason.infer` on the ontology alone), and what OWL RL
then adds to instances comes from a handful of rules whose premises the
closed schema fixes — prp-spo1, prp-inv1/2, prp-symp, prp-trp (property
triples), prp-dom, prp-rng, cax-sco (types) — applied with indexed scans of
the store. The result is tested equal to owlrl's closure on the CICA data and
on synthetic graphs (tests/test_scale_engines.py).

This is exact only when the data add no schema and no equality. When the
ontology uses a construct whose consequences depend on instances
(restrictions, keys, property chains, …), or the data hold schema triples,
``owl:sameAs`` or two values of a functional property, :func:`infer` says so
(``compiled=False``) and the caller falls back to the general engine.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .. import reason as reference
from ..release import to_ox_triple
from .graphs import ASSERTED, DERIVED, INFERRED, ONTOLOGY

#: Ontology constructs whose OWL RL rules read instance data beyond the rules compiled here.
UNSUPPORTED = (OWL.Restriction, OWL.hasKey, OWL.propertyChainAxiom, OWL.intersectionOf, OWL.unionOf, OWL.oneOf,
               OWL.InverseFunctionalProperty, OWL.AsymmetricProperty, OWL.IrreflexiveProperty, OWL.propertyDisjointWith,
               OWL.AllDisjointClasses, OWL.AllDisjointProperties, OWL.AllDifferent, OWL.complementOf, OWL.sameAs,
               OWL.differentFrom, OWL.hasValue, OWL.someValuesFrom, OWL.allValuesFrom)
_SCHEMA = (RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.inverseOf, OWL.equivalentClass,
           OWL.equivalentProperty, OWL.disjointWith, OWL.sameAs, OWL.differentFrom)
_TYPE = ox.NamedNode(str(RDF.type))


@dataclass
class Compiled:
    """What the compiled closure added, or why it could not be used."""

    compiled: bool
    inferred: int = 0
    inconsistencies: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class _Schema:
    supers: dict = field(default_factory=lambda: defaultdict(set))
    superprops: dict = field(default_factory=lambda: defaultdict(set))
    domains: dict = field(default_factory=lambda: defaultdict(set))
    ranges: dict = field(default_factory=lambda: defaultdict(set))
    inverse: dict = field(default_factory=lambda: defaultdict(set))
    symmetric: set = field(default_factory=set)
    transitive: set = field(default_factory=set)
    functional: set = field(default_factory=set)
    disjoint: set = field(default_factory=set)


def infer(store: ox.Store, ontology: Graph) -> Compiled:
    """Add the inferred graph to ``store`` (ontology, asserted and derived graphs filled in)."""
    unsupported = sorted({str(t) for t in UNSUPPORTED if (None, None, t) in ontology or (None, t, None) in ontology})
    if unsupported:
        return Compiled(False, reason=f"the ontology uses {', '.join(unsupported)}")
    clash = _data_problem(store)
    if clash:
        return Compiled(False, reason=clash)
    tbox = _closed_schema(ontology)
    if tbox.inconsistencies:
        return Compiled(False, reason="the ontology is inconsistent")
    closed = Graph(bind_namespaces="none")
    closed += ontology
    closed += tbox.inferred
    schema = _schema(closed)
    if _functional_clash(store, schema):
        return Compiled(False, reason="a functional property has two values (owl:sameAs would follow)")
    known = _existing(store)
    new = {to_ox_triple(t) for t in tbox.inferred} - known
    new |= _property_closure(store, schema, known)
    types = _types(store, schema, new)
    new |= {ox.Triple(node, _TYPE, cls) for node, classes in types.items() for cls in classes} - known
    new = {t for t in new if _informative(t)}
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, INFERRED) for t in new)
    return Compiled(True, len(new), _inconsistencies(store, schema, types))


_TBOX: dict[int, reference.Reasoned] = {}


def _closed_schema(ontology: Graph) -> reference.Reasoned:
    """The ontology's own closure, computed once per ontology content (tests build hundreds of small graphs)."""
    key = hash(frozenset(ontology))
    if key not in _TBOX:
        _TBOX.clear()
        _TBOX[key] = reference.infer(ontology)
    return _TBOX[key]


def _data_problem(store: ox.Store) -> str:
    terms = " ".join(f"<{t}>" for t in _SCHEMA)
    rows = list(store.query(f"SELECT ?p WHERE {{ VALUES ?p {{ {terms} }} GRAPH ?g {{ ?s ?p ?o }} "
                            f"FILTER(?g != {ONTOLOGY}) }} LIMIT 1"))
    if rows:
        return f"the data use {rows[0]['p']}"
    rows = list(store.query(f"SELECT ?s WHERE {{ GRAPH ?g {{ ?s a ?c }} FILTER(?g != {ONTOLOGY}) "
                            f"VALUES ?c {{ <{OWL.Class}> <{OWL.ObjectProperty}> <{OWL.DatatypeProperty}> <{RDFS.Class}> "
                            f"<{RDF.Property}> <{OWL.TransitiveProperty}> <{OWL.SymmetricProperty}> "
                            f"<{OWL.FunctionalProperty}> }} }} LIMIT 1"))
    return f"the data declare schema terms ({rows[0]['s']})" if rows else ""


def _schema(closed: Graph) -> _Schema:
    schema = _Schema()
    for s, p, o in closed:
        if not isinstance(s, URIRef) or not isinstance(o, URIRef):
            continue
        s_ox, o_ox = ox.NamedNode(str(s)), ox.NamedNode(str(o))
        if p == RDFS.subClassOf and s != o:
            schema.supers[s_ox].add(o_ox)
        elif p == RDFS.subPropertyOf and s != o:
            schema.superprops[s_ox].add(o_ox)
        elif p == RDFS.domain:
            schema.domains[s_ox].add(o_ox)
        elif p == RDFS.range:
            schema.ranges[s_ox].add(o_ox)
        elif p == OWL.inverseOf:
            schema.inverse[s_ox].add(o_ox)
            schema.inverse[o_ox].add(s_ox)
        elif p == OWL.disjointWith:
            schema.disjoint.add((s_ox, o_ox))
        elif p == RDF.type and o == OWL.SymmetricProperty:
            schema.symmetric.add(s_ox)
        elif p == RDF.type and o == OWL.TransitiveProperty:
            schema.transitive.add(s_ox)
        elif p == RDF.type and o == OWL.FunctionalProperty:
            schema.functional.add(s_ox)
    return schema


def _existing(store: ox.Store) -> set:
    """The triples of the types and property rules' heads already present (compared before adding)."""
    return {q.triple for graph in (ONTOLOGY, ASSERTED, DERIVED) for q in store.quads_for_pattern(None, _TYPE, None, graph)}


def _functional_clash(store: ox.Store, schema: _Schema) -> bool:
    for prop in schema.functional:
        rows = store.query(f"ASK {{ GRAPH ?g {{ ?s {prop} ?a }} GRAPH ?h {{ ?s {prop} ?b }} FILTER(!sameTerm(?a, ?b)) }}")
        if rows:
            return True
    return False


def _property_closure(store: ox.Store, schema: _Schema, known: set) -> set:
    """prp-spo1, prp-inv1/2, prp-symp and prp-trp to a fixpoint, over the properties these rules mention."""
    active = set(schema.superprops) | set(schema.inverse) | schema.symmetric | schema.transitive
    facts: dict = defaultdict(set)
    for prop in active:
        for graph in (ASSERTED, DERIVED, ONTOLOGY):
            facts[prop] |= {(q.subject, q.object) for q in store.quads_for_pattern(None, prop, None, graph)}
    present = {p: set(pairs) for p, pairs in facts.items()}
    changed = True
    while changed:
        changed = False
        for prop in list(facts):
            pairs = facts[prop]
            heads: list[tuple] = []
            for sup in schema.superprops.get(prop, ()):
                heads += [(sup, s, o) for s, o in pairs]
            for inv in schema.inverse.get(prop, ()):
                heads += [(inv, o, s) for s, o in pairs if not isinstance(o, ox.Literal)]
            if prop in schema.symmetric:
                heads += [(prop, o, s) for s, o in pairs if not isinstance(o, ox.Literal)]
            if prop in schema.transitive:
                by_subject = defaultdict(set)
                for s, o in pairs:
                    by_subject[s].add(o)
                heads += [(prop, s, o2) for s, o in pairs for o2 in by_subject.get(o, ())]
            for head, s, o in heads:
                if (s, o) not in facts[head]:
                    facts[head].add((s, o))
                    changed = True
    return {ox.Triple(s, p, o) for p, pairs in facts.items() for s, o in pairs - present.get(p, set())}


def _types(store: ox.Store, schema: _Schema, new: set) -> dict:
    """Every node's types closed under prp-dom, prp-rng and cax-sco (asserted types included)."""
    types: dict = defaultdict(set)
    for graph in (ONTOLOGY, ASSERTED, DERIVED):
        for quad in store.quads_for_pattern(None, _TYPE, None, graph):
            types[quad.subject].add(quad.object)
    for prop in set(schema.domains) | set(schema.ranges):
        domain, range_ = schema.domains.get(prop, ()), schema.ranges.get(prop, ())
        if domain:
            for row in store.query(f"SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s {prop} ?o }} }}"):
                types[row["s"]].update(domain)
        if range_:
            for row in store.query(f"SELECT DISTINCT ?o WHERE {{ GRAPH ?g {{ ?s {prop} ?o }} FILTER(!isLiteral(?o)) }}"):
                types[row["o"]].update(range_)
    for triple in new:
        if triple.predicate in schema.domains:
            types[triple.subject].update(schema.domains[triple.predicate])
        if triple.predicate in schema.ranges and not isinstance(triple.object, ox.Literal):
            types[triple.object].update(schema.ranges[triple.predicate])
    for node, classes in types.items():
        for cls in list(classes):
            classes.update(schema.supers.get(cls, ()))
        types[node] = classes
    return types


def _informative(triple: ox.Triple) -> bool:
    """reason._informative on Oxigraph terms (converting every inferred triple to rdflib took seconds at 1M)."""
    s, p, o = triple.subject, triple.predicate, triple.object
    if not isinstance(s, ox.NamedNode) or p == _ERROR_OX or s.value.startswith(reference._BUILTIN):
        return False
    if p == _TYPE:
        return o not in _UNINFORMATIVE_TYPES
    if p in _SCHEMA_TOP and o in _TOP:
        return False
    return not (p in _REFLEXIVE and s == o)


# reason._informative's term sets, as Oxigraph terms
_ERROR_OX = ox.NamedNode(str(reference._ERROR))
_UNINFORMATIVE_TYPES, _TOP, _SCHEMA_TOP = (frozenset(ox.NamedNode(str(term)) for term in terms) for terms in (
    reference._UNINFORMATIVE_TYPES, reference._TOP, reference._SCHEMA_TOP))
_REFLEXIVE = frozenset(ox.NamedNode(str(term)) for term in reference._REFLEXIVE)


def _inconsistencies(store: ox.Store, schema: _Schema, types: dict) -> list[str]:
    nothing = ox.NamedNode(str(OWL.Nothing))
    errors = [f"{s.value} is an instance of owl:Nothing" for s, classes in types.items() if nothing in classes]
    for a, b in sorted(schema.disjoint, key=str):
        errors += [f"{s.value} is an instance of the disjoint classes {a.value} and {b.value}"
                   for s, classes in types.items() if a in classes and b in classes]
    return sorted(set(errors))
