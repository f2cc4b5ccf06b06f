"""The analytics commands through the real CLI app (typer's CliRunner), on a release file made from data/."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from cica_graph.analytics.graphdata import store_from_files
from cica_graph.cli import app
from cica_graph.errors import EXIT_INPUT

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "releases"
runner = CliRunner()


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A release-like TriG file of ontology/ and data/ (no build: the analytics read asserted data only)."""
    store = store_from_files(sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl")))
    path = tmp_path_factory.mktemp("release") / "cica.trig"
    store.dump(str(path), format=ox.RdfFormat.TRIG)
    return path


def _run(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_members_json(release):
    result = _run("members", "--on", "2011-12-31", "--format", "json", "--release", str(release))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 24  # CD14: 24 members after 2011
    assert {"member": "state:bhr", "label": "Bahrain", "proven": True, "memberships": ["rel:member-bhr-cica"]} in data["holders"]


def test_members_csv_of_observers(release):
    result = _run("members", "--role", "observer", "--on", "2019-06-11", "--format", "csv", "--release", str(release))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 13  # VN19: 8 observer states and 5 observer organizations
    assert rows[0] == {"member": "state:blr", "label": "Belarus", "proven": "true"}


def test_members_table(release):
    result = _run("members", "--on", "2022-10-13", "--release", str(release))
    assert result.exit_code == 0 and "Kuwait" in result.stdout and "28" in result.stdout


def test_status(release):
    result = _run("status", "state:tkm", "--on", "2021-12-31", "--release", str(release))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["role"], data["code"]) == ("cica:ObserverRole", -9)
    assert data["memberships"] == ["rel:observer-tkm-cica-nca22"]


def test_panel(release, tmp_path):
    result = _run("panel", "--from", "2012", "--to", "2019", "--out", str(tmp_path), "--release", str(release))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["codebook.md", "dyad-year.csv", "organization-year.csv", "state-year.csv"]
    rows = [r for r in csv.DictReader((tmp_path / "state-year.csv").open()) if r["iso3"] == "LKA"]
    # UTV18/AD19: observer 2012-2017, member from 2018-08-15 (in force on 31 December 2018)
    assert [(r["year"], r["ccode"], r["cica"]) for r in rows] == [
        ("2012", "780", "3"), ("2013", "780", "3"), ("2014", "780", "3"), ("2015", "780", "3"), ("2016", "780", "3"),
        ("2017", "780", "3"), ("2018", "780", "1"), ("2019", "780", "1"),
    ]
    assert "31 December" in (tmp_path / "codebook.md").read_text()


def test_network(release, tmp_path):
    result = _run("network", "coordination", "--out", str(tmp_path), "--rdf", "--on", "2025-01-01", "--release", str(release))
    assert result.exit_code == 0, result.output
    assert "coordination: 17 nodes, 30 edges" in result.stdout
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["coordination-measures.csv", "coordination-measures.ttl", "coordination.gexf", "coordination.graphml"]
    assert "prov:Activity" in (tmp_path / "coordination-measures.ttl").read_text()


def test_network_all(release, tmp_path):
    result = _run("network", "--on", "2022-12-31", "--out", str(tmp_path), "--release", str(release))
    assert result.exit_code == 0, result.output
    assert {p.stem for p in tmp_path.glob("*.graphml")} == {"bipartite", "projection", "coordination", "participation"}


def test_chart(release, tmp_path):
    result = _run("chart", "membership-growth", "--to", "2025-12-31", "--out", str(tmp_path), "--release", str(release))
    assert result.exit_code == 0, result.output
    assert "membership-growth: 1000×500 px" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["membership-growth.png", "membership-growth.svg"]


def test_diff(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    result = _run("diff", "old", "new")
    assert result.exit_code == 0, result.output
    assert "- Kuwait: member of CICA from 2022-10-13 (source: Kuwait joins CICA as 28th member state" in result.stdout
    result = _run("diff", "old/cica.ttl", "new/cica.ttl", "--format", "json")
    assert json.loads(result.stdout)["summary"] == {"added": 8, "removed": 1, "changed": 3}


@pytest.mark.parametrize(
    "args",
    [
        ("members", "--role", "chair"),
        ("members", "--on", "2014"),
        ("network", "cliques"),
        ("chart", "pie"),
        ("panel", "--from", "2020", "--to", "2010"),
        ("diff", "old", "missing", "--format", "md"),
        ("diff", "old", "new", "--format", "xml"),
    ],
)
def test_bad_input_exits_2(args, release, monkeypatch):
    monkeypatch.chdir(FIXTURES)
    result = _run(*args, *(("--release", str(release)) if args[0] != "diff" else ()))
    assert result.exit_code == EXIT_INPUT, result.output
