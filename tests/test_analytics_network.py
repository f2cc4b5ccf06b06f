"""Networks, measures and their exports (issue #4, part 3)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF

from cica_graph.analytics import measures, network
from cica_graph.analytics.timeline import Timeline
from cica_graph.terms import SCHEMA, SPDX

ROOT = Path(__file__).resolve().parents[1]

# Seed 001 ("SPECIFIC CONFIDENCE BUILDING MEASURES"), the states listed under each area, and the pairs they make:
#   New challenges and threats (general): Turkey, Afghanistan          -> afg-tur
#   Combating terrorism: India                                         -> (none)
#   ICT security: Russia, China                                        -> chn-rus
#   Combating illicit drugs: Iran, Afghanistan                         -> afg-irn
#   Epidemiological safety …: Kazakhstan, China, Jordan                -> chn-kaz, jor-kaz, chn-jor
#   Development of SMEs: Russia, Kazakhstan, Thailand, Turkey          -> kaz-rus, rus-tha, rus-tur, kaz-tha, kaz-tur, tha-tur
#   Energy security: Republic of Korea, India                          -> ind-kor
#   Agriculture: China; Finance: China; Sustainable development: Thailand -> (none)
#   Information technology: Republic of Korea, Bangladesh              -> bgd-kor
#   Tourism: Tajikistan, Sri Lanka                                     -> lka-tjk
#   Transportation corridors: Azerbaijan, China, India                 -> aze-chn, aze-ind, chn-ind
#   Natural disaster management: Iran, Bangladesh                      -> bgd-irn
#   Environment protection: Mongolia, Bangladesh, China                -> bgd-mng, chn-mng, bgd-chn
#   Human dimension: Uzbekistan, China, India, Kazakhstan, Kyrgyzstan  -> chn-uzb, ind-uzb, kaz-uzb, kgz-uzb, chn-ind,
#                                                                         chn-kaz, chn-kgz, ind-kaz, ind-kgz, kaz-kgz
#   Military-political dimension: Kazakhstan, Turkey                   -> kaz-tur
# Pairs met twice: chn-kaz (epidemiological safety, human dimension), chn-ind (transport, human dimension),
# kaz-tur (SMEs, military-political).
EXPECTED_EDGES = {
    ("afg", "tur"): 1, ("chn", "rus"): 1, ("afg", "irn"): 1, ("chn", "kaz"): 2, ("jor", "kaz"): 1, ("chn", "jor"): 1,
    ("kaz", "rus"): 1, ("rus", "tha"): 1, ("rus", "tur"): 1, ("kaz", "tha"): 1, ("kaz", "tur"): 2, ("tha", "tur"): 1,
    ("ind", "kor"): 1, ("bgd", "kor"): 1, ("lka", "tjk"): 1, ("aze", "chn"): 1, ("aze", "ind"): 1, ("chn", "ind"): 2,
    ("bgd", "irn"): 1, ("bgd", "mng"): 1, ("chn", "mng"): 1, ("bgd", "chn"): 1, ("chn", "uzb"): 1, ("ind", "uzb"): 1,
    ("kaz", "uzb"): 1, ("kgz", "uzb"): 1, ("chn", "kgz"): 1, ("ind", "kaz"): 1, ("ind", "kgz"): 1, ("kaz", "kgz"): 1,
}


@pytest.fixture(scope="module")
def store(curated_store):
    return curated_store


@pytest.fixture(scope="module")
def timeline(curated_timeline) -> Timeline:
    return curated_timeline


@pytest.fixture(scope="module")
def coordination(store, timeline) -> nx.Graph:
    return network.coordination(timeline, network.cbm_areas(store))


def _key(node: str) -> str:
    return node.split(":", 1)[1]


def test_co_coordination_edges_are_those_of_seed_001(coordination):
    found = {tuple(sorted((_key(a), _key(b)))): d["weight"] for a, b, d in coordination.edges(data=True)}
    assert found == EXPECTED_EDGES


def test_co_coordination_edges_name_their_areas(coordination):
    ict = "Security of and in the use of information and communication technologies (ICTs)"
    assert coordination.edges["state:rus", "state:chn"]["areas"] == ict
    assert coordination.edges["state:irn", "state:afg"]["areas"] == "Combating illicit drugs"
    assert coordination.edges["state:kaz", "state:chn"]["areas"] == (
        "Epidemiological safety, public health and pharmaceuticals; Human dimension (specific measures)"
    )
    assert coordination.nodes["state:ind"]["label"] == "India"
    assert len(coordination) == 17  # the 17 states seed 001 lists for the areas


def test_bipartite_and_projection_on_a_day(timeline):
    bipartite = network.bipartite(timeline, date(2022, 12, 31))
    cica = bipartite["io:cica"]
    # 28 members (KZ22) and 9 observer states (seed 001's nine, Turkmenistan in force by 2022-12-31)
    assert sum(1 for _n, d in cica.items() if d["role"] == "member") == 28
    assert sum(1 for _n, d in cica.items() if d["role"] == "observer") == 9
    # seed 002: seven SCO members (Iran only a candidate)
    assert sorted(_key(n) for n in bipartite["io:sco"]) == ["chn", "ind", "kaz", "kgz", "pak", "rus", "uzb"]
    assert {"io:un", "io:osce", "io:eec"} <= set(bipartite)  # every organization of the graph is a node
    projection = network.projection(bipartite)
    assert projection.edges["state:kaz", "state:chn"] == {"weight": 2, "organizations": "io:cica; io:sco"}
    assert projection.edges["state:kaz", "state:lka"]["weight"] == 1
    assert all(kind == "state" for _n, kind in projection.nodes(data="kind"))


def test_participation_network(store, timeline):
    graph = network.participation(store, timeline)
    assert graph.edges["person:farid-damirli", "event:sco-rats-conference-11"]["how"] == "attendee; delegation head"
    assert graph.nodes["event:cica-summit-6"]["kind"] == "event"
    assert graph.has_edge("io:cica", "event:cica-summit-6")  # the organizer


def test_measures(coordination):
    table = measures.measures(coordination)
    assert table.columns == ["node", "label", "kind", "degree", "weighted_degree", "betweenness", "eigenvector", "community"]
    rows = {r["node"]: r for r in table.records()}
    # China: pairs with rus, kaz, jor, aze, ind, mng, bgd, uzb, kgz (9 neighbours; kaz and ind twice)
    assert rows["state:chn"]["degree"] == 9 and rows["state:chn"]["weighted_degree"] == 11
    assert max(rows.values(), key=lambda r: r["betweenness"])["node"] == "state:chn"
    assert rows["state:lka"]["community"] == rows["state:tjk"]["community"]  # tourism is a component of its own
    assert table.records() == measures.measures(coordination).records()  # same seed, same communities


def test_exports_are_deterministic(coordination, tmp_path):
    graph = measures.annotate(coordination.copy(), measures.measures(coordination))
    for run in ("a", "b"):
        measures.write_graphml(graph, tmp_path / f"{run}.graphml")
        measures.write_gexf(graph, tmp_path / f"{run}.gexf", "2025-01-01")
    assert (tmp_path / "a.graphml").read_bytes() == (tmp_path / "b.graphml").read_bytes()
    assert (tmp_path / "a.gexf").read_bytes() == (tmp_path / "b.gexf").read_bytes()
    assert 'lastmodifieddate="2025-01-01"' in (tmp_path / "a.gexf").read_text()
    back = nx.read_graphml(tmp_path / "a.graphml")
    assert back.edges["state:kaz", "state:tur"]["weight"] == 2 and "betweenness" in back.nodes["state:kaz"]


def test_measures_as_rdf_with_provenance(coordination):
    digest = "0" * 64
    graph: Graph = measures.measures_rdf(measures.measures(coordination), "coordination", digest)
    run = URIRef("urn:cica-graph:analysis:coordination:0000000000000000")
    assert (run, RDF.type, PROV.Activity) in graph
    release = graph.value(run, PROV.used)
    assert graph.value(graph.value(release, SPDX.checksum), SPDX.checksumValue) == Literal(digest)
    values = {
        str(graph.value(v, SCHEMA.propertyID)): graph.value(v, SCHEMA.value).toPython()
        for v in graph.objects(URIRef("https://w3id.org/cica/id/state/chn"), SCHEMA.additionalProperty)
    }
    assert values["degree"] == 9
    assert all(graph.value(v, PROV.wasGeneratedBy) == run for v in graph.subjects(RDF.type, SCHEMA.PropertyValue))
