"""An on-disk Oxigraph store of the release, built once with the bulk loader and reused while it is current.

Queries, the server and analytics share it instead of each loading dist/cica.trig into memory (seconds and
gigabytes at a million triples). It lives in .cica/store (or a given folder); a stamp file holds the SHA-256 of
the release's SHA256SUMS, and a store whose stamp differs is rebuilt in a sibling folder and swapped in by
rename, so a reader never opens half a store. Tests keep using the in-memory :func:`cica_graph.store.open_store`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pyoxigraph as ox

from .errors import Problem, ReleaseError

STAMP = "release.sha256"


def release_digest(dist: Path) -> str:
    """The SHA-256 of the release's SHA256SUMS (which covers every file of it)."""
    sums = dist / "SHA256SUMS"
    if not sums.is_file():
        raise ReleaseError(Problem("no release found: run 'cica-graph build' first", str(sums)))
    return hashlib.sha256(sums.read_bytes()).hexdigest()


def is_current(folder: Path, dist: Path) -> bool:
    """Whether ``folder`` holds a store of exactly the release in ``dist``."""
    stamp = folder / STAMP
    return stamp.is_file() and stamp.read_text().strip() == release_digest(dist)


def ensure_disk_store(dist: Path, folder: Path) -> Path:
    """``folder`` holding the release of ``dist``, (re)built with the bulk loader when missing or stale."""
    if is_current(folder, dist):
        return folder
    staging = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(staging))
    store.bulk_load(path=str(dist / "cica.trig"), format=ox.RdfFormat.TRIG)
    store.optimize()
    store.flush()
    del store
    (staging / STAMP).write_text(release_digest(dist) + "\n")
    old = folder.parent / f".{folder.name}.old-{os.getpid()}"
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def open_disk_store(dist: Path, folder: Path) -> ox.Store:
    """A read-only store of the release in ``dist``, kept in ``folder`` (built first when stale)."""
    return ox.Store.read_only(str(ensure_disk_store(dist, folder)))
