"""The command line: exit codes, formats, errors with locations, --help everywhere."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cica_graph.cli import app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def copy_project(target: Path, data: bool = True) -> Path:
    for folder in ("ontology", "shapes", "queries") + (("data",) if data else ()):
        shutil.copytree(ROOT / folder, target / folder)
    if not data:
        (target / "data").mkdir()
    return target


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("cli") / "project")
    result = runner.invoke(app, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    return root


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_build_prints_a_summary(project: Path):
    result = invoke("build", "--root", str(project))
    assert result.exit_code == 0
    assert "built" in result.output and "asserted" in result.output and "sources" in result.output


def test_validate_conforming_data_exits_zero_with_json(project: Path):
    result = invoke("validate", "--root", str(project), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["conforms"] is True and report["violations"] == 0


def test_validate_reports_focus_label_and_file_and_exits_one(tmp_path: Path):
    root = copy_project(tmp_path / "p", data=False)
    shutil.copy(ROOT / "data" / "sources.ttl", root / "data" / "sources.ttl")
    (root / "data" / "bad.ttl").write_text(
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix cica: <https://w3id.org/cica/def#> .\n"
        "<https://w3id.org/cica/id/rel/member-xyz-cica> a org:Membership ;\n"
        '    rdfs:label "Nowhere — member of CICA"@en ;\n'
        "    org:role cica:MemberRole .\n"
    )
    result = invoke("validate", "--root", str(root))
    assert result.exit_code == 1
    assert "https://w3id.org/cica/id/rel/member-xyz-cica" in result.output
    assert "Nowhere — member of CICA" in result.output
    assert "data/bad.ttl" in result.output
    assert "does not conform" in result.output
    turtle = invoke("validate", "--root", str(root), "--format", "turtle")
    assert turtle.exit_code == 1 and "sh:ValidationReport" in turtle.output


def test_malformed_turtle_exits_two_with_location_and_writes_nothing(tmp_path: Path):
    root = copy_project(tmp_path / "p", data=False)
    shutil.copy(FIXTURES / "bad" / "malformed.ttl", root / "data" / "malformed.ttl")
    result = invoke("build", "--root", str(root))
    assert result.exit_code == 2
    assert "malformed.ttl:6:" in result.output and "syntax error" in result.output
    assert not (root / "dist").exists()


def test_query_file_with_parameter_in_every_format(project: Path):
    query = str(FIXTURES / "queries" / "labels-of-kind.rq")
    table = invoke("query", query, "--root", str(project), "--param", "code=UZB")
    assert table.exit_code == 0, table.output
    assert "Uzbekistan" in table.output and "1 row(s)" in table.output
    as_csv = invoke("query", query, "--root", str(project), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert rows == [{"state": "https://w3id.org/cica/id/state/kaz", "label": "Kazakhstan"}]
    as_json = json.loads(invoke("query", query, "--root", str(project), "--format", "json").output)
    assert as_json["head"]["vars"] == ["state", "label"]
    assert as_json["results"]["bindings"][0]["label"] == {"type": "literal", "value": "Kazakhstan", "xml:lang": "en"}
    as_tsv = invoke("query", query, "--root", str(project), "--format", "tsv")
    assert as_tsv.output.splitlines()[0] == "?state\t?label"


def test_query_store_on_disk_by_default_in_memory_or_in_a_folder(project: Path, tmp_path: Path):
    query = str(FIXTURES / "queries" / "labels-of-kind.rq")
    shutil.rmtree(project / ".cica", ignore_errors=True)
    on_disk = invoke("query", query, "--root", str(project), "--format", "csv")
    assert on_disk.exit_code == 0, on_disk.output
    assert (project / ".cica" / "store" / "release.sha256").is_file(), "the default store is .cica/store"
    in_memory = invoke("query", query, "--root", str(project), "--format", "csv", "--store", "memory")
    elsewhere = invoke("query", query, "--root", str(project), "--format", "csv", "--store", str(tmp_path / "st"))
    assert on_disk.output == in_memory.output == elsewhere.output
    assert (tmp_path / "st" / "release.sha256").is_file()


def test_unknown_parameter_and_bad_values_exit_two(project: Path):
    query = str(FIXTURES / "queries" / "labels-of-kind.rq")
    result = invoke("query", query, "--root", str(project), "--param", "colour=red")
    assert result.exit_code == 2 and "unknown parameter(s) colour" in result.output
    result = invoke("query", query, "--root", str(project), "--param", "code")
    assert result.exit_code == 2 and "write name=value" in result.output


@pytest.mark.parametrize(
    ("name", "expected"),
    [("service.rq", "SERVICE is not allowed"), ("from.rq", "FROM is not allowed"),
     ("update.rq", "updates are not allowed"), ("syntax-error.rq", "syntax-error.rq:6:")],
)
def test_unsafe_or_broken_queries_are_refused(project: Path, name: str, expected: str):
    result = invoke("query", str(FIXTURES / "bad" / name), "--root", str(project))
    assert result.exit_code == 2
    assert expected in result.output


def test_unknown_named_query_lists_the_available_ones(project: Path):
    result = invoke("query", "no-such-query", "--root", str(project))
    assert result.exit_code == 2 and "no named query 'no-such-query'" in result.output


EXPORTS = [
    ("turtle", "@prefix cica:"),
    ("jsonld", '"@context"'),
    ("nt", "<https://w3id.org/cica/id/state/kaz>"),
    ("trig", "<https://w3id.org/cica/graph/asserted> {"),
]


@pytest.mark.parametrize(("fmt", "needle"), EXPORTS)
def test_export_formats(project: Path, tmp_path: Path, fmt: str, needle: str):
    out = tmp_path / f"export.{fmt}"
    result = invoke("export", "--root", str(project), "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert needle in out.read_text()


def test_export_refuses_unknown_format(project: Path):
    result = invoke("export", "--root", str(project), "--format", "rdfxml")
    assert result.exit_code == 2 and "unknown format 'rdfxml'" in result.output


def test_stats_json(project: Path):
    result = invoke("stats", "--root", str(project), "--format", "json")
    numbers = json.loads(result.output)
    assert numbers["classes"]["cica:State"] == 37
    # Every source node curated in data/ (the seeds and the facts.md pages) counts once.
    from rdflib import Graph
    from rdflib.namespace import PROV, RDF

    data = Graph()
    for path in (project / "data").glob("*.ttl"):
        data.parse(path)
    assert numbers["sources"] == len(set(data.subjects(RDF.type, PROV.Entity))) >= 30
    assert numbers["violations"] == 0


def test_queries_lists_titles(project: Path):
    result = invoke("queries", "--root", str(project), "--format", "json")
    assert result.exit_code == 0
    for entry in json.loads(result.output):
        assert entry["title"] and entry["description"]


COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


PREFIXES = """@prefix cica: <https://w3id.org/cica/def#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix state: <https://w3id.org/cica/id/state/> .
@prefix io: <https://w3id.org/cica/id/org/> .
@prefix rel: <https://w3id.org/cica/id/rel/> .
@prefix src: <https://w3id.org/cica/id/source/> .
"""
BAD_FACTS = {
    "unknown-iso-code": (
        'state:xxk a cica:State ; rdfs:label "Nowhereland"@en ; cica:iso3166Alpha2 "XK" ; '
        'cica:iso3166Alpha3 "XXK" ; prov:wasDerivedFrom src:seed-001 .',
        "https://w3id.org/cica/id/state/xxk",
    ),
    "end-before-start": (
        "rel:member-kaz-cica-bad a org:Membership ; rdfs:label \"Kazakhstan — member (bad)\"@en ; "
        "org:member state:kaz ; org:organization io:cica ; org:role cica:MemberRole ; "
        'schema:startDate "2010-05-01"^^xsd:date ; schema:endDate "2005"^^xsd:gYear ; prov:wasDerivedFrom src:cd14 .',
        "https://w3id.org/cica/id/rel/member-kaz-cica-bad",
    ),
    "undefined-organization": (
        "rel:member-kaz-nowhere a org:Membership ; rdfs:label \"Kazakhstan — member of nowhere\"@en ; "
        "org:member state:kaz ; org:organization io:nowhere ; org:role cica:MemberRole ; prov:wasDerivedFrom src:cd14 .",
        "https://w3id.org/cica/id/rel/member-kaz-nowhere",
    ),
    "missing-source": (
        "rel:observer-kaz-osce a org:Membership ; rdfs:label \"Kazakhstan — observer of the OSCE\"@en ; "
        "org:member state:kaz ; org:organization io:osce ; org:role cica:ObserverRole .",
        "https://w3id.org/cica/id/rel/observer-kaz-osce",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FACTS))
def test_bad_facts_are_violations_naming_focus_node_and_file(case: str, tmp_path: Path):
    root = copy_project(tmp_path / "p")
    snippet, focus = BAD_FACTS[case]
    (root / "data" / f"{case}.ttl").write_text(PREFIXES + snippet + "\n")
    result = invoke("validate", "--root", str(root), "--format", "json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    hits = [f for f in report["findings"] if f["severity"] == "Violation" and f["focus"] == focus]
    assert hits, f"no violation on {focus}"
    assert all(f["file"] == f"data/{case}.ttl" or f["file"].endswith(f"data/{case}.ttl") for f in hits)
    assert all(f["message"] for f in hits)


def test_a_folder_without_ontology_is_refused(tmp_path: Path):
    result = invoke("build", "--root", str(tmp_path / "nothing"))
    assert result.exit_code == 2 and "not a cica-graph project" in result.output
    assert not (tmp_path / "nothing").exists()
