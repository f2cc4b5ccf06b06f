"""The release: complete, parseable, deterministic and written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, VOID

from cica_graph import release
from cica_graph.errors import ReleaseError
from cica_graph.pipeline import build_release
from cica_graph.project import Project
from cica_graph.terms import ASSERTED_GRAPH, DERIVED_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "dist"
    result = build_release(Project(ROOT), out)
    assert result.report.conforms, result.report.as_text()
    return out


def test_release_has_every_file(dist: Path):
    assert sorted(p.name for p in dist.iterdir()) == sorted(release.FILES)


def test_checksums_match(dist: Path):
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == len(release.FILES) - 1
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


def test_turtle_jsonld_and_ntriples_hold_the_same_triples(dist: Path):
    ttl = Graph().parse(dist / "cica.ttl", format="turtle")
    nt = Graph().parse(dist / "cica.nt", format="nt")
    jsonld = Graph().parse(dist / "cica.jsonld", format="json-ld")
    assert len(ttl) > 2000
    assert set(ttl) == set(nt) == set(jsonld)


def test_jsonld_context_is_inline_and_published(dist: Path):
    data = json.loads((dist / "cica.jsonld").read_text())
    published = json.loads((dist / "context.jsonld").read_text())
    assert isinstance(data["@context"], dict), "a remote context would make consumers fetch it"
    assert data["@context"] == published["@context"]
    assert published["@context"]["cica"] == "https://w3id.org/cica/def#"


def test_trig_keeps_asserted_derived_inferred_and_ontology_apart(dist: Path):
    ds = Dataset()
    ds.parse(dist / "cica.trig", format="trig")
    sizes = {g.identifier: len(g) for g in ds.graphs() if len(g)}
    for name in (ONTOLOGY_GRAPH, ASSERTED_GRAPH, DERIVED_GRAPH, INFERRED_GRAPH):
        assert sizes.get(name, 0) > 0, name
    main = Graph().parse(dist / "cica.ttl", format="turtle")
    assert sizes[ONTOLOGY_GRAPH] + sizes[ASSERTED_GRAPH] + sizes[DERIVED_GRAPH] >= len(main)
    inferred = Graph().parse(dist / "cica-inferred.ttl", format="turtle")
    assert sizes[INFERRED_GRAPH] == len(inferred)
    assert not set(inferred) & set(main), "inferred triples are only those not asserted or derived"


def test_void_counts_and_describes_dumps(dist: Path):
    void = Graph().parse(dist / "void.ttl", format="turtle")
    dataset = release.DATASET
    assert (dataset, RDF.type, VOID.Dataset) in void
    trig = Dataset()
    trig.parse(dist / "cica.trig", format="trig")
    total = len({(s, p, o) for s, p, o, _g in trig.quads((None, None, None, None))})
    assert int(void.value(dataset, VOID.triples)) == total
    dumps = {str(d).rsplit("/", 1)[-1] for d in void.objects(dataset, VOID.dataDump)}
    assert dumps == set(release.MEDIA_TYPES) - {"void.ttl"}
    checksums = {
        str(dump).rsplit("/", 1)[-1]: str(void.value(void.value(dump, release.SPDX.checksum), release.SPDX.checksumValue))
        for dump in void.objects(dataset, VOID.dataDump)
    }
    for name, digest in checksums.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest
    assert URIRef("http://www.w3.org/ns/org#") in set(void.objects(dataset, VOID.vocabulary))


def _build_in_subprocess(out: Path, seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    subprocess.run(
        [sys.executable, "-m", "cica_graph", "build", "--root", str(ROOT), "--out", str(out)],
        check=True, env=env, capture_output=True, cwd=ROOT,
    )


def test_two_builds_with_different_hash_seeds_are_byte_identical(tmp_path: Path):
    _build_in_subprocess(tmp_path / "a", "1")
    _build_in_subprocess(tmp_path / "b", "4242")
    for name in release.FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_failing_write_leaves_the_previous_release_untouched(dist: Path, tmp_path: Path, monkeypatch):
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    files = {name: b"new content" for name in release.FILES}
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(release.os, "fsync", failing_fsync)
    with pytest.raises(ReleaseError, match="No space left on device"):
        release.write_release(files, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["dist"], "no temporary folder is left behind"


def test_nonconforming_data_writes_no_release(tmp_path: Path):
    project = tmp_path / "project"
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / folder, project / folder)
    (project / "data").mkdir()
    (project / "data" / "bad.ttl").write_text(
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<https://w3id.org/cica/id/rel/x> a org:Membership .\n"
    )
    previous = project / "dist"
    previous.mkdir()
    (previous / "marker").write_text("previous release")
    result = build_release(Project(project))
    assert not result.report.conforms
    assert [p.name for p in previous.iterdir()] == ["marker"]
