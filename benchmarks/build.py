"""Time the build of the CICA data, stage by stage, and the choices made for speed.

Prints a Markdown table. Run: .venv/bin/python benchmarks/build.py [--repeat N]

Measured side by side in one run:
* the whole build (median of N) with the fast reasoner and with owlrl;
* the reasoner alone: reasonable+schema rules vs owlrl (same triples: tests/test_reason.py);
* validation: every shape in Oxigraph (compiled, the default), and SPARQL parts in Oxigraph + core in
  pySHACL (fast), vs pySHACL alone (same findings: tests/test_validate_engines.py);
* serialising the release: Oxigraph vs rdflib's Turtle/N-Triples/TriG serialisers, and our
  compact JSON-LD writer vs rdflib's;
* the query safety check on masked text vs rdflib's SPARQL parser, over every named query.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.plugins.sparql.parser import parseQuery

from cica_graph import enrich, reason, release
from cica_graph.load import load_files
from cica_graph.pipeline import build_release
from cica_graph.project import Project
from cica_graph.sparql import check_query, find_queries
from cica_graph.validate import validate_graph

ROOT = Path(__file__).resolve().parents[1]


def median_time(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rdflib_serialise(parts: release.Parts) -> None:
    main = parts.main()
    main.serialize(format="turtle")
    main.serialize(format="nt")
    dataset = Dataset()
    for name, graph in ((release.ASSERTED_GRAPH, parts.asserted), (release.INFERRED_GRAPH, parts.inferred)):
        target = dataset.graph(name)
        for triple in graph:
            target.add(triple)
    dataset.serialize(format="trig")


def oxigraph_serialise(parts: release.Parts) -> None:
    release.render(parts)  # every release file: a superset of what rdflib_serialise writes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    project = Project(ROOT)
    ontology = load_files(project.ontology_files).graph
    data = load_files(project.data_files).graph
    derived = enrich.derive(data, ontology)
    reasoned = reason.infer(ontology, data, derived)
    parts = release.Parts(ontology, data, derived, reasoned.inferred)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        stages: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            build = build_release(project, Path(tmp) / "dist")
            for stage, seconds in build.timings.items():
                stages.setdefault(stage, []).append(seconds)
        total_fast = median_time(lambda: build_release(project, Path(tmp) / "dist"), args.repeat)
        total_owlrl = median_time(
            lambda: build_release(project, Path(tmp) / "dist", reasoner="owlrl", validator="pyshacl"), max(1, args.repeat // 2)
        )
    for stage, values in stages.items():
        rows.append((f"build stage: {stage}", statistics.median(values), None, None))
    rows.append(("full build: default engines vs owlrl + pySHACL", total_fast, total_owlrl, total_owlrl / total_fast))
    fast = median_time(lambda: reason.infer(ontology, data, derived, engine="fast"), args.repeat)
    slow = median_time(lambda: reason.infer(ontology, data, derived, engine="owlrl"), max(1, args.repeat // 2))
    rows.append(("OWL RL closure: reasonable+schema rules vs owlrl", fast, slow, slow / fast))
    whole = Graph()
    for part in (ontology, data, derived, reasoned.inferred):
        whole += part
    shapes = load_files(project.shape_files).graph
    qc = sorted(project.qc_dir.glob("*.rq"))
    compiled_v = median_time(lambda: validate_graph(whole, shapes, qc, engine="compiled"), args.repeat)
    fast_v = median_time(lambda: validate_graph(whole, shapes, qc, engine="fast"), args.repeat)
    slow_v = median_time(lambda: validate_graph(whole, shapes, qc, engine="pyshacl"), max(1, args.repeat // 2))
    rows.append(("validation: compiled (every shape in Oxigraph, default) vs pySHACL alone", compiled_v, slow_v,
                 slow_v / compiled_v))
    rows.append(("validation: fast (SPARQL parts in Oxigraph, core in pySHACL) vs pySHACL alone", fast_v, slow_v,
                 slow_v / fast_v))
    main_triples = release.ordered(ontology, data, derived)
    ours_j = median_time(lambda: release.jsonld(main_triples), args.repeat)
    theirs_j = median_time(lambda: parts.main().serialize(format="json-ld", context=release.context()["@context"]), args.repeat)
    rows.append(("compact JSON-LD: our writer vs rdflib", ours_j, theirs_j, theirs_j / ours_j))
    texts = [q.text for q in find_queries(project.queries_dir).values()]
    masked = median_time(lambda: [check_query(t) for t in texts], args.repeat)
    parsed = median_time(lambda: [parseQuery(t) for t in texts], args.repeat)
    rows.append((f"query safety check ({len(texts)} queries): masked text vs rdflib parser", masked, parsed, parsed / masked))
    ox_time = median_time(lambda: oxigraph_serialise(parts), args.repeat)
    rdf_time = median_time(lambda: rdflib_serialise(parts), args.repeat)
    rows.append(("release: all files (Oxigraph, our JSON-LD, VoID) vs rdflib Turtle + N-Triples + TriG", ox_time, rdf_time,
                 rdf_time / ox_time))

    print(f"CICA data: {len(data)} asserted, {len(derived)} derived, {len(reasoned.inferred)} inferred triples; "
          f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}, median of {args.repeat}\n")
    print("| what | ours (s) | baseline (s) | baseline / ours |")
    print("|---|---:|---:|---:|")
    for name, ours, base, ratio in rows:
        base_text = f"{base:.3f}" if base is not None else ""
        ratio_text = f"{ratio:.1f}×" if ratio is not None else ""
        print(f"| {name} | {ours:.3f} | {base_text} | {ratio_text} |")


if __name__ == "__main__":
    main()
