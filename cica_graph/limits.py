"""What input is refused before any parser sees it: oversized files and foreign formats.

RDF/XML and TriX are XML: an XML parser expands ``<!DOCTYPE>``/``<!ENTITY>``
declarations (a few hundred bytes can grow into gigabytes, or pull in other
files), so such files are refused from their name and first bytes, never
parsed. JSON-LD is refused too: its ``@context`` may name remote documents,
and the project bundles no context for input. Limits are read from the
environment on each call so that a test or a server can change them.
"""

from __future__ import annotations

import os
import re

from .errors import ConfigError, Problem

ENV_MAX_FILE_MB = "CICA_GRAPH_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 64.0
_XML_TYPES = {".rdf": "RDF/XML", ".owl": "RDF/XML", ".xml": "RDF/XML", ".trix": "TriX"}
_JSON_TYPES = {".jsonld": "JSON-LD", ".json": "JSON-LD"}
_HEAD = 4096


def max_file_bytes() -> int:
    """The largest input file accepted, from ``CICA_GRAPH_MAX_FILE_MB`` (default 64 MB)."""
    raw = os.environ.get(ENV_MAX_FILE_MB, "").strip()
    if not raw:
        return int(DEFAULT_MAX_FILE_MB * 1024 * 1024)
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = -1.0
    if not megabytes > 0:
        raise ConfigError(Problem(f"{ENV_MAX_FILE_MB}={raw!r} is not a positive number of megabytes"))
    return int(megabytes * 1024 * 1024)


def size_problem(size: int, name: str) -> Problem | None:
    """A problem when a file of ``size`` bytes is over the limit."""
    limit = max_file_bytes()
    if size <= limit:
        return None
    return Problem(
        f"file too large: {_mb(size)} MB, over the limit of {_mb(limit)} MB",
        name,
        hint=f"split the file, or raise the limit with {ENV_MAX_FILE_MB}",
    )


def foreign_type_message(suffix: str, head: bytes) -> str | None:
    """Why a file of a refused type (RDF/XML, TriX, JSON-LD) is refused, from its suffix and first bytes."""
    suffix = suffix.lower()
    if suffix in _XML_TYPES:
        return f"unsupported file type '{suffix}': {_xml_refusal(_XML_TYPES[suffix], head)}"
    if suffix in _JSON_TYPES:
        return f"unsupported file type '{suffix}': {_json_refusal(head)}"
    return None


def foreign_content_message(head: bytes) -> str | None:
    """Why a file named as Turtle, N-Triples or TriG is refused when its content is XML or JSON-LD."""
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if re.match(r"<(\?xml|!|rdf:RDF|TriX)", text):
        return f"content is XML, not Turtle: {_xml_refusal('RDF/XML or TriX', head)}"
    if text[:1] in "{[" and re.search(r'"@(context|id|graph|type)"', text):
        return f"content is JSON-LD, not Turtle: {_json_refusal(head)}"
    return None


def _xml_refusal(kind: str, head: bytes) -> str:
    declares = re.search(rb"<!\s*(DOCTYPE|ENTITY)", head, re.I)
    why = "refused unread, before any XML parser runs"
    if declares:
        why = f"it declares a {declares[1].decode().upper()} (entity expansion), {why}"
    return f"{kind} input is not accepted ({why}); convert the file to Turtle"


def _json_refusal(head: bytes) -> str:
    remote = re.search(rb'"@context"\s*:\s*\[?\s*"([^"]*)"', head)
    why = "only bundled JSON-LD contexts may be used, and there is none for input"
    if remote:
        why = f"its @context names <{remote[1].decode('utf-8', 'replace')}>, which is never fetched; {why}"
    return f"JSON-LD input is not accepted ({why}); convert the file to Turtle"


def read_head(path: os.PathLike, size: int = _HEAD) -> bytes:
    """The first ``size`` bytes of a file, or nothing when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.3g}"
