"""The HTML pages of a real `cica-graph serve` process, and their escaping of hostile data.

The escaping tests serve a release built from tests/fixtures/web/xss.ttl,
whose labels, notes and source titles carry markup and whose links are
javascript: IRIs.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "web"))
from portal_server import running_portal, shared_portal, xss_project

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def base(release_dir):
    return shared_portal(release_dir)[0]


def page(base: str, path: str, **params: str) -> str:
    response = httpx.get(base + path, params=params, headers={"Accept": BROWSER}, timeout=30)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'none'" in response.headers["content-security-policy"]
    return response.text


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def sparql(base: str, query: str) -> list[dict]:
    return httpx.get(base + "/sparql", params={"query": query}).json()["results"]["bindings"]


def test_home_says_what_the_dataset_is(base):
    text = text_of(page(base, "/"))
    assert "Conference on Interaction and Confidence Building Measures in Asia" in text
    assert re.search(r"\b2\d member states\b", text)
    for link in ("/sparql", "/query", "/def", "/dumps/cica.ttl", "/dumps/cica.jsonld", "/.well-known/void"):
        assert f'href="{link}"' in page(base, "/"), link


def test_state_page_shows_memberships_with_sources(base):
    markup = page(base, "/id/state/kaz")
    text = text_of(markup)
    assert "Kazakhstan" in text and "Memberships and roles" in text
    assert "member" in text and "chair" in text
    row = re.search(r'<td><span class="role role-member">member</span></td>\s*<td><a href="/id/org/cica"', markup)
    assert row, "the CICA membership links to CICA's page by its label"
    titles = sparql(base, """SELECT DISTINCT ?title WHERE { ?m org:member state:kaz ; prov:wasDerivedFrom ?s .
                                                             ?s dct:title ?title }""")
    assert titles
    for binding in titles:
        assert binding["title"]["value"] in text, "every source of a membership is listed under References"
    assert re.search(r'<li id="ref-1" value="1">', markup)
    assert 'href="#ref-1"' in markup


def test_values_are_labels_not_raw_iris(base):
    markup = page(base, "/id/event/cica-summit-4")
    assert ">Shanghai</a>" in markup
    assert ">https://w3id.org/cica/id/place/shanghai<" not in markup
    assert "20 May 2014" in text_of(markup), "dates read as in prose"


def test_incoming_links_and_members_of_an_organization(base):
    text = text_of(page(base, "/id/org/cica"))
    assert "Members and roles" in text
    assert "Kazakhstan" in text and "observer" in text
    place = text_of(page(base, "/id/place/astana"))
    assert "Linked from" in place


def test_list_pages(base):
    states = text_of(page(base, "/states"))
    assert "Member states" in states and "Observer states" in states and "KAZ" in states
    organizations = text_of(page(base, "/organizations"))
    assert "Shanghai Cooperation Organization" in organizations and "CICA Secretariat" in organizations
    meetings = page(base, "/meetings")
    years = [int(y) for y in re.findall(r'<h2 id="y(\d{4})">', meetings)]
    assert years == sorted(years) and 2002 in years, "a timeline in date order"
    assert "Almaty Act" in text_of(meetings)
    catalogue = text_of(page(base, "/catalogue"))
    assert "Military-political dimension" in catalogue and "Coordinating states" in catalogue
    assert "coordinator" in catalogue or "Kazakhstan" in catalogue
    agreements = text_of(page(base, "/agreements"))
    assert "Memorandum of Understanding" in agreements
    assert "cited by" in text_of(page(base, "/sources")).lower()
    assert "People" in text_of(page(base, "/people"))


def test_query_page_lists_named_queries_and_runs_them(base):
    markup = page(base, "/query")
    titles = [re.search(r"^# title: (.*)$", p.read_text(encoding="utf-8"), re.M) for p in (ROOT / "queries").glob("*.rq")]
    for title in filter(None, titles):
        assert html.escape(title[1].strip(), quote=False) in markup, f"named query '{title[1]}' is not listed"
    query = "SELECT ?name WHERE { state:kaz rdfs:label ?name FILTER(LANG(?name) = 'en') }"
    result = httpx.post(base + "/query", data={"query": query}, headers={"Accept": BROWSER})
    assert result.status_code == 200
    assert re.search(r"<td>Kazakhstan <span class=\"lang\">en</span></td>", result.text)
    assert "1</strong> row" in result.text
    links = re.findall(r'<a href="(/query\?[^"]+format=(csv|json)[^"]*)">', result.text)
    assert {kind for _href, kind in links} == {"csv", "json"}
    csv = httpx.get(base + html.unescape(next(h for h, k in links if k == "csv")))
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines() == ["name", "Kazakhstan"]


def test_query_page_runs_a_named_query_with_parameters(base):
    markup = page(base, "/query")
    names = re.findall(r'href="/query\?name=([\w.-]+)"', markup)
    assert names
    name = names[0]
    ran = page(base, "/query", name=name)
    assert 'name="query"' in ran
    assert re.search(r"<strong>[\d,]+</strong> rows?|Answer:", ran), f"named query {name} did not run"


def test_query_page_reports_errors_and_deadlines(base):
    bad = httpx.post(base + "/query", data={"query": "SELECT ?s WHERE { ?s ?p }"}, headers={"Accept": BROWSER})
    assert bad.status_code == 200
    assert "Query failed" in bad.text and "line 1" in bad.text
    update = httpx.post(base + "/query", data={"query": "DELETE WHERE { ?s ?p ?o }"}, headers={"Accept": BROWSER})
    assert "read-only" in update.text


def test_not_found_page(base):
    response = httpx.get(base + "/id/state/atlantis", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert "Not found" in response.text and "https://w3id.org/cica/id/state/atlantis" in response.text


def test_static_assets_come_from_the_package(base):
    markup = page(base, "/")
    assets = re.findall(r'(?:href|src)="([^"]+\.(?:css|js|svg|png))"', markup)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    for asset in assets:
        assert httpx.get(base + asset).status_code == 200
    assert "<script" not in markup


@pytest.fixture(scope="module")
def xss_base(tmp_path_factory):
    project = xss_project(tmp_path_factory.mktemp("xss"))
    with running_portal(project / "dist", root=project) as (url, _process):
        yield url


@pytest.mark.parametrize("path", ["/id/state/xss", "/id/source/xss", "/id/rel/member-xss-cica", "/id/org/cica",
                                  "/states", "/sources", "/query", "/query?name=xss-query", "/"])
def test_hostile_labels_are_escaped(xss_base, path):
    response = httpx.get(xss_base + path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    markup = response.text
    assert "<script" not in markup.lower(), "markup from the data reached the page unescaped"
    for raw in ("<img src=x", "<b onmouseover", "<i>publishing", "</td></tr></table><script"):
        assert raw not in markup, f"{raw!r} reached the page unescaped"
    assert "javascript:" not in re.sub(r">[^<]*<", "><", markup), "a javascript: IRI became a link or attribute"


def test_hostile_text_is_shown_as_text(xss_base):
    markup = httpx.get(xss_base + "/id/state/xss", headers={"Accept": BROWSER}).text
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;Scriptistan" in markup
    assert "&lt;b onmouseover=alert(&#39;title&#39;)&gt;Hostile source&lt;/b&gt;" in markup
    assert "Evil &amp; Co &lt;i&gt;publishing&lt;/i&gt;" in markup
    assert "<span>javascript:alert(&#39;seeAlso&#39;)</span>" in markup, "a javascript: IRI is shown, as text only"
    query = httpx.get(xss_base + "/query", headers={"Accept": BROWSER}).text
    assert "&lt;script&gt;alert(&#39;query title&#39;)&lt;/script&gt;States" in query
