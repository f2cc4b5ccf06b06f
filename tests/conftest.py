"""Shared fixtures: the repository's release, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from cica_graph import guard
from cica_graph.pipeline import build_release
from cica_graph.project import Project
from cica_graph.store import open_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def no_process_wide_guard_in_process():
    """Keep the CLI's audit-hook guard out of the test process.

    An audit hook cannot be removed once added: a CLI test run in-process
    would leave it on for every later test, refusing the loopback HTTP that
    SPARQLWrapper and the Virtuoso fixture use. The guard's own tests run the
    CLI in subprocesses (tests/test_hardening_guard.py), where it is on.
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(guard, "install", lambda: None)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release of the repository's data, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("release")
    build = build_release(Project(ROOT), out=out)
    assert build.report.conforms, build.report.as_text()
    return out


@pytest.fixture(scope="session")
def release_store(release_dir: Path):
    """An Oxigraph store holding that release (cica.trig)."""
    return open_store(release_dir / "cica.trig")


@pytest.fixture(scope="session")
def curated_store():
    """An Oxigraph store of ontology/ and data/ as curated (no build), shared by the analytics tests."""
    from cica_graph.analytics.graphdata import store_from_files

    return store_from_files(sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl")))


@pytest.fixture(scope="session")
def curated_timeline(curated_store):
    """The analytics timeline read once from that store."""
    from cica_graph.analytics.timeline import Timeline

    return Timeline.read(curated_store)
