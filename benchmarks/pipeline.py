"""Our pipeline (cica_graph.scale) against the naive one on synthetic CICA-shaped graphs; prints a Markdown table.

Run: .venv/bin/python benchmarks/pipeline.py [--sizes 10000 100000 1000000] [--budget 120]

Each pipeline runs in its own subprocess (peak memory = its max RSS). The naive pipeline is what users write
first: rdflib parse + owlrl DeductiveClosure + pySHACL + rdflib Turtle + rdflib SPARQL. A naive step past
--budget seconds is stopped and printed "> budget"; when the closure is past the budget, pySHACL validates the
asserted graph instead ("≥ t": a lower bound), and the naive build total counts a stopped step as the budget,
so "> N" and "> N×" are lower bounds of the naive pipeline's time and of its ratio to ours.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ("members-on", "chairs", "cbm-areas")
STEPS = ("load", "reason", "validate", "export", *QUERIES)


def record(out: dict, name: str, value: object) -> None:
    out[name] = value
    with open(os.environ["BENCH_LOG"], "a") as log:
        log.write(json.dumps({name: value}) + "\n")


def ours(root: Path) -> dict:
    """The stages of cica_graph.scale.build.assemble one by one; validation last, as it is the slow one at 1M."""
    import pyoxigraph as ox

    from cica_graph import store as qstore
    from cica_graph.load import load_files
    from cica_graph.project import Project
    from cica_graph.scale import build, enrich, graphs, reason
    from cica_graph.sparql import find_queries

    project, out, store = Project(root), {}, ox.Store()
    clock = time.perf_counter()
    graphs.load_into(store, project.ontology_files, graphs.ONTOLOGY)
    graphs.load_into(store, project.data_files, graphs.ASSERTED)
    shapes, ontology = load_files(project.shape_files).graph, load_files(project.ontology_files).graph
    record(out, "load", time.perf_counter() - clock)
    clock = time.perf_counter()
    enrich.derive(store)
    assert reason.infer(store, ontology).compiled
    record(out, "reason", time.perf_counter() - clock)
    clock = time.perf_counter()
    files = build.export(store)
    (root / "cica.trig").write_bytes(files["cica.trig"])
    record(out, "export", time.perf_counter() - clock)
    queries = qstore.open_store(root / "cica.trig")
    named = find_queries(project.queries_dir)
    for name in QUERIES:
        times = []
        for _ in range(11):
            clock = time.perf_counter()
            list(qstore.run(queries, named[name], {"date": "2015-01-01"} if name == "members-on" else {}))
            times.append(time.perf_counter() - clock)
        record(out, name, statistics.median(times))
    del queries
    record(out, "rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    clock = time.perf_counter()
    build.validate(store, shapes, sorted(project.qc_dir.glob("*.rq")), project.data_files + project.ontology_files)
    record(out, "validate", time.perf_counter() - clock)
    return out


class Budget(Exception):
    pass


def naive(root: Path, budget: float) -> dict:
    from owlrl import DeductiveClosure, OWLRL_Semantics
    from pyshacl import validate
    from rdflib import Graph

    def on_alarm(*_a):
        raise Budget()

    signal.signal(signal.SIGALRM, on_alarm)
    out: dict = {}

    def step(name, action):
        signal.alarm(int(budget))
        clock = time.perf_counter()
        try:
            value = action()
            record(out, name, time.perf_counter() - clock)
            return value
        except Budget:
            record(out, name, "> budget")
            return None
        finally:
            signal.alarm(0)

    def load():
        graph = Graph()
        for path in sorted((root / "ontology").glob("*.ttl")) + sorted((root / "data").glob("*.ttl")):
            graph.parse(path, format="turtle")
        return graph

    graph = step("load", load)
    if graph is None:
        for name in STEPS[1:]:
            record(out, name, "not run")
        return out
    shapes = Graph()
    for path in sorted((root / "shapes").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    closed = Graph()
    closed += graph
    done = step("reason", lambda: DeductiveClosure(OWLRL_Semantics).expand(closed) or True)
    # Without a closure, pySHACL validates the asserted graph instead, a lower bound of validating the closure
    # (fewer triples and typed targets): the naive build is then still timed step by step.
    took = step("validate", lambda: validate(closed if done else graph, shacl_graph=shapes, inference="none",
                                             advanced=True) or True)
    if took and not done:
        record(out, "validate", f"≥ {out['validate']:.3f}")
    step("export", lambda: graph.serialize(format="turtle"))
    from cica_graph.sparql import bind, find_queries, with_bindings

    named = find_queries(root / "queries")
    for name in QUERIES:
        query = named[name]
        text = with_bindings(query.text, bind(query, {"date": "2015-01-01"} if name == "members-on" else {}))
        times = [t for t in (step(name, lambda q=text: list(graph.query(q)) or True) and out[name] for _ in range(3))]
        out[name] = statistics.median(times) if all(isinstance(t, float) for t in times) else "> budget"
    return out


def worker() -> None:
    kind, root, budget = sys.argv[2], Path(sys.argv[3]), float(sys.argv[4])
    result = ours(root) if kind == "ours" else naive(root, budget)
    record(result, "rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run(kind: str, root: Path, budget: float, wall: float) -> dict:
    """Run one pipeline in a subprocess; steps not finished within ``wall`` seconds are reported "> budget"."""
    log = root / f"{kind}.jsonl"
    env = {**os.environ, "BENCH_LOG": str(log)}
    process = subprocess.Popen([sys.executable, __file__, "--worker", kind, str(root), str(budget)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        process.wait(timeout=wall)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    result: dict = {}
    if log.exists():
        for line in log.read_text().splitlines():
            result.update(json.loads(line))
    for step in STEPS:  # a step still running at the wall was past its budget; the ones after it never ran
        if step not in result:
            result[step] = "> budget" if not any(isinstance(result.get(s), str) for s in STEPS) else "not run"
    return result


def lower_bound(values: list[object], budget: float) -> tuple[float | None, bool]:
    """The sum of a pipeline's build steps and whether it is exact: a step stopped at the budget counts as the
    budget, a lower bound ("≥ t" counts as t); None when a step did not run at all."""
    total, exact = 0.0, True
    for value in values:
        if isinstance(value, float):
            total += value
        elif value == "> budget":
            total, exact = total + budget, False
        elif isinstance(value, str) and value.startswith("≥ "):
            total, exact = total + float(value[2:]), False
        else:
            return None, False
    return total, exact


def cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value if value is not None else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per naive step")
    parser.add_argument("--wall", type=float, default=240.0, help="seconds per pipeline and size, at most")
    args = parser.parse_args()
    from cica_graph import synth

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            root = Path(tmp) / f"synth-{size}"
            made = synth.write(root, size, seed=1, project_root=ROOT)
            mine = run("ours", root, args.budget, args.wall)
            results[size] = (made.total, mine, run("naive", root, args.budget, args.wall))
            print(f"… {size}: done", file=sys.stderr)
    machine = f"{platform.processor() or platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    print(f"Machine: {machine}, "
          f"naive budget {args.budget:.0f} s per step; times in seconds (queries: median of 11 runs, naive 3)\n")
    print("| triples | step | ours (s) | naive (s) | naive / ours |")
    print("|---:|---|---:|---:|---:|")
    for total, mine, base in results.values():
        for step in STEPS:
            ratio = ""
            if isinstance(mine.get(step), float) and isinstance(base.get(step), float):
                ratio = f"{base[step] / mine[step]:.1f}×"
            elif isinstance(mine.get(step), float) and base.get(step) == "> budget":
                ratio = f"> {args.budget / mine[step]:.0f}×"
            elif isinstance(mine.get(step), float) and str(base.get(step, "")).startswith("≥ "):
                ratio = f"≥ {float(str(base[step])[2:]) / mine[step]:.1f}×"
            print(f"| {total} | {step} | {cell(mine.get(step))} | {cell(base.get(step))} | {ratio} |")
        steps = [mine.get(k) for k in ("load", "reason", "validate", "export")]
        ours_total = sum(steps) if all(isinstance(v, float) for v in steps) else None
        naive_total, exact = lower_bound([base.get(k) for k in ("load", "reason", "validate", "export")], args.budget)
        naive_text = "" if naive_total is None else f"{naive_total:.2f}" if exact else f"> {naive_total:.0f}"
        ratio = "" if ours_total is None or naive_total is None else \
            f"{'' if exact else '> '}{naive_total / ours_total:.1f}×"
        print(f"| {total} | **build (load+reason+validate+export)** | "
              f"{f'{ours_total:.2f}' if ours_total is not None else '> budget'} | {naive_text} | {ratio} |")
        print(f"| {total} | peak RSS (MB) | {cell(mine.get('rss_mb'))} | {cell(base.get('rss_mb'))} | |")
    sizes = list(results)
    for a, b in itertools.pairwise(sizes):
        ta, tb = results[a], results[b]
        for label, index in (("ours", 1), ("naive", 2)):
            build_steps = ("load", "reason", "validate", "export")
            if not all(isinstance(r[index].get(k), float) for r in (ta, tb) for k in build_steps):
                print(f"\ngrowth exponent {label} {a}→{b}: n/a (a step past its budget)")
                continue
            x = [sum(r[index][k] for k in build_steps) for r in (ta, tb)]
            if all(x):
                print(f"\ngrowth exponent {label} {a}→{b}: {math.log(x[1] / x[0]) / math.log(tb[0] / ta[0]):.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker()
    else:
        main()
