"""The stages strung together on one Oxigraph store, and the release's RDF files dumped from it.

:func:`assemble` mirrors :func:`cica_graph.pipeline.assemble` (load, enrich,
reason, validate; a Report of the same findings) and :func:`export` writes
the same bytes as :func:`cica_graph.release.render` for cica.ttl,
cica-inferred.ttl, cica.nt and cica.trig (tests/test_scale_engines.py) —
sorting N-Triples lines instead of Python objects. JSON-LD and the VoID
description are left to the reference release (rdflib), which is fine up to
~100k triples; at a million they are the slow part, not the RDF dumps.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .. import reason as reference_reason
from ..load import load_files
from ..project import Project
from ..release import _sort_prefixes, to_ox_triple
from ..terms import PREFIXES
from ..validate import Finding, Report, _order, findings_in_store
from . import enrich, reason
from .graphs import ASSERTED, DERIVED, EXACT, INFERRED, ONTOLOGY, PARTS, load_into, origins_of

Progress = Callable[[str], None]


@dataclass
class ScaleBuild:
    """The store of one build, its report and how long each stage took."""

    store: ox.Store
    report: Report
    timings: dict[str, float] = field(default_factory=dict)
    reasoner: str = "compiled"


def assemble(project: Project, progress: Progress | None = None, store: ox.Store | None = None) -> ScaleBuild:
    """Load, enrich, reason and validate ``project`` in an Oxigraph store (in memory unless given)."""
    say = progress or (lambda _m: None)
    store = store if store is not None else ox.Store()
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    say("loading")
    load_into(store, project.ontology_files, ONTOLOGY)
    load_into(store, project.data_files, ASSERTED)
    shapes = load_files(project.shape_files).graph
    ontology = load_files(project.ontology_files).graph
    timings["load"] = time.perf_counter() - clock

    say("enriching")
    clock = time.perf_counter()
    enrich.derive(store)
    timings["enrich"] = time.perf_counter() - clock

    say("reasoning")
    clock = time.perf_counter()
    compiled = reason.infer(store, ontology)
    engine = "compiled"
    if compiled.compiled:
        inconsistencies = compiled.inconsistencies
    else:  # the general engine, on rdflib graphs: exact whatever the data, slower
        engine = f"fast ({compiled.reason})"
        graphs = [_graph(store, g) for g in (ONTOLOGY, ASSERTED, DERIVED)]
        reasoned = reference_reason.infer(*graphs, engine="fast")
        store.bulk_extend(ox.Quad(*to_ox_triple(t), INFERRED) for t in reasoned.inferred)  # type: ignore[misc]
        inconsistencies = reasoned.inconsistencies
    timings["reason"] = time.perf_counter() - clock

    say("validating")
    clock = time.perf_counter()
    findings = [Finding("Violation", f"OWL RL inconsistency: {m}", "ontology", check="owl-rl-consistency")
                for m in inconsistencies]
    findings += validate(store, shapes, sorted(project.qc_dir.glob("*.rq")), project.data_files + project.ontology_files)
    timings["validate"] = time.perf_counter() - clock
    return ScaleBuild(store, Report(findings), timings, engine)


def validate(store: ox.Store, shapes: Graph, qc_files: list[Path], files: list[Path]) -> list[Finding]:
    """Shapes (SPARQL parts as in shacl_fast, core constraints compiled) and quality checks over the union of ``store``."""
    shape_findings, checks = findings_in_store(store, shapes, qc_files)
    focus = {URIRef(f.focus) for f in shape_findings + checks if "://" in f.focus}
    origins = {str(k): v for k, v in origins_of(focus, files).items()} if focus else {}
    shape_findings = sorted({dataclasses.replace(f, file=origins.get(f.focus)) for f in shape_findings}, key=_order)
    checks = sorted((dataclasses.replace(f, file=origins.get(f.focus)) for f in checks),
                    key=lambda f: (f.file or "", f.focus, f.check or "", f.message))
    return shape_findings + checks


def _graph(store: ox.Store, graph: ox.NamedNode) -> Graph:
    out = Graph(bind_namespaces="none")
    out.parse(data=b"".join(_lines(store, graph)).decode("utf-8"), format="nt")
    return out


def _lines(store: ox.Store, graph: ox.NamedNode) -> list[bytes]:
    """The sorted, distinct N-Triples lines (with their newline) of ``graph``, literals as the sources wrote them."""
    dump = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).replace(f"^^<{EXACT}".encode(), b"^^<")
    lines = dump.splitlines(keepends=True)
    lines.sort()
    return list(dict.fromkeys(lines))  # distinct, in order (a wrapped and a plain literal may now be one)


def export(store: ox.Store) -> dict[str, bytes]:
    """cica.ttl, cica-inferred.ttl, cica.nt and cica.trig of the build in ``store`` (same bytes as the reference release).

    Each graph is dumped and sorted once; the main files merge the ontology, asserted and derived lines.
    """
    parts = {graph: _lines(store, graph) for graph in PARTS}
    merged = parts[ONTOLOGY] + parts[ASSERTED] + parts[DERIVED]
    merged.sort()  # three sorted runs: Python's sort merges them in linear time
    main = b"".join(dict.fromkeys(merged))
    files = {
        "cica.ttl": _serialize(main, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE),
        "cica-inferred.ttl": _serialize(b"".join(parts[INFERRED]), ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE),
        "cica.nt": main,
    }
    # an N-Triples line ends in " .\n" and nowhere else (newlines in literals are escaped): add the graph there
    nquads = b"".join(b"".join(parts[graph]).replace(b" .\n", f" {graph} .\n".encode()) for graph in PARTS)
    files["cica.trig"] = _serialize(nquads, ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
    return files


def _serialize(lines: bytes, source: ox.RdfFormat, target: ox.RdfFormat) -> bytes:
    """Sorted N-Triples/N-Quads ``lines`` re-serialised by Oxigraph with the project's prefixes, in the same order."""
    return _sort_prefixes(ox.serialize(ox.parse(input=lines, format=source), format=target, prefixes=PREFIXES))
