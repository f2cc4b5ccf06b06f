"""The build at scale (cica_graph.scale) gives what the reference pipeline gives.

Findings equal to pySHACL's (and the quality checks') on the CICA data, on every shape's fixtures and on a
synthetic graph with one injected error per shape family; derived and inferred triples equal to enrich and
owlrl; cica.ttl, cica-inferred.ttl, cica.nt and cica.trig byte-identical to the reference release.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from cica_graph import enrich, reason, synth
from cica_graph.load import load_files
from cica_graph.pipeline import build_release
from cica_graph.project import Project
from cica_graph.release import to_ox_triple
from cica_graph.scale import build, graphs
from cica_graph.validate import validate_graph

ROOT = Path(__file__).resolve().parents[1]
PROJECT = Project(ROOT)
SHAPES = load_files(PROJECT.shape_files).graph
ONTOLOGY_LOADED = load_files(PROJECT.ontology_files)
ONTOLOGY = ONTOLOGY_LOADED.graph
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "shapes").glob("*/*.ttl"))


def reference_findings(files: list[Path], engine: str = "pyshacl") -> list:
    """Findings of the reference pipeline; ``fast`` still runs every core constraint in pySHACL (only the
    SPARQL-based parts, the same code in both engines, run in Oxigraph: tests/test_validate_engines.py)."""
    loaded = load_files(files)
    data, origins = loaded.graph, {**ONTOLOGY_LOADED.origins, **loaded.origins}
    derived = enrich.derive(data, ONTOLOGY)
    whole = ONTOLOGY + data + derived + reason.infer(ONTOLOGY, data, derived, engine="fast").inferred
    return validate_graph(whole, SHAPES, [], origins, engine=engine)


def scale_findings(files: list[Path]) -> list:
    store = ox.Store()
    graphs.load_into(store, PROJECT.ontology_files, graphs.ONTOLOGY)
    graphs.load_into(store, files, graphs.ASSERTED)
    build.enrich.derive(store)
    assert build.reason.infer(store, ONTOLOGY).compiled
    return build.validate(store, SHAPES, [], files + PROJECT.ontology_files)


def test_cica_release_and_report_are_the_reference_ones(release_dir: Path):
    result = build.assemble(PROJECT)
    reference = build_release(PROJECT, out=release_dir.parent / "scale-reference", validator="pyshacl", reasoner="owlrl")
    assert result.report.findings == reference.report.findings
    for name, data in build.export(result.store).items():
        assert (release_dir / name).read_bytes() == data, name


def test_synthetic_derived_and_inferred_triples_are_the_reference_ones(tmp_path: Path):
    synth.write(tmp_path, 4_000, seed=5, project_root=ROOT)
    project = Project(tmp_path)
    result = build.assemble(project)
    data = load_files(project.data_files).graph
    derived = enrich.derive(data, ONTOLOGY)
    inferred = reason.infer(ONTOLOGY, data, derived, engine="owlrl").inferred
    for graph, expected in ((graphs.DERIVED, derived), (graphs.INFERRED, inferred)):
        got = {q.triple for q in result.store.quads_for_pattern(None, None, None, graph)}
        assert got == {to_ox_triple(t) for t in expected}
    assert result.report.conforms and result.reasoner == "compiled"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f"{f.parent.name}/{f.stem}" for f in FIXTURES])
def test_same_findings_as_pyshacl_on_every_fixture(fixture: Path):
    got, expected = set(scale_findings([fixture])), set(reference_findings([fixture], engine="fast"))
    if fixture.parent.name == "DuplicateTitleShape":
        # two titles: enrich labels the source with one of them, rdflib's pick depends on hash order
        got, expected = ({(f.check, f.focus, f.path) for f in found} for found in (got, expected))
    assert got == expected


# One error per shape family, injected into a conforming synthetic graph.
INJECTED = """
@prefix cica: <https://w3id.org/cica/def#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://w3id.org/cica/id/state/xxx> a cica:State ; rdfs:label "Nowhere"@en ; cica:iso3166Alpha2 "xx" ;
    cica:iso3166Alpha3 "XXX" ; prov:wasDerivedFrom <https://w3id.org/cica/id/source/syn-cica-1> .
<https://w3id.org/cica/id/rel/bad-1> a org:Membership ; org:member <https://w3id.org/cica/id/org/syn-000001> ;
    org:role cica:NoSuchRole ; schema:startDate "2010-05-01"^^xsd:date ; schema:endDate "2009"^^xsd:gYear ;
    prov:wasDerivedFrom <https://w3id.org/cica/id/source/syn-cica-1> .
<https://w3id.org/cica/id/event/bad-2> a cica:Summit ; rdfs:label "Undated"@en , "Other"@en ;
    cica:ordinal "2"^^xsd:integer ; prov:wasDerivedFrom "not a source" .
<https://w3id.org/cica/id/agreement/bad-3> a cica:MemorandumOfUnderstanding ; rdfs:label "One party"@en ;
    dct:title "One party"@en ; cica:party <https://w3id.org/cica/id/org/cica> ;
    prov:wasDerivedFrom <https://w3id.org/cica/id/source/syn-cica-1> .
<https://w3id.org/cica/id/cbm/area-bad> a cica:CBMArea ; rdfs:label "Loose area"@en ; skos:prefLabel "Loose area"@en ;
    prov:wasDerivedFrom <https://w3id.org/cica/id/source/syn-cica-1> .
"""


def test_same_findings_as_pyshacl_with_injected_errors(tmp_path: Path):
    synth.write(tmp_path, 3_000, seed=9)
    (tmp_path / "data" / "zz-injected.ttl").write_text(INJECTED, encoding="utf-8")
    files = sorted((tmp_path / "data").glob("*.ttl"))
    expected = reference_findings(files)
    checks = {f.check.rsplit("#", 1)[-1] for f in expected if f.severity == "Violation" and f.check}
    assert {"StateAlpha2Shape", "MembershipOrganizationShape", "MembershipRoleDeclaredShape", "EndNotBeforeStartShape",
            "MeetingOrdinalShape", "DuplicateLabelShape", "CitationShape", "AgreementPartyShape", "AreaBroaderShape"} <= checks
    assert set(scale_findings(files)) == set(expected)


# Cases the CICA shapes and data do not have: subclass chains (one through a blank node), counts above one,
# literal focus nodes, zero-or-more and sequence paths, qualified counts, and every triple in two graphs.
EDGE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:One a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ex:p ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ;
    sh:message "one p" .
ex:Two a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ex:q ; sh:minCount 2 ; sh:maxCount 2 ; sh:datatype xsd:integer ;
    sh:message "two q" .
ex:Lang a sh:PropertyShape ; sh:targetSubjectsOf ex:label ; sh:path ex:label ; sh:uniqueLang true ; sh:maxCount 2 ;
    sh:message "lang" .
ex:Cls a sh:PropertyShape ; sh:targetObjectsOf ex:p ; sh:path [ sh:inversePath ex:p ] ; sh:class ex:A ; sh:message "cls" .
ex:Node a sh:NodeShape ; sh:targetNode ex:n1 , ex:n2 ;
    sh:or ( [ sh:path ex:p ; sh:minCount 1 ] [ sh:path ex:q ; sh:minCount 1 ] ) ; sh:message "node" .
ex:Seq a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ( ex:p ex:q ) ; sh:maxCount 0 ; sh:message "seq" .
ex:Star a sh:PropertyShape ; sh:targetClass ex:B ; sh:path [ sh:zeroOrMorePath ex:p ] ; sh:class ex:A ; sh:message "star" .
ex:Qual a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ex:label ; sh:qualifiedValueShape [ sh:languageIn ( "en" ) ] ;
    sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ; sh:message "qual" .
ex:Code a sh:PropertyShape ; sh:targetClass ex:A ; sh:path ex:code ; sh:pattern "^[a-z]+$" ; sh:in ( "abc" "de" ) ;
    sh:maxCount 1 ; sh:message "code" .
ex:Literal a sh:NodeShape ; sh:targetObjectsOf ex:q ; sh:datatype xsd:integer ; sh:message "literal" .
"""
EDGE_DATA = """
@prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Sub rdfs:subClassOf ex:A . ex:SubSub rdfs:subClassOf ex:Sub . _:b rdfs:subClassOf ex:A . ex:Deep rdfs:subClassOf _:b .
ex:a1 a ex:A ; ex:p ex:a2 ; ex:q 1 , 2 ; ex:label "x"@en ; ex:code "abc" .
ex:a2 a ex:SubSub ; ex:p "lit" , ex:a3 ; ex:q "03"^^xsd:integer ; ex:label "y"@en , "z"@EN , "w"@fr ; ex:code "ABC" , "de" .
ex:a3 a ex:Deep ; ex:q 1.5 , 2 , 3 .
ex:b1 a ex:B ; ex:p ex:a1 , ex:c1 .
ex:c1 ex:label "c"@en .
ex:n1 ex:p ex:a1 .
"""


@pytest.mark.parametrize("twice", [False, True], ids=["one-graph", "two-graphs"])
def test_compiled_constraints_are_pyshacl_on_edge_cases(twice: bool):
    from rdflib import Graph, URIRef

    from cica_graph.release import to_ox
    from cica_graph.scale import shacl
    from cica_graph.validate import run_shacl

    shapes, data = Graph().parse(data=EDGE_SHAPES, format="turtle"), Graph().parse(data=EDGE_DATA, format="turtle")
    expected = {(f.check, f.focus, f.path, f.value, f.message, f.severity) for f in run_shacl(data, shapes)}
    store = ox.Store()
    for graph in (graphs.ASSERTED, graphs.INFERRED) if twice else (graphs.ASSERTED,):  # twice: in the union twice
        store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), graphs.wrap(to_ox(o)), graph) for s, p, o in data)  # type: ignore[arg-type]
    got = {(str(f.shape), str(f.focus), str(f.path) if isinstance(f.path, URIRef) else None,
            str(f.value) if f.value is not None else None, f.message, f.severity)
           for f in shacl.validate(shapes, graphs.UnionStore(store))}
    assert {check.rsplit("/", 1)[-1] for check, *_ in expected} >= {"One", "Two", "Lang", "Cls", "Node", "Seq", "Star",
                                                                       "Qual", "Code", "Literal"}
    assert got == expected
