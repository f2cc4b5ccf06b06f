"""Write a release: deterministic serialisations, a VoID/DCAT description and checksums.

Determinism: triples are sorted before they are serialised (Oxigraph's
serialisers for Turtle, N-Triples and TriG keep the order they are given;
rdflib's JSON-LD serialiser gets a graph filled in sorted order), and the
prefix block is sorted, so the same input gives byte-identical files whatever
the hash seed. Oxigraph's serialisers are used because rdflib's take ~1 s on
our data against a few ms (benchmarks/build.py). Atomicity: all files are written
and fsynced in a sibling temporary folder that then replaces the release
folder by an atomic exchange (or rename), so a failed or killed build leaves
the previous release untouched; its leftovers are removed by the next build.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import hashlib
import heapq
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, VOID, XSD

from .errors import Problem, ReleaseError
from .load import new_graph
from .terms import (
    ASSERTED_GRAPH,
    DEFAULT_BASE,
    DERIVED_GRAPH,
    ID,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PREFIXES,
    SPDX,
)

DATASET = URIRef(DEFAULT_BASE + "dataset")
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
MEDIA_TYPES = {
    "cica.ttl": "text/turtle",
    "cica-inferred.ttl": "text/turtle",
    "cica.jsonld": "application/ld+json",
    "context.jsonld": "application/ld+json",
    "cica.nt": "application/n-triples",
    "cica.trig": "application/trig",
    "void.ttl": "text/turtle",
}
#: The files of a release, in the order SHA256SUMS lists them.
FILES = (*MEDIA_TYPES, "SHA256SUMS")


@dataclass
class Parts:
    """The four graphs a release is made of."""

    ontology: Graph
    asserted: Graph
    derived: Graph
    inferred: Graph

    def main(self) -> Graph:
        """Ontology + asserted + derived: the content of cica.ttl, .jsonld and .nt."""
        return sorted_graph(self.ontology, self.asserted, self.derived)


def sorted_graph(*graphs: Graph) -> Graph:
    """A new graph with the union of ``graphs`` inserted in a stable order."""
    triples: set = set()
    for graph in graphs:
        triples.update(graph)
    out = new_graph()
    for triple in sorted(triples, key=lambda t: tuple(x.n3() for x in t)):
        out.add(triple)
    return out


def context() -> dict:
    """The published JSON-LD context: the project's prefixes."""
    return {"@context": dict(PREFIXES)}


def render(parts: Parts) -> dict[str, bytes]:
    """Every release file's bytes (SHA256SUMS included).

    Each part is converted to Oxigraph terms and sorted once; the main files merge the sorted parts.
    """
    keyed = {name: sorted(_keyed(graph), key=itemgetter(0)) for name, graph in (
        (ONTOLOGY_GRAPH, parts.ontology), (ASSERTED_GRAPH, parts.asserted), (DERIVED_GRAPH, parts.derived),
        (INFERRED_GRAPH, parts.inferred))}
    merged = heapq.merge(keyed[ONTOLOGY_GRAPH], keyed[ASSERTED_GRAPH], keyed[DERIVED_GRAPH], key=itemgetter(0))
    main = [triple for _key, triple in _distinct(merged)]
    files: dict[str, bytes] = {
        "cica.ttl": turtle(main),
        "cica-inferred.ttl": turtle([triple for _key, triple in keyed[INFERRED_GRAPH]]),
        "cica.jsonld": jsonld(main),
        "context.jsonld": (json.dumps(context(), indent=2, sort_keys=True) + "\n").encode("utf-8"),
        "cica.nt": ox.serialize(main, format=ox.RdfFormat.N_TRIPLES),
        "cica.trig": _trig(keyed),
    }
    files["void.ttl"] = turtle(ordered(void(parts, files)))
    files["SHA256SUMS"] = "".join(f"{sha256(files[n])}  {n}\n" for n in MEDIA_TYPES).encode("utf-8")
    return files


def _keyed(graph: Graph) -> set[tuple[tuple[str, str, str], ox.Triple]]:
    """The triples of ``graph`` as Oxigraph triples, each with its N-Triples sort key."""
    out = set()
    for triple in graph:
        converted = to_ox_triple(triple)
        out.add(((str(converted.subject), str(converted.predicate), str(converted.object)), converted))
    return out


def _distinct(items: Iterable[tuple[tuple, ox.Triple]]) -> Iterator[tuple[tuple, ox.Triple]]:
    previous = None
    for item in items:
        if item[0] != previous:
            previous = item[0]
            yield item


def jsonld(triples: list[ox.Triple]) -> bytes:
    """Compact JSON-LD of ``triples`` with the project's prefixes as inline context.

    Flat node objects (one per subject, sorted by ``@id``; values sorted), so
    the document is deterministic. Written here rather than by rdflib's
    serialiser, which took ~0.5 s on our data and walks sets (hash order),
    against ~20 ms (benchmarks/build.py); tests/test_release.py parses it
    back and checks it holds exactly the triples of cica.ttl.
    """
    nodes: dict[str, dict] = {}
    for triple in triples:
        node = nodes.setdefault(_jsonld_id(triple.subject), {"@id": _jsonld_id(triple.subject)})
        if triple.predicate.value == str(RDF.type) and isinstance(triple.object, ox.NamedNode):
            node.setdefault("@type", []).append(compact(triple.object.value))
        else:
            node.setdefault(compact(triple.predicate.value), []).append(_jsonld_value(triple.object))
    graph = []
    for key in sorted(nodes):
        node = nodes[key]
        for values in node.values():
            if isinstance(values, list):
                values.sort(key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        graph.append(node)
    document = {"@context": context()["@context"], "@graph": graph}
    return (json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


@functools.lru_cache(maxsize=65536)
def compact(iri: str) -> str:
    """``prefix:local`` for an IRI under one of the project's prefixes (longest match), else the IRI."""
    best = ""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and len(base) > len(PREFIXES.get(best, "")):
            local = iri[len(base) :]
            if local and not local.startswith("//"):
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def _jsonld_id(term: object) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return compact(term.value)  # type: ignore[attr-defined]


def _jsonld_value(term: object) -> dict:
    if isinstance(term, ox.Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == str(XSD.string):
            return {"@value": term.value}
        return {"@value": term.value, "@type": compact(term.datatype.value)}
    return {"@id": _jsonld_id(term)}


def ordered(*graphs: Graph) -> list[ox.Triple]:
    """The union of ``graphs`` as Oxigraph triples in N-Triples order."""
    return [triple for _key, triple in sorted(set().union(*map(_keyed, graphs)), key=itemgetter(0))]


def turtle(triples: list[ox.Triple]) -> bytes:
    """Turtle with the project's prefixes, the prefix block sorted."""
    return _sort_prefixes(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))


def to_ox_triple(triple: tuple) -> ox.Triple:
    """An rdflib triple as an Oxigraph triple."""
    s, p, o = triple
    return ox.Triple(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]


def to_ox(term: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as an Oxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def void(parts: Parts, files: dict[str, bytes]) -> Graph:
    """A VoID + DCAT description of the release with statistics, dumps and checksums."""
    everything: set = set()
    for part in (parts.ontology, parts.asserted, parts.derived, parts.inferred):
        everything.update(part)
    graph = new_graph()
    graph.bind("spdx", SPDX)
    ds = DATASET
    graph.add((ds, RDF.type, VOID.Dataset))
    graph.add((ds, RDF.type, DCAT.Dataset))
    graph.add((ds, DCTERMS.title, Literal("CICA knowledge graph", lang="en")))
    graph.add((ds, DCTERMS.description, Literal(
        "Members, observers and partners of the Conference on Interaction and Confidence Building Measures in Asia "
        "with dated memberships, chairmanships, secretariat posts, meetings, adopted documents, agreements and the "
        "Catalogue of Confidence Building Measures; every fact cites its source.", lang="en")))
    graph.add((ds, DCTERMS.license, LICENSE))
    modified = parts.ontology.value(None, DCTERMS.modified)
    if modified is not None:
        graph.add((ds, DCTERMS.modified, modified))
    graph.add((ds, VOID.uriSpace, Literal(str(ID))))
    graph.add((ds, VOID.triples, Literal(len(everything))))
    subjects = {s for s, _p, _o in everything if isinstance(s, URIRef) and str(s).startswith(str(ID)) and "#" not in s}
    graph.add((ds, VOID.entities, Literal(len(subjects))))
    graph.add((ds, VOID.distinctSubjects, Literal(len({s for s, _p, _o in everything}))))
    graph.add((ds, VOID.properties, Literal(len({p for _s, p, _o in everything}))))
    classes = Counter(o for s, p, o in everything if p == RDF.type and s in subjects)
    graph.add((ds, VOID.classes, Literal(len(classes))))
    for cls, count in sorted(classes.items()):
        partition = URIRef(f"{ds}#class-{_slug(cls)}")
        graph.add((ds, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], cls))
        graph.add((partition, VOID.entities, Literal(count)))
    for vocabulary in sorted(_vocabularies(everything)):
        graph.add((ds, VOID.vocabulary, URIRef(vocabulary)))
    for name in MEDIA_TYPES:
        if name == "void.ttl":
            continue
        dump = URIRef(f"{DEFAULT_BASE}dumps/{name}")
        graph.add((ds, VOID.dataDump, dump))
        graph.add((ds, DCAT.distribution, dump))
        graph.add((dump, RDF.type, DCAT.Distribution))
        graph.add((dump, DCAT.downloadURL, dump))
        graph.add((dump, DCAT.mediaType, Literal(MEDIA_TYPES[name])))
        graph.add((dump, DCAT.byteSize, Literal(len(files[name]), datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(f"{dump}#sha256")
        graph.add((dump, SPDX.checksum, checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(sha256(files[name]), datatype=XSD.hexBinary)))
    version = parts.ontology.value(None, OWL.versionIRI)
    if version is not None:
        graph.add((ds, DCTERMS.conformsTo, version))
    return graph


def write_release(files: dict[str, bytes], dist: Path) -> None:
    """Write ``files`` into ``dist`` atomically: all of them or, on failure, none.

    The files are written and fsynced in a sibling staging folder, which is then
    exchanged with ``dist`` in one ``renameat2(RENAME_EXCHANGE)`` where the
    system has it (Linux), else by two renames. Leftovers of a build killed
    midway (staging and old folders of dead processes) are removed first, and
    a release moved aside by a build killed between its two renames is put back.
    """
    dist = dist.resolve()
    dist.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(dist)
    staging = Path(tempfile.mkdtemp(prefix=f".{dist.name}.tmp-{os.getpid()}-", dir=dist.parent))
    try:
        for name, data in files.items():
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _fsync_dir(staging)
        if dist.exists() and _exchange(staging, dist):
            _fsync_dir(dist.parent)
            shutil.rmtree(staging, ignore_errors=True)
            return
        old = None
        if dist.exists():
            old = dist.parent / f".{dist.name}.old-{os.getpid()}"
            os.replace(dist, old)
        os.replace(staging, dist)
        _fsync_dir(dist.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ReleaseError(Problem(f"cannot write the release: {exc}", str(dist))) from exc


def clean_stale(dist: Path) -> list[Path]:
    """Remove the staging/old folders that killed builds left beside ``dist``; return them.

    Folders of a process still running (its pid is in the name) are kept. When
    ``dist`` is missing but an old release was moved aside, it is put back first.
    """
    removed = []
    olds = sorted(dist.parent.glob(f".{glob.escape(dist.name)}.old-*"), key=lambda p: p.stat().st_mtime)
    if not dist.exists() and olds and not _alive(olds[-1]):
        os.replace(olds.pop(), dist)
    for folder in [*olds, *dist.parent.glob(f".{glob.escape(dist.name)}.tmp-*")]:
        if not _alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(folder: Path) -> bool:
    match = re.search(r"\.(?:tmp|old)-(\d+)", folder.name)
    if not match or int(match[1]) == os.getpid():
        return False
    try:
        os.kill(int(match[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2(RENAME_EXCHANGE); False where unavailable."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def write_file(path: Path, data: bytes) -> None:
    """Write one output file atomically (temporary file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ReleaseError(Problem(f"cannot write: {exc}", str(path))) from exc


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _trig(keyed: dict[URIRef, list[tuple[tuple, ox.Triple]]]) -> bytes:
    quads = []
    for name in (ONTOLOGY_GRAPH, ASSERTED_GRAPH, DERIVED_GRAPH, INFERRED_GRAPH):
        label = ox.NamedNode(str(name))
        quads += [ox.Quad(t.subject, t.predicate, t.object, label) for _key, t in keyed[name]]
    return _sort_prefixes(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES))


def _sort_prefixes(data: bytes) -> bytes:
    """``data`` with its leading block of ``@prefix`` lines sorted (Oxigraph writes them in insertion order)."""
    start = 0
    while data.startswith(b"@prefix ", start):
        start = data.index(b"\n", start) + 1
    head = sorted(data[:start].split(b"\n")[:-1])
    return b"\n".join([*head, b"", data[start:]])


def _vocabularies(triples: Iterable[tuple]) -> Iterable[str]:
    terms = set()
    for _s, p, o in triples:
        terms.add(p)
        if p == RDF.type:
            terms.add(o)
    bases = [iri for iri in PREFIXES.values() if not iri.startswith(str(ID))]
    return {base for term in terms for base in bases if str(term).startswith(base)}


def _slug(iri: URIRef) -> str:
    text = str(iri)
    for prefix, base in PREFIXES.items():
        if text.startswith(base):
            return f"{prefix}-{text[len(base):]}"
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
