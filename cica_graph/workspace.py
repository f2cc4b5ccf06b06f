"""The release a command works on: rebuilt when missing or older than its inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from .errors import CicaError, Problem
from .pipeline import build_release
from .project import Project
from .store import open_store

EXPORTS = {"turtle": "cica.ttl", "jsonld": "cica.jsonld", "nt": "cica.nt", "trig": "cica.trig"}


def is_stale(project: Project) -> bool:
    """Whether dist/ is missing or older than any ontology, data, shape or quality-check file."""
    marker = project.dist / "SHA256SUMS"
    if not marker.is_file():
        return True
    built = marker.stat().st_mtime
    inputs = [*project.ontology_files, *project.data_files, *project.shape_files, *project.qc_dir.glob("*.rq")]
    return any(p.stat().st_mtime > built for p in inputs)


def ensure_release(project: Project, progress: Callable[[str], None] | None = None) -> Path:
    """dist/ of ``project``, built first when stale; CicaError when the data does not conform."""
    if is_stale(project):
        result = build_release(project, progress=progress)
        if not result.report.conforms:
            raise CicaError(Problem("the data does not conform: run 'cica-graph validate' to see why", str(project.dist)))
    return project.dist


def open_release_store(
    project: Project, progress: Callable[[str], None] | None = None, on_disk: Path | bool = True
) -> ox.Store:
    """An Oxigraph store of the current release: on disk (``True``, the default: .cica/store; or a folder) or in memory.

    The on-disk store (cica_graph.diskstore) is built with the bulk loader once per release and reopened
    read-only afterwards, so a command on a large release does not parse it again; ``False`` loads the
    release's TriG into memory instead.
    """
    dist = ensure_release(project, progress)
    if on_disk:
        from .diskstore import open_disk_store

        folder = on_disk if isinstance(on_disk, Path) else project.root / ".cica" / "store"
        return open_disk_store(dist, folder)
    return open_store(dist / "cica.trig")
