"""The on-disk store gives the same rows as the in-memory store for every named query, and is reused while current."""

from __future__ import annotations

import shutil
from pathlib import Path

from cica_graph import diskstore
from cica_graph.sparql import find_queries
from cica_graph.store import run

ROOT = Path(__file__).resolve().parents[1]
QUERIES = find_queries(ROOT / "queries")
PARAMS = {"date": "2015-01-01"}


def rows(store, query) -> list:
    params = {k: v for k, v in PARAMS.items() if k in {p.name for p in query.params}}
    return [tuple(str(row[v]) for v in range(len(row))) for row in run(store, query, params)]


def test_disk_store_answers_like_memory(release_dir: Path, release_store, tmp_path: Path):
    disk = diskstore.open_disk_store(release_dir, tmp_path / "store")
    for query in QUERIES.values():
        assert rows(disk, query) == rows(release_store, query), query.name


def test_disk_store_is_reused_then_rebuilt_for_a_new_release(release_dir: Path, tmp_path: Path):
    folder = tmp_path / "store"
    diskstore.ensure_disk_store(release_dir, folder)
    stamp = (folder / diskstore.STAMP).stat().st_mtime_ns
    diskstore.ensure_disk_store(release_dir, folder)
    assert (folder / diskstore.STAMP).stat().st_mtime_ns == stamp
    other = tmp_path / "dist"
    shutil.copytree(release_dir, other)
    (other / "SHA256SUMS").write_text((other / "SHA256SUMS").read_text() + "\n")
    assert not diskstore.is_current(folder, other)
    diskstore.ensure_disk_store(other, folder)
    assert diskstore.is_current(folder, other)
