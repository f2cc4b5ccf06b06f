"""The zygote: one process that loads the store once and forks ready query workers in milliseconds.

Starting a worker as a fresh interpreter costs one or two seconds of CPU
(importing rdflib and pyoxigraph, loading the store, building rdflib's SPARQL
grammar): on a small machine under attack, where every runaway query costs a
worker, that starved the good clients. So the pool starts one fresh
interpreter, the zygote (:func:`main`), at server
start. It does everything expensive once: it leaves the network
(:func:`~cica_graph.web.worker.isolate_network`), loads the release with
``Store.load`` (nothing left running in other threads: safe to fork), warms the
query checks, and freezes its objects out of the garbage collector's reach
(fewer copy-on-write pages in the children). Then, on request, it
``os.fork()``\\ s a worker: the child shares the loaded store copy-on-write,
applies its own limits (:func:`~cica_graph.web.worker.become_worker`: memory
limit, death with the zygote) and serves jobs
(:func:`~cica_graph.web.worker.serve`).

The server (an asyncio process with threads, unsafe to fork) never forks
itself. It talks to the zygote over a Unix ``SOCK_SEQPACKET`` socket, one JSON
message per packet:

* server → zygote: ``{"fork": N}`` (a worker, please) and
  ``{"warm": FOLDER}`` (check the named queries of FOLDER once, so that every
  later worker inherits their verdicts);
* zygote → server: ``{"ready": true, ...}`` once loaded;
  ``{"forked": N, "pid": PID}`` carrying, with ``SCM_RIGHTS``, the server's end
  of a socket pair to the new worker and a pidfd of it (so that the server can
  SIGKILL exactly that process at a deadline, even after its pid was reused),
  or ``{"failed": N, "message": ...}`` when ``fork()`` itself failed;
  ``{"exited": PID, "status": CODE}`` when the zygote has reaped a worker.

The worker is the zygote's child, the zygote the server's: each dies with its
parent (``PR_SET_PDEATHSIG``), so nothing outlives the server. If the zygote
dies its workers die with it; the pool sees the socket close, answers the
queries they held with 503 and starts a new zygote.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import json
import os
import select
import signal
import socket
import sys
from pathlib import Path

from . import worker as work

#: What the zygote shows in ``ps`` and ``/proc/PID/comm``.
ZYGOTE_NAME = "cica-zygote"
#: How long the zygote may take to load the store and say it is ready.
STARTUP_SECONDS = 120.0
#: How long a fork may take before the zygote is held to be hung (it may be busy warming named queries for a second).
FORK_SECONDS = 15.0
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])
_PACKET = 65536
#: The exit status reported for workers that ended with their zygote (which cannot tell any more).
ZYGOTE_ENDED = "unknown (the zygote ended)"
#: Not ``-m cica_graph.web.zygote``: the package imports this module first, and runpy would import it twice.
_ENTRY = "import sys; from cica_graph.web.zygote import main; sys.exit(main(sys.argv[1:]))"


class WorkerDied(Exception):
    """The worker (or the zygote) ended, or wrote something that is not a reply."""


class Worker:
    """The server's handle on one forked worker: its socket, its pid and pidfd, its exit status when known."""

    def __init__(self, pid: int, pidfd: int | None, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.pid = pid
        self.pidfd = pidfd
        self.reader = reader
        self.writer = writer
        self.niced = False
        self.exited: asyncio.Future = asyncio.get_running_loop().create_future()
        self.exited.add_done_callback(lambda _f: self._close_pidfd())

    async def call(self, job: dict) -> tuple[dict, bytes]:
        """Send one job and wait for its reply."""
        try:
            self.writer.write(json.dumps(job).encode("utf-8") + b"\n")
            await self.writer.drain()
        except (ConnectionError, OSError) as exc:
            raise WorkerDied(str(exc)) from exc
        return await self.receive()

    async def receive(self) -> tuple[dict, bytes]:
        """Read one reply: a JSON header line and ``length`` bytes of body."""
        try:
            line = await self.reader.readline()
            header = json.loads(line)
            body = await self.reader.readexactly(int(header["length"]))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, KeyError, ConnectionError) as exc:
            raise WorkerDied(f"worker ended or wrote garbage: {exc!r}") from exc
        return header, body

    def kill(self) -> None:
        """Stop the process at once (SIGKILL through its pidfd), whatever it is doing, and close its socket."""
        if not self.exited.done():
            try:
                if self.pidfd is not None:
                    signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
                else:
                    os.kill(self.pid, signal.SIGKILL)
            except (ProcessLookupError, OSError):
                pass
        self.writer.close()

    async def exit_code(self, timeout: float = 2.0) -> int | str:
        """The exit status the zygote reported (negative: killed by that signal), or 'unknown'."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.exited), timeout)
        except TimeoutError:
            return "unknown"

    def _close_pidfd(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class ForkServer:
    """The server's handle on a zygote process: start it, ask it for workers, notice when it ends.

    ``memory_mb`` is each worker's address-space limit (0: none);
    ``on_exit`` is called (once) when the zygote is found to have ended.
    """

    def __init__(self, trig: Path, memory_mb: int = 0, on_exit: object = None) -> None:
        self.trig = trig
        self.memory_mb = memory_mb
        self.on_exit = on_exit
        self.process: asyncio.subprocess.Process | None = None
        self.alive = False
        self.info: dict = {}
        self._sock: socket.socket | None = None
        self._ready: asyncio.Future | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._workers: dict[int, Worker] = {}
        self._seq = itertools.count(1)

    @property
    def pid(self) -> int | None:
        """The zygote's process id (None before it started)."""
        return self.process.pid if self.process else None

    async def start(self) -> None:
        """Start the zygote and wait until it has loaded the store (WorkerDied if it cannot)."""
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
        env["RUST_BACKTRACE"] = "0"  # a query over the memory limit: one line in the log, not a backtrace
        env.setdefault("MALLOC_ARENA_MAX", "2")  # glibc reserves 64 MB of address space per thread arena otherwise
        env.setdefault("MALLOC_MMAP_THRESHOLD_", "1048576")  # big replies are returned to the system when freed
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _ENTRY, str(self.trig), str(os.getpid()), str(self.memory_mb),
                str(theirs.fileno()), pass_fds=(theirs.fileno(),), stdin=asyncio.subprocess.DEVNULL, env=env,
            )
        except OSError as exc:
            ours.close()
            raise WorkerDied(f"the zygote could not be started: {exc}") from exc
        finally:
            theirs.close()
        ours.setblocking(False)
        self._sock = ours
        self.alive = True
        self._ready = loop.create_future()
        loop.add_reader(ours.fileno(), self._readable)
        try:
            self.info = await asyncio.wait_for(asyncio.shield(self._ready), STARTUP_SECONDS)
        except (TimeoutError, WorkerDied):
            self.kill()
            raise WorkerDied(f"the zygote could not load {self.trig}") from None

    async def fork(self) -> Worker:
        """A new worker, forked from the loaded zygote (WorkerDied when the zygote is gone or hung)."""
        if not self.alive or self._sock is None:
            raise WorkerDied("the zygote is not running")
        number = next(self._seq)
        future = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        try:
            self._send({"fork": number})
            pid, fds = await asyncio.wait_for(future, FORK_SECONDS)
        except TimeoutError:
            self.kill()
            raise WorkerDied(f"the zygote did not fork a worker within {FORK_SECONDS:g} s") from None
        finally:
            self._pending.pop(number, None)
        channel = socket.socket(fileno=fds[0])
        pidfd = fds[1] if len(fds) > 1 else None
        try:
            reader, writer = await asyncio.open_connection(sock=channel, limit=1 << 20)
        except OSError as exc:
            channel.close()
            if pidfd is not None:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                os.close(pidfd)
            raise WorkerDied(f"cannot talk to a forked worker: {exc}") from exc
        worker = Worker(pid, pidfd, reader, writer)
        self._workers[pid] = worker
        try:  # it says ready once its limits apply (memory, death with the zygote)
            header, _ = await asyncio.wait_for(worker.receive(), FORK_SECONDS)
        except (TimeoutError, WorkerDied):
            worker.kill()
            raise WorkerDied("a forked worker did not get ready") from None
        if not header.get("ready"):
            worker.kill()
            raise WorkerDied(f"a forked worker did not get ready: {header}")
        return worker

    def warm(self, folder: str) -> None:
        """Have the zygote check the named queries of ``folder`` once, so that later workers know their verdicts."""
        if self.alive:
            with contextlib.suppress(WorkerDied):
                self._send({"warm": folder})

    def kill(self) -> None:
        """Stop the zygote (its workers die with it) and forget it."""
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        self._ended()

    async def close(self) -> None:
        """Kill the zygote and wait for it to end."""
        self.kill()
        if self.process is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.process.wait(), 5)

    def _send(self, message: dict) -> None:
        assert self._sock is not None
        try:
            self._sock.send(json.dumps(message).encode("utf-8"))
        except OSError as exc:
            self._ended()
            raise WorkerDied(f"the zygote is gone: {exc}") from exc

    def _readable(self) -> None:
        while self._sock is not None:
            try:
                data, fds, _flags, _address = socket.recv_fds(self._sock, _PACKET, 4)
            except BlockingIOError:
                return
            except OSError:
                data, fds = b"", []
            if not data:
                self._ended()
                return
            self._message(json.loads(data), fds)

    def _message(self, message: dict, fds: list[int]) -> None:
        if "forked" in message:
            future = self._pending.get(message["forked"])
            if future is not None and not future.done():
                future.set_result((int(message["pid"]), fds))
                return
            if len(fds) > 1:  # nobody waits for this worker any more: stop it
                with contextlib.suppress(OSError):
                    signal.pidfd_send_signal(fds[1], signal.SIGKILL)
        elif "failed" in message:
            future = self._pending.get(message["failed"])
            if future is not None and not future.done():
                future.set_exception(WorkerDied(f"the zygote could not fork a worker: {message.get('message')}"))
        elif "exited" in message:
            worker = self._workers.pop(int(message["exited"]), None)
            if worker is not None and not worker.exited.done():
                worker.exited.set_result(int(message["status"]))
        elif "ready" in message and self._ready is not None and not self._ready.done():
            self._ready.set_result(message)
        for fd in fds:
            os.close(fd)

    def _ended(self) -> None:
        if self._sock is None:
            return
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._sock.close()
        self._sock = None
        self.alive = False
        died = WorkerDied("the zygote ended")
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(died)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(died)
        for worker in self._workers.values():  # they die with the zygote (PR_SET_PDEATHSIG); nobody reaps them for us
            if not worker.exited.done():
                worker.exited.set_result(ZYGOTE_ENDED)
        self._workers.clear()
        if callable(self.on_exit) and self.info:  # it had been ready: a crash, not a failed start
            self.on_exit()


# --- the zygote process ----------------------------------------------------------------------------------------


class Zygote:
    """The zygote's loop: fork workers on request, reap them, report their exit."""

    def __init__(self, control: socket.socket, store: object, check: object, memory_mb: int) -> None:
        self.control = control
        self.store = store
        self.check = check
        self.memory_mb = memory_mb
        self.children: dict[int, int | None] = {}  # pid -> pidfd (None where pidfds are not available)

    def run(self) -> int:
        """Serve requests until the server closes the socket (or ends)."""
        while True:
            watched = [self.control, *(fd for fd in self.children.values() if fd is not None)]
            readable, _, _ = select.select(watched, [], [], 1.0)
            self.reap()
            if self.control not in readable:
                continue
            try:
                data = self.control.recv(_PACKET)
            except OSError:
                data = b""
            if not data:
                return 0
            request = json.loads(data)
            if "fork" in request:
                self.fork(int(request["fork"]))
            elif "warm" in request:
                self.warm(str(request["warm"]))

    def fork(self, number: int) -> None:
        """Fork one worker and send the server its socket and pidfd."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        zygote = os.getpid()
        try:
            pid = os.fork()
        except OSError as exc:  # out of processes or memory: the server hears of it, the zygote lives on
            ours.close()
            theirs.close()
            self.control.send(json.dumps({"failed": number, "message": str(exc)}).encode("utf-8"))
            return
        if pid == 0:  # the worker
            code = 70
            try:
                self.control.close()
                ours.close()
                for fd in self.children.values():
                    if fd is not None:
                        os.close(fd)
                work.become_worker(zygote, self.memory_mb)
                code = work.serve(self.store, theirs, self.check, self.memory_mb)  # type: ignore[arg-type]
            except (ConnectionError, KeyboardInterrupt):
                code = 0
            except BaseException as exc:  # a worker ends through os._exit, never returns
                print(f"cica-graph worker: {exc!r}", file=sys.stderr)
            finally:
                os._exit(code)
        theirs.close()
        try:
            pidfd: int | None = os.pidfd_open(pid)
        except (OSError, AttributeError):
            pidfd = None
        self.children[pid] = pidfd
        fds = [ours.fileno(), *([pidfd] if pidfd is not None else [])]
        try:
            socket.send_fds(self.control, [json.dumps({"forked": number, "pid": pid}).encode("utf-8")], fds)
        finally:
            ours.close()

    def warm(self, folder: str) -> None:
        """Check the named queries of ``folder`` (trusted project files) so that forked workers inherit the verdicts."""
        try:
            work.warm(self.check, work.named_texts(folder))  # type: ignore[arg-type]
        except Exception as exc:  # an optimisation: it must never end the zygote
            print(f"cica-graph zygote: could not warm the named queries of {folder}: {exc!r}", file=sys.stderr)

    def reap(self) -> None:
        """Collect ended workers and tell the server how they ended."""
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            pidfd = self.children.pop(pid, None)
            if pidfd is not None:
                os.close(pidfd)
            with contextlib.suppress(OSError):
                self.control.send(json.dumps({"exited": pid, "status": os.waitstatus_to_exitcode(status)}).encode())


def main(argv: list[str]) -> int:
    """Run the zygote: ``argv`` is RELEASE.trig SERVER_PID MEMORY_MB CONTROL_FD (see ``ForkServer.start``)."""
    trig, server, memory_mb, control_fd = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    work.die_with_parent(server)
    work.set_name(ZYGOTE_NAME)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the server stops us
    if not work.isolate_network():
        print("cica-graph zygote: no private network namespace here; SERVICE is kept out by the query checks alone",
              file=sys.stderr)
    control = socket.socket(fileno=control_fd)
    store, check = work.load(trig)
    gc.collect()
    gc.freeze()  # the loaded objects are never scanned again: the collector does not dirty pages the workers share
    control.send(json.dumps({"ready": True, "quads": len(store), "pid": os.getpid()}).encode("utf-8"))
    return Zygote(control, store, check, memory_mb).run()

