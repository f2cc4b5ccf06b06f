"""Load test of the SPARQL endpoint: good clients and hostile clients at once.

Starts `cica-graph serve` itself on a free loopback port (127.0.0.1 only), with
the default limits plus ``--trust-proxy`` so that each simulated client is its
own client for the rate limit (its own ``X-Forwarded-For``). Then, for
``--seconds`` (default 60):

* ``--good`` clients (default 50) each loop: one named query of ``queries/``
  (parameters bound to their defaults), then a pause of 0.5–1.5 s;
* ``--hostile`` clients (default 5), arriving within the first 5 s, each loop
  without pause (0.2 s between requests, which keeps the run bounded) over
  cartesian products, a regex over a cartesian product, huge results, a
  GROUP_CONCAT that grows until the worker's memory limit, and an over-long query.

Prints a Markdown table: good queries answered, their p50/p95/p99 latency,
hostile queries stopped (any answer but a complete 200), errors, the workers
replaced during the run (new ``cica-worker`` processes, sampled every 0.1 s),
and the memory of the server, its zygote and its workers before and after:
resident (RSS, which counts the pages workers share with the zygote once per
process) and proportional (PSS, shared pages divided among their sharers).
Then the good queries slower than 1 s by 10-second slice of the run.
Run: .venv/bin/python benchmarks/load.py [--seconds 60] [--good 50] [--hostile 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from math import ceil
from pathlib import Path

import httpx

from cica_graph.project import Project
from cica_graph.sparql import bind, find_queries, with_bindings
from cica_graph.web.processes import descendants
from cica_graph.workspace import ensure_release

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
HOSTILE = {
    "cartesian COUNT": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    "regex over a cartesian product": (
        'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?x . ?c ?d ?y '
        'FILTER(REGEX(CONCAT(STR(?x), STR(?y)), "^(a|aa)+$|(.*)*x(.*)*y(.*)*z", "i")) }'),
    "huge result": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }",
    "huge GROUP_CONCAT": ('SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?s), STR(?p), STR(?o)); separator="")) AS ?n) '
                          "WHERE { ?s ?p ?o . ?a ?b ?c }"),
    "over-long query": "ASK { " + " ".join(f"<urn:x:{i}> ?p ?o ." for i in range(8000)) + " }",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def tree(pid: int) -> dict[int, str]:
    """A process and all its live descendants, each with its name (``/proc/PID/comm``)."""
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return {}
    return {pid: name, **descendants(pid)}


def memory_mb(pid: int) -> dict[str, float]:
    """RSS and PSS (MB) of a process and its descendants, in total and per kind (server, zygote, workers)."""
    sums: dict[str, float] = Counter()
    for current, name in tree(pid).items():
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:] if line.endswith("kB")}
        kind = {"cica-worker": "workers", "cica-zygote": "zygote"}.get(name, "server")
        for measure in ("Rss", "Pss"):
            sums[measure] += fields.get(measure, 0) / 1024
            sums[f"{measure} {kind}"] += fields.get(measure, 0) / 1024
        sums["processes"] += 1
    return sums


def watch_workers(pid: int, seen: set[int], stop: threading.Event) -> None:
    """Collect the pids of every worker process of the server until ``stop`` is set (sampled every 0.1 s)."""
    while not stop.wait(0.1):
        seen.update(p for p, name in tree(pid).items() if name == "cica-worker")


def start_server(dist: Path, port: int, extra: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-c", "from cica_graph.cli import app; app()", "serve", "--host", HOST, "--port",
               str(port), "--dist", str(dist), "--root", str(ROOT), "--trust-proxy", "--log-level", "warning", *extra]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(process, f"http://{HOST}:{port}")
    return process


def wait_ready(process: subprocess.Popen, base: str) -> None:
    """Wait (at most 120 s) until the portal at ``base`` answers its home, query page and endpoint."""
    deadline = time.monotonic() + 120
    for path, params in (("/", {}), ("/query", {}), ("/sparql", {"query": "ASK {}"})):
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}")
            try:
                if httpx.get(base + path, params=params, timeout=60).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.05)


async def good_client(client: httpx.AsyncClient, url: str, number: int, texts: list[str], until: float,
                      latencies: list[tuple[float, float]], statuses: Counter, errors: Counter) -> None:
    rng = random.Random(number)
    headers = {"X-Forwarded-For": f"10.1.{number // 250}.{number % 250 + 1}", "Accept": "application/sparql-results+json"}
    await asyncio.sleep(rng.uniform(0, 1))
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            response = await client.post(url, data={"query": rng.choice(texts)}, headers=headers)
        except httpx.HTTPError as exc:
            errors[f"good: {type(exc).__name__}"] += 1
        else:
            statuses[response.status_code] += 1
            if response.status_code == 200:
                latencies.append((started, time.monotonic() - started))
            else:
                errors[f"good refused: {response.status_code} {response.text[:60].strip()}"] += 1
        await asyncio.sleep(rng.uniform(0.5, 1.5))


async def hostile_client(client: httpx.AsyncClient, url: str, number: int, until: float,
                         outcomes: Counter, errors: Counter) -> None:
    rng = random.Random(1000 + number)
    headers = {"X-Forwarded-For": f"10.2.0.{number + 1}"}
    await asyncio.sleep(rng.uniform(0, 5))
    kinds = list(HOSTILE)
    step = number
    while time.monotonic() < until:
        kind = kinds[step % len(kinds)]
        step += 1
        try:
            response = await client.post(url, data={"query": HOSTILE[kind]}, headers=headers)
        except httpx.HTTPError as exc:
            errors[f"hostile: {type(exc).__name__}"] += 1
        else:
            complete = response.status_code == 200 and response.headers.get("x-result-truncated") != "true"
            outcomes[(kind, "answered in full" if complete else f"stopped: {response.status_code}"
                      + (" truncated" if response.status_code == 200 else ""))] += 1
        await asyncio.sleep(0.2)


async def load(base: str, texts: list[str], args: argparse.Namespace) -> dict:
    url = base + "/sparql"
    latencies: list[tuple[float, float]] = []
    statuses: Counter = Counter()
    outcomes: Counter = Counter()
    errors: Counter = Counter()
    until = time.monotonic() + args.seconds
    limits = httpx.Limits(max_connections=args.good + args.hostile + 5, max_keepalive_connections=args.good + args.hostile)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        tasks = [good_client(client, url, i, texts, until, latencies, statuses, errors) for i in range(args.good)]
        tasks += [hostile_client(client, url, i, until, outcomes, errors) for i in range(args.hostile)]
        await asyncio.wait_for(asyncio.gather(*tasks), args.seconds + 90)
    return {"latencies": latencies, "statuses": statuses, "outcomes": outcomes, "errors": errors,
            "began": until - args.seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients run")
    parser.add_argument("--good", type=int, default=50, help="well-behaved clients")
    parser.add_argument("--hostile", type=int, default=5, help="hostile clients")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("serve_options", nargs="*", help="more `cica-graph serve` options, after --")
    args = parser.parse_args()
    if not (0 < args.seconds <= 600 and 0 <= args.good <= 200 and 0 <= args.hostile <= 20):
        raise SystemExit("keep it bounded: --seconds in (0, 600], --good <= 200, --hostile <= 20")

    project = Project.discover(ROOT)
    dist = ensure_release(project)
    queries = find_queries(project.queries_dir)
    texts = [with_bindings(q.text, bind(q, {})) for q in queries.values()]
    port = args.port or free_port()
    server = start_server(dist, port, args.serve_options)
    base = f"http://{HOST}:{port}"
    try:
        with httpx.Client(timeout=60) as client:  # warm up: every worker sees every named query once
            for text in texts * 3:
                client.post(base + "/sparql", data={"query": text}, headers={"X-Forwarded-For": "10.9.9.9"})
        time.sleep(1)
        before = memory_mb(server.pid)
        load_before = os.getloadavg()[0]
        workers: set[int] = set()
        first = {p for p, name in tree(server.pid).items() if name == "cica-worker"}
        stop = threading.Event()
        watcher = threading.Thread(target=watch_workers, args=(server.pid, workers, stop), daemon=True)
        watcher.start()
        started = time.monotonic()
        result = asyncio.run(load(base, texts, args))
        ran = time.monotonic() - started
        load_after = os.getloadavg()[0]
        stop.set()
        watcher.join()
        time.sleep(5)  # let the last replacements settle
        after = memory_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    latencies = [s * 1000 for _at, s in result["latencies"]]
    statuses: Counter = result["statuses"]
    outcomes: Counter = result["outcomes"]
    good_total = sum(statuses.values())
    hostile_total = sum(outcomes.values())
    stopped = sum(n for (_kind, what), n in outcomes.items() if what != "answered in full")
    errors = sum(n for what, n in result["errors"].items() if not what.startswith("good refused"))
    refusals = {what: n for what, n in result["errors"].items() if what.startswith("good refused")}
    other = {code: n for code, n in statuses.items() if code != 200}
    print(f"Load test: {args.good} good + {args.hostile} hostile clients for {ran:.0f} s against `cica-graph serve` "
          f"(default limits, --trust-proxy {' '.join(args.serve_options)}) on {platform.machine()}, Python "
          f"{platform.python_version()}, {len(texts)} named queries; {os.cpu_count()} cores, load average (1 min) "
          f"{load_before:.2f} before the run and {load_after:.2f} at its end\n")
    print("| measure | value |")
    print("|---|---:|")
    print(f"| good queries answered | {statuses[200]} / {good_total} ({100 * statuses[200] / max(good_total, 1):.1f} %) |")
    print(f"| good p50 / p95 / p99 (ms) | {percentile(latencies, .5):.1f} / {percentile(latencies, .95):.1f} / "
          f"{percentile(latencies, .99):.1f} |")
    print(f"| good max (ms) | {max(latencies, default=float('nan')):.1f} |")
    print(f"| good throughput (q/s) | {statuses[200] / ran:.1f} |")
    print(f"| good queries refused | {sum(other.values())} {dict(sorted(other.items())) if other else ''} |")
    print(f"| hostile queries stopped | {stopped} / {hostile_total} |")
    transport = {w: n for w, n in result["errors"].items() if w not in refusals}
    print(f"| errors (transport) | {errors} {transport if errors else ''} |")
    print(f"| workers replaced during the run | {len(workers - first)} |")
    for measure in ("Rss", "Pss"):
        for moment, sums in (("before", before), ("after", after)):
            parts = ", ".join(f"{kind} {sums[f'{measure} {kind}']:.0f}" for kind in ("server", "zygote", "workers"))
            change = f", {100 * (after[measure] - before[measure]) / before[measure]:+.1f} %" if moment == "after" else ""
            print(f"| server + zygote + workers {measure.upper()} {moment} (MB) | {sums[measure]:.0f} "
                  f"({int(sums['processes'])} processes: {parts}{change}) |")
    for what, n in sorted(refusals.items()):
        print(f"\n{n} × {what}")
    began = result["began"]
    slices: Counter = Counter(int((at - began) // 10) for at, seconds in result["latencies"] if seconds > 1.0)
    print("\n| seconds into the run | " + " | ".join(f"{10 * i}–{10 * i + 10}" for i in range(ceil(ran / 10))) + " |")
    print("|---|" + "---:|" * ceil(ran / 10))
    print("| good queries over 1 s | " + " | ".join(str(slices[i]) for i in range(ceil(ran / 10))) + " |")
    print("\n| hostile query | outcome | count |")
    print("|---|---|---:|")
    for (kind, what), n in sorted(outcomes.items()):
        print(f"| {kind} | {what} | {n} |")


if __name__ == "__main__":
    main()
