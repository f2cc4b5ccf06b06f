"""`cica-graph push` against a real Virtuoso on loopback (a private instance started by the fixture).

Skipped, with the reason, when Debian's virtuoso-opensource is not installed (.ci/install-virtuoso.sh installs it).
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import httpx
import pytest

from cica_graph import push

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("ci_virtuoso", ROOT / ".ci" / "virtuoso.py")
virtuoso = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(virtuoso)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    reason = virtuoso.missing()
    if reason:
        pytest.skip(f"no Virtuoso: {reason}")
    instance = virtuoso.Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def endpoint(server) -> push.Endpoint:
    return push.Endpoint.from_url(f"{server.base}/sparql-graph-crud-auth", user=virtuoso.USER, password=virtuoso.PASSWORD)


def test_push_uploads_switches_and_counts(release_dir: Path, endpoint: push.Endpoint):
    graph = "https://example.org/test/push"
    first = push.push(release_dir, endpoint, graph)
    expected = len(push.release_ntriples(release_dir).splitlines())
    assert first.triples == expected
    with httpx.Client(auth=endpoint.auth) as client:
        assert push.current_version(client, endpoint, graph) == first.version
        assert push.count(client, endpoint, first.version) == expected
        rows = push.select(client, endpoint, f"""SELECT (COUNT(*) AS ?n) WHERE {{
            GRAPH <{graph}> {{ <{graph}> <http://www.w3.org/ns/dcat#hasCurrentVersion> ?v }}
            GRAPH ?v {{ ?m a <http://www.w3.org/ns/org#Membership> }} }}""")
        assert int(rows[0]["n"]) > 100, "readers reach the data through the pointer"


def test_a_new_release_keeps_the_previous_version_and_drops_older(release_dir: Path, endpoint: push.Endpoint, tmp_path: Path):
    graph = "https://example.org/test/versions"
    pushed = []
    for extra in range(3):
        dist = tmp_path / f"dist{extra}"
        shutil.copytree(release_dir, dist)
        trig = dist / "cica.trig"
        trig.write_bytes(trig.read_bytes() + f'\n<urn:x:{extra}> <urn:x:p> "{extra}" .\n'.encode())
        pushed.append(push.push(dist, endpoint, graph))
    with httpx.Client(auth=endpoint.auth) as client:
        assert push.current_version(client, endpoint, graph) == pushed[2].version
        assert push.versions(client, endpoint, graph) == sorted([pushed[1].version, pushed[2].version])
        assert push.count(client, endpoint, pushed[0].version) == 0
    assert pushed[2].previous == pushed[1].version
    assert pushed[2].dropped == [pushed[0].version]


def test_a_count_mismatch_is_an_error_and_leaves_the_pointer(release_dir: Path, endpoint: push.Endpoint, monkeypatch):
    graph = "https://example.org/test/mismatch"
    monkeypatch.setattr(push, "count", lambda *_a, **_k: -1)
    with pytest.raises(push.PushError, match="pointer left unchanged"):
        push.push(release_dir, endpoint, graph)
    monkeypatch.undo()
    with httpx.Client(auth=endpoint.auth) as client:
        assert push.current_version(client, endpoint, graph) is None


def test_wrong_password_is_refused(release_dir: Path, server):
    bad = push.Endpoint.from_url(f"{server.base}/sparql-graph-crud-auth", user="dba", password="wrong")
    with pytest.raises(push.PushError, match="401"):
        push.push(release_dir, bad, "https://example.org/test/denied")
