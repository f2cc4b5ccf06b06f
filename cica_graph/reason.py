"""OWL 2 RL closure, kept apart from what was asserted.

Two engines give the same triples (``tests/test_reason.py`` compares them on
the CICA data):

* ``fast`` (default): the ``reasonable`` OWL 2 RL reasoner (Rust), completed
  with the schema rules it leaves out (scm-dom1/2, scm-rng1/2: domains and
  ranges inherited along subclasses and subproperties) and the consistency
  rules we rely on (owl:Nothing, disjoint classes, sameAs vs differentFrom).
  About ten times faster than owlrl on our data (see benchmarks/).
* ``owlrl``: the reference implementation, owlrl's OWL-RL closure.

Only triples the closure adds are returned, less the trivia every OWL RL
closure produces (``x owl:sameAs x``, ``x a owl:Thing``, ``C rdfs:subClassOf
owl:Thing``, statements about the RDF/OWL vocabularies themselves, plain
literals re-typed as xsd:string). An inconsistency is reported, not stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .load import new_graph

ENGINES = ("fast", "owlrl")
_BUILTIN = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))
_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
_XSD_STRING = XSD.string


@dataclass
class Reasoned:
    """The triples the closure added, and any inconsistency it found."""

    inferred: Graph
    inconsistencies: list[str] = field(default_factory=list)


def infer(*graphs: Graph, engine: str = "fast") -> Reasoned:
    """Run the OWL RL closure over the union of ``graphs`` with ``engine``."""
    known: set = set()
    for graph in graphs:
        known.update(graph)
    if engine == "owlrl":
        work = Graph(bind_namespaces="none")
        for graph in graphs:
            work += graph
        closure, errors = _owlrl(work)
    elif engine == "fast":
        closure, errors = _fast(known)
    else:
        raise ValueError(f"unknown reasoner '{engine}' (expected one of {', '.join(ENGINES)})")
    inferred = new_graph()
    for triple in closure:
        triple = _normalise(triple)
        if triple not in known and _informative(triple):
            inferred.add(triple)
    return Reasoned(inferred, errors)


def _owlrl(work: Graph) -> tuple[set, list[str]]:
    from owlrl import DeductiveClosure, OWLRL_Semantics

    closed = Graph(bind_namespaces="none")
    closed += work
    DeductiveClosure(OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closed)
    errors = sorted(str(o) for o in closed.objects(None, _ERROR))
    return set(closed), errors


def _fast(triples: set) -> tuple[set, list[str]]:
    import reasonable

    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(list(triples))  # a list of triples is enough: no rdflib union graph to build
    closure = {_normalise(t) for t in reasoner.reason()}
    _schema_rules(closure)
    return closure, _inconsistencies(closure)


def _schema_rules(closure: set) -> None:
    """Add scm-dom1/2 and scm-rng1/2 consequences to ``closure`` until nothing changes."""
    supers: dict = defaultdict(set)
    superprops: dict = defaultdict(set)
    sub_class_of, sub_property_of = RDFS.subClassOf, RDFS.subPropertyOf
    for s, p, o in closure:
        if p == sub_class_of:
            supers[s].add(o)
        elif p == sub_property_of:
            superprops[s].add(o)
    changed = True
    while changed:
        changed = False
        for axis in (RDFS.domain, RDFS.range):
            stated = [(s, o) for s, p, o in closure if p == axis]
            for prop, cls in stated:
                new = {(prop, axis, c) for c in supers.get(cls, ())}
                new |= {(sub, axis, cls) for sub, sups in superprops.items() if prop in sups}
                added = new - closure
                if added:
                    closure |= added
                    changed = True


def _inconsistencies(closure: set) -> list[str]:
    # namespace attributes are looked up once: rdflib resolves each access through __getattr__
    disjoint_with, rdf_type, same_as, different_from = OWL.disjointWith, RDF.type, OWL.sameAs, OWL.differentFrom
    disjoint = {(s, o) for s, p, o in closure if p == disjoint_with}
    types: dict = defaultdict(set)
    same, different = set(), set()
    for s, p, o in closure:
        if p == rdf_type:
            types[s].add(o)
        elif p == same_as and s != o:
            same.add((s, o))
        elif p == different_from:
            different.add((s, o))
    errors = [f"{s} is an instance of owl:Nothing" for s, cls in types.items() if OWL.Nothing in cls]
    for a, b in sorted(disjoint):
        for s, cls in types.items():
            if a in cls and b in cls:
                errors.append(f"{s} is an instance of the disjoint classes {a} and {b}")
    errors += [f"{a} and {b} are both owl:sameAs and owl:differentFrom" for a, b in sorted(same & different)]
    return sorted(set(errors))


def _normalise(triple: tuple) -> tuple:
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype == _XSD_STRING and o.language is None:
        return (s, p, Literal(str(o)))
    return triple


def _informative(triple: tuple) -> bool:
    s, p, o = triple
    if isinstance(s, (BNode, Literal)) or p == _ERROR:
        return False
    if str(s).startswith(_BUILTIN):
        return False
    if p == _TYPE and o in _UNINFORMATIVE_TYPES:
        return False
    if p in _SCHEMA_TOP and o in _TOP:
        return False
    return not (p in _REFLEXIVE and s == o)


_TYPE = RDF.type
_UNINFORMATIVE_TYPES = frozenset((OWL.Thing, RDFS.Resource, OWL.NamedIndividual))
_TOP = frozenset((OWL.Thing, RDFS.Resource))
_SCHEMA_TOP = frozenset((RDFS.subClassOf, RDFS.domain, RDFS.range))
_REFLEXIVE = frozenset((RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty, OWL.sameAs))
