"""A pool of query worker processes with deadlines that are really enforced.

Oxigraph evaluates a query in native code that a Python thread cannot
interrupt, so a runaway query (a cartesian product, a ``COUNT(*)`` over one)
keeps a core busy long after its client gave up. Every user query therefore
runs in a worker process (:mod:`cica_graph.web.worker`). A query past its
deadline gets its worker killed with SIGKILL and is answered 503; a new worker
replaces it in the background while the remaining workers keep serving other
clients.

Workers are forked by a zygote (:mod:`cica_graph.web.zygote`): one process
started at server start that has imported everything, loaded the store and
warmed the query checks, and forks a ready worker in a few milliseconds (the
store is shared copy-on-write). Replacing a killed worker used to mean a fresh
interpreter and one or two seconds of CPU, which under attack starved the good
clients. The server itself (asyncio, threads) never forks. If the zygote ends,
the pool starts a new one. Why long-lived workers and not a fork per query: a
warm worker answers a small query in about a millisecond over its socket
(benchmarks/endpoint.py), and remembers the verdicts of the query checks.

Limits under load (docs/security.md, "Endpoint limits"):

* each worker runs under an address-space limit (``--worker-memory-mb``,
  ``RLIMIT_AS``, set in the child right after the fork); a query that needs
  more ends its worker, which is answered 503 and replaced;
* one client may have at most ``--max-client-queries`` queries running or
  waiting; one more is answered 429 at once, with ``Retry-After``, so that a
  few clients cannot fill the queue;
* at most ``--max-queue`` queries wait for a worker; one more is answered 503
  at once, with ``Retry-After``;
* waiting queries are served least-used client first (the seconds a client
  used in the last minute, from :mod:`cica_graph.web.ratelimit`; a client with
  no query answered in the last minute counts as having used
  ``--busy-timeout``), and the last free worker is kept for clients that had
  no query stopped (deadline, memory) in the last minute; a query that gets it
  while the other workers are busy must finish within ``--busy-timeout`` (1 s),
  a quarter of that for a new client, so a handful of heavy clients can never
  hold every worker for a whole deadline;
* a query that runs longer than half a second has its worker's CPU priority
  lowered (nice 19) until it ends, so long queries yield the cores to short
  ones (a new client's after a quarter of that; a client that had a query
  stopped in the last minute runs at that priority from the start);
* a worker whose memory grew by more than ``worker.GROWN_MB`` since it was
  forked, or that has answered ``worker.RECYCLE_AFTER`` queries, says so in its
  reply and is replaced by a new fork, so the endpoint's memory returns to
  where it started after big queries.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .zygote import ZYGOTE_ENDED, ForkServer, Worker, WorkerDied

__all__ = ["Pool", "Reply", "Worker", "WorkerDied"]
log = logging.getLogger("cica_graph.web")
#: How long a client whose query was stopped may not take the last free worker.
STRIKE_SECONDS = 60.0
#: A client with no query answered in the last minute is new: it waits behind the light clients the pool knows (as
#: if it had used ``--busy-timeout`` seconds lately), on the last free worker it gets this share of that timeout, and
#: its worker's CPU priority is lowered after this share of ``NICE_AFTER``. So a handful of new heavy clients cannot
#: each hold the last worker for a whole ``--busy-timeout`` in a row, nor take the cores from the known clients.
NEWCOMER_SHARE = 0.25
#: ``Retry-After`` of a 503.
RETRY_AFTER = 5
#: ``Retry-After`` of a 429 for too many queries at once from one client: one of them is likely done by then.
CLIENT_RETRY_AFTER = 1
#: Attempts at starting a zygote before the endpoint gives up (with waits of 1, 2, 4, 8 s between them).
ZYGOTE_ATTEMPTS = 5
#: Allocations of this many bytes or more are served from mmap, so that freeing them returns the memory.
MMAP_THRESHOLD = 1 << 20
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


def fix_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Have glibc serve allocations of ``size`` bytes or more from mmap, always (False where it cannot).

    Worker replies of several MB (10 000 rows) pass through the server. By
    default glibc raises its mmap threshold to the size of the first such block
    freed, so later ones come from the heap and stay there when freed: the
    server grew by 11 MB (14 %) in the load test, and not with a fixed
    threshold. Process-wide; the zygote and workers get the same through
    ``MALLOC_MMAP_THRESHOLD_``.
    """
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").mallopt(-3, size) == 1  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return False


@dataclass
class _Waiter:
    """A query waiting for a worker."""

    priority: float
    seq: int
    client: str | None
    future: asyncio.Future


class Pool:
    """``size`` workers over one release, forked by a zygote; a killed worker is replaced in the background.

    ``max_queue`` queries may wait for a worker (more are answered 503 at
    once); ``memory_mb`` is each worker's address-space limit (0: none);
    ``busy_timeout`` the deadline of a query that takes the last free worker
    while the others are busy; ``spares`` more workers are kept forked and
    idle to take over from a killed one without even the few milliseconds of a
    fork (they share the store with the zygote, so they cost little memory).
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
        self.capped = 0
        self.replaced = 0  # workers forked after the first size + spares
        self.zygote_restarts = 0  # zygotes started after the first
        self._idle: list[Worker] = []
        self._waiting: list[_Waiter] = []
        self._strikes: dict[str, float] = {}
        self._answered: dict[str, float] = {}
        self._in_flight: Counter[str] = Counter()
        self._seq = itertools.count()
        self._workers: set[Worker] = set()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self._zygote: ForkServer | None = None
        self._zygote_lock: asyncio.Lock | None = None
        self._warm_folder: str | None = None
        self._forked = 0
        self.broken = ""

    def start(self) -> None:
        """Start the zygote and the workers in the background; queries wait (within their deadline) until one is ready."""
        fix_mmap_threshold()
        for _ in range(self.size + self.spares):
            self._background(self._replace())

    async def wait_ready(self, timeout: float = 60.0) -> bool:
        """Wait until every worker is ready (for benchmarks and tests)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._workers) < self.size and loop.time() < deadline and not self.broken:
            await asyncio.sleep(0.02)
        return len(self._workers) == self.size

    @property
    def waiting(self) -> int:
        """Queries waiting for a worker now."""
        return len(self._waiting)

    @property
    def zygote_pid(self) -> int | None:
        """The process id of the running zygote (None when there is none)."""
        return self._zygote.pid if self._zygote is not None and self._zygote.alive else None

    def worker_pids(self) -> set[int]:
        """The process ids of the workers in service (not the spares)."""
        return {worker.pid for worker in self._workers}

    async def run(self, job: dict, timeout: float, client: str | None = None, priority: float = 0.0,
                  client_cap: int = 0) -> Reply:
        """Run ``job`` on a free worker; 503 when the queue is full or it is not answered within ``timeout`` seconds.

        ``client`` identifies who asks (None: the portal itself); ``priority``
        orders waiting queries, lowest first (the client's recent usage);
        ``client_cap`` is how many queries one client may have running or
        waiting at once (0: no cap), past it 429.
        """
        if client is not None and client_cap > 0 and self._in_flight[client] >= client_cap:
            self.capped += 1
            message = (f"this client already has {self._in_flight[client]} queries running or waiting, the most this "
                       f"endpoint takes from one client at once; wait for their answers before sending more")
            return Reply(429, {"message": message}, retry_after=CLIENT_RETRY_AFTER)
        if job.get("op") == "named_queries":
            self._warm(str(job["folder"]))
        if client is None:
            return await self._run(job, timeout, client, priority)
        self._in_flight[client] += 1
        try:
            return await self._run(job, timeout, client, priority)
        finally:
            self._in_flight[client] -= 1
            if self._in_flight[client] <= 0:
                del self._in_flight[client]

    async def _run(self, job: dict, timeout: float, client: str | None, priority: float,
                   deadline: float | None = None) -> Reply:
        loop = asyncio.get_running_loop()
        retry = deadline is None  # a query whose worker died with its zygote is run once more, within its deadline
        deadline = loop.time() + timeout if deadline is None else deadline
        newcomer = self._is_new(client)
        if newcomer:  # behind the light clients the pool knows, ahead of the heavy ones
            priority = max(priority, self.busy_timeout)
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
            worker, last = await asyncio.wait_for(asyncio.shield(waiter.future), max(deadline - loop.time(), 0.001))
        except (TimeoutError, asyncio.CancelledError) as exc:
            self._abandon(waiter)
            if isinstance(exc, asyncio.CancelledError):
                raise
            message = f"all {self.size} query workers stayed busy for the whole {timeout:g} s deadline; try again later"
            return Reply(503, {"message": message}, retry_after=RETRY_AFTER)
        remaining = max(deadline - loop.time(), 0.001)
        busy_timeout = self.busy_timeout * (NEWCOMER_SHARE if newcomer else 1.0)
        busy = last and remaining > busy_timeout
        limit = min(remaining, busy_timeout) if busy else remaining
        started = loop.time()
        # Long queries yield the cores to short ones: a new client's sooner, a client stopped lately's from the start.
        nice_after = 0.0 if self._struck(client) else NICE_AFTER * (NEWCOMER_SHARE if newcomer else 1.0)
        lower = loop.call_later(nice_after, self._nice, worker, 19)
        try:
            header, body = await asyncio.wait_for(worker.call(job), limit)
        except TimeoutError:
            self.killed += 1
            self._strike(client)
            self._retire(worker)
            if busy:
                message = (f"the endpoint is busy: the other query workers are taken, and a query that gets the last "
                           f"free one must finish within {busy_timeout:g} s; this one did not and was stopped. "
                           "Try again later")
                return Reply(503, {"message": message}, charge=busy_timeout, retry_after=RETRY_AFTER)
            message = f"the query did not finish within the {timeout:g} s deadline and was stopped"
            return Reply(503, {"message": message}, charge=timeout, retry_after=RETRY_AFTER)
        except WorkerDied:
            used = loop.time() - started
            code = await worker.exit_code()
            self._retire(worker)
            if code == ZYGOTE_ENDED and retry and deadline - loop.time() > 0.1:
                return await self._run(job, timeout, client, priority, deadline)  # not the query's fault
            self._strike(client)
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
        if header.get("replace"):
            self._retire(worker)  # its memory grew, or it served its share of queries: a new fork starts afresh
        elif worker.niced and not self._nice(worker, 0):
            self._retire(worker)  # its priority cannot be raised again (not root): a new worker replaces it
        else:
            self._release(worker)
        elapsed = float(header.get("elapsed", loop.time() - started))
        status = int(header.get("status", 500))
        if client is not None and status < 500:
            self._answered[client] = time.monotonic()
            if len(self._answered) > 4096:
                now = time.monotonic()
                self._answered = {c: t for c, t in self._answered.items() if now - t <= STRIKE_SECONDS}
        return Reply(status, header, body, charge=elapsed, retry_after=RETRY_AFTER if status == 503 else None)

    async def close(self) -> None:
        """Kill every worker and the zygote, and wait for them to end."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for waiter in self._waiting:
            if not waiter.future.done():
                waiter.future.cancel()
        for worker in [*self._workers, *self._spare]:
            worker.kill()
        if self._zygote is not None:
            await self._zygote.close()
        self._workers.clear()
        self._spare.clear()
        self._idle.clear()

    def _is_new(self, client: str | None) -> bool:
        """Whether ``client`` had no query answered in the last minute (the portal itself is never new)."""
        if client is None:
            return False
        answered = self._answered.get(client)
        return answered is None or time.monotonic() - answered > STRIKE_SECONDS

    def _struck(self, client: str | None) -> bool:
        """Whether a query of ``client`` was stopped (deadline, memory) in the last minute."""
        struck = self._strikes.get(client) if client is not None else None
        return struck is not None and time.monotonic() - struck <= STRIKE_SECONDS

    def _may_take_last(self, client: str | None) -> bool:
        return not self._struck(client)

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

    @staticmethod
    def _nice(worker: Worker, value: int) -> bool:
        try:
            os.setpriority(os.PRIO_PROCESS, worker.pid, value)
        except (OSError, AttributeError):
            return False
        worker.niced = value > 0
        return True

    def _release(self, worker: Worker) -> None:
        if self._closed or worker not in self._workers:
            worker.kill()
            return
        if worker.exited.done():  # it died while it had no query (e.g. with its zygote)
            self._retire(worker)
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
        if self._closed:
            return
        if self._spare:  # an idle spare takes over at once; its own replacement is forked in the background
            self._adopt(self._spare.pop())
        self._background(self._replace())

    def _gone(self, worker: Worker) -> None:
        """A worker ended: if it was idle (or a spare), it is replaced now rather than handed a query."""
        if worker in self._spare:
            self._spare.remove(worker)
            if not self._closed:
                self._background(self._replace())
        elif worker in self._idle:
            self._retire(worker)

    def _warm(self, folder: str) -> None:
        """Remember the named queries' folder and have the zygote check them, so that new workers know them."""
        self._warm_folder = folder
        if self._zygote is not None:
            self._zygote.warm(folder)

    async def _replace(self) -> None:
        for attempt in range(ZYGOTE_ATTEMPTS):
            try:
                zygote = await self._forker()
                worker = await zygote.fork()
            except WorkerDied as exc:
                if self.broken or self._closed:
                    return
                log.error("no query worker: %s (attempt %d of %d)", exc, attempt + 1, ZYGOTE_ATTEMPTS)
                await asyncio.sleep(2**attempt - 1)  # at once the first time: a new zygote may be starting already
                continue
            self._forked += 1
            if self._forked > self.size + self.spares:
                self.replaced += 1
            worker.exited.add_done_callback(lambda _f, w=worker: self._gone(w))
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

    async def _forker(self) -> ForkServer:
        """The running zygote, started (again) when there is none: one start at a time, with a back-off."""
        if self._zygote is not None and self._zygote.alive:
            return self._zygote
        if self._zygote_lock is None:
            self._zygote_lock = asyncio.Lock()
        async with self._zygote_lock:
            if self._zygote is not None and self._zygote.alive:
                return self._zygote
            for attempt in range(ZYGOTE_ATTEMPTS):
                if self._closed:
                    raise WorkerDied("the pool is closed")
                zygote = ForkServer(self.trig, self.memory_mb, on_exit=self._zygote_ended)
                try:
                    await zygote.start()
                except WorkerDied as exc:
                    log.error("%s (attempt %d of %d)", exc, attempt + 1, ZYGOTE_ATTEMPTS)
                    await asyncio.sleep(2**attempt)
                    continue
                if self._zygote is not None:
                    self.zygote_restarts += 1
                    log.warning("the query workers' zygote ended; a new one (pid %s) took over", zygote.pid)
                self._zygote = zygote
                if self._warm_folder is not None:
                    zygote.warm(self._warm_folder)
                return zygote
            self.broken = f"the query workers cannot start on {self.trig}; see the server log"
            raise WorkerDied(self.broken)

    def _zygote_ended(self) -> None:
        if not self._closed:  # start the next one now, so that replacements find it ready
            self._background(self._forker())

    def _background(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and not isinstance(task.exception(), WorkerDied):
            log.error("query pool task failed: %r", task.exception())
