"""Shared fixtures: the repository's release, built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from cica_graph.pipeline import build_release
from cica_graph.project import Project
from cica_graph.store import open_store

ROOT = Path(__file__).resolve().parent.parent


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
