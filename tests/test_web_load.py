"""The endpoint's limits under load, against a real `cica-graph serve` process with small limits.

One server on a free loopback port: one worker, a queue of one, a 4 s
deadline, 300 MB per worker, queries of at most 2000 bytes, 3 s of query time
per client per minute, 2 queries at once per client, and ``--trust-proxy`` so
that each test is its own client (its own ``X-Forwarded-For``). Workers are
forked by the server's zygote; the tests check that replacements are forks
with the same limits, and that the zygote's death is recovered. Plus unit
tests of the token bucket.
"""

from __future__ import annotations

import copy
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cica_graph.web.processes import alive
from cica_graph.web.ratelimit import ClientBudgets, TokenBucket

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "web"))
from portal_server import running_portal, worker_pids, zygote_pids

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
HUGE_CONCAT = ('SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?s), STR(?p), STR(?o)); separator="")) AS ?n) '
               "WHERE { ?s ?p ?o . ?a ?b ?c }")
OPTIONS = ("--workers", "1", "--max-queue", "1", "--timeout", "4", "--worker-memory-mb", "300",
           "--max-query-bytes", "2000", "--client-seconds-per-minute", "3", "--max-client-queries", "2",
           "--trust-proxy")


@pytest.fixture(scope="module")
def server(release_dir):
    with running_portal(release_dir, *OPTIONS) as (url, process):
        yield url, process


@pytest.fixture(scope="module")
def base(server):
    return server[0]


def forked_workers(server_pid: int) -> tuple[int, set[int]]:
    """The server's zygote and its workers, checked to be its children with the 300 MB address-space limit."""
    (zygote,) = zygote_pids(server_pid)
    workers = worker_pids(server_pid)
    for pid in workers:
        status = Path(f"/proc/{pid}/status").read_text()
        assert f"PPid:\t{zygote}\n" in status, "a worker is a fork of the zygote"
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert f"Max address space         {300 * 1024 * 1024}" in limits
    return zygote, workers


def ask(base: str, client: str, query: str = "ASK {}", timeout: float = 30) -> httpx.Response:
    return httpx.post(base + "/sparql", data={"query": query}, headers={"X-Forwarded-For": client}, timeout=timeout)


def served_again(base: str, client: str) -> httpx.Response:
    """The next small query (it waits, within its deadline, for the replacement worker)."""
    deadline = time.monotonic() + 30
    while True:
        response = ask(base, client)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def eventually(condition, seconds: float = 5.0) -> bool:
    """Whether ``condition()`` becomes true within ``seconds`` (a killed process takes a moment to go)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_query_length_limit(base):
    long_query = "ASK { " + " ".join(f"<urn:x:{i}> ?p ?o ." for i in range(200)) + " }"
    assert len(long_query) > 2000
    response = ask(base, "10.0.0.1", long_query)
    assert response.status_code == 413
    assert "accepts queries of up to 2000 bytes" in response.text
    body = httpx.post(base + "/sparql", content=b"ASK {} #" + b"x" * 100_000,
                      headers={"Content-Type": "application/sparql-query"})
    assert body.status_code == 413
    assert ask(base, "10.0.0.1").status_code == 200


def test_full_queue_answers_503_with_retry_after(base):
    answers: dict[str, httpx.Response] = {}

    def slow(client: str) -> None:
        answers[client] = ask(base, client, CARTESIAN)

    threads = [threading.Thread(target=slow, args=(f"10.0.1.{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
        time.sleep(0.4)  # the first runs in the only worker, the second waits in the queue of one
    started = time.monotonic()
    full = ask(base, "10.0.1.3")
    assert time.monotonic() - started < 1.0, "a full queue is answered at once"
    for thread in threads:
        thread.join()
    assert full.status_code == 503, full.text
    assert full.text.startswith("the endpoint is full")
    assert int(full.headers["retry-after"]) >= 1
    assert {r.status_code for r in answers.values()} == {503}
    assert all("retry-after" in r.headers for r in answers.values())
    assert served_again(base, "10.0.1.3").status_code == 200


def test_client_over_budget_gets_429_while_another_is_served(base):
    greedy, fair = "10.0.2.1", "10.0.2.2"
    stopped = ask(base, greedy, CARTESIAN)  # killed at the 4 s deadline: charged 4 s of a 3 s budget
    assert stopped.status_code == 503
    refused = ask(base, greedy)
    assert refused.status_code == 429, refused.text
    assert "budget of 3 s of query time per minute" in refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    other = served_again(base, fair)
    assert other.status_code == 200
    assert other.json()["boolean"] is True
    assert ask(base, greedy).status_code == 429, "the greedy client is still refused"


def test_worker_over_its_memory_limit_is_stopped_and_replaced(server):
    base, process = server
    zygote, before = forked_workers(process.pid)
    started = time.monotonic()
    response = ask(base, "10.0.3.1", HUGE_CONCAT)
    assert response.status_code == 503, response.text
    assert "memory" in response.text and "300 MB" in response.text
    assert time.monotonic() - started < 4, "stopped by the memory limit, not by the deadline"
    assert "retry-after" in response.headers
    assert served_again(base, "10.0.3.2").status_code == 200
    same_zygote, after = forked_workers(process.pid)
    assert same_zygote == zygote and after and not after & before, "the replacement is a new fork with the same limit"


def test_a_client_with_too_many_queries_at_once_gets_429(base):
    answers: list[httpx.Response] = []
    threads = [threading.Thread(target=lambda: answers.append(ask(base, "10.0.4.1", CARTESIAN))) for _ in range(2)]
    for thread in threads:
        thread.start()
        time.sleep(0.4)  # one runs in the only worker, one waits in the queue
    refused = ask(base, "10.0.4.1")
    for thread in threads:
        thread.join()
    assert refused.status_code == 429, refused.text
    assert "2 queries running or waiting" in refused.text
    assert refused.headers["retry-after"] == "1"
    assert sorted(r.status_code for r in answers) == [503, 503]
    assert served_again(base, "10.0.4.2").status_code == 200


def test_runaway_worker_is_killed_and_a_fork_answers_the_next_query(server):
    base, process = server
    zygote, before = forked_workers(process.pid)
    assert ask(base, "10.0.5.1", CARTESIAN).status_code == 503
    assert eventually(lambda: not any(alive(pid) for pid in before)), "the runaway worker was killed"
    started = time.monotonic()
    assert ask(base, "10.0.5.2").status_code == 200
    assert time.monotonic() - started < 4, "a sanity bound: the next query did not wait for a new interpreter"
    assert forked_workers(process.pid)[0] == zygote


def test_the_zygote_dying_is_recovered(server):
    import os
    import signal

    base, process = server
    zygote, workers = forked_workers(process.pid)
    os.kill(zygote, signal.SIGKILL)
    assert served_again(base, "10.0.6.1").status_code == 200
    assert eventually(lambda: not any(alive(pid) for pid in (zygote, *workers))), "its workers died with it"
    new_zygote, new_workers = forked_workers(process.pid)
    assert new_zygote != zygote and new_workers


# --- the token bucket ------------------------------------------------------------------------------------------


def test_token_bucket_refills_at_its_rate_up_to_capacity():
    bucket = TokenBucket(60.0, 1.0, now=0.0)
    assert bucket.allows(0.0)
    bucket.charge(70.0, 0.0)
    assert not bucket.allows(5.0)
    assert bucket.retry_after(5.0) == pytest.approx(5.0)
    assert bucket.allows(10.5)
    assert bucket.level(1000.0) == 60.0


def test_client_budgets_are_per_client_and_forget_idle_clients():
    now = [0.0]
    budgets = ClientBudgets(6.0, clock=lambda: now[0])  # 6 s per minute: refills 0.1 s per second
    assert budgets.retry_after("a") == 0
    budgets.charge("a", 10.0)
    assert budgets.retry_after("a") == 40  # 4 s of debt at 0.1 s/s
    assert budgets.retry_after("b") == 0
    assert budgets.used("a") == pytest.approx(10.0)
    now[0] = 40.1
    assert budgets.retry_after("a") == 0
    now[0] = 200.0
    budgets.charge("b", 0.5)
    assert len(budgets) == 1, "a full bucket is forgotten"
    off = ClientBudgets(0)
    off.charge("a", 1e9)
    assert off.retry_after("a") == 0


@settings(max_examples=200, deadline=None)
@given(
    capacity=st.floats(0.5, 600),
    events=st.lists(st.tuples(st.floats(0, 120), st.floats(0, 100)), max_size=30),
)
def test_token_bucket_properties(capacity, events):
    rate = capacity / 60
    bucket = TokenBucket(capacity, rate, now=0.0)
    now, previous = 0.0, capacity
    for step, cost in events:
        level = bucket.level(now + step)
        assert level <= capacity + 1e-9
        assert level >= previous - 1e-9, "waiting never takes tokens away"
        now += step
        bucket.charge(cost, now)
        previous = bucket.level(now)
        assert previous == pytest.approx(level - cost)
        wait = bucket.retry_after(now)
        assert (wait == 0) == bucket.allows(now)
        if wait > 1e-6:  # probe the future on copies: looking at a later time refills the bucket
            assert not copy.copy(bucket).allows(now + wait * 0.99)
            assert copy.copy(bucket).allows(now + wait + 1e-6)
