"""The synthetic generator: deterministic, sized as asked, and valid for our pipeline (shapes and quality checks)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph

from cica_graph import enrich, reason, synth
from cica_graph.load import load_files
from cica_graph.pipeline import build_release
from cica_graph.project import Project

ROOT = Path(__file__).resolve().parents[1]


def digest(folder: Path) -> str:
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted((folder / "data").glob("*.ttl")))).hexdigest()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    synth.write(out, 10_000, seed=7, project_root=ROOT)
    return out


def test_a_10k_graph_conforms_with_our_pipeline(small: Path, tmp_path: Path):
    build = build_release(Project(small), out=tmp_path / "dist")
    assert build.report.conforms, build.report.as_text()[:2000]
    assert not build.report.warnings
    assert 10_000 <= len(build.parts.asserted) < 11_500


def test_same_seed_same_bytes_other_seed_other_bytes(small: Path, tmp_path: Path):
    synth.write(tmp_path / "again", 10_000, seed=7)
    synth.write(tmp_path / "other", 10_000, seed=8)
    assert digest(tmp_path / "again") == digest(small)
    assert digest(tmp_path / "other") != digest(small)


@pytest.mark.parametrize("target", [3_000, 50_000])
def test_size_follows_the_target(tmp_path: Path, target: int):
    made = synth.write(tmp_path, target, seed=1)
    assert target <= made.total < target * 1.15 + 1_500
    assert sum(len(Graph().parse(p)) for p in (tmp_path / "data").glob("*.ttl")) == made.total


def test_fast_reasoner_equals_owlrl_on_a_small_synthetic_graph(tmp_path: Path):
    synth.write(tmp_path, 3_000, seed=3, project_root=ROOT)
    project = Project(tmp_path)
    ontology, data = load_files(project.ontology_files).graph, load_files(project.data_files).graph
    derived = enrich.derive(data, ontology)
    fast = reason.infer(ontology, data, derived, engine="fast")
    reference = reason.infer(ontology, data, derived, engine="owlrl")
    assert set(fast.inferred) == set(reference.inferred)
    assert len(fast.inferred) > 100
