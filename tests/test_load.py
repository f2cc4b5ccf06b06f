"""Bad input is reported with file, line and what is wrong; nothing is half-loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from cica_graph.errors import LoadError, QueryError
from cica_graph.load import load_files, parse_file
from cica_graph.sparql import check_query, load_query

BAD = Path(__file__).parent / "fixtures" / "bad"


def problems_of(*paths: Path) -> list[str]:
    with pytest.raises(LoadError) as info:
        load_files(list(paths))
    return [str(p) for p in info.value.problems]


def test_malformed_turtle_names_file_line_and_column():
    [problem] = problems_of(BAD / "malformed.ttl")
    assert problem.startswith(f"{BAD / 'malformed.ttl'}:6:") or problem.split(":")[1] == "6"
    assert "malformed.ttl:6:" in problem
    assert "syntax error" in problem


def test_undefined_prefix_is_named():
    [problem] = problems_of(BAD / "undefined-prefix.ttl")
    assert "undefined-prefix.ttl:4:" in problem
    assert 'Prefix "nowhere:" not bound' in problem


def test_non_utf8_file_names_the_line_of_the_first_bad_byte():
    [problem] = problems_of(BAD / "not-utf8.ttl")
    assert "not-utf8.ttl:3: not UTF-8: byte 0xff" in problem


def test_every_ill_typed_date_is_reported_with_its_line():
    found = problems_of(BAD / "impossible-date.ttl")
    assert any("impossible-date.ttl:7:" in p and "month 13 of '2025-13-45' does not exist" in p for p in found)
    assert any("impossible-date.ttl:11:" in p and "'20x1' is not a valid xsd:gYear" in p for p in found)


def test_problems_of_all_files_are_collected_together():
    found = problems_of(BAD / "malformed.ttl", BAD / "not-utf8.ttl", BAD / "impossible-date.ttl")
    files = {p.split(":")[0].rsplit("/", 1)[-1] for p in found}
    assert files == {"malformed.ttl", "not-utf8.ttl", "impossible-date.ttl"}


def test_a_good_file_loads_and_a_bad_one_adds_nothing(tmp_path: Path):
    good = tmp_path / "good.ttl"
    good.write_text('<https://w3id.org/cica/id/state/kaz> <http://www.w3.org/2000/01/rdf-schema#label> "Kazakhstan"@en .\n')
    graph = parse_file(good)
    assert len(graph) == 1
    with pytest.raises(LoadError):
        parse_file(BAD / "impossible-date.ttl", into=graph)
    assert len(graph) == 1


def test_unsupported_file_type(tmp_path: Path):
    odd = tmp_path / "data.xml"
    odd.write_text("<rdf:RDF/>")
    [problem] = problems_of(odd)
    assert "unsupported file type '.xml'" in problem


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("syntax-error.rq", "syntax-error.rq:6:"),
        ("service.rq", "SERVICE is not allowed"),
        ("from.rq", "FROM is not allowed"),
        ("update.rq", "updates are not allowed"),
    ],
)
def test_bad_query_files_are_refused(name: str, expected: str):
    with pytest.raises(QueryError) as info:
        load_query(BAD / name)
    assert expected in str(info.value)


def test_a_subject_is_located_in_the_file_that_types_it(tmp_path: Path):
    first = tmp_path / "a-codes.ttl"
    first.write_text('<https://w3id.org/cica/id/state/kwt> <http://purl.org/dc/terms/identifier> "690" .\n')
    second = tmp_path / "b-states.ttl"
    second.write_text(
        "<https://w3id.org/cica/id/state/kwt> a <https://w3id.org/cica/def#State> .\n"
        "<https://w3id.org/cica/id/state/qat> <http://purl.org/dc/terms/identifier> \"694\" .\n"
    )
    origins = load_files([first, second]).origins
    assert origins[URIRef("https://w3id.org/cica/id/state/kwt")].endswith("b-states.ttl")
    assert origins[URIRef("https://w3id.org/cica/id/state/qat")].endswith("b-states.ttl")


@pytest.mark.parametrize(
    "text",
    [
        'PREFIX ex: <http://e/>\nSELECT * WHERE { ?s ex:service "SERVICE FROM <x>" . # SERVICE\n ?s ex:from ?from }',
        "PREFIX ex: <http://e/>\nSELECT ?insert ?drop WHERE { ?insert ex:p ?drop }",
        "SELECT * WHERE { ?s <http://example.org/service/from> ?o }",
    ],
)
def test_keywords_inside_strings_iris_comments_and_names_are_fine(text: str):
    check_query(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("select * { service <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE is not allowed"),
        ("SELECT * WHERE { SERVICE SILENT <http://a> { ?s ?p ?o } }", "SERVICE is not allowed"),
        ("SELECT * FROM NAMED <http://a> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM NAMED is not allowed"),
        ("SELECT * from <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM is not allowed"),
        ("LOAD <http://example.org/x.ttl>", "updates are not allowed"),
        ("PREFIX a: <http://a/>\ndelete where { ?s ?p ?o }", "updates are not allowed"),
        ("DROP ALL", "updates are not allowed"),
    ],
)
def test_unsafe_query_texts_are_refused(text: str, expected: str):
    with pytest.raises(QueryError, match=expected):
        check_query(text)
