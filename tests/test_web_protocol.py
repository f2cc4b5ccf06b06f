"""The SPARQL 1.1 Protocol endpoint of a real `cica-graph serve` process.

SPARQLWrapper is the client for the happy paths (as other tools would talk to
us); httpx checks refusals, errors, limits, CORS and the service description.
The server runs with --timeout 2 so that the deadline test is quick.
"""

from __future__ import annotations

import re
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

from cica_graph.web.processes import alive

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "web"))
from portal_server import shared_portal, worker_pids

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
STATE = "https://w3id.org/cica/id/state/"
CICA = "https://w3id.org/cica/def#"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(release_dir):
    return shared_portal(release_dir)


@pytest.fixture(scope="module")
def base(server):
    return server[0]


def client(base: str, fmt: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(base + "/sparql")
    sparql.setReturnFormat(fmt)
    return sparql


def test_select_json_with_sparqlwrapper(base):
    sparql = client(base, JSON)
    sparql.setQuery("SELECT ?s ?label WHERE { ?s a cica:State ; rdfs:label ?label FILTER(LANG(?label) = 'en') } ORDER BY ?label")
    data = sparql.queryAndConvert()
    labels = {b["label"]["value"] for b in data["results"]["bindings"]}
    assert {"Kazakhstan", "China", "India"} <= labels
    row = next(b for b in data["results"]["bindings"] if b["label"]["value"] == "Kazakhstan")
    assert row["s"] == {"type": "uri", "value": STATE + "kaz"}
    assert row["label"]["xml:lang"] == "en"


def test_select_xml_with_sparqlwrapper(base):
    sparql = client(base, XML)
    sparql.setQuery(f"SELECT ?code WHERE {{ <{STATE}kaz> cica:iso3166Alpha3 ?code }}")
    document = sparql.queryAndConvert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]
    assert literals == ["KAZ"]


def test_ask_with_sparqlwrapper(base):
    sparql = client(base, JSON)
    sparql.setQuery(f"ASK {{ ?m org:member <{STATE}kaz> ; org:organization ?org ; org:role cica:MemberRole }}")
    assert sparql.queryAndConvert()["boolean"] is True
    sparql.setQuery(f"ASK {{ <{STATE}kaz> a cica:Agreement }}")
    assert sparql.queryAndConvert()["boolean"] is False


def test_construct_into_rdflib(base):
    sparql = client(base, TURTLE)
    sparql.setQuery(f"CONSTRUCT {{ ?m ?p ?o }} WHERE {{ ?m org:member <{STATE}kaz> ; ?p ?o }}")
    sparql.setMethod("POST")
    graph = sparql.queryAndConvert()
    if not isinstance(graph, Graph):  # SPARQLWrapper hands Turtle back as bytes
        graph = Graph().parse(data=graph, format="turtle")
    memberships = set(graph.subjects(RDF.type, URIRef("http://www.w3.org/ns/org#Membership")))
    assert len(memberships) >= 2
    assert (None, URIRef("http://www.w3.org/ns/org#role"), URIRef(CICA + "MemberRole")) in graph


def test_post_sparql_query_body_and_csv_tsv(base):
    query = f"SELECT ?code ?label WHERE {{ <{STATE}kaz> cica:iso3166Alpha2 ?code ; rdfs:label ?label FILTER(LANG(?label)='en') }}"
    csv = httpx.post(base + "/sparql", content=query, headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["code,label", "KZ,Kazakhstan"]
    tsv = httpx.get(base + "/sparql", params={"query": query}, headers={"Accept": "text/tab-separated-values"})
    assert tsv.text.splitlines() == ["?code\t?label", '"KZ"\t"Kazakhstan"@en']


def test_jsonld_and_ntriples_for_construct(base):
    query = f"CONSTRUCT WHERE {{ <{STATE}kaz> cica:iso3166Alpha3 ?code }}"
    for accept, fmt in (("application/ld+json", "json-ld"), ("application/n-triples", "nt")):
        response = httpx.get(base + "/sparql", params={"query": query}, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(accept)
        graph = Graph().parse(data=response.text, format=fmt)
        assert len(graph) == 1


def test_update_is_refused(base):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    form = httpx.post(base + "/sparql", data={"update": update})
    assert form.status_code == 403
    assert "read-only" in form.text
    body = httpx.post(base + "/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
    assert body.status_code == 403
    as_query = httpx.post(base + "/sparql", data={"query": update})
    assert as_query.status_code == 403
    assert "updates are not allowed" in as_query.text


@pytest.mark.parametrize(("query", "word"), [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://example.org/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM NAMED"),
])
def test_remote_data_is_refused(base, query, word):
    response = httpx.post(base + "/sparql", data={"query": query})
    assert response.status_code == 400
    assert response.text.startswith(f"{word} is not allowed")


def test_service_cannot_be_smuggled_past_the_checks(base):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    target = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    # U+2028 is legal in an IRI for Oxigraph but whitespace to a naive scanner, which then takes the rest for a comment
    query = f"SELECT * WHERE {{ ?s ?p <http://example.org/a\u2028#> . SERVICE <{target}> {{ ?a ?b ?c }} }}"
    response = httpx.post(base + "/sparql", data={"query": query}, timeout=30)
    assert response.status_code == 400, response.text
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_syntax_error_names_line_and_column(base):
    response = httpx.get(base + "/sparql", params={"query": "SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTR(?s)\n}"})
    assert response.status_code == 400
    match = re.match(r"SPARQL syntax error at line (\d+), column (\d+): ", response.text)
    assert match, response.text
    assert int(match[1]) == 4 and int(match[2]) >= 3


def test_dataset_parameters(base):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    union = httpx.get(base + "/sparql", params={"query": count}).json()
    ontology = httpx.get(base + "/sparql", params={"query": count, "default-graph-uri": "https://w3id.org/cica/graph/ontology"}).json()
    total, part = (int(r["results"]["bindings"][0]["n"]["value"]) for r in (union, ontology))
    assert 0 < part < total
    named = httpx.get(base + "/sparql", params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": "https://w3id.org/cica/graph/asserted"})
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == ["https://w3id.org/cica/graph/asserted"]
    refused = httpx.get(base + "/sparql", params={"query": count, "default-graph-uri": "http://example.org/elsewhere"})
    assert refused.status_code == 400
    assert "unknown graph <http://example.org/elsewhere>" in refused.text


def test_row_cap_and_not_acceptable(base):
    capped = httpx.get(base + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert capped.status_code == 200
    assert len(capped.json()["results"]["bindings"]) == 50
    assert capped.headers["x-result-truncated"] == "true"
    refused = httpx.get(base + "/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_service_description_and_cors(base):
    response = httpx.get(base + "/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef(base + "/sparql"), RDF.type, URIRef(sd + "Service")) in graph
    assert (None, URIRef(sd + "name"), URIRef("https://w3id.org/cica/graph/asserted")) in graph
    asking = {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}
    preflight = httpx.options(base + "/sparql", headers=asking)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    simple = httpx.get(base + "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_runaway_query_is_killed_while_others_are_served(server):
    base, process = server
    before = worker_pids(process.pid)
    assert len(before) == 2
    slow: dict = {}

    def run_slow() -> None:
        started = time.monotonic()
        slow["response"] = httpx.post(base + "/sparql", data={"query": CARTESIAN}, timeout=30)
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)  # the cartesian product is running in one worker now
    started = time.monotonic()
    fair = httpx.get(base + "/sparql", params={"query": f"ASK {{ <{STATE}kaz> a cica:State }}"}, timeout=30)
    fair_seconds = time.monotonic() - started
    thread.join()
    assert fair.status_code == 200 and fair.json()["boolean"] is True
    assert fair_seconds < 1.0, f"the other client waited {fair_seconds:.2f} s"
    assert slow["response"].status_code == 503
    assert "2 s deadline" in slow["response"].text
    assert 1.9 <= slow["seconds"] < 5, slow["seconds"]
    time.sleep(0.3)
    killed = before - worker_pids(process.pid)
    assert len(killed) == 1, "exactly one worker (the runaway one) was replaced"
    assert not any(alive(pid) for pid in killed), "the runaway worker process still exists"
    deadline = time.monotonic() + 20
    while len(worker_pids(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(worker_pids(process.pid)) == 2, "a replacement worker was started"
    again = httpx.get(base + "/sparql", params={"query": "ASK {}"})
    assert again.status_code == 200
