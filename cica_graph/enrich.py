"""Derive what curators should not type twice.

* OWL-Time intervals for everything with ``schema:startDate``/``schema:endDate``
  (memberships, meetings): ``<x> cica:interval <x#interval>`` with instants that
  carry the date in its own OWL-Time datatype property and the earliest/latest
  day it can denote, so queries compare days without string tricks.
* Shortcut properties declared on roles with ``org:roleProperty``
  (``state org:memberOf io:cica`` from a member role).
* ``rdfs:label`` for sources from their ``dct:title``.

Derived triples go to their own graph; nothing asserted is changed.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, TIME, XSD

from . import dates
from .load import new_graph
from .terms import CICA, ORG, SCHEMA

_TIME_PROPERTY = {XSD.date: TIME.inXSDDate, XSD.gYearMonth: TIME.inXSDgYearMonth, XSD.gYear: TIME.inXSDgYear}


def derive(asserted: Graph, ontology: Graph) -> Graph:
    """The derived graph for ``asserted`` data under ``ontology``."""
    derived = new_graph()
    _intervals(asserted, derived)
    _role_shortcuts(asserted, ontology, derived)
    _source_labels(asserted, derived)
    return derived


def _intervals(asserted: Graph, derived: Graph) -> None:
    subjects = set(asserted.subjects(SCHEMA.startDate)) | set(asserted.subjects(SCHEMA.endDate))
    for subject in sorted(s for s in subjects if isinstance(s, URIRef)):
        interval = URIRef(f"{subject}#interval")
        derived.add((subject, CICA.interval, interval))
        derived.add((interval, RDF.type, TIME.ProperInterval))
        for prop, link, suffix in ((SCHEMA.startDate, TIME.hasBeginning, "start"), (SCHEMA.endDate, TIME.hasEnd, "end")):
            value = asserted.value(subject, prop)
            if not isinstance(value, Literal) or value.datatype not in _TIME_PROPERTY:
                continue
            try:
                day = dates.from_literal(value)
            except dates.DateFormatError:
                continue  # reported by load; never derive from a bad value
            instant = URIRef(f"{subject}#{suffix}")
            derived.add((interval, link, instant))
            derived.add((instant, RDF.type, TIME.Instant))
            derived.add((instant, _TIME_PROPERTY[value.datatype], value))
            derived.add((instant, CICA.earliestDay, Literal(day.earliest.isoformat(), datatype=XSD.date)))
            derived.add((instant, CICA.latestDay, Literal(day.latest.isoformat(), datatype=XSD.date)))


def _role_shortcuts(asserted: Graph, ontology: Graph, derived: Graph) -> None:
    shortcut = {role: prop for role, prop in ontology.subject_objects(ORG.roleProperty)}
    for membership in asserted.subjects(RDF.type, ORG.Membership):
        prop = shortcut.get(asserted.value(membership, ORG.role))
        member = asserted.value(membership, ORG.member)
        organization = asserted.value(membership, ORG.organization)
        if prop is not None and member is not None and organization is not None:
            derived.add((member, prop, organization))


def _source_labels(asserted: Graph, derived: Graph) -> None:
    for source in set(asserted.objects(None, PROV.wasDerivedFrom)):
        title = asserted.value(source, DCTERMS.title)
        if title is not None and asserted.value(source, RDFS.label) is None:
            derived.add((source, RDFS.label, title))
