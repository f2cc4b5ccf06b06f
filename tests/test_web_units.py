"""In-process tests of the portal's small pieces: negotiation, result writers, settings, anchors, dates."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.query import Result

from cica_graph.errors import ConfigError, QueryError
from cica_graph.web import formats
from cica_graph.web.negotiate import choose
from cica_graph.web.ontodoc import add_roles, add_term_anchors
from cica_graph.web.settings import Settings
from cica_graph.web.view import human_date

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_OFFER = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]


@pytest.mark.parametrize(("accept", "expected"), [
    (BROWSER, "text/html"),
    (None, "text/html"),
    ("", "text/html"),
    ("*/*", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/ld+json, text/turtle;q=0.5", "application/ld+json"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("text/turtle, application/ld+json", "text/turtle"),
    ("application/*", "application/ld+json"),
    ("*/*;q=0.1, application/n-triples", "application/n-triples"),
    ("text/html;q=0, */*", "text/turtle"),
    ("application/pdf", None),
    ("text/turtle;q=0", None),
    ("garbage", None),
])
def test_negotiation(accept, expected):
    assert choose(accept, RDF_OFFER) == expected


def _rows() -> tuple[list[str], list[list[object]]]:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return ["s", "label", "n"], [
        [ox.NamedNode("https://w3id.org/cica/id/state/kaz"), ox.Literal("Kazakhstan", language="en"),
         ox.Literal("3", datatype=ox.NamedNode(xsd + "integer"))],
        [ox.BlankNode("b0"), ox.Literal('tab\there, "quotes", comma'), None],
    ]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_result_writers_parse_back(fmt):
    variables, rows = _rows()
    data = formats.results(variables, rows, fmt)
    parsed = Result.parse(io.BytesIO(data), format=fmt)
    assert [str(v) for v in parsed.vars] == variables
    table = [[None if t is None else str(t) for t in row] for row in parsed]
    assert table[0][:2] == ["https://w3id.org/cica/id/state/kaz", "Kazakhstan"]
    assert table[1][1] == 'tab\there, "quotes", comma'
    assert table[1][2] is None or table[1][2] == ""


def test_json_results_keep_types():
    variables, rows = _rows()
    data = json.loads(formats.results(variables, rows, "json"))
    first, second = data["results"]["bindings"]
    assert first["label"] == {"type": "literal", "value": "Kazakhstan", "xml:lang": "en"}
    assert first["n"]["datatype"].endswith("#integer")
    assert second["s"] == {"type": "bnode", "value": "b0"}
    assert "n" not in second


def test_boolean_results():
    assert json.loads(formats.boolean(True, "json")) == {"head": {}, "boolean": True}
    assert Result.parse(io.BytesIO(formats.boolean(False, "xml")), format="xml").askAnswer is False


def test_settings_validate_and_map_iris(tmp_path):
    settings = Settings(dist=tmp_path, base_iri="https://mirror.example.org/cica")
    assert settings.base_iri == "https://mirror.example.org/cica/"
    assert settings.prefix == "/cica/"
    assert settings.data_base == "https://w3id.org/cica/"
    assert settings.local("https://w3id.org/cica/id/state/kaz") == "/cica/id/state/kaz"
    assert settings.local("https://w3id.org/cica/def#State") == "/cica/def#State"
    assert settings.local("https://www.wikidata.org/entity/Q232") is None
    assert settings.graph_iri("id/state/kaz") == "https://w3id.org/cica/id/state/kaz"
    assert settings.public("sparql") == "https://mirror.example.org/cica/sparql"
    with pytest.raises(ConfigError) as error:
        Settings(dist=tmp_path, base_iri="ftp://x", timeout=0, max_rows=0, workers=0)
    assert len(error.value.problems) == 4


def test_data_base_comes_from_the_release(tmp_path: Path):
    (tmp_path / "void.ttl").write_text('@prefix void: <http://rdfs.org/ns/void#> .\n'
                                       '<https://example.org/g/dataset> void:uriSpace "https://example.org/g/id/" .\n',
                                       encoding="utf-8")
    assert Settings(dist=tmp_path, base_iri="http://localhost:1/").data_base == "https://example.org/g/"


def test_term_anchors_and_roles():
    ns = "https://w3id.org/cica/def#"
    page = ('<div class="property entity" id="Internationalorganization"><h3>x</h3><table><tr><th>IRI</th>'
            f'<td><code>{ns}InternationalOrganization</code></td></tr></table></div>'
            '<div class="property entity" id="Role"><h3>Role</h3><table><tr><th>IRI</th>'
            '<td><code>http://www.w3.org/ns/org#Role</code></td></tr></table></div>'
            '<div class="property entity" id="CICArole"><h3>CICA role</h3><table><tr><th>IRI</th>'
            f'<td><code>{ns}Role</code></td></tr></table></div><a href="#Role">org:Role</a>'
            '<div id="namespaces"></div><ul><li>\n<h4>\n<a href="#namespaces">Namespaces</a></h4></li></ul>')
    out = add_term_anchors(page, ns)
    assert '<span id="InternationalOrganization"></span>' in out
    assert 'id="ext-Role"' in out and 'href="#ext-Role"' in out, "org:Role moved aside"
    assert '<span id="Role"></span>' in out, "cica:Role owns #Role"
    role = {"iri": ns + "MemberRole", "local": "MemberRole", "label": "member <b>", "definition": "Full membership.",
            "notation": "1", "broader": ""}
    with_roles = add_roles(out, [role])
    assert 'id="MemberRole"' in with_roles and "member &lt;b&gt;" in with_roles
    assert with_roles.index('id="roles"') < with_roles.index('id="namespaces"')
    assert 'href="#roles"' in with_roles


@pytest.mark.parametrize(("lexical", "text"), [("2014-05-20", "20 May 2014"), ("2014-05", "May 2014"), ("2014", "2014"),
                                               ("2014-13", "2014-13"), ("-0044", "-0044")])
def test_human_dates(lexical, text):
    assert human_date(lexical) == text


def test_every_serve_option_is_documented():
    import typer

    from cica_graph.cli import app

    command = typer.main.get_command(app).commands["serve"]
    documented = (Path(__file__).resolve().parent.parent / "docs" / "portal.md").read_text(encoding="utf-8")
    for param in command.params:
        for option in param.opts:
            if option.startswith("--") and option != "--help":
                assert f"`{option}`" in documented, f"cica-graph serve {option} is not in docs/portal.md"


@pytest.mark.parametrize(("text", "parsed"), [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("# where it comes from\nSELECT * WHERE { ?s ?p ?o }", False),
    ("SELECT * WHERE { ?s rdfs:label \"Service\" }", True),
    ("# a state's origin, from the sources\nSELECT * WHERE { ?s ?p ?o }", True),
    ("SELECT * WHERE { ?s ?p <http://x/\u2028#> . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }", True),
    ("SELECT * WHERE { ?s ?p \"\"\"x\n# y \"\"\" . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }", True),
])
def test_texts_that_name_service_or_from_get_a_second_opinion(monkeypatch, text, parsed):
    from cica_graph.web import worker

    calls = []
    monkeypatch.setattr(worker, "refuse_remote_by_parse", calls.append)
    worker.screen(text, lambda _text: None)  # whatever the project's check says, the gate alone decides here
    assert bool(calls) == parsed


@pytest.mark.parametrize("text", [
    "SELECT ?s WHERE { ?s prov:wasDerivedFrom ?source }",
    "SELECT ?s WHERE { ?s rdfs:label \"Services from CICA\" }",
    "# the sources a fact comes from\nSELECT ?s WHERE { ?s ?p ?o }",
])
def test_screen_lets_plain_queries_through(text):
    from cica_graph.sparql import check_query
    from cica_graph.web.worker import refuse_remote_by_parse, screen

    refuse_remote_by_parse.cache_clear()
    screen(text, check_query)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p <http://x/\u2028#> . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p <http://x/\u00a0#> . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
])
def test_screen_refuses_remote_data_and_updates(text):
    from cica_graph.sparql import check_query
    from cica_graph.web.worker import screen

    with pytest.raises(QueryError):
        screen(text, check_query)


def test_workers_have_no_network(tmp_path):
    import socket
    import subprocess
    import sys

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    probe = (
        "import sys, pyoxigraph as ox\n"
        "from cica_graph.web.worker import isolate_network\n"
        "if not isolate_network(): sys.exit(77)\n"
        f"query = 'SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}'\n"
        "try:\n    list(ox.Store().query(query))\nexcept OSError as exc:\n    print('refused:', exc); sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode == 77:
        pytest.skip("no network namespaces here (not root, no unprivileged user namespaces)")
    assert done.returncode == 0, done.stdout + done.stderr
    with pytest.raises(TimeoutError):
        listener.accept()  # the worker's SERVICE request never arrived
    listener.close()
