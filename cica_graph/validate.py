"""SHACL validation and quality-check queries, reported for curators.

The SHACL engine is pySHACL; the quality checks are SPARQL files under
``queries/qc/`` whose every row is a violation (the ODK convention). Both are
turned into one list of :class:`Finding` records with the focus node's label
and the data file it came from, so a curator knows where to look.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS

from .errors import Problem, ShapesError
from .load import new_graph
from .release import ordered, to_ox
from .scale import shacl as compiled
from .scale.graphs import LabelView, UnionStore, unwrap, wrap
from .shacl_fast import SEVERITIES, split_shapes, to_rdflib
from .sparql import NamedQuery, load_query


@dataclass(frozen=True)
class Finding:
    """One problem found in the graph."""

    severity: str
    message: str
    focus: str
    focus_label: str | None = None
    path: str | None = None
    value: str | None = None
    check: str | None = None
    file: str | None = None

    def text(self) -> str:
        """A one-line description for a terminal."""
        where = f"{self.file}: " if self.file else ""
        label = f" ({self.focus_label})" if self.focus_label else ""
        bits = [f"{where}{self.severity}: {self.focus}{label}"]
        if self.path:
            bits.append(f"path {self.path}")
        if self.value:
            bits.append(f"value {self.value}")
        bits.append(self.message)
        if self.check:
            bits.append(f"[{self.check}]")
        return " — ".join(bits)


@dataclass
class Report:
    """All findings of one validation run."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        """Findings of severity Violation."""
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings of severity Warning."""
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        """True when there is no violation (warnings do not count)."""
        return not self.violations

    def as_text(self) -> str:
        """One line a finding, then a summary line."""
        lines = [f.text() for f in self.findings]
        lines.append(
            f"{'conforms' if self.conforms else 'does not conform'}: "
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        )
        return "\n".join(lines)

    def as_json(self) -> str:
        """The report as JSON: conforms, counts and the findings."""
        return json.dumps(
            {
                "conforms": self.conforms,
                "violations": len(self.violations),
                "warnings": len(self.warnings),
                "findings": [asdict(f) for f in self.findings],
            },
            indent=2,
            ensure_ascii=False,
        )

    def as_turtle(self) -> str:
        """The report as a SHACL validation report graph in Turtle."""
        graph = new_graph()
        graph.bind("sh", SH)
        report = URIRef("urn:cica-graph:report")
        graph.add((report, RDF.type, SH.ValidationReport))
        graph.add((report, SH.conforms, Literal(self.conforms)))
        for index, finding in enumerate(self.findings):
            node = URIRef(f"urn:cica-graph:report:{index + 1}")
            graph.add((report, SH.result, node))
            graph.add((node, RDF.type, SH.ValidationResult))
            graph.add((node, SH.resultSeverity, SH[finding.severity]))
            graph.add((node, SH.focusNode, URIRef(finding.focus) if "://" in finding.focus else Literal(finding.focus)))
            graph.add((node, SH.resultMessage, Literal(finding.message)))
            if finding.path:
                graph.add((node, SH.resultPath, URIRef(finding.path)))
            if finding.value:
                graph.add((node, SH.value, Literal(finding.value)))
        return graph.serialize(format="turtle")


ENGINES = ("compiled", "fast", "pyshacl")


def validate_graph(
    data: Graph,
    shapes: Graph,
    qc_files: list[Path],
    origins: dict[URIRef, str] | None = None,
    engine: str = "fast",
) -> list[Finding]:
    """All findings of the shapes and the quality checks on ``data`` (already reasoned).

    ``pyshacl`` runs the shapes entirely in pySHACL (the reference); ``fast``
    runs their SPARQL-based parts in Oxigraph and the core constraints in
    pySHACL (same findings, tested). Quality checks always run in Oxigraph:
    rdflib answers some of their nested ``FILTER NOT EXISTS`` wrongly.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine '{engine}' (expected one of {', '.join(ENGINES)})")
    if engine == "compiled":
        return _compiled(data, shapes, qc_files, origins)
    store = store_of(data)
    if engine == "pyshacl":
        findings = run_shacl(data, shapes, origins)
    else:
        core, sparql_findings = split_shapes(shapes, store)
        findings = run_shacl(data, core, origins)
        findings += [
            Finding(
                severity=f.severity,
                message=f.message,
                focus=str(f.focus),
                focus_label=label_of(data, f.focus),
                path=str(f.path) if isinstance(f.path, URIRef) else None,
                value=str(f.value) if f.value is not None else None,
                check=str(f.shape),
                file=(origins or {}).get(f.focus),  # type: ignore[arg-type]
            )
            for f in sparql_findings
        ]
        findings = sorted(set(findings), key=_order)
    return findings + run_quality_checks(data, qc_files, origins, store)


def _compiled(data: Graph, shapes: Graph, qc_files: list[Path], origins: dict[URIRef, str] | None) -> list[Finding]:
    return validate_parts([data], shapes, qc_files, origins)


def validate_parts(
    parts: list[Graph], shapes: Graph, qc_files: list[Path], origins: dict[URIRef, str] | None = None
) -> list[Finding]:
    """The ``compiled`` engine over the union of ``parts``: every shape and check in Oxigraph.

    SPARQL-based parts run as in ``fast``, core constraints compiled to SPARQL (cica_graph.scale.shacl).
    The store keeps numbers and booleans as written (cica_graph.scale.graphs.wrap), which the compiled
    ``sh:datatype`` checks need; labels for the report are read from the store, so no rdflib union of
    the parts is built.
    """
    store = ox.Store()
    for part in parts:
        store.bulk_extend(ox.Quad(to_ox(s), to_ox(p), wrap(to_ox(o))) for s, p, o in part)  # type: ignore[arg-type]
    shape_findings, checks = findings_in_store(store, shapes, qc_files, origins)
    return shape_findings + checks


def findings_in_store(
    store: ox.Store, shapes: Graph, qc_files: list[Path], origins: dict[URIRef, str] | None = None
) -> tuple[list[Finding], list[Finding]]:
    """The findings of the shapes (sorted, distinct) and of the quality checks over the union of ``store``'s graphs.

    Every shape runs in Oxigraph: SPARQL-based parts as in ``fast``, core constraints compiled to SPARQL
    (cica_graph.scale.shacl); report labels are read from the store. Shared by the ``compiled`` engine and
    the build at scale (cica_graph.scale.build).
    """
    union, labels = UnionStore(store), LabelView(store)
    core, sparql_findings = split_shapes(shapes, union)  # type: ignore[arg-type]
    raw = [(f.severity, f.message, f.focus, f.path, f.value, f.shape) for f in sparql_findings]
    raw += [(f.severity, f.message, f.focus, f.path, f.value, f.shape) for f in compiled.validate(core, union)]
    findings = {
        Finding(severity=severity, message=message, focus=str(focus), focus_label=label_of(labels, focus),  # type: ignore[arg-type]
                path=str(path) if isinstance(path, URIRef) else None, value=str(value) if value is not None else None,
                check=str(shape) if isinstance(shape, URIRef) else None,
                file=(origins or {}).get(focus))  # type: ignore[arg-type]
        for severity, message, focus, path, value, shape in raw
    }
    return sorted(findings, key=_order), run_quality_checks(labels, qc_files, origins, union)  # type: ignore[arg-type]


def _order(f: Finding) -> tuple:
    return (f.file or "", f.focus, f.check or "", f.message, f.value or "")


def run_shacl(data: Graph, shapes: Graph, origins: dict[URIRef, str] | None = None) -> list[Finding]:
    """Validate ``data`` (already reasoned) against ``shapes`` with pySHACL."""
    _conforms, results, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    if not isinstance(results, Graph):  # pySHACL reports broken shapes this way
        raise ShapesError(Problem(f"the shapes cannot be evaluated: {_text}", "shapes/"))
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        shape = results.value(result, SH.sourceShape)
        message = results.value(result, SH.resultMessage) or "constraint not met"
        findings.append(
            Finding(
                severity=SEVERITIES.get(results.value(result, SH.resultSeverity), "Violation"),
                message=str(message),
                focus=str(focus),
                focus_label=label_of(data, focus),
                path=str(path) if isinstance(path, URIRef) else None,
                value=str(value) if value is not None else None,
                check=str(shape) if isinstance(shape, URIRef) else None,
                file=(origins or {}).get(focus),  # type: ignore[arg-type]
            )
        )
    return sorted(set(findings), key=_order)


def run_quality_checks(
    data: Graph, qc_files: list[Path], origins: dict[URIRef, str] | None = None, store: ox.Store | None = None
) -> list[Finding]:
    """Run every ``*-violation.rq`` in Oxigraph (``store``, or one loaded from ``data``); each row is one finding.

    A check names its offending node ``?focus`` and may give ``?message`` and
    ``?value``; its header's title is the default message.
    """
    findings = []
    store = store if store is not None else store_of(data)
    for path in qc_files:
        query: NamedQuery = load_query(path)
        severity = "Warning" if "warning" in query.name else "Violation"
        for values in _rows(query.text, store):
            focus = values.get("focus")
            findings.append(
                Finding(
                    severity=severity,
                    message=str(values.get("message") or query.title),
                    focus=str(focus),
                    focus_label=label_of(data, focus),
                    value=str(values["value"]) if values.get("value") is not None else None,
                    check=query.name,
                    file=(origins or {}).get(focus),  # type: ignore[arg-type]
                )
            )
    return sorted(findings, key=lambda f: (f.file or "", f.focus, f.check or "", f.message))


def store_of(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding ``graph`` (default graph)."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in ordered(graph))
    return store


def _rows(text: str, store: ox.Store) -> list[dict]:
    results = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]  # type: ignore[union-attr]
    return [{n: to_rdflib(unwrap(row[n])) for n in names if row[n] is not None} for row in results]  # type: ignore[union-attr]


def label_of(graph: Graph, node: object) -> str | None:
    """The English (or any) label of ``node``, for reports."""
    if node is None or isinstance(node, (Literal, BNode)):
        return None
    labels = list(graph.objects(node, RDFS.label)) + list(graph.objects(node, SKOS.prefLabel))  # type: ignore[arg-type]
    english = sorted(str(label) for label in labels if isinstance(label, Literal) and label.language == "en")
    if english:
        return english[0]
    return min((str(label) for label in labels), default=None)
