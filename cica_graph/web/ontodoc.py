"""Ontology documentation with pyLODE 3.3.4, generated in a child process.

pyLODE configures DEBUG logging for the whole interpreter when imported and
takes a couple of seconds, so it never runs in the server or the CLI process:
:func:`generate` starts ``python -m cica_graph.web.ontodoc`` and reads the HTML
it prints. Two adjustments are made to pyLODE's input and output:

* skos:ConceptSchemes other than the ontology (our role scheme) are hidden
  from pyLODE, which otherwise takes the last scheme's title as the document's
  title and merges the scheme's metadata into the ontology's;
* pyLODE derives anchors from labels (``#Internationalorganization``); an
  anchor named after each term's local name is added so that a term IRI such
  as ``/def#InternationalOrganization`` lands on its entry.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import escape
from pathlib import Path

from ..errors import CicaError, Problem

_ENTITY = re.compile(r'(<div class="[^"]*\bentity\b[^"]*" id="([^"]+)">)(.*?<code>([^<]+)</code>)', re.S)
_VANN_NAMESPACE = "http://purl.org/vocab/vann/preferredNamespaceUri"
_PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def generate(turtle: bytes | None = None, files: list[Path] | None = None, timeout: float = 120.0) -> str:
    """pyLODE HTML for an ontology given as Turtle bytes or as files; CicaError when pyLODE fails."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_PARENT, env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "cica_graph.web.ontodoc", *(str(f) for f in files or [])]
    try:
        done = subprocess.run(command, input=turtle or b"", capture_output=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise CicaError(Problem(f"pyLODE did not finish within {timeout:g} s")) from exc
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise CicaError(Problem("pyLODE could not document the ontology: " + " / ".join(tail)))
    return done.stdout.decode("utf-8")


def add_term_anchors(html: str, namespace: str) -> str:
    """Add an ``id`` per term local name beside pyLODE's label-based anchors.

    Where a reused vocabulary's entry already holds that id (pyLODE gives
    org:Role the id ``Role``), the foreign entry is renamed ``ext-Role`` and
    the links to it follow, so that ``/def#Role`` means cica:Role.
    """
    entries = _ENTITY.findall(html)
    ours = {iri.strip()[len(namespace) :] for _o, _i, _b, iri in entries if namespace and iri.strip().startswith(namespace)}
    for opening, ident, _body, iri in entries:
        if ident in ours and not iri.strip().startswith(namespace):
            html = html.replace(opening, opening.replace(f'id="{ident}"', f'id="ext-{ident}"'), 1)
            html = html.replace(f'href="#{ident}"', f'href="#ext-{ident}"')
    taken = set(re.findall(r'\sid="([^"]+)"', html))

    def anchor(match: re.Match) -> str:
        iri = match[4].strip()
        local = iri[len(namespace) :] if namespace and iri.startswith(namespace) else ""
        if not local or local in taken or not re.fullmatch(r"[A-Za-z_][\w.-]*", local):
            return match[0]
        taken.add(local)
        return f'{match[1]}<span id="{local}"></span>{match[3]}'

    return _ENTITY.sub(anchor, html)


def add_roles(html: str, roles: list[dict[str, str]]) -> str:
    """A "Roles" section (and its table-of-contents entry) for the role concepts pyLODE leaves out."""
    if not roles:
        return html
    entries, toc = [], []
    for role in roles:
        rows = [("IRI", f"<code>{escape(role['iri'])}</code>")]
        rows += [(name, f"<p>{escape(role[key])}</p>") for key, name in (("definition", "Definition"),
                 ("notation", "Notation (Correlates of War IGO status)"), ("broader", "Broader role")) if role.get(key)]
        table = "".join(f"<tr><th>{name}</th><td>{cell}</td></tr>" for name, cell in rows)
        marker = '<sup class="sup-ni" title="Role concept (skos:Concept, org:Role)">r</sup>'
        entries.append(f'<div class="property entity" id="{escape(role["local"])}"><h3>{escape(role["label"])}{marker}</h3>'
                       f"<table>{table}</table></div>")
        toc.append(f'<li><a href="#{escape(role["local"])}">{escape(role["label"])}</a></li>')
    section = f'<div class="section" id="roles"><h2>Roles</h2>{"".join(entries)}</div>\n'
    html = html.replace('<div id="namespaces">', section + '<div id="namespaces">', 1)
    entry = f'<li><h4><a href="#roles">Roles</a></h4><ul class="second">{"".join(toc)}</ul></li>'
    return re.sub(r'(<li>\s*<h4>\s*<a href="#namespaces">)', lambda m: entry + m[1], html, count=1)


def _roles(graph: object, namespace: str) -> list[dict[str, str]]:
    from rdflib import URIRef
    from rdflib.namespace import RDF, SKOS

    role_class = URIRef(namespace + "Role")
    found = {s for s in graph.subjects(RDF.type, role_class)} | {s for s in graph.subjects(SKOS.inScheme, None)}
    roles = []
    for node in found:
        iri = str(node)
        if not namespace or not iri.startswith(namespace):
            continue
        broader = graph.value(node, SKOS.broader)
        roles.append({
            "iri": iri, "local": iri[len(namespace) :],
            "label": str(graph.value(node, SKOS.prefLabel) or iri[len(namespace) :]),
            "definition": str(graph.value(node, SKOS.definition) or ""),
            "notation": str(graph.value(node, SKOS.notation) or ""),
            "broader": str(graph.value(broader, SKOS.prefLabel) or broader) if broader is not None else "",
        })
    return sorted(roles, key=lambda r: r["label"].lower())


def _document(files: list[str]) -> str:
    import logging

    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF, SKOS

    graph = Graph()
    if files:
        for name in files:
            graph.parse(name, format="turtle")
    else:
        graph.parse(data=sys.stdin.buffer.read().decode("utf-8"), format="turtle")
    namespace = next((str(o) for o in graph.objects(None, URIRef(_VANN_NAMESPACE))), "")
    roles = _roles(graph, namespace)
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    for scheme in list(graph.subjects(RDF.type, SKOS.ConceptScheme)):
        if scheme not in ontologies:
            graph.remove((scheme, RDF.type, SKOS.ConceptScheme))
    from pylode import OntPub

    logging.disable(logging.CRITICAL)
    html = OntPub(ontology=graph).make_html()
    return add_roles(add_term_anchors(html, namespace), roles)


if __name__ == "__main__":
    sys.stdout.write(_document(sys.argv[1:]))
