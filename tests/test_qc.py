"""Every quality check of queries/qc/ against its fixtures.

Each ``queries/qc/<name>.rq`` needs ``tests/fixtures/qc/<name>/`` holding ``dirty.ttl``
(at least one row) and ``clean.ttl`` (no row). The fixture is built with the real
pipeline from the ontology, that check and that one file (no shapes: those are tested in
tests/test_shapes.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest

from cica_graph.pipeline import assemble
from cica_graph.project import Project
from cica_graph.sparql import load_query
from cica_graph.validate import Finding

ROOT = Path(__file__).resolve().parent.parent
QC = ROOT / "queries" / "qc"
FIXTURES = ROOT / "tests" / "fixtures" / "qc"
CHECKS = sorted(p.stem for p in QC.glob("*.rq"))


@pytest.fixture(scope="session")
def qc_findings_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Path], list[Finding]]:
    """Findings of ``check`` on one fixture file, built with the ontology and that check only.

    One check per build: every query file is parsed (and safety-checked) on each build,
    which costs more than running it on a fixture.
    """

    @functools.cache
    def project_for(check: str) -> Project:
        root = tmp_path_factory.mktemp(f"qc-{check}")
        (root / "ontology").symlink_to(ROOT / "ontology", target_is_directory=True)
        (root / "queries" / "qc").mkdir(parents=True)
        (root / "queries" / "qc" / f"{check}.rq").symlink_to(QC / f"{check}.rq")
        return Project(root)

    @functools.cache
    def run(check: str, path: Path) -> list[Finding]:
        return assemble(project_for(check), data_files=[path]).report.findings

    return run


def _fixture(check: str, kind: str) -> Path:
    path = FIXTURES / check / f"{kind}.ttl"
    if not path.is_file():
        pytest.fail(f"quality check {check} has no fixture {path.relative_to(ROOT)}")
    return path


def test_checks_are_found() -> None:
    assert {"missing-label-violation", "missing-definition-violation", "unsourced-fact-violation"} <= set(CHECKS)


@pytest.mark.parametrize("check", CHECKS)
def test_check_has_header_and_severity_in_its_name(check: str) -> None:
    query = load_query(QC / f"{check}.rq")
    assert query.title != check, f"{check}.rq has no '# title:' header"
    assert query.description, f"{check}.rq has no '# description:' header"
    assert check.endswith(("-violation", "-warning")), "name a check <what>-violation or <what>-warning"
    assert "?focus" in query.text


@pytest.mark.parametrize("check", CHECKS)
def test_dirty_fixture_is_reported(check: str, qc_findings_of: Callable[[str, Path], list[Finding]]) -> None:
    path = _fixture(check, "dirty")
    found = [f for f in qc_findings_of(check, path) if f.check == check]
    assert found, f"{path.relative_to(ROOT)} gives no row of {check}"
    assert {f.severity for f in found} == {"Warning" if "warning" in check else "Violation"}


@pytest.mark.parametrize("check", CHECKS)
def test_clean_fixture_is_not_reported(check: str, qc_findings_of: Callable[[str, Path], list[Finding]]) -> None:
    path = _fixture(check, "clean")
    found = [f.text() for f in qc_findings_of(check, path) if f.check == check]
    assert not found, "\n".join(found)


def test_every_fixture_folder_names_a_check() -> None:
    stale = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in CHECKS)
    assert not stale, f"fixture folders without a check: {stale}"
