"""Dereferenceable IRIs of a real `cica-graph serve` process: negotiation, suffixes, 404/406, /def, VoID, dumps.

One server serves the repository's release at the root; a second one is
mounted under a path (`--base-iri http://127.0.0.1:PORT/portal/`) to show that
the graph's own IRIs are answered wherever the portal lives.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "web"))
from portal_server import ROOT, free_port, running_portal, shared_portal

ID = "https://w3id.org/cica/id/"
CICA = "https://w3id.org/cica/def#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
PARSERS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def base(release_dir):
    return shared_portal(release_dir)[0]


@pytest.mark.parametrize("path", ["state/kaz", "org/cica", "event/cica-summit-4", "source/cd14", "rel/member-kaz-cica"])
@pytest.mark.parametrize("accept", list(PARSERS))
def test_negotiated_rdf(base, path, accept):
    response = httpx.get(f"{base}/id/{path}", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert "Accept" in response.headers["vary"]
    suffix = {"text/turtle": "ttl", "application/ld+json": "jsonld", "application/n-triples": "nt"}[accept]
    assert response.headers["content-location"] == f"/id/{path}.{suffix}"
    graph = Graph().parse(data=response.text, format=PARSERS[accept])
    subject = URIRef(ID + path)
    assert (subject, RDF.type, None) in graph, "the description holds the resource's own triples, with its graph IRI"


def test_state_description_has_memberships_and_labels(base):
    graph = Graph().parse(data=httpx.get(f"{base}/id/state/kaz.ttl").text, format="turtle")
    kaz = URIRef(ID + "state/kaz")
    assert (kaz, RDFS.label, Literal("Kazakhstan", lang="en")) in graph
    assert (kaz, RDF.type, URIRef(CICA + "State")) in graph
    memberships = set(graph.subjects(URIRef("http://www.w3.org/ns/org#member"), kaz))
    assert URIRef(ID + "rel/member-kaz-cica") in memberships, "incoming links are part of the description"


def test_browsers_get_html(base):
    response = httpx.get(f"{base}/id/state/kaz", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Kazakhstan</h1>" in response.text
    assert response.headers["content-location"] == "/id/state/kaz.html"


@pytest.mark.parametrize(("suffix", "media"), [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                               ("nt", "application/n-triples"), ("html", "text/html")])
def test_suffix_urls_ignore_accept(base, suffix, media):
    response = httpx.get(f"{base}/id/org/cica.{suffix}", headers={"Accept": "application/pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)


def test_unknown_iris_are_404(base):
    page = httpx.get(f"{base}/id/state/xyz", headers={"Accept": BROWSER})
    assert page.status_code == 404
    assert "https://w3id.org/cica/id/state/xyz" in page.text
    assert httpx.get(f"{base}/id/state/xyz.ttl").status_code == 404
    text = httpx.get(f"{base}/id/nokind/thing", headers={"Accept": "text/turtle"})
    assert text.status_code == 404
    assert text.headers["content-type"].startswith("text/plain")
    assert httpx.get(f"{base}/no/such/page").status_code == 404


def test_nothing_acceptable_is_406(base):
    response = httpx.get(f"{base}/id/state/kaz", headers={"Accept": "application/pdf, image/*"})
    assert response.status_code == 406
    assert "text/turtle" in response.text
    assert httpx.get(f"{base}/def", headers={"Accept": "application/pdf"}).status_code == 406


def test_kind_index_redirects_to_list(base):
    response = httpx.get(f"{base}/id/state", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/states"


def test_ontology_by_negotiation(base):
    turtle = httpx.get(f"{base}/def", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef(CICA + "State"), RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#FormalOrganization")) in graph
    assert httpx.get(f"{base}/def.jsonld").headers["content-type"].startswith("application/ld+json")
    html = httpx.get(f"{base}/def", headers={"Accept": BROWSER}, timeout=60)
    assert html.status_code == 200
    assert "<title>CICA ontology</title>" in html.text
    for term in ("State", "InternationalOrganization", "Role", "MemberRole"):
        assert f'id="{term}"' in html.text, f"/def#{term} has no anchor"
    assert "default-src 'self'" in html.headers["content-security-policy"]


def test_void_by_negotiation(base):
    turtle = httpx.get(f"{base}/.well-known/void")
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert "void:Dataset" in turtle.text
    jsonld = httpx.get(f"{base}/.well-known/void", headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    graph = Graph().parse(data=jsonld.text, format="json-ld")
    assert (None, RDF.type, URIRef("http://rdfs.org/ns/void#Dataset")) in graph


def test_dumps_are_the_release_files_only(base):
    sums = dict(line.split("  ")[::-1] for line in httpx.get(f"{base}/dumps/SHA256SUMS").text.splitlines())
    for name in ("cica.ttl", "cica.nt", "cica.trig"):
        body = httpx.get(f"{base}/dumps/{name}").content
        assert hashlib.sha256(body).hexdigest() == sums[name]
    for name in ("pyproject.toml", "..%2F..%2Fpyproject.toml", ".cica", "SHA256SUMS.bak"):
        assert httpx.get(f"{base}/dumps/{name}").status_code == 404


def test_mounted_under_a_path(release_dir):
    port = free_port()
    public = f"http://127.0.0.1:{port}/portal/"
    with running_portal(release_dir, "--base-iri", public, port=port, mount="/portal/") as (url, _process):
        assert url.endswith(str(port))
        page = httpx.get(f"{url}/portal/id/state/kaz", headers={"Accept": BROWSER})
        assert page.status_code == 200
        assert 'href="/portal/states"' in page.text
        assert 'href="/portal/id/org/cica"' in page.text
        graph = Graph().parse(data=httpx.get(f"{url}/portal/id/state/kaz.jsonld").text, format="json-ld")
        assert (URIRef(ID + "state/kaz"), RDF.type, URIRef(CICA + "State")) in graph, "the graph's own IRIs, not the mirror's"
        described = httpx.get(f"{url}/portal/sparql", headers={"Accept": "text/turtle"}).text
        assert f"<{public}sparql>" in described
        assert httpx.get(f"{url}/", follow_redirects=False).headers["location"] == "/portal/"


def test_docs_command_writes_the_ontology_documentation(tmp_path):
    import subprocess

    out = tmp_path / "ontology.html"
    done = subprocess.run([sys.executable, "-c", "from cica_graph.cli import app; app()", "docs", "--out", str(out),
                           "--root", str(ROOT)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert "<title>CICA ontology</title>" in html
    assert 'id="MemberRole"' in html and 'id="InternationalOrganization"' in html
