"""The temporal quality checks (queries/qc/temporal-*-violation.rq): fixtures and the real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from cica_graph.enrich import derive
from cica_graph.load import load_files
from cica_graph.reason import infer
from cica_graph.sparql import load_query
from cica_graph.validate import run_quality_checks

ROOT = Path(__file__).resolve().parents[1]
CHECKS = sorted((ROOT / "queries" / "qc").glob("temporal-*-violation.rq"))


def test_the_temporal_checks_exist():
    # Chair overlaps and coordinators who are not members are SHACL shapes
    # (cicash:ChairOverlapShape, cicash:CoordinatorMembershipShape), not checks here.
    assert [c.stem for c in CHECKS] == ["temporal-before-founding-violation", "temporal-post-overlap-violation"]


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_header_and_columns(check):
    query = load_query(check)
    assert query.title and query.description
    assert "?focus ?message ?value" in query.text


# what each dirty fixture describes (the statements it must report); the clean fixtures must give nothing
DIRTY = {
    "temporal-before-founding-violation": ["member-chn-sco", "partner-sco-cica"],
    "temporal-post-overlap-violation": ["post-habibullo-mirzozoda-cica-secretariat"],
}


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", ["clean", "dirty"])
def test_fixtures(check, kind):
    graph = Graph().parse(ROOT / "tests" / "fixtures" / "qc" / check.stem / f"{kind}.ttl")
    findings = run_quality_checks(graph, [check])
    assert all(f.check == check.stem and f.message and f.value for f in findings)
    expected = DIRTY[check.stem] if kind == "dirty" else []
    assert sorted(f.focus.rsplit("/", 1)[-1] for f in findings) == expected


def test_the_real_data_has_no_temporal_violation():
    ontology = load_files(sorted((ROOT / "ontology").glob("*.ttl")))
    data = load_files(sorted((ROOT / "data").rglob("*.ttl")))
    derived = derive(data.graph, ontology.graph)
    whole = Graph()
    for part in (ontology.graph, data.graph, derived, infer(ontology.graph, data.graph, derived).inferred):
        whole += part
    findings = run_quality_checks(whole, CHECKS)
    assert findings == [], "\n".join(f.text() for f in findings)
