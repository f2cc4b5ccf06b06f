"""What changed between two releases, said in domain terms rather than as triples.

Memberships are compared statement by statement (matched by IRI, or by member,
organization and role when a statement was renamed): "Kuwait: member of CICA
from 2022-10-13 (source: …)", "Turkmenistan: observer of CICA: start date
changed from 2021 to 2022-10-13". Other resources are compared by kind, read
from the IRI scheme of the contract (``/id/{kind}/{key}``): a new agreement, a
meeting whose dates changed, a source removed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..terms import ID
from .graphdata import iri, load_release, select, text
from .timeline import Statement, Timeline

#: Resource kinds compared besides memberships, in report order, with their section titles.
KINDS = {
    "agreement": "Agreements", "event": "Meetings", "doc": "Documents", "state": "States",
    "org": "Organizations", "person": "People", "cbm": "CBM catalogue", "place": "Places", "source": "Sources",
}
FIELDS = {
    "schema:startDate": "start date", "schema:endDate": "end date", "dct:date": "date",
    "schema:foundingDate": "founding date", "dct:issued": "issue date", "cica:party": "parties",
    "skos:broader": "broader concept",
}

_RESOURCES = """
SELECT ?x ?label ?property ?value WHERE {
  ?x rdfs:label|dct:title|skos:prefLabel|foaf:name ?anyLabel .
  FILTER(isIRI(?x) && STRSTARTS(STR(?x), "BASE"))
  OPTIONAL {
    ?x rdfs:label|dct:title|skos:prefLabel|foaf:name ?label
    FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "")
  }
  OPTIONAL {
    VALUES (?p ?property) {
      (schema:startDate "schema:startDate") (schema:endDate "schema:endDate") (dct:date "dct:date")
      (schema:foundingDate "schema:foundingDate") (dct:issued "dct:issued") (cica:party "cica:party")
      (skos:broader "skos:broader")
    }
    ?x ?p ?value .
  }
}
""".replace("BASE", str(ID))


@dataclass(frozen=True)
class Change:
    """One change, as a sentence and as data."""

    section: str
    kind: str  # added | removed | changed
    subject: str
    text: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass
class Diff:
    """The changes from an old release to a new one."""

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Counts of added, removed and changed items."""
        return {kind: sum(1 for c in self.changes if c.kind == kind) for kind in ("added", "removed", "changed")}

    def to_markdown(self) -> str:
        """A Markdown report: one section per kind of resource, one line per change."""
        lines = [f"# Changes from `{self.old}` to `{self.new}`", ""]
        counts = self.summary()
        lines += [f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed.", ""]
        for section in dict.fromkeys(c.section for c in self.changes):
            lines += [f"## {section}", ""]
            lines += [f"- {c.text}" for c in self.changes if c.section == section]
            lines.append("")
        if not self.changes:
            lines += ["No changes.", ""]
        return "\n".join(lines)

    def to_json(self) -> str:
        """The report as JSON: old, new, summary and the changes."""
        data = {"old": self.old, "new": self.new, "summary": self.summary(), "changes": [asdict(c) for c in self.changes]}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def diff_releases(old: Path, new: Path) -> Diff:
    """Compare the releases at two paths (dist folders or RDF files)."""
    return diff_stores(load_release(old), load_release(new), str(old), str(new))


def diff_stores(old: ox.Store, new: ox.Store, old_name: str = "old", new_name: str = "new") -> Diff:
    """Compare two release stores."""
    before, after = Timeline.read(old), Timeline.read(new)
    changes = _memberships(before, after)
    changes += _resources(_read_resources(old), _read_resources(new), before, after)
    return Diff(old_name, new_name, changes)


def _memberships(before: Timeline, after: Timeline) -> list[Change]:
    old = dict(before.by_iri)
    new = dict(after.by_iri)
    pairs = [(old.pop(k), new.pop(k)) for k in sorted(set(old) & set(new))]
    for key in sorted({_identity(s) for s in old.values()} & {_identity(s) for s in new.values()}):
        was = [s for s in old.values() if _identity(s) == key]
        now = [s for s in new.values() if _identity(s) == key]
        if len(was) == len(now) == 1:  # the same relation under a new IRI
            pairs.append((old.pop(was[0].iri), new.pop(now[0].iri)))
    changes = [_added(after, s) for s in sorted(new.values(), key=lambda s: _order(after, s))]
    changes += [_removed(before, s) for s in sorted(old.values(), key=lambda s: _order(before, s))]
    for was, now in sorted(pairs, key=lambda pair: _order(after, pair[1])):
        changes += _changed(before, after, was, now)
    return changes


def _identity(statement: Statement) -> tuple[str, str, str]:
    return (statement.member, statement.organization, statement.role)


def _order(timeline: Timeline, statement: Statement) -> tuple[str, str]:
    return (timeline.label(statement.member), statement.iri)


def _relation(timeline: Timeline, statement: Statement) -> str:
    role = timeline.label(statement.role)
    org = timeline.organizations.get(statement.organization)
    name = (org.acronym or org.label) if org else timeline.label(statement.organization)
    return f"{timeline.label(statement.member)}: {role} of {name}"


def _span(statement: Statement) -> str:
    bits = []
    if statement.start:
        bits.append(f"from {statement.start.lexical}")
    if statement.end:
        bits.append(f"to {statement.end.lexical}")
    return " ".join(bits) or "(no dates)"


def _sources(timeline: Timeline, sources: tuple[str, ...] | list[str]) -> str:
    cited = [timeline.sources[s].cite() if s in timeline.sources else s for s in sources]
    return "; ".join(cited)


def _added(timeline: Timeline, statement: Statement) -> Change:
    sentence = f"{_relation(timeline, statement)} {_span(statement)} (source: {_sources(timeline, statement.sources)})"
    return Change("Memberships", "added", statement.iri, sentence, _details(statement))


def _removed(timeline: Timeline, statement: Statement) -> Change:
    sentence = f"{_relation(timeline, statement)} {_span(statement)}: statement removed"
    return Change("Memberships", "removed", statement.iri, sentence, _details(statement))


def _changed(before: Timeline, after: Timeline, was: Statement, now: Statement) -> list[Change]:
    changes = []
    head = _relation(after, now)
    for name, old_value, new_value in (
        ("start date", was.start, now.start), ("end date", was.end, now.end),
    ):
        if old_value != new_value:
            old_text = old_value.lexical if old_value else "none"
            new_text = new_value.lexical if new_value else "none"
            sentence = f"{head}: {name} changed from {old_text} to {new_text} (source: {_sources(after, now.sources)})"
            changes.append(Change("Memberships", "changed", now.iri, sentence, {"field": name, "old": old_text, "new": new_text}))
    if was.role != now.role or was.organization != now.organization or was.member != now.member:
        sentence = f"{head}: was {_relation(before, was)}"
        changes.append(Change("Memberships", "changed", now.iri, sentence, {"field": "relation", "old": _relation(before, was)}))
    for label, gone, came in (
        ("sources", set(was.sources) - set(now.sources), set(now.sources) - set(was.sources)),
        ("attestations", {a.lexical for a in was.attested} - {a.lexical for a in now.attested},
         {a.lexical for a in now.attested} - {a.lexical for a in was.attested}),
    ):
        if gone or came:
            bits = []
            if came:
                bits.append("added " + (_sources(after, sorted(came)) if label == "sources" else ", ".join(sorted(came))))
            if gone:
                bits.append("removed " + (_sources(before, sorted(gone)) if label == "sources" else ", ".join(sorted(gone))))
            changes.append(Change("Memberships", "changed", now.iri, f"{head}: {label}: {'; '.join(bits)}",
                                  {"field": label, "added": sorted(came), "removed": sorted(gone)}))
    return changes


def _details(statement: Statement) -> dict[str, object]:
    return {
        "member": statement.member, "organization": statement.organization, "role": statement.role,
        "start": statement.start.lexical if statement.start else None,
        "end": statement.end.lexical if statement.end else None, "sources": list(statement.sources),
    }


def _read_resources(store: ox.Store) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for row in select(store, _RESOURCES):
        x = iri(row["x"])
        entry = found.setdefault(x, {"label": None, "facts": {}})
        label = text(row.get("label"))
        if label and (entry["label"] is None or label < entry["label"]):  # type: ignore[operator]
            entry["label"] = label
        if "property" in row:
            value = row["value"]
            shown = text(value) if isinstance(value, ox.Literal) else iri(value)
            entry["facts"].setdefault(text(row["property"]), set()).add(shown)  # type: ignore[union-attr]
    return found


def _resources(old: dict, new: dict, before: Timeline, after: Timeline) -> list[Change]:
    changes = []
    for kind, section in KINDS.items():
        prefix = f"{ID}{kind}/"
        keys = sorted({k for k in (*old, *new) if k.startswith(prefix)}, key=lambda k: ((new.get(k) or old[k])["label"] or k, k))
        for key in keys:
            if key not in old:
                facts = _facts(new[key]["facts"], after)
                sentence = f"new {_noun(kind)}: {new[key]['label'] or key}" + (f" ({facts})" if facts else "")
                changes.append(Change(section, "added", key, sentence, {"facts": _plain(new[key]["facts"])}))
            elif key not in new:
                changes.append(Change(section, "removed", key, f"{_noun(kind)} removed: {old[key]['label'] or key}", {}))
            else:
                changes += _fact_changes(section, key, old[key], new[key], before, after)
    return changes


def _fact_changes(section: str, key: str, was: dict, now: dict, before: Timeline, after: Timeline) -> list[Change]:
    changes = []
    name = now["label"] or key
    if was["label"] != now["label"]:
        changes.append(Change(section, "changed", key, f"{was['label']}: renamed {now['label']}", {"field": "label"}))
    order = list(FIELDS)
    for prop in sorted(set(was["facts"]) | set(now["facts"]), key=lambda p: (order.index(p) if p in order else len(order), p)):
        old_values, new_values = was["facts"].get(prop, set()), now["facts"].get(prop, set())
        if old_values != new_values:
            old_text = _values(old_values, before) or "none"
            new_text = _values(new_values, after) or "none"
            sentence = f"{name}: {FIELDS.get(prop, prop)} changed from {old_text} to {new_text}"
            details = {"field": prop, "old": sorted(old_values), "new": sorted(new_values)}
            changes.append(Change(section, "changed", key, sentence, details))
    return changes


def _facts(facts: dict, timeline: Timeline) -> str:
    order = list(FIELDS)
    ordered = sorted(facts.items(), key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]))
    return "; ".join(f"{FIELDS.get(p, p)} {_values(v, timeline)}" for p, v in ordered)


def _values(values: set, timeline: Timeline) -> str:
    return ", ".join(sorted(_name(timeline, v) if v.startswith("http") else v for v in values))


def _name(timeline: Timeline, resource: str) -> str:
    org = timeline.organizations.get(resource)
    return org.acronym if org is not None and org.acronym else timeline.label(resource)


def _plain(facts: dict) -> dict[str, list[str]]:
    return {p: sorted(v) for p, v in sorted(facts.items())}


def _noun(kind: str) -> str:
    return {"doc": "document", "event": "meeting", "org": "organization", "cbm": "CBM concept"}.get(kind, kind)
