"""Synthetic CICA-shaped graphs of any size, for benchmarks and scale tests.

The generated world has the shape of the curated data — states with ISO codes,
international organizations with secretariats, dated memberships (member,
observer, partner), chains of chairmanships and of posts held by people,
meetings with ordinals, places, organizers and attendees, documents adopted at
them, agreements between organizations, a CBM catalogue whose areas are
coordinated by CICA members, and sources cited by every fact — and it conforms
to our shapes and quality checks (tests/test_synth.py builds one with the
pipeline). It grows by *blocks* (one synthetic organization with its members, chairs,
meetings, documents, agreements and sources; posts in every tenth; one CBM
area each for the first 40, as the real catalogue is small and fixed) until
the asserted triples reach the target.

Deterministic: one ``random.Random(seed)``, lists only (never set order), and
Turtle written by hand, so the same seed and size give the same bytes.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pycountry

from .terms import PREFIXES

#: Prefixes written at the top of every generated file.
_USED = ("cica", "org", "prov", "skos", "dct", "schema", "foaf", "rdfs", "xsd", "state", "io", "person", "event", "doc",
         "agr", "cbm", "place", "src", "rel")
_MEETINGS = ("cica:Summit", "cica:MinisterialMeeting", "cica:SeniorOfficialsMeeting", "cica:Conference",
             "cica:WorkingGroupMeeting")
_DIMENSIONS = ("military-political", "new-challenges", "economic", "environmental", "human")
_COORDINATING = ("cica:CoordinatorRole", "cica:CoCoordinatorRole", "cica:CoordinatingStateRole")
_AREAS = 40
FILES = ("sources", "states", "places", "organizations", "memberships", "people", "events", "documents", "agreements", "cbm")


@dataclass
class Synth:
    """What a generation produced: triples per file and in all."""

    triples: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Asserted triples in all generated files."""
        return sum(self.triples.values())


class _Turtle:
    """Hand-written Turtle, one subject block at a time, counting triples."""

    def __init__(self) -> None:
        self.parts: dict[str, list[str]] = {name: [] for name in FILES}
        self.count: dict[str, int] = dict.fromkeys(FILES, 0)

    def add(self, file: str, subject: str, cls: str | None, *pairs: tuple[str, object]) -> None:
        lines = [f"{subject} a {cls}" if cls else None]
        body = [(p, o) for p, o in pairs if o is not None and o != []]
        out = []
        for predicate, obj in body:
            values = obj if isinstance(obj, list) else [obj]
            out.append(f"{predicate} {' , '.join(values)}")
            self.count[file] += len(values)
        if cls:
            self.count[file] += 1
            text = " ;\n    ".join([lines[0], *out])  # type: ignore[list-item]
        else:
            text = f"{subject} " + " ;\n    ".join(out)
        self.parts[file].append(text + " .\n")

    def total(self) -> int:
        return sum(self.count.values())


def lit(text: str, lang: str | None = "en") -> str:
    """A Turtle string literal (escaped), language-tagged unless ``lang`` is None."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: str, datatype: str) -> str:
    """A Turtle literal typed ``datatype`` (a prefixed name)."""
    return f'"{value}"^^{datatype}'


def day_literal(day: date, precision: str) -> str:
    """``day`` at ``precision`` (day, month, year) as a typed date literal."""
    if precision == "day":
        return typed(day.isoformat(), "xsd:date")
    if precision == "month":
        return typed(day.isoformat()[:7], "xsd:gYearMonth")
    return typed(f"{day.year:04d}", "xsd:gYear")


class _World:
    def __init__(self, seed: int, target: int) -> None:
        self.rng = random.Random(seed)
        self.out = _Turtle()
        self.target = target
        countries = sorted(pycountry.countries, key=lambda c: c.alpha_3)
        size = min(len(countries), max(30, target // 400))
        self.states = sorted(self.rng.sample(countries, size), key=lambda c: c.alpha_3)
        self.state_iris = [f"state:{c.alpha_3.lower()}" for c in self.states]
        self.cica_members: list[tuple[str, date | None]] = []  # (state, start) with no end: may coordinate
        self.orgs: list[str] = []
        self.sources_of_block: list[str] = []
        self.places: list[str] = []

    # --- helpers ---------------------------------------------------------------------------------
    def precision(self) -> str:
        return self.rng.choices(("day", "month", "year"), (6, 3, 1))[0]

    def day_in(self, first: int, last: int) -> date:
        start = date(first, 1, 1)
        return start + timedelta(days=self.rng.randrange((date(last, 12, 31) - start).days + 1))

    def sources(self, key: str, count: int) -> list[str]:
        iris = []
        for i in range(1, count + 1):
            iri = f"src:{key}-{i}"
            locator = ("schema:url", f"<https://example.org/synthetic/{key}/{i}>") if i % 2 else (
                "dct:identifier", lit(f"{key}-{i}.txt", None))
            issued = day_literal(self.day_in(1995, 2024), self.precision())
            self.out.add("sources", iri, "prov:Entity", ("dct:title", lit(f"[Synthetic source {i} on {key}]")),
                         ("dct:publisher", lit(f"Publisher {self.rng.randrange(1, 50)}", None)), ("dct:issued", issued),
                         locator)
            iris.append(iri)
        self.sources_of_block = iris
        return iris

    def cite(self) -> list[str]:
        k = self.rng.choice((1, 1, 2))
        return self.rng.sample(self.sources_of_block, min(k, len(self.sources_of_block)))

    def membership(self, iri: str, member: str, organization: str, role: str, start: str | None, end: str | None,
                   label: str | None = None, sources: list[str] | None = None, **extra: object) -> None:
        pairs: list[tuple[str, object]] = [("rdfs:label", lit(label) if label else None), ("org:member", member),
                                           ("org:organization", organization), ("org:role", role),
                                           ("schema:startDate", start), ("schema:endDate", end)]
        pairs += [(k.replace("_", ":", 1), v) for k, v in extra.items()]
        pairs.append(("prov:wasDerivedFrom", sources or self.cite()))
        self.out.add("memberships", iri, "org:Membership", *pairs)

    def chain(self, key: str, holders: list[str], organization: str, role: str, first_year: int, file_label: str) -> None:
        """Consecutive tenures: each ends on its successor's start (derived, citing the successor's source)."""
        year = first_year
        starts = []
        for _ in holders:
            starts.append(day_literal(self.day_in(year, year), self.precision()))
            year += self.rng.randint(1, 4)
        sources = [self.cite() for _ in holders]
        for i, holder in enumerate(holders):
            last = i == len(holders) - 1
            end = None if last else starts[i + 1]
            successor = None if last else f"rel:{key}-{i + 2}"
            cited = sources[i] if last else sorted({*sources[i], sources[i + 1][0]})
            self.membership(f"rel:{key}-{i + 1}", holder, organization, role, starts[i], end,
                            label=f"{file_label} {i + 1}", sources=cited, cica_endDerivedFrom=successor)

    # --- the fixed part: CICA, its catalogue and its members -------------------------------------
    def base(self) -> None:
        self.sources("syn-cica", 6)
        for country, iri in zip(self.states, self.state_iris, strict=True):
            self.out.add("states", iri, "cica:State", ("rdfs:label", lit(country.name)),
                         ("cica:iso3166Alpha2", lit(country.alpha_2, None)), ("cica:iso3166Alpha3", lit(country.alpha_3, None)),
                         ("schema:sameAs", f"<http://www.wikidata.org/entity/Q{100000 + int(country.numeric)}>"),
                         ("prov:wasDerivedFrom", self.cite()))
        self.places.append(self.place("syn-cica", self.state_iris[0]))
        self.out.add("organizations", "io:cica", "cica:InternationalOrganization",
                     ("rdfs:label", lit("Conference on Interaction and Confidence Building Measures in Asia")),
                     ("skos:altLabel", lit("CICA")), ("schema:location", "place:syn-cica"), ("prov:wasDerivedFrom", self.cite()))
        self.out.add("organizations", "io:cica-secretariat", "cica:Secretariat", ("rdfs:label", lit("CICA Secretariat")),
                     ("org:unitOf", "io:cica"), ("schema:foundingDate", typed("2006-06-17", "xsd:date")),
                     ("prov:wasDerivedFrom", self.cite()))
        shuffled = self.state_iris[:]
        self.rng.shuffle(shuffled)
        cut = int(len(shuffled) * 0.7)
        for state in shuffled[:cut]:
            start = None if self.rng.random() < 0.4 else self.day_in(1992, 2015)
            self.cica_members.append((state, start))
            self.membership(f"rel:syn-member-{state[6:]}-cica", state, "io:cica", "cica:MemberRole",
                            day_literal(start, self.precision()) if start else None, None)
        for i, state in enumerate(shuffled[cut:]):
            key = state[6:]
            if i % 3 == 0:  # an observer that became a member: the observer status ends on the day it joined
                joined = self.day_in(2006, 2015)
                member_sources = self.cite()
                self.membership(f"rel:syn-member-{key}-cica", state, "io:cica", "cica:MemberRole",
                                day_literal(joined, "day"), None, sources=member_sources)
                self.membership(f"rel:syn-observer-{key}-cica", state, "io:cica", "cica:ObserverRole",
                                day_literal(self.day_in(1995, 2005), self.precision()), day_literal(joined, "day"),
                                sources=sorted({*self.cite(), member_sources[0]}),
                                cica_endDerivedFrom=f"rel:syn-member-{key}-cica")
                self.cica_members.append((state, joined))
            else:
                self.membership(f"rel:syn-observer-{key}-cica", state, "io:cica", "cica:ObserverRole",
                                day_literal(self.day_in(1995, 2020), self.precision()), None)
        self.chain("syn-chair-cica", self.rng.sample(self.state_iris, 8), "io:cica", "cica:ChairRole", 1999, "CICA chair")
        self.people("syn-cica", "io:cica-secretariat", "cica:ExecutiveDirectorRole", "cica:DeputyExecutiveDirectorRole", 2007)
        self.out.add("cbm", "cbm:catalogue", "skos:ConceptScheme",
                     ("dct:title", lit("Synthetic Catalogue of Confidence Building Measures")),
                     ("skos:prefLabel", lit("Catalogue of Confidence Building Measures")),
                     ("rdfs:label", lit("Catalogue of Confidence Building Measures")),
                     ("skos:hasTopConcept", [f"cbm:dimension-{d}" for d in _DIMENSIONS]), ("prov:wasDerivedFrom", self.cite()))
        for name in _DIMENSIONS:
            label = lit(f"{name.replace('-', ' ').capitalize()} dimension")
            self.out.add("cbm", f"cbm:dimension-{name}", "cica:CBMDimension", ("skos:prefLabel", label), ("rdfs:label", label),
                         ("skos:inScheme", "cbm:catalogue"), ("skos:topConceptOf", "cbm:catalogue"),
                         ("prov:wasDerivedFrom", self.cite()))
        self.meetings("syn-cica", "io:cica", "CICA", [s for s, _d in self.cica_members])

    def place(self, key: str, state: str) -> str:
        iri = f"place:{key}"
        self.out.add("places", iri, "schema:City", ("rdfs:label", lit(f"City of {key}")), ("cica:inState", state),
                     ("prov:wasDerivedFrom", self.cite()))
        return iri

    def people(self, key: str, body: str, head: str, deputy: str, first_year: int) -> None:
        count = self.rng.randint(2, 4)
        persons = []
        for i in range(1, count + 2):
            iri = f"person:{key}-{i}"
            name = f"Person {key} {i}"
            self.out.add("people", iri, "foaf:Person", ("foaf:name", lit(name, None)), ("rdfs:label", lit(name)),
                         ("schema:nationality", self.rng.choice(self.state_iris)), ("prov:wasDerivedFrom", self.cite()))
            persons.append(iri)
        self.chain(f"{key}-post", persons[:count], body, head, first_year, f"Head of {key}")
        start = self.day_in(first_year, first_year + 5)
        attested = start + timedelta(days=self.rng.randrange(30, 900))
        self.membership(f"rel:{key}-deputy", persons[-1], body, deputy, day_literal(start, "day"), None,
                        cica_attestedOn=day_literal(attested, "day"))

    def meetings(self, key: str, organizer: str, name: str, members: list[str]) -> list[str]:
        events = []
        year = 1993
        ordinals: dict[str, int] = {}
        for i in range(1, self.rng.randint(2, 6) + 1):
            kind = self.rng.choice(_MEETINGS)
            ordinals[kind] = ordinals.get(kind, 0) + 1
            year += self.rng.randint(1, 5)
            start = self.day_in(year, year)
            end = day_literal(start + timedelta(days=self.rng.randint(1, 2)), "day") if self.rng.random() < 0.5 else None
            iri = f"event:{key}-{i}"
            attendees = sorted(self.rng.sample(members, min(len(members), self.rng.randint(2, 6))))
            self.out.add("events", iri, kind, ("rdfs:label", lit(f"{name} meeting {i} ({kind[5:]})")),
                         ("cica:ordinal", typed(str(ordinals[kind]), "xsd:positiveInteger")),
                         ("schema:startDate", day_literal(start, "day")), ("schema:endDate", end),
                         ("schema:location", self.rng.choice(self.places)), ("schema:organizer", organizer),
                         ("schema:attendee", attendees), ("prov:wasDerivedFrom", self.cite()))
            for d in range(1, self.rng.randint(0, 3) + 1):
                title = lit(f"Declaration {d} of {name} meeting {i}")
                self.out.add("documents", f"doc:{key}-{i}-{d}", "cica:Document", ("dct:title", title), ("rdfs:label", title),
                             ("dct:date", day_literal(start, "day")), ("cica:adoptedAt", iri),
                             ("prov:wasDerivedFrom", self.cite()))
            events.append(iri)
        return events

    # --- one block: an organization with everything around it ------------------------------------
    def block(self, n: int) -> None:
        key = f"syn-{n:06d}"
        org, secretariat = f"io:{key}", f"io:{key}-secretariat"
        self.sources(key, self.rng.randint(2, 4))
        self.places.append(self.place(key, self.rng.choice(self.state_iris)))
        name = f"Synthetic Organization {n}"
        self.out.add("organizations", org, "cica:InternationalOrganization", ("rdfs:label", lit(name)),
                     ("skos:altLabel", lit(f"SO{n}")), ("schema:location", self.places[-1]),
                     ("schema:foundingDate", typed(str(self.rng.randint(1950, 1990)), "xsd:gYear")),
                     ("prov:wasDerivedFrom", self.cite()))
        self.out.add("organizations", secretariat, "cica:Secretariat", ("rdfs:label", lit(f"Secretariat of {name}")),
                     ("org:unitOf", org), ("schema:foundingDate", typed("1991", "xsd:gYear")),
                     ("prov:wasDerivedFrom", self.cite()))
        chosen = self.rng.sample(self.state_iris, min(len(self.state_iris), self.rng.randint(10, 34)))
        members, observers = chosen[: len(chosen) * 4 // 5], chosen[len(chosen) * 4 // 5 :]
        for state in sorted(members):
            start = day_literal(self.day_in(1992, 2020), self.precision()) if self.rng.random() < 0.9 else None
            self.membership(f"rel:{key}-member-{state[6:]}", state, org, "cica:MemberRole", start, None)
        for i, state in enumerate(sorted(observers)):
            first = self.day_in(1992, 2010)
            self.membership(f"rel:{key}-observer-{state[6:]}", state, org, "cica:ObserverRole",
                            day_literal(first, self.precision()), None)
            if i == 0 and n % 7 == 0:  # two sources disagree on the start: both kept, linked
                self.membership(f"rel:{key}-observer-{state[6:]}-b", state, org, "cica:ObserverRole",
                                day_literal(self.day_in(2011, 2015), "day"), None,
                                cica_conflictsWith=f"rel:{key}-observer-{state[6:]}")
        for partner in sorted(self.rng.sample(self.orgs, min(len(self.orgs), self.rng.randint(0, 3)))):
            self.membership(f"rel:{key}-partner-{partner[3:]}", partner, org, "cica:PartnerRole",
                            day_literal(self.day_in(1995, 2022), self.precision()), None)
        self.chain(f"{key}-chair", self.rng.sample(members, min(len(members), self.rng.randint(3, 6))), org,
                   "cica:ChairRole", 1995, f"Chair of {name}")
        if n % 10 == 1:  # posts held by people, in some secretariats
            self.people(key, secretariat, "cica:SecretaryGeneralRole", "cica:DeputySecretaryGeneralRole", 1993)
        events = self.meetings(key, org, name, members)
        if self.orgs:
            other = self.rng.choice(self.orgs)
            kind = self.rng.choice(("cica:MemorandumOfUnderstanding", "cica:ProtocolOnCooperation"))
            title = lit(f"[Agreement between {name} and {other}]")
            self.out.add("agreements", f"agr:{key}-1", kind, ("dct:title", title), ("rdfs:label", title),
                         ("cica:party", sorted([org, other])),
                         ("dct:date", day_literal(self.day_in(1995, 2024), self.precision())),
                         ("cica:signedAt", self.rng.choice(events)), ("prov:wasDerivedFrom", self.cite()))
        self.orgs.append(org)
        if n <= _AREAS:  # the catalogue has a fixed size, as the real one (five dimensions, a few dozen areas)
            self.area(n)

    def area(self, n: int) -> None:
        iri = f"cbm:area-syn-{n:06d}"
        label = lit(f"Synthetic CBM area {n}")
        self.out.add("cbm", iri, "cica:CBMArea", ("skos:prefLabel", label), ("rdfs:label", label),
                     ("skos:inScheme", "cbm:catalogue"), ("skos:broader", f"cbm:dimension-{self.rng.choice(_DIMENSIONS)}"),
                     ("prov:wasDerivedFrom", self.cite()))
        for i, (state, since) in enumerate(self.rng.sample(self.cica_members, self.rng.randint(1, 3))):
            first = 2016 if since is None else max(2016, since.year + 1)
            start = day_literal(self.day_in(first, first + 6), self.precision()) if self.rng.random() < 0.7 else None
            self.membership(f"rel:syn-coord-{n:06d}-{state[6:]}", state, iri, _COORDINATING[min(i, 2)], start, None)

    def run(self) -> None:
        self.base()
        n = 0
        while self.out.total() < self.target:
            n += 1
            self.block(n)


def generate(target: int, seed: int = 0) -> tuple[dict[str, str], Synth]:
    """The Turtle text of each data file (name → text) of a synthetic graph of about ``target`` asserted triples."""
    world = _World(seed, target)
    world.run()
    header = "".join(f"@prefix {p}: <{PREFIXES[p]}> .\n" for p in sorted(_USED) if p in PREFIXES)
    note = f"# Synthetic CICA-shaped data (cica-graph synth, seed {seed}, target {target} triples). Not real facts.\n\n"
    texts = {}
    for name in FILES:
        texts[name] = header + "\n" + note + "\n".join(world.out.parts[name])
    return texts, Synth(dict(world.out.count))


def write(out: Path, target: int, seed: int = 0, project_root: Path | None = None) -> Synth:
    """Write a synthetic project into ``out``: data/*.ttl plus copies of ontology/, shapes/ and queries/.

    ``cica-graph build --root OUT`` then builds it like the curated graph.
    """
    texts, made = generate(target, seed)
    data = out / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for name, text in texts.items():
        (data / f"{name}.ttl").write_text(text, encoding="utf-8")
    if project_root is not None:
        for folder in ("ontology", "shapes", "queries"):
            target_dir = out / folder
            if target_dir.exists():
                shutil.rmtree(target_dir)
            shutil.copytree(project_root / folder, target_dir)
    return made
