"""The build: load → enrich → reason → validate → release.

Each stage is a function of its own module; this one strings them together,
times them and returns everything a caller (CLI, tests, server) may want.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from . import enrich, reason, release
from .errors import LoadError, Problem
from .load import Loaded, load_files
from .project import Project
from .validate import Finding, Report, validate_graph, validate_parts

Progress = Callable[[str], None]


@dataclass
class Build:
    """The graphs of one build, its validation report and how long each stage took."""

    parts: release.Parts
    shapes: Graph
    origins: dict
    report: Report
    timings: dict[str, float] = field(default_factory=dict)

    def data_graph(self) -> Graph:
        """Everything SHACL sees: ontology, asserted, derived and inferred triples."""
        graph = Graph(bind_namespaces="none")
        for part in (self.parts.ontology, self.parts.asserted, self.parts.derived, self.parts.inferred):
            graph += part
        return graph


def assemble(
    project: Project,
    data_files: list[Path] | None = None,
    progress: Progress | None = None,
    reasoner: str = "fast",
    validator: str = "compiled",
) -> Build:
    """Load, enrich, reason and validate; raise LoadError with every input problem.

    ``reasoner`` is ``fast`` or ``owlrl`` (reference); ``validator`` is ``compiled`` (every shape in
    Oxigraph), ``fast`` (core constraints in pySHACL) or ``pyshacl`` (reference). Each engine is tested
    equal to its reference.
    """
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    say("loading")
    ontology, data, shapes = _load_all(project, data_files)
    timings["load"] = time.perf_counter() - clock

    say("enriching")
    clock = time.perf_counter()
    derived = enrich.derive(data.graph, ontology.graph)
    timings["enrich"] = time.perf_counter() - clock

    say("reasoning")
    clock = time.perf_counter()
    reasoned = reason.infer(ontology.graph, data.graph, derived, engine=reasoner)
    timings["reason"] = time.perf_counter() - clock

    parts = release.Parts(ontology.graph, data.graph, derived, reasoned.inferred)
    origins = {**ontology.origins, **data.origins}
    build = Build(parts, shapes.graph, origins, Report(), timings)

    say("validating")
    clock = time.perf_counter()
    findings = [
        Finding("Violation", f"OWL RL inconsistency: {message}", "ontology", check="owl-rl-consistency")
        for message in reasoned.inconsistencies
    ]
    checks = sorted(project.qc_dir.glob("*.rq"))
    if validator == "compiled":  # straight from the parts into Oxigraph: no rdflib union graph
        findings += validate_parts([parts.ontology, parts.asserted, parts.derived, parts.inferred], shapes.graph, checks,
                                   origins)
    else:
        findings += validate_graph(build.data_graph(), shapes.graph, checks, origins, engine=validator)
    build.report = Report(findings)
    timings["validate"] = time.perf_counter() - clock
    return build


def build_release(
    project: Project,
    out: Path | None = None,
    progress: Progress | None = None,
    reasoner: str = "fast",
    validator: str = "compiled",
) -> Build:
    """Assemble and, when the graph conforms, write the release into ``out`` (default dist/)."""
    build = assemble(project, progress=progress, reasoner=reasoner, validator=validator)
    if not build.report.conforms:
        return build
    (progress or (lambda _m: None))("writing release")
    clock = time.perf_counter()
    release.write_release(release.render(build.parts), out or project.dist)
    build.timings["release"] = time.perf_counter() - clock
    return build


def _load_all(project: Project, data_files: list[Path] | None) -> tuple[Loaded, Loaded, Loaded]:
    problems: list[Problem] = []
    results = []
    for files in (project.ontology_files, project.data_files if data_files is None else data_files, project.shape_files):
        try:
            results.append(load_files(files))
        except LoadError as exc:
            problems.extend(exc.problems)
            results.append(None)
    if problems:
        raise LoadError(problems)
    ontology, data, shapes = results
    return ontology, data, shapes  # type: ignore[return-value]
