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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("cica_graph.web")
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_STARTUP_SECONDS = 120.0


@dataclass
class Reply:
    """What a worker answered: an HTTP status, the worker's header and the body."""

    status: int
    header: dict = field(default_factory=dict)
    body: bytes = b""

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

    @classmethod
    async def start(cls, trig: Path) -> Worker:
        """Start a worker on ``trig`` and wait until it has loaded the store."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cica_graph.web.worker", str(trig), str(os.getpid()),
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


class Pool:
    """``size`` workers over one release; a killed worker is replaced in the background."""

    def __init__(self, trig: Path, size: int) -> None:
        self.trig = trig
        self.size = size
        self.killed = 0
        self._idle: asyncio.Queue[Worker] = asyncio.Queue()
        self._workers: set[Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self.broken = ""

    def start(self) -> None:
        """Start the workers in the background; queries wait (within their deadline) until one is ready."""
        for _ in range(self.size):
            self._background(self._replace())

    async def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until every worker has loaded the store (for benchmarks and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._workers) < self.size and loop.time() < deadline and not self.broken:
            await asyncio.sleep(0.02)
        return len(self._workers) == self.size

    async def run(self, job: dict, timeout: float) -> Reply:
        """Run ``job`` on the next free worker; 503 when it is not answered within ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if self.broken and not self._workers:
            return Reply(503, {"message": self.broken})
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout)
        except TimeoutError:
            message = f"all {self.size} query workers stayed busy for the whole {timeout:g} s deadline; try again later"
            return Reply(503, {"message": message})
        try:
            header, body = await asyncio.wait_for(worker.call(job), max(deadline - loop.time(), 0.001))
        except TimeoutError:
            self.killed += 1
            self._retire(worker)
            return Reply(503, {"message": f"the query did not finish within the {timeout:g} s deadline and was stopped"})
        except WorkerDied:
            self._retire(worker)
            return Reply(500, {"message": "the query worker ended unexpectedly (out of memory?); the query was not answered"})
        except asyncio.CancelledError:
            self._retire(worker)
            raise
        self._idle.put_nowait(worker)
        return Reply(int(header.get("status", 500)), header, body)

    async def close(self) -> None:
        """Kill every worker and wait for them to end."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for worker in list(self._workers):
            worker.kill()
        for worker in list(self._workers):
            with contextlib.suppress(Exception):
                await worker.process.wait()
        self._workers.clear()

    def _adopt(self, worker: Worker) -> None:
        self._workers.add(worker)
        self._idle.put_nowait(worker)

    def _retire(self, worker: Worker) -> None:
        worker.kill()
        self._workers.discard(worker)
        self._background(worker.process.wait())
        if not self._closed:
            self._background(self._replace())

    async def _replace(self) -> None:
        for attempt in range(5):
            try:
                worker = await Worker.start(self.trig)
            except WorkerDied as exc:
                log.error("%s (attempt %d of 5)", exc, attempt + 1)
                await asyncio.sleep(2**attempt)
                continue
            if self._closed:
                worker.kill()
                return
            self._adopt(worker)
            return
        self.broken = f"the query workers cannot start on {self.trig}; see the server log"

    def _background(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
