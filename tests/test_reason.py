"""The fast reasoner gives exactly owlrl's closure; the ontology is consistent."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from cica_graph import enrich, reason
from cica_graph.load import load_files
from cica_graph.project import Project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def inputs() -> tuple[Graph, Graph, Graph]:
    project = Project(ROOT)
    ontology = load_files(project.ontology_files).graph
    data = load_files(project.data_files).graph
    return ontology, data, enrich.derive(data, ontology)


def test_fast_engine_equals_owlrl_on_the_cica_data(inputs):
    fast = reason.infer(*inputs, engine="fast")
    reference = reason.infer(*inputs, engine="owlrl")
    assert set(fast.inferred) == set(reference.inferred)
    assert len(fast.inferred) > 300


def test_ontology_and_data_are_consistent_under_owl_rl(inputs):
    assert reason.infer(*inputs, engine="owlrl").inconsistencies == []
    assert reason.infer(*inputs, engine="fast").inconsistencies == []


def test_inference_reaches_the_reused_vocabularies(inputs):
    inferred = reason.infer(*inputs).inferred
    org = "http://www.w3.org/ns/org#"
    kaz = "https://w3id.org/cica/id/state/kaz"
    types = {str(o) for s, p, o in inferred if str(s) == kaz and str(p).endswith("#type")}
    assert {org + "FormalOrganization", org + "Organization", "http://xmlns.com/foaf/0.1/Agent"} <= types


INCONSISTENT = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <http://example.org/> .
ex:A a owl:Class ; owl:disjointWith ex:B .
ex:B a owl:Class .
ex:x a ex:A, ex:B .
ex:y owl:sameAs ex:z ; owl:differentFrom ex:z .
"""


@pytest.mark.parametrize("engine", reason.ENGINES)
def test_both_engines_report_an_inconsistency(engine: str):
    graph = Graph().parse(data=INCONSISTENT, format="turtle")
    found = reason.infer(graph, engine=engine).inconsistencies
    assert found, f"{engine} missed the disjointness clash"


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown reasoner"):
        reason.infer(Graph(), engine="hermit")
