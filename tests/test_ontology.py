"""The ontology: metadata, a label and a definition on every term, reuse of W3C vocabularies."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from cica_graph.terms import CICA, ORG, VANN

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = Graph().parse(ROOT / "ontology" / "cica.ttl", format="turtle")
TERMS = sorted({s for s in ONTOLOGY.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CICA))})


def test_header_has_the_metadata_portals_need():
    [onto] = list(ONTOLOGY.subjects(RDF.type, OWL.Ontology))
    assert str(onto) == "https://w3id.org/cica/def"
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator, OWL.versionIRI):
        assert ONTOLOGY.value(onto, prop) is not None, prop
    assert str(ONTOLOGY.value(onto, VANN.preferredNamespacePrefix)) == "cica"
    assert str(ONTOLOGY.value(onto, VANN.preferredNamespaceUri)) == str(CICA)


def test_every_term_has_a_label_and_a_definition():
    missing = [t for t in TERMS if not ONTOLOGY.value(t, RDFS.label) or not ONTOLOGY.value(t, SKOS.definition)]
    assert not missing
    assert len(TERMS) > 50


def test_properties_have_domain_or_range():
    props = [t for t in TERMS if (t, RDF.type, OWL.ObjectProperty) in ONTOLOGY or (t, RDF.type, OWL.DatatypeProperty) in ONTOLOGY]
    lacking = [p for p in props if not ONTOLOGY.value(p, RDFS.domain) and not ONTOLOGY.value(p, RDFS.range)]
    assert not lacking


def test_core_terms_of_the_contract_are_defined_as_designed():
    assert (CICA.State, RDFS.subClassOf, ORG.FormalOrganization) in ONTOLOGY
    assert (CICA.InternationalOrganization, RDFS.subClassOf, ORG.FormalOrganization) in ONTOLOGY
    assert (CICA.Summit, RDFS.subClassOf, CICA.Meeting) in ONTOLOGY
    assert (CICA.Meeting, RDFS.subClassOf, URIRef("https://schema.org/Event")) in ONTOLOGY
    for role in ("MemberRole", "ObserverRole", "PartnerRole", "ChairRole", "CoordinatingStateRole", "CoordinatorRole",
                 "CoCoordinatorRole", "SecretaryGeneralRole", "DeputySecretaryGeneralRole", "ExecutiveDirectorRole",
                 "DeputyExecutiveDirectorRole"):
        assert ONTOLOGY.value(CICA[role], SKOS.prefLabel) is not None, role
    assert (CICA.CoordinatorRole, SKOS.broader, CICA.CoordinatingStateRole) in ONTOLOGY
    # Correlates of War IGO status codes: 1 full member, 3 observer.
    assert str(ONTOLOGY.value(CICA.MemberRole, SKOS.notation)) == "1"
    assert str(ONTOLOGY.value(CICA.ObserverRole, SKOS.notation)) == "3"


def test_nothing_is_imported_over_the_network():
    assert not list(ONTOLOGY.objects(None, OWL.imports))
