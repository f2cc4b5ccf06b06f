"""OWL 2 RL closure, kept apart from what was asserted.

The reasoner sees ontology + asserted + derived triples; only the triples it
adds are returned, less the trivia every OWL RL closure produces (``x owl:sameAs
x``, ``x a owl:Thing``, statements about the RDF/OWL vocabularies themselves).
An inconsistency is an error, not a triple.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from owlrl import DeductiveClosure, OWLRL_Semantics
from owlrl.Namespaces import ERRNS
from rdflib import BNode, Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

from .load import new_graph

_BUILTIN = tuple(str(ns) for ns in (RDF, RDFS, OWL, XSD))


@dataclass
class Reasoned:
    """The triples the closure added, and any inconsistency it found."""

    inferred: Graph
    inconsistencies: list[str] = field(default_factory=list)


def infer(*graphs: Graph) -> Reasoned:
    """Run the OWL RL closure over the union of ``graphs``."""
    work = Graph(bind_namespaces="none")
    for graph in graphs:
        work += graph
    before = set(work)
    DeductiveClosure(OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(work)
    errors = sorted(str(o) for o in work.objects(None, ERRNS.error))
    inferred = new_graph()
    for triple in work:
        if triple not in before and _informative(triple):
            inferred.add(triple)
    return Reasoned(inferred, errors)


def _informative(triple: tuple) -> bool:
    s, p, o = triple
    if isinstance(s, (BNode, Literal)) or p == ERRNS.error:
        return False
    if str(s).startswith(_BUILTIN):
        return False
    if p == OWL.sameAs and s == o:
        return False
    if p == RDF.type and o in (OWL.Thing, RDFS.Resource, OWL.NamedIndividual):
        return False
    return not (p in (RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty) and s == o)
