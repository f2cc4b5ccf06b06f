"""Time the SPARQL endpoint of `cica-graph serve` on the named queries.

Prints Markdown tables. Run: .venv/bin/python benchmarks/endpoint.py [--n 30] [--clients 4]

* per named query: p50 / p95 latency over N requests through the endpoint
  (POST /sparql, JSON results), parameters bound to their defaults as
  `cica-graph query` binds them, beside the same query run in-process on an
  Oxigraph store (the floor: what the worker and HTTP add is the difference);
* throughput of the whole mix with several concurrent clients;
* the deadline: a cartesian product stopped at --timeout while another client's
  small query is timed;
* worker replacement: in-process, a pool of two workers has one killed at a
  deadline --kills times; timed from the 503 until the pool is full again (a
  fork of the zygote; it used to be a fresh interpreter).

Not a test: numbers depend on the machine; docs/portal.md quotes one run.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from load import wait_ready  # the sibling benchmark script (benchmarks/ is on sys.path when run)

from cica_graph.project import Project
from cica_graph.sparql import bind, find_queries, with_bindings
from cica_graph.store import open_store
from cica_graph.terms import PREFIXES
from cica_graph.workspace import ensure_release

ROOT = Path(__file__).resolve().parents[1]
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def start_server(dist: Path, port: int, timeout: float) -> subprocess.Popen:
    command = [sys.executable, "-c", "from cica_graph.cli import app; app()", "serve", "--port", str(port),
               "--dist", str(dist), "--root", str(ROOT), "--timeout", str(timeout), "--log-level", "warning"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(process, f"http://127.0.0.1:{port}")
    return process


def replacement_times(trig: Path, kills: int) -> list[float]:
    """Milliseconds from a worker's kill (its query's 503) until the pool has all its workers again."""
    from cica_graph.web.pool import Pool

    async def run() -> list[float]:
        pool = Pool(trig, 2, memory_mb=1024)
        pool.start()
        assert await pool.wait_ready(120), pool.broken
        times = []
        try:
            for _ in range(kills):
                job = {"query": CARTESIAN, "results": "json", "graph": None, "max_rows": 10}
                assert (await pool.run(job, 0.3)).status == 503
                clock = time.perf_counter()
                while len(pool.worker_pids()) < 2:
                    await asyncio.sleep(0.001)
                times.append((time.perf_counter() - clock) * 1000)
        finally:
            await pool.close()
        return times

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30, help="requests per query")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for the throughput run")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query deadline (s)")
    parser.add_argument("--kills", type=int, default=20, help="workers killed for the replacement timing")
    args = parser.parse_args()

    project = Project.discover(ROOT)
    dist = ensure_release(project)
    queries = find_queries(project.queries_dir)
    texts = {name: with_bindings(q.text, bind(q, {})) for name, q in queries.items()}
    store = open_store(dist / "cica.trig")

    started = time.perf_counter()
    server = start_server(dist, args.port, args.timeout)
    ready = time.perf_counter() - started
    base = f"http://127.0.0.1:{args.port}/sparql"
    try:
        with httpx.Client(timeout=60) as client:
            print(f"# SPARQL endpoint — {len(store)} quads, {platform.machine()}, Python {platform.python_version()}, "
                  f"N = {args.n}\n")
            print(f"Server ready (home page, named queries read, one query answered) after {ready:.2f} s.\n")
            print("| query | rows | in-process p50 (ms) | endpoint p50 (ms) | endpoint p95 (ms) |")
            print("|---|---:|---:|---:|---:|")
            for name, text in [("ASK {} (overhead floor)", "ASK {}"), *texts.items()]:
                local = []
                for _ in range(args.n):
                    clock = time.perf_counter()
                    result = store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
                    rows = sum(1 for _ in result) if hasattr(result, "variables") else 1
                    local.append((time.perf_counter() - clock) * 1000)
                remote = []
                for _ in range(args.n):
                    clock = time.perf_counter()
                    response = client.post(base, data={"query": text}, headers={"Accept": "application/sparql-results+json"})
                    remote.append((time.perf_counter() - clock) * 1000)
                    assert response.status_code == 200, (name, response.status_code, response.text)
                print(f"| {name} | {rows} | {statistics.median(local):.1f} | {statistics.median(remote):.1f} | "
                      f"{percentile(remote, 0.95):.1f} |")

        mix = list(texts.values()) * max(1, args.n // 3)
        latencies: list[float] = []
        lock = threading.Lock()
        shared = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=args.clients))

        def one(text: str) -> None:
            clock = time.perf_counter()
            response = shared.post(base, data={"query": text})
            elapsed = (time.perf_counter() - clock) * 1000
            assert response.status_code == 200
            with lock:
                latencies.append(elapsed)

        clock = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(one, mix))
        wall = time.perf_counter() - clock
        print(f"\n| concurrency | requests | p50 (ms) | p95 (ms) | throughput (q/s) |\n|---|---:|---:|---:|---:|\n"
              f"| {args.clients} clients, all named queries | {len(mix)} | {statistics.median(latencies):.1f} | "
              f"{percentile(latencies, 0.95):.1f} | {len(mix) / wall:.0f} |")

        outcome: dict = {}

        def runaway() -> None:
            clock = time.perf_counter()
            outcome["status"] = shared.post(base, data={"query": CARTESIAN}).status_code
            outcome["seconds"] = time.perf_counter() - clock

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.5)
        fair = []
        while thread.is_alive():
            clock = time.perf_counter()
            assert shared.post(base, data={"query": "ASK { ?s a cica:State }"}).status_code == 200
            fair.append((time.perf_counter() - clock) * 1000)
            time.sleep(0.1)
        thread.join()
        print("\n| runaway query (4-way cartesian COUNT) | answer | after (s) | other client's queries meanwhile "
              "| their p50 (ms) | their max (ms) |\n|---|---|---:|---:|---:|---:|\n"
              f"| deadline {args.timeout:g} s | HTTP {outcome['status']} | {outcome['seconds']:.2f} | {len(fair)} | "
              f"{statistics.median(fair):.1f} | {max(fair):.1f} |")
        shared.close()
    finally:
        server.terminate()
        server.wait(15)
    times = replacement_times(dist / "cica.trig", args.kills)
    print("\n| worker replacement (in-process pool of 2, one killed at a deadline) | kills | p50 (ms) | max (ms) |\n"
          f"|---|---:|---:|---:|\n| fork of the zygote until the pool is full again | {len(times)} | "
          f"{statistics.median(times):.1f} | {max(times):.1f} |")


if __name__ == "__main__":
    main()
