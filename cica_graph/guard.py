"""A process-wide guard: no outbound request, no read outside the inputs while parsing.

cica-graph reads local files only. The parsers it uses can be talked into
reaching out — a JSON-LD ``@context`` URL, a SPARQL ``SERVICE`` run by rdflib,
a ``file:`` URL — so besides refusing such input up front (``load``,
``limits``, ``sparql.check_query``), :func:`install` adds an audit hook
(PEP 578) that refuses, for the whole process:

* ``socket.connect`` / ``socket.sendto`` / ``socket.sendmsg`` to a non-loopback address,
* ``socket.getaddrinfo`` of a host name other than ``localhost`` (no DNS query leaks),
* every ``urllib.Request`` (nothing of ours uses urllib to fetch),
* and, only inside :func:`reading`, an ``open`` of any file other than the
  inputs being parsed and Python's own modules.

An audit hook cannot be removed: install it in processes you own (the CLI does
in its ``main`` callback; the server calls ``cica_graph.guard.install()``).
The hook returns at once for the hundreds of other audit events.
Oxigraph's Rust code (its SPARQL ``SERVICE`` client) is invisible to audit
hooks: ``sparql.check_query`` is what keeps SERVICE out of it.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import os
import sys
from collections.abc import Iterable, Iterator

from .errors import GuardError, Problem

_installed = False
_reading: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar("cica_graph_reading", default=None)
_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd", ".pth", ".typed")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_SOCKET_EVENTS = {"socket.connect", "socket.sendto", "socket.sendmsg"}
_WATCHED = {*_SOCKET_EVENTS, "socket.getaddrinfo", "urllib.Request", "open"}


def install() -> None:
    """Add the audit hook to this process (idempotent; it cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


def installed() -> bool:
    """Whether :func:`install` ran in this process."""
    return _installed


@contextlib.contextmanager
def reading(inputs: Iterable[os.PathLike | str]) -> Iterator[None]:
    """While inside, only ``inputs`` and Python's own files may be opened (when the guard is installed)."""
    allowed = frozenset(os.path.realpath(p) for p in inputs)
    token = _reading.set(allowed)
    try:
        yield
    finally:
        _reading.reset(token)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) is this machine."""
    host = host.strip("[]").split("%", 1)[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple) -> None:
    if event not in _WATCHED:
        return
    if event == "open":
        allowed = _reading.get()
        if allowed is not None:
            _check_open(args[0], allowed)
    elif event in _SOCKET_EVENTS:
        address = args[-1] if event == "socket.sendto" else args[1] if len(args) > 1 else None
        if isinstance(address, tuple) and address and isinstance(address[0], str) and not is_loopback(address[0]):
            _refuse(f"connection to {address[0]}:{address[1] if len(address) > 1 else '?'}")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if isinstance(host, str) and host and not _is_address(host) and not is_loopback(host):
            _refuse(f"name lookup of {host}")
    else:  # urllib.Request
        _refuse(f"request to {args[0]}")


def _check_open(path: object, allowed: frozenset[str]) -> None:
    if isinstance(path, int):
        return
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    text = os.fspath(path)  # type: ignore[arg-type]
    if text.endswith(_MODULE_SUFFIXES) or _under_python(text):
        return
    if os.path.realpath(text) in allowed:
        return
    _refuse(f"read of {text} while parsing (only the input files may be opened)")


def _under_python(path: str) -> bool:
    real = os.path.realpath(path)
    return any(real.startswith(prefix + os.sep) for prefix in _python_prefixes())


_PREFIXES: tuple[str, ...] = ()


def _python_prefixes() -> tuple[str, ...]:
    global _PREFIXES
    if not _PREFIXES:
        _PREFIXES = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    return _PREFIXES


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _refuse(what: str) -> None:
    raise GuardError(Problem(f"refused {what}: cica-graph reads local files only and makes no outbound request"))


__all__ = ["install", "installed", "is_loopback", "reading"]
