"""Every SHACL shape of shapes/ against its fixtures, and the repository's data against all checks.

Each shape IRI declared in ``shapes/*.ttl`` needs ``tests/fixtures/shapes/<local name>/``
holding ``violating.ttl`` (at least one finding of that shape, located in that file) and
``valid.ttl`` (no finding of that shape). A fixture is built with the real pipeline
(:func:`cica_graph.pipeline.assemble`) from the ontology, the shapes and that one file;
the quality-check queries are left out of these builds (tests/test_qc.py covers them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from cica_graph.pipeline import assemble
from cica_graph.project import Project
from cica_graph.validate import Finding

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
CICASH = "https://w3id.org/cica/shapes#"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def _shapes_graph() -> Graph:
    graph = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        graph.parse(path)
    return graph


SHAPES = _shapes_graph()
SHAPE_IRIS = sorted(
    {s for kind in (SH.NodeShape, SH.PropertyShape) for s in SHAPES.subjects(RDF.type, kind) if isinstance(s, URIRef)}
)
NAMES = [str(iri).removeprefix(CICASH) for iri in SHAPE_IRIS]


def _severity(shape: URIRef) -> str:
    return str(SHAPES.value(shape, SH.severity) or SH.Violation).removeprefix(str(SH))


@pytest.fixture(scope="session")
def findings_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], list[Finding]]:
    """Findings of one fixture file, built once per session with the ontology and the shapes only."""
    root = tmp_path_factory.mktemp("shapes-only")
    for folder in ("ontology", "shapes"):
        (root / folder).symlink_to(ROOT / folder, target_is_directory=True)
    project = Project(root)

    @functools.cache
    def run(path: Path) -> list[Finding]:
        return assemble(project, data_files=[path]).report.findings

    return run


def _fixture(name: str, kind: str) -> Path:
    path = FIXTURES / name / f"{kind}.ttl"
    if not path.is_file():
        pytest.fail(f"shape cicash:{name} has no fixture {path.relative_to(ROOT)}: write one (see docs in this test)")
    return path


def _same_file(reported: str | None, path: Path) -> bool:
    return reported is not None and Path(reported).resolve() == path.resolve()


def test_shapes_are_found() -> None:
    assert len(SHAPE_IRIS) > 40
    assert URIRef(CICASH + "MembershipRoleShape") in SHAPE_IRIS


def test_no_anonymous_top_level_shapes() -> None:
    anonymous = sorted(str(s) for p in TARGETS for s in SHAPES.subjects(p, None) if isinstance(s, BNode))
    assert not anonymous, "shapes with targets must have IRIs in the cicash: namespace"


@pytest.mark.parametrize("shape", SHAPE_IRIS, ids=NAMES)
def test_shape_is_named_labelled_and_explained(shape: URIRef) -> None:
    assert str(shape).startswith(CICASH), f"{shape} is not in {CICASH}"
    assert SHAPES.value(shape, RDFS.label) is not None, f"{shape} has no rdfs:label"
    assert any(SHAPES.objects(shape, p) for p in TARGETS), f"{shape} has no target"
    constraints = list(SHAPES.objects(shape, SH.sparql))
    explained = SHAPES.value(shape, SH.message) is not None or (
        constraints and all(SHAPES.value(c, SH.message) is not None for c in constraints)
    )
    assert explained, f"{shape} has no sh:message telling the curator what to do"


@pytest.mark.parametrize("name", NAMES)
def test_shape_has_fixtures(name: str) -> None:
    for kind in ("valid", "violating"):
        _fixture(name, kind)


def test_every_fixture_folder_names_a_shape() -> None:
    stale = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in NAMES)
    assert not stale, f"fixture folders without a shape: {stale}"


@pytest.mark.parametrize("shape", SHAPE_IRIS, ids=NAMES)
def test_violating_fixture_is_reported(shape: URIRef, findings_of: Callable[[Path], list[Finding]]) -> None:
    path = _fixture(str(shape).removeprefix(CICASH), "violating")
    found = [f for f in findings_of(path) if f.check == str(shape)]
    assert found, f"{path.relative_to(ROOT)} is not reported by {shape}"
    assert {f.severity for f in found} == {_severity(shape)}
    assert any(_same_file(f.file, path) for f in found), [f.file for f in found]
    assert all(f.message and "{" not in f.message for f in found), [f.message for f in found]


@pytest.mark.parametrize("shape", SHAPE_IRIS, ids=NAMES)
def test_valid_fixture_is_not_reported(shape: URIRef, findings_of: Callable[[Path], list[Finding]]) -> None:
    path = _fixture(str(shape).removeprefix(CICASH), "valid")
    found = [f.text() for f in findings_of(path) if f.check == str(shape)]
    assert not found, "\n".join(found)


def test_repository_data_has_no_violations() -> None:
    report = assemble(Project(ROOT)).report
    assert report.conforms, "\n".join(f.text() for f in report.violations)
