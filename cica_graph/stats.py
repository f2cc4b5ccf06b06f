"""Counts that summarise a build: triples per graph, instances per class, sources."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import PROV, RDF

from .pipeline import Build
from .terms import ID, PREFIXES


@dataclass
class Stats:
    """Summary numbers of one build."""

    triples: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    sources: int = 0
    cited_facts: int = 0
    violations: int = 0
    warnings: int = 0

    def as_dict(self) -> dict:
        """Plain data for JSON output."""
        return {
            "triples": self.triples,
            "classes": self.classes,
            "sources": self.sources,
            "cited_facts": self.cited_facts,
            "violations": self.violations,
            "warnings": self.warnings,
        }


def compute(build: Build) -> Stats:
    """Counts for ``build``; classes are counted over asserted + inferred types of instances."""
    parts = build.parts
    stats = Stats()
    stats.triples = {
        "ontology": len(parts.ontology),
        "asserted": len(parts.asserted),
        "derived": len(parts.derived),
        "inferred": len(parts.inferred),
    }
    instances = {s for s in parts.asserted.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))}
    counter: Counter[str] = Counter()
    for graph in (parts.asserted, parts.inferred):
        for subject, cls in graph.subject_objects(RDF.type):
            if subject in instances:
                counter[curie(cls)] += 1
    stats.classes = dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
    stats.sources = len(set(parts.asserted.subjects(RDF.type, PROV.Entity)) & instances)
    stats.cited_facts = len(set(parts.asserted.subjects(PROV.wasDerivedFrom)))
    stats.violations = len(build.report.violations)
    stats.warnings = len(build.report.warnings)
    return stats


def curie(iri: object) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI."""
    text = str(iri)
    for prefix, base in PREFIXES.items():
        if text.startswith(base) and "/" not in text[len(base) :]:
            return f"{prefix}:{text[len(base):]}"
    return text
