"""A pool of query worker processes with deadlines that are really enforced.

Oxigraph evaluates a query in native code that a Python thread cannot
interrupt, so a runaway query (a cartesian product, a ``COUNT(*)`` over one)
keeps a core busy long after its client gave up. Every user query therefore
runs in a worker process (:mod:`cica_graph.web.worker`) that holds its own
copy of the store. A query past its deadline gets its worker killed with
SIGKILL and is answered 503; a fresh worker replaces it in the background while
the remaining workers keep serving other clients.

Why a pool of long-lived processes and not a fork per query: the server is an
asyncio process with threads, which is unsafe to fork; a fresh interpreter per
query costs ~0.5 s of imports; a warm worker answers a small query in about a
millisecond over a pipe (benchmarks/endpoint.py). The price is one copy of the
store per worker, which is what ``--workers`` trades against concurrency.

Limits under load (docs/security.md, "Endpoint limits"):

* each worker runs under an address-space limit (``--worker-memory-mb``,
  ``RLIMIT_AS``); a query that needs more ends its worker, which is answered
  503 and replaced;
* at most ``--max-queue`` queries wait for a worker; one more is answered 503
  at once, with ``Retry-After``;
* waiting queries are served least-used client first (the seconds a client
  used in the last minute, from :mod:`cica_graph.web.ratelimit`), and the last
  free worker is kept for clients that had no query stopped (deadline, memory)
  in the last minute; a query that gets it while the other workers are
  busy must finish within ``--busy-timeout`` (1 s), so a handful of heavy
  clients can never hold every worker for a whole deadline;
* a query that runs longer than half a second has its worker's CPU priority
  lowered (nice 19) until it ends, so long queries yield the cores to short ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("cica_graph.web")
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_STARTUP_SECONDS = 120.0
#: How long a client whose query was stopped may not take the last free worker.
STRIKE_SECONDS = 60.0
#: ``Retry-After`` of a 503.
RETRY_AFTER = 5
#: A query still running after this many seconds has its worker's CPU priority lowered (nice 19), so that
#: long queries yield the cores to short ones.
NICE_AFTER = 0.5


@dataclass
class Reply:
    """What a worker answered: an HTTP status, the worker's header and the body.

    ``charge`` is the worker time the query took (what the client's budget is
    charged), ``retry_after`` the seconds a refused client should wait.
    """

    status: int
    header: dict = field(default_factory=dict)
    body: bytes = b""
    charge: float = 0.0
    retry_after: int | None = None

    @property
    def message(self) -> str:
        """The error message of a failed query ('' on success)."""
        return str(self.header.get("message", ""))


class WorkerDied(Exception):
    """The worker process ended or wrote something that is not a reply."""


class Worker:
    """One worker process and its pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.niced = False

    @classmethod
    async def start(cls, trig: Path, memory_mb: int = 0) -> Worker:
        """Start a worker on ``trig`` and wait until it has loaded the store.

        ``memory_mb`` is the worker's address-space limit (0: none).
        """
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        env["RUST_BACKTRACE"] = "0"  # a query over the memory limit: one line in the log, not a backtrace
        env.setdefault("MALLOC_ARENA_MAX", "2")  # glibc reserves 64 MB of address space per thread arena otherwise
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cica_graph.web.worker", str(trig), str(os.getpid()), str(memory_mb),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, limit=1 << 20,
        )
        worker = cls(process)
        try:
            header, _ = await asyncio.wait_for(worker._receive(), _STARTUP_SECONDS)
        except (TimeoutError, WorkerDied):
            worker.kill()
            raise WorkerDied(f"a query worker could not load {trig}") from None
        if not header.get("ready"):
            worker.kill()
            raise WorkerDied(f"a query worker did not start: {header}")
        return worker

    async def call(self, job: dict) -> tuple[dict, bytes]:
        """Send one job and wait for its reply."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(job).encode("utf-8") + b"\n")
            await self.process.stdin.drain()
        except (ConnectionError, BrokenPipeError) as exc:
            raise WorkerDied(str(exc)) from exc
        return await self._receive()

    async def _receive(self) -> tuple[dict, bytes]:
        assert self.process.stdout is not None
        try:
            line = await self.process.stdout.readline()
            header = json.loads(line)
            body = await self.process.stdout.readexactly(int(header["length"]))
        except (asyncio.IncompleteReadError, ValueError, KeyError, ConnectionError) as exc:
            raise WorkerDied(f"worker ended or wrote garbage: {exc!r}") from exc
        return header, body

    def kill(self) -> None:
        """Stop the process at once, whatever it is doing."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()


@dataclass
class _Waiter:
    """A query waiting for a worker."""

    priority: float
    seq: int
    client: str | None
    future: asyncio.Future


class Pool:
    """``size`` workers over one release; a killed worker is replaced in the background.

    ``max_queue`` queries may wait for a worker (more are answered 503 at
    once); ``memory_mb`` is each worker's address-space limit (0: none);
    ``busy_timeout`` the deadline of a query that takes the last free worker
    while the others are busy; ``spares`` workers are kept loaded to take over
    at once from a killed one (starting a worker takes a second or two).
    """

    def __init__(self, trig: Path, size: int, *, memory_mb: int = 0, max_queue: int = 64,
                 busy_timeout: float = 1.0, spares: int = 0) -> None:
        self.trig = trig
        self.size = size
        self.memory_mb = memory_mb
        self.max_queue = max_queue
        self.busy_timeout = busy_timeout
        self.spares = spares
        self._spare: list[Worker] = []
        self.killed = 0
        self.refused = 0
        self._idle: list[Worker] = []
        self._waiting: list[_Waiter] = []
        self._strikes: dict[str, float] = {}
        self._seq = itertools.count()
        self._workers: set[Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self.broken = ""

    def start(self) -> None:
        """Start the workers in the background; queries wait (within their deadline) until one is ready."""
        for _ in range(self.size + self.spares):
            self._background(self._replace())

    async def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until every worker has loaded the store (for benchmarks and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._workers) < self.size and loop.time() < deadline and not self.broken:
            await asyncio.sleep(0.02)
        return len(self._workers) == self.size

    @property
    def waiting(self) -> int:
        """Queries waiting for a worker now."""
        return len(self._waiting)

    async def run(self, job: dict, timeout: float, client: str | None = None, priority: float = 0.0) -> Reply:
        """Run ``job`` on a free worker; 503 when the queue is full or it is not answered within ``timeout`` seconds.

        ``client`` identifies who asks (None: the portal itself); ``priority``
        orders waiting queries, lowest first (the client's recent usage).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self.broken and not self._workers:
            return Reply(503, {"message": self.broken}, retry_after=RETRY_AFTER)
        waiter = _Waiter(priority, next(self._seq), client, loop.create_future())
        self._waiting.append(waiter)
        self._dispatch()
        if not waiter.future.done() and len(self._waiting) > self.max_queue:
            self._waiting.remove(waiter)
            self.refused += 1
            message = (f"the endpoint is full: {self.size} queries are running and {self.max_queue} are waiting; "
                       "try again later")
            return Reply(503, {"message": message}, retry_after=RETRY_AFTER)
        try:
            worker, last = await asyncio.wait_for(asyncio.shield(waiter.future), timeout)
        except (TimeoutError, asyncio.CancelledError) as exc:
            self._abandon(waiter)
            if isinstance(exc, asyncio.CancelledError):
                raise
            message = f"all {self.size} query workers stayed busy for the whole {timeout:g} s deadline; try again later"
            return Reply(503, {"message": message}, retry_after=RETRY_AFTER)
        remaining = max(deadline - loop.time(), 0.001)
        busy = last and remaining > self.busy_timeout
        limit = min(remaining, self.busy_timeout) if busy else remaining
        started = loop.time()
        lower = loop.call_later(NICE_AFTER, self._nice, worker, 19)
        try:
            header, body = await asyncio.wait_for(worker.call(job), limit)
        except TimeoutError:
            self.killed += 1
            self._strike(client)
            self._retire(worker)
            if busy:
                message = (f"the endpoint is busy: the other query workers are taken, and a query that gets the last "
                           f"free one must finish within {self.busy_timeout:g} s; this one did not and was stopped. "
                           "Try again later")
                return Reply(503, {"message": message}, charge=self.busy_timeout, retry_after=RETRY_AFTER)
            message = f"the query did not finish within the {timeout:g} s deadline and was stopped"
            return Reply(503, {"message": message}, charge=timeout, retry_after=RETRY_AFTER)
        except WorkerDied:
            used = loop.time() - started
            code = await self._exit_code(worker)
            self._strike(client)
            self._retire(worker)
            if self.memory_mb:
                message = (f"the query worker stopped (exit status {code}), most likely because the query needed more "
                           f"than the {self.memory_mb} MB of memory a query may use; the query was not answered")
            else:
                message = f"the query worker ended unexpectedly (exit status {code}); the query was not answered"
            return Reply(503, {"message": message}, charge=used, retry_after=RETRY_AFTER)
        except asyncio.CancelledError:
            self._retire(worker)
            raise
        finally:
            lower.cancel()
        if worker.niced and not self._nice(worker, 0):
            self._retire(worker)  # its priority cannot be raised again (not root): a fresh worker replaces it
        else:
            self._release(worker)
        elapsed = float(header.get("elapsed", loop.time() - started))
        status = int(header.get("status", 500))
        return Reply(status, header, body, charge=elapsed, retry_after=RETRY_AFTER if status == 503 else None)

    async def close(self) -> None:
        """Kill every worker and wait for them to end."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for waiter in self._waiting:
            if not waiter.future.done():
                waiter.future.cancel()
        for worker in [*self._workers, *self._spare]:
            worker.kill()
        for worker in [*self._workers, *self._spare]:
            with contextlib.suppress(Exception):
                await worker.process.wait()
        self._workers.clear()

    def _may_take_last(self, client: str | None) -> bool:
        if client is None:
            return True
        struck = self._strikes.get(client)
        return struck is None or time.monotonic() - struck > STRIKE_SECONDS

    def _dispatch(self) -> None:
        """Hand idle workers to waiting queries: least-used client first, the last worker only to light clients."""
        self._waiting.sort(key=lambda w: (w.priority, w.seq))
        while self._idle and self._waiting:
            last = len(self._idle) == 1 and self.size > 1
            chosen = next((w for w in self._waiting if not last or self._may_take_last(w.client)), None)
            if chosen is None:
                return
            self._waiting.remove(chosen)
            if chosen.future.done():
                continue
            chosen.future.set_result((self._idle.pop(), last))

    def _abandon(self, waiter: _Waiter) -> None:
        if waiter in self._waiting:
            self._waiting.remove(waiter)
        if waiter.future.done() and not waiter.future.cancelled():
            worker, _ = waiter.future.result()
            self._release(worker)
        else:
            waiter.future.cancel()

    def _strike(self, client: str | None) -> None:
        if client is None:
            return
        now = time.monotonic()
        self._strikes[client] = now
        if len(self._strikes) > 4096:
            self._strikes = {c: t for c, t in self._strikes.items() if now - t <= STRIKE_SECONDS}

    async def _exit_code(self, worker: Worker) -> int | str:
        try:
            return await asyncio.wait_for(worker.process.wait(), 2.0)
        except TimeoutError:
            return "unknown"

    @staticmethod
    def _nice(worker: Worker, value: int) -> bool:
        try:
            os.setpriority(os.PRIO_PROCESS, worker.process.pid, value)
        except (OSError, AttributeError):
            return False
        worker.niced = value > 0
        return True

    def _release(self, worker: Worker) -> None:
        if self._closed or worker not in self._workers:
            worker.kill()
            return
        self._idle.append(worker)
        self._dispatch()

    def _adopt(self, worker: Worker) -> None:
        self._workers.add(worker)
        self._release(worker)

    def _retire(self, worker: Worker) -> None:
        worker.kill()
        self._workers.discard(worker)
        if worker in self._idle:
            self._idle.remove(worker)
        self._background(worker.process.wait())
        if self._closed:
            return
        if self._spare:  # a loaded spare takes over at once; its own replacement loads in the background
            self._adopt(self._spare.pop())
        self._background(self._replace())

    async def _replace(self) -> None:
        for attempt in range(5):
            try:
                worker = await Worker.start(self.trig, self.memory_mb)
            except WorkerDied as exc:
                log.error("%s (attempt %d of 5)", exc, attempt + 1)
                await asyncio.sleep(2**attempt)
                continue
            if self._closed:
                worker.kill()
            elif len(self._workers) < self.size:
                self._adopt(worker)
            elif len(self._spare) < self.spares:
                self._spare.append(worker)
            else:
                worker.kill()
            return
        self.broken = f"the query workers cannot start on {self.trig}; see the server log"

    def _background(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
