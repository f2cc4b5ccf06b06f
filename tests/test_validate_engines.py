"""The fast validation path (SPARQL parts in Oxigraph) finds exactly what pySHACL finds.

Compared on the whole CICA graph with every shape, and, shape by shape, on the
valid and violating fixtures of every shape that has SPARQL-based targets or
constraints (the only parts the fast path runs differently).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib.namespace import SH

from cica_graph import enrich, reason
from cica_graph.load import load_files
from cica_graph.project import Project
from cica_graph.validate import validate_graph

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Project(ROOT)
SHAPES = load_files(PROJECT.shape_files).graph
ONTOLOGY = load_files(PROJECT.ontology_files).graph
SPARQL_SHAPES = sorted(set(SHAPES.subjects(SH.sparql)) | set(SHAPES.subjects(SH.target)), key=str)
CASES = [
    (shape, fixture)
    for shape in SPARQL_SHAPES
    for fixture in sorted((ROOT / "tests" / "fixtures" / "shapes" / str(shape).rsplit("#", 1)[-1]).glob("*.ttl"))
]


def only(shape: object) -> Graph:
    """The shapes graph reduced to ``shape`` (its blank-node description and prefix declarations)."""
    graph = Graph()
    todo, seen = [shape], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for triple in SHAPES.triples((node, None, None)):
            graph.add(triple)
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
            if triple[1] == SH.prefixes:
                todo.append(triple[2])
    return graph


def reasoned(data: Graph) -> Graph:
    derived = enrich.derive(data, ONTOLOGY)
    whole = Graph()
    for part in (ONTOLOGY, data, derived, reason.infer(ONTOLOGY, data, derived).inferred):
        whole += part
    return whole


def both(whole: Graph, shapes: Graph) -> tuple[set, set]:
    return set(validate_graph(whole, shapes, [], engine="fast")), set(validate_graph(whole, shapes, [], engine="pyshacl"))


def test_same_findings_on_the_cica_graph():
    fast, reference = both(reasoned(load_files(PROJECT.data_files).graph), SHAPES)
    assert fast == reference


@pytest.mark.parametrize(("shape", "fixture"), CASES, ids=[f"{s.rsplit('#', 1)[-1]}/{f.stem}" for s, f in CASES])
def test_same_findings_shape_by_shape(shape, fixture: Path):
    fast, reference = both(reasoned(load_files([fixture]).graph), only(shape))
    assert fast == reference
    if fixture.stem == "violating":
        assert any(f.check == str(shape) for f in fast), "the violating fixture must trip its shape"


def test_every_sparql_shape_is_compared():
    assert len(SPARQL_SHAPES) >= 10
    assert {s for s, _f in CASES} == set(SPARQL_SHAPES)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown validation engine"):
        validate_graph(Graph(), SHAPES, [], engine="jena")


# The compiled engine (every shape in Oxigraph, core constraints compiled to SPARQL: the default of
# `cica-graph build`) against pySHACL, on the CICA graph with the quality checks and on every shape's fixtures.
ALL_CASES = [
    (shape, fixture)
    for shape in sorted(set(SHAPES.subjects(SH.target)) | set(SHAPES.subjects(SH.targetClass))
                        | set(SHAPES.subjects(SH.targetNode)) | set(SHAPES.subjects(SH.targetSubjectsOf))
                        | set(SHAPES.subjects(SH.targetObjectsOf)), key=str)
    for fixture in sorted((ROOT / "tests" / "fixtures" / "shapes" / str(shape).rsplit("#", 1)[-1]).glob("*.ttl"))
]


def test_compiled_engine_same_findings_and_checks_on_the_cica_graph():
    whole = reasoned(load_files(PROJECT.data_files).graph)
    checks = sorted(PROJECT.qc_dir.glob("*.rq"))
    compiled = validate_graph(whole, SHAPES, checks, engine="compiled")
    assert set(compiled) == set(validate_graph(whole, SHAPES, checks, engine="pyshacl"))
    assert compiled == validate_graph(whole, SHAPES, checks, engine="fast")  # same order too


@pytest.mark.parametrize(("shape", "fixture"), ALL_CASES, ids=[f"{s.rsplit('#', 1)[-1]}/{f.stem}" for s, f in ALL_CASES])
def test_compiled_engine_same_findings_shape_by_shape(shape, fixture: Path):
    whole = reasoned(load_files([fixture]).graph)
    compiled = set(validate_graph(whole, only(shape), [], engine="compiled"))
    assert compiled == set(validate_graph(whole, only(shape), [], engine="pyshacl"))
    if fixture.stem == "violating":
        assert any(f.check == str(shape) for f in compiled), "the violating fixture must trip its shape"


def test_compiled_engine_covers_every_shape_with_fixtures():
    assert len({s for s, _f in ALL_CASES}) >= 40
