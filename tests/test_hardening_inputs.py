"""Issue #6, the input catalogue: every hostile input is refused through the CLI with its exact message.

Each test copies a built project (ontology/, shapes/, queries/, data/ and its dist/),
adds one hostile file from tests/fixtures/hostile/, runs ``cica-graph build`` and
checks the exit code, the exact lines reported, and that nothing was written:
dist/ byte-identical, no stray folder beside it.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cica_graph.cli import app
from cica_graph.errors import LoadError
from cica_graph.load import display_path, load_files, parse_file

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
runner = CliRunner()

KAZ = "(in <https://w3id.org/cica/id/state/kaz> <http://www.w3.org/2000/01/rdf-schema#comment>)"
END_OF_STATEMENT = "syntax error: expected '.' or '}' or ']' at end of statement"
LANGTAG = "not a well-formed BCP 47 tag (e.g. en, ru, zh-Hans, kk-Cyrl-KZ)"
XML_REFUSED = (
    "RDF/XML or TriX input is not accepted (it declares a DOCTYPE (entity expansion), refused unread, "
    "before any XML parser runs); convert the file to Turtle"
)
JSONLD_REFUSED = (
    "JSON-LD input is not accepted (its @context names <http://127.0.0.1:9/context.jsonld>, which is never "
    "fetched; only bundled JSON-LD contexts may be used, and there is none for input); convert the file to Turtle"
)
NOT_LOCAL = "is not allowed: queries run only over the local graph (hint: remove the clause)"

#: file in tests/fixtures/hostile/ → the lines ``build`` prints (``{D}`` = the project's data/ folder).
LOAD_ROWS = {
    "malformed.ttl": [f"{{D}}/malformed.ttl:15:1: {END_OF_STATEMENT}"],
    "undefined-prefix.ttl": ['{D}/undefined-prefix.ttl:14:24: syntax error: Prefix "nowhere:" not bound'],
    "not-utf8.ttl": ["{D}/not-utf8.ttl:1: not UTF-8: byte 0xff cannot be decoded"],
    "bad-langtag.ttl": [f"{{D}}/bad-langtag.ttl:14: bad language tag '@kazakhstan': {LANGTAG} {KAZ}"],
    "bad-langtag-syntax.ttl": [f"{{D}}/bad-langtag-syntax.ttl:14:30: {END_OF_STATEMENT}"],
    "iri-space.ttl": [
        "{D}/iri-space.ttl:14: bad IRI <https://example.org/a page>: it contains a space, "
        "not allowed in an IRI (write it as %20)"
    ],
    "javascript-url.ttl": [
        "{D}/javascript-url.ttl:14: 'javascript:alert(document.cookie)' is not a web address: "
        "<https://schema.org/url> takes an http:// or https:// IRI "
        "(in <https://w3id.org/cica/id/source/seed-001> <https://schema.org/url>)"
    ],
    "ill-typed.ttl": [
        f"{{D}}/ill-typed.ttl:14: ill-typed literal: 'abc' is not a valid xsd:integer {KAZ}",
        "{D}/ill-typed.ttl:15: ill-typed literal: month 13 of '2025-13-45' does not exist "
        "(in <https://w3id.org/cica/id/rel/member-kaz-cica> <https://schema.org/startDate>)",
    ],
    "billion-laughs-as-turtle.ttl": [f"{{D}}/billion-laughs-as-turtle.ttl:1: content is XML, not Turtle: {XML_REFUSED}"],
    "remote-context-as-turtle.ttl": [
        f"{{D}}/remote-context-as-turtle.ttl:1: content is JSON-LD, not Turtle: {JSONLD_REFUSED}"
    ],
}

#: quality-check files in tests/fixtures/hostile/qc/ → the line printed ({Q} = queries/qc/).
QUERY_ROWS = {
    "syntax-error-violation.rq": "{Q}/syntax-error-violation.rq:4:21: syntax error: expected one of ",
    "service-violation.rq": f"{{Q}}/service-violation.rq:4:3: SERVICE {NOT_LOCAL}",
    "from-violation.rq": f"{{Q}}/from-violation.rq:3:15: FROM {NOT_LOCAL}",
    "from-named-violation.rq": f"{{Q}}/from-named-violation.rq:3:15: FROM NAMED {NOT_LOCAL}",
    "update-violation.rq": "{Q}/update-violation.rq:3:1: updates are not allowed: the graph is read-only",
}

#: hostile file → (file the finding is reported in, focus and label, message start, shape or check) — exit 1.
SHAPE_ROWS = {
    "unknown-iso.ttl": [
        ("unknown-iso.ttl", "state/zzz (Nowhere) — path https://w3id.org/cica/def#iso3166Alpha2 — value ZZ — ",
         "cica:iso3166Alpha2 is not an ISO 3166-1 alpha-2 code", "https://w3id.org/cica/shapes#KnownAlpha2Shape"),
        ("unknown-iso.ttl", "state/zzz (Nowhere) — path https://w3id.org/cica/def#iso3166Alpha3 — value ZZZ — ",
         "cica:iso3166Alpha3 is not an ISO 3166-1 alpha-3 code", "https://w3id.org/cica/shapes#KnownAlpha3Shape"),
    ],
    "end-before-start.ttl": [
        ("memberships.ttl", "rel/member-kaz-cica (Kazakhstan — member of CICA) — path https://schema.org/endDate — "
         "value 2009-01-01 — ", "Ends (2009-01-01) before it starts (2010-05-01)", None),
    ],
    "duplicate-labels.ttl": [
        # the label shown is either of the two English labels
        ("states.ttl", "state/kaz (", "Kazakhstan) — path http://www.w3.org/2000/01/rdf-schema#label — "
         "Has two rdfs:label values in the same language", "https://w3id.org/cica/shapes#DuplicateLabelShape"),
    ],
    "undefined-reference.ttl": [
        ("memberships.ttl", "rel/member-kaz-cica (Kazakhstan — member of CICA) — value "
         "https://w3id.org/cica/id/state/kzk — ", "Refers to <https://w3id.org/cica/id/state/kzk> with "
         "<http://www.w3.org/ns/org#member>, but no file of data/ describes it", "undefined-reference-violation"),
    ],
    "suborg-cycle.ttl": [
        ("organizations.ttl", "org/cica (Conference on Interaction and Confidence Building Measures in Asia) — value "
         "https://w3id.org/cica/id/org/cica-secretariat — ", "Is a sub-organization of itself",
         "suborganization-cycle-violation"),
    ],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hardening") / "built"
    for folder in ("ontology", "shapes", "queries", "data"):
        shutil.copytree(ROOT / folder, root / folder)
    result = runner.invoke(app, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    return root


def project_with(built: Path, target: Path, *files: tuple[Path, str]) -> Path:
    """A copy of the built project with ``files`` copied into their folders (relative to the root)."""
    root = target / "p"
    shutil.copytree(built, root, symlinks=True)
    for source, folder in files:
        shutil.copy(source, root / folder / source.name)
    return root


def state_of(root: Path) -> tuple[list[str], dict[str, bytes]]:
    """What a failed build must not change: the root's entries and every byte of dist/."""
    dist = root / "dist"
    return sorted(p.name for p in root.iterdir()), {p.name: p.read_bytes() for p in sorted(dist.iterdir())}


def build(root: Path):
    before = state_of(root)
    result = runner.invoke(app, ["build", "--root", str(root)])
    assert state_of(root) == before, "a failed build changed dist/ or left a folder beside it"
    return result


def lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(LOAD_ROWS))
def test_bad_data_file_is_refused_with_its_location(name: str, built: Path, tmp_path: Path):
    root = project_with(built, tmp_path, (HOSTILE / name, "data"))
    result = build(root)
    assert result.exit_code == 2, result.output
    assert lines(result.output) == [line.replace("{D}", str(root / "data")) for line in LOAD_ROWS[name]]


@pytest.mark.parametrize("name", sorted(QUERY_ROWS))
def test_bad_quality_check_file_is_refused(name: str, built: Path, tmp_path: Path):
    root = project_with(built, tmp_path, (HOSTILE / "qc" / name, "queries/qc"))
    result = build(root)
    assert result.exit_code == 2, result.output
    [line] = lines(result.output)
    assert line.startswith(QUERY_ROWS[name].replace("{Q}", str(root / "queries" / "qc"))), line


@pytest.mark.parametrize("name", sorted(SHAPE_ROWS))
def test_nonconforming_data_exits_one_with_the_finding(name: str, built: Path, tmp_path: Path):
    root = project_with(built, tmp_path, (HOSTILE / name, "data"))
    result = build(root)
    assert result.exit_code == 1, result.output
    printed = lines(result.output)
    assert printed[-1] == "release not written: fix the violations above"
    for file, focus, message, check in SHAPE_ROWS[name]:
        start = f"{root / 'data' / file}: Violation: https://w3id.org/cica/id/{focus}"
        found = [line for line in printed if line.startswith(start) and message in line[len(start) :]]
        assert found, f"no line starting with {start!r} in:\n{result.output}"
        if check:
            assert found[0].endswith(f" — [{check}]"), found[0]


def test_a_file_over_the_size_limit_is_refused_unread(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    big = tmp_path / "big.ttl"
    big.write_text("# padding\n" * 150_000)  # 1.43 MB
    root = project_with(built, tmp_path, (big, "data"))
    monkeypatch.setenv("CICA_GRAPH_MAX_FILE_MB", "1")
    result = build(root)
    assert result.exit_code == 2, result.output
    assert lines(result.output) == [
        f"{root / 'data' / 'big.ttl'}: file too large: 1.43 MB, over the limit of 1 MB "
        "(hint: split the file, or raise the limit with CICA_GRAPH_MAX_FILE_MB)"
    ]
    monkeypatch.setenv("CICA_GRAPH_MAX_FILE_MB", "2")
    assert runner.invoke(app, ["build", "--root", str(root)]).exit_code == 0


def test_a_bad_size_limit_is_a_configuration_error(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CICA_GRAPH_MAX_FILE_MB", "lots")
    result = build(project_with(built, tmp_path))
    assert result.exit_code == 2
    assert lines(result.output) == ["<input>: CICA_GRAPH_MAX_FILE_MB='lots' is not a positive number of megabytes"]


def test_every_problem_of_a_run_is_reported_together(built: Path, tmp_path: Path):
    names = ("malformed.ttl", "not-utf8.ttl", "iri-space.ttl")
    root = project_with(built, tmp_path, *((HOSTILE / n, "data") for n in names))
    result = build(root)
    assert result.exit_code == 2
    expected = [line.replace("{D}", str(root / "data")) for n in names for line in LOAD_ROWS[n]]
    assert sorted(lines(result.output)) == sorted(expected)


def test_unsafe_named_query_is_refused_before_anything_runs(built: Path, tmp_path: Path):
    root = project_with(built, tmp_path)
    query = HOSTILE / "qc" / "service-violation.rq"
    result = runner.invoke(app, ["query", str(query), "--root", str(root)])
    assert result.exit_code == 2
    assert lines(result.output) == [f"{display_path(query)}:4:3: SERVICE {NOT_LOCAL}"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("billion-laughs.rdf", f"unsupported file type '.rdf': {XML_REFUSED.replace('RDF/XML or TriX', 'RDF/XML')}"),
        ("billion-laughs.trix", f"unsupported file type '.trix': {XML_REFUSED.replace('RDF/XML or TriX', 'TriX')}"),
        ("remote-context.jsonld", f"unsupported file type '.jsonld': {JSONLD_REFUSED}"),
    ],
)
def test_xml_and_jsonld_files_are_refused_unread_and_at_once(name: str, message: str):
    clock = time.perf_counter()
    with pytest.raises(LoadError) as info:
        load_files([HOSTILE / name])
    assert time.perf_counter() - clock < 0.5
    [problem] = info.value.problems
    assert problem.message == message
    assert problem.file is not None and problem.file.endswith(name)


def test_billion_laughs_never_reaches_an_xml_parser(monkeypatch: pytest.MonkeyPatch):
    import xml.sax

    def boom(*_args, **_kwargs):
        raise AssertionError("an XML parser was created")

    monkeypatch.setattr(xml.sax, "make_parser", boom)
    for name in ("billion-laughs.rdf", "billion-laughs.trix", "billion-laughs-as-turtle.ttl"):
        with pytest.raises(LoadError):
            parse_file(HOSTILE / name)


@pytest.mark.parametrize(
    ("tag", "ok"),
    [("en", True), ("kk-Cyrl-KZ", True), ("zh-Hans", True), ("en-US", True), ("ru-x-translit", True),
     ("de-1996", True), ("kazakhstan", False), ("en-abcdefghi", False), ("e", False), ("en--us", False)],
)
def test_language_tags_follow_bcp47(tag: str, ok: bool, tmp_path: Path):
    path = tmp_path / "tag.ttl"
    path.write_text(f'<https://w3id.org/cica/id/state/kaz> <http://www.w3.org/2000/01/rdf-schema#comment> "x"@{tag} .\n')
    if ok:
        assert len(parse_file(path)) == 1
    else:
        with pytest.raises(LoadError):
            parse_file(path)


@pytest.mark.parametrize("iri", ["http://example.org/x", "https://example.org/x", "HTTPS://example.org/"])
def test_web_addresses_accept_http_and_https(iri: str, tmp_path: Path):
    path = tmp_path / "url.ttl"
    path.write_text(f"<https://w3id.org/cica/id/source/x> <https://schema.org/url> <{iri}> .\n")
    assert len(parse_file(path)) == 1


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "ftp://example.org/"])
def test_web_addresses_refuse_other_schemes(iri: str, tmp_path: Path):
    path = tmp_path / "url.ttl"
    path.write_text(f"<https://w3id.org/cica/id/source/x> <http://xmlns.com/foaf/0.1/homepage> <{iri}> .\n")
    with pytest.raises(LoadError) as info:
        parse_file(path)
    assert "is not a web address: <http://xmlns.com/foaf/0.1/homepage> takes an http:// or https:// IRI" in str(info.value)


def test_shacl_sparql_reaching_outside_is_refused(tmp_path: Path):
    path = tmp_path / "shape.ttl"
    path.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "<https://example.org/s> sh:select \"\"\"SELECT $this WHERE {\n"
        "  SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o } }\"\"\" .\n"
    )
    with pytest.raises(LoadError) as info:
        parse_file(path)
    [problem] = info.value.problems
    assert problem.message.startswith("SERVICE in SHACL-SPARQL is not allowed: shapes run only over the local graph")
    assert problem.line == 2
