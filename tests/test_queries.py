"""The named queries of queries/*.rq: headers, portability and answers checked against the sources.

Every expected answer below was read from the sources (the seeds in /work/shared/sources/seeds and the rows
of facts.md, cited by their ids: CD14, AT14, KZ22, ...) and the date rule of docs/curation.md, not taken
from a run of the query. The release is built once per session (conftest.release_store).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from cica_graph import sparql
from cica_graph.sparql import find_queries
from cica_graph.store import run
from cica_graph.terms import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
QUERIES = find_queries(ROOT / "queries")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: "today" for the runs with default parameters, so that they do not change with the calendar
#: (a day with a chair in office, a Secretary General and an attested Deputy Secretary General).
TODAY = date(2025, 7, 21)

REQUIRED = {
    "members-on",
    "observers-on",
    "partners-on",
    "accession-timeline",
    "membership-history",
    "summits",
    "ministerial-meetings",
    "chairs",
    "chair-on",
    "post-holders-on",
    "secretariat-heads",
    "cbm-areas",
    "agreements",
    "events-of",
    "cica-and-sco",
    "sources-of",
    "conflicts",
    "counts-by-role",
}

# The 16 states the Kremlin reference lists as members with Thailand (KR); no source dates their accession.
KR_FOUNDERS = {
    "state:afg",
    "state:aze",
    "state:chn",
    "state:egy",
    "state:ind",
    "state:irn",
    "state:isr",
    "state:kaz",
    "state:kgz",
    "state:mng",
    "state:pak",
    "state:pse",
    "state:rus",
    "state:tjk",
    "state:tur",
    "state:uzb",
}
# CD14: Thailand, Rep. of Korea (2006), Jordan, UAE (2008), Iraq, Viet Nam (2010), Bahrain, Cambodia (2011).
CD14_ADMITTED = {"state:tha", "state:kor", "state:jor", "state:are", "state:irq", "state:vnm", "state:bhr", "state:khm"}


# ---------------------------------------------------------------------------------------------------------
# helpers


def short(value: str) -> str:
    """``state:kaz`` for a full IRI under one of the project's prefixes (longest namespace wins)."""
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if value.startswith(namespace):
            return f"{prefix}:{value[len(namespace) :]}"
    return value


def table(name: str, store: ox.Store, **params: str) -> list[dict[str, str | None]]:
    """Rows of a named query run by cica_graph.store.run: IRIs shortened, literals as their lexical form."""
    result = run(store, QUERIES[name], params)
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        row: dict[str, str | None] = {}
        for var in names:
            term = solution[var]
            if term is None:
                row[var] = None
            elif isinstance(term, ox.NamedNode):
                row[var] = short(term.value)
            else:
                row[var] = term.value
        rows.append(row)
    return rows


def column(rows: list[dict], var: str) -> list:
    return [row[var] for row in rows]


@pytest.fixture
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Make ``today`` (the default of date parameters) TODAY."""

    class _Date(date):
        @classmethod
        def today(cls) -> date:
            return TODAY

    monkeypatch.setattr(sparql, "date", _Date)
    return TODAY


@pytest.fixture(scope="module")
def rdflib_graph(release_dir: Path) -> Graph:
    """The union of the release's graphs in rdflib, with no namespace bindings (queries declare theirs)."""
    dataset = Dataset()
    dataset.parse(release_dir / "cica.trig", format="trig")
    graph = Graph(bind_namespaces="none")
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


# ---------------------------------------------------------------------------------------------------------
# every query: header, parse, portability


def test_at_least_sixteen_queries_and_the_required_ones():
    assert len(QUERIES) >= 16
    assert set(QUERIES) >= REQUIRED, sorted(REQUIRED - set(QUERIES))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_has_title_description_and_parses(name: str):
    query = QUERIES[name]  # find_queries parsed it (rdflib and Oxigraph) and refused SERVICE/FROM/updates
    lines = query.text.splitlines()
    assert lines[0].startswith("# title: "), "the header starts with the title"
    assert query.title and query.title != name
    assert len(query.description) > 40
    body = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    projection = body[body.index("SELECT") : body.index("WHERE")]
    for param in query.params:
        assert param.type in sparql.PARAM_TYPES
        # engines that take parameters as SEP-0007 substitutions (Oxigraph) substitute only projected variables
        assert f"?{param.name}" in projection, f"?{param.name} must be projected to be substituted"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_declares_its_prefixes(name: str):
    """Portable: parses with no prefixes given by the engine (rdflib and Oxigraph)."""
    text = QUERIES[name].text
    prepareQuery(text)
    ox.Store().query(text)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_returns_rows_with_its_defaults(name: str, release_store: ox.Store, frozen_today: date):
    assert table(name, release_store), f"{name} returned no row with its defaults (today = {frozen_today})"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_runs_with_the_real_today(name: str, release_store: ox.Store):
    list(run(release_store, QUERIES[name]))


# Parameters tried in both engines besides the defaults.
PORTABILITY_CASES: dict[str, list[dict[str, str]]] = {
    "members-on": [{"date": "2011-12-31"}, {"date": "2014-05-19"}, {"date": "2022-10-13"}, {"org": "io:sco"}],
    "observers-on": [{"date": "2014-05-20"}, {"date": "2022-01-01"}, {"org": "io:sco"}],
    "partners-on": [{"date": "2013-12-31"}, {"date": "2022-10-13"}],
    "membership-history": [{"state": "state:kaz"}, {"state": "state:tkm"}, {"state": "state:qat"}],
    "chair-on": [{"date": "2010-06-15"}, {"date": "2018-09-24"}, {"date": "2027-01-01"}],
    "post-holders-on": [{"date": "2020-06-01"}, {"date": "2022-10-12"}, {"org": "io:sco-rats", "date": "2021-11-01"}],
    "events-of": [{"org": "state:aze"}, {"org": "io:sco-rats"}, {"org": "io:cica-secretariat"}],
    "cica-and-sco": [{"date": "2021-11-01"}],
    "sources-of": [{"resource": "event:cica-summit-6"}, {"resource": "rel:coord-lka-tourism"}, {"resource": "io:sco"}],
    "counts-by-role": [{"date": "2014-06-01"}, {"org": "io:sco", "date": "2021-11-01"}],
}


def _oxigraph_term(term: object) -> tuple | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.Literal):
        return ("literal", term.value, None if term.language else term.datatype.value, term.language)
    return ("bnode",)


def _rdflib_term(term: object) -> tuple | None:
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term))
    if isinstance(term, Literal):
        datatype = None if term.language else str(term.datatype or XSD_STRING)
        return ("literal", str(term), datatype, term.language)
    return ("bnode",)


def _to_rdflib(term: object) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _rows(result: object) -> list[tuple]:
    names = [v.value for v in result.variables]
    return [tuple(_oxigraph_term(row[v]) for v in names) for row in result]


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_gives_the_same_rows_in_rdflib(name: str, release_store: ox.Store, rdflib_graph: Graph, frozen_today: date):
    """Same rows, same order, same terms (datatypes and languages included) in Oxigraph and rdflib.

    Oxigraph runs the query as the project does (cica_graph.store.run) and, to stay portable to engines that take
    parameters as SEP-0007 substitutions, with substitutions too; rdflib runs it with initBindings.
    """
    query = QUERIES[name]
    for params in [{}, *PORTABILITY_CASES.get(name, [])]:
        result = run(release_store, query, params)
        names = [v.value for v in result.variables]
        expected = _rows(result)
        bindings = {getattr(k, "value", k): v for k, v in sparql.bind(query, params, today=frozen_today).items()}
        substituted = release_store.query(
            query.text,
            use_default_graph_as_union=True,
            substitutions={ox.Variable(k): v for k, v in bindings.items()},
        )
        assert _rows(substituted) == expected, f"{name} {params}: SEP-0007 substitution gives other rows"
        init = {k: _to_rdflib(v) for k, v in bindings.items()}
        got = [
            tuple(_rdflib_term(row.asdict().get(v)) for v in names) for row in rdflib_graph.query(query.text, initBindings=init)
        ]
        assert got == expected, f"{name} {params}: rdflib and Oxigraph disagree"
        assert expected or params, f"{name}: no row with its defaults, nothing compared"


PROBE = """# title: Parameter probe
# description: Uses a date parameter in a FILTER, in BIND expressions, in EXISTS and in an OPTIONAL's filter.
# param: ?date xsd:date 2014-06-01
PREFIX cica: <https://w3id.org/cica/def#>
PREFIX org:  <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
SELECT ?date ?membership ?text ?after2000 ?hasLater ?laterStart
WHERE {
  ?membership org:role cica:MemberRole ; cica:interval/time:hasBeginning/cica:earliestDay ?startDay .
  FILTER(?startDay <= ?date)
  BIND(STR(?date) AS ?text)
  BIND(?date > "2000-01-01"^^xsd:date AS ?after2000)
  BIND(EXISTS { ?membership cica:interval/time:hasBeginning/cica:earliestDay ?d0 FILTER(?d0 > ?date) } AS ?hasLater)
  OPTIONAL { ?membership cica:interval/time:hasBeginning/cica:earliestDay ?laterStart FILTER(?laterStart > ?date) }
}
ORDER BY ?membership
"""


def test_parameters_reach_filters_binds_exists_and_optionals(release_store: ox.Store, tmp_path: Path):
    """A parameter is bound in FILTER, BIND expressions, EXISTS and OPTIONAL filters of the top-level group.

    Checked with the project's mechanism (cica_graph.store.run) and with SEP-0007 substitutions. Not used by the
    queries, on purpose: a parameter inside a sub-select or a UNION branch (pre-bound in rdflib; not bound there
    when given as a VALUES row, nor reliably by Oxigraph 0.5.13 substitution, where FILTER(BOUND(?param)) is false
    inside them), and a bare BIND(?param AS ?copy) (unbound under Oxigraph 0.5.13 substitution).
    """
    path = tmp_path / "probe.rq"
    path.write_text(PROBE, encoding="utf-8")
    query = sparql.load_query(path)
    bindings = {getattr(k, "value", k): v for k, v in sparql.bind(query, {}).items()}
    substituted = release_store.query(
        query.text, use_default_graph_as_union=True, substitutions={ox.Variable(k): v for k, v in bindings.items()}
    )
    for result in (run(release_store, query), substituted):
        rows = [{v.value: (None if row[v] is None else row[v].value) for v in result.variables} for row in result]
        # members whose accession is dated on or before 2014-06-01: CD14 (8 states 2006-2011), AT14 (Qatar), AML14
        assert len(rows) == 10
        assert all(r["date"] == "2014-06-01" and r["text"] == "2014-06-01" for r in rows)
        assert all(r["after2000"] == "true" and r["hasLater"] == "false" and r["laterStart"] is None for r in rows)


# ---------------------------------------------------------------------------------------------------------
# members-on


def members(store: ox.Store, day: str, org: str = "io:cica") -> set[str]:
    return set(column(table("members-on", store, date=day, org=org), "member"))


def test_members_on_2011_12_31_are_24(release_store: ox.Store):
    # KR lists the 16 + Thailand; CD14 dates the eight admissions of 2006-2011 and says 24 members after 2011.
    assert members(release_store, "2011-12-31") == KR_FOUNDERS | CD14_ADMITTED


def test_members_on_2014_05_19_count_qatar_from_its_month_not_bangladesh(release_store: ox.Store):
    # AT14 gives only the month for Qatar (2014-05: counts from 05-01); AML14 gives Bangladesh the day 2014-05-20.
    on = members(release_store, "2014-05-19")
    assert len(on) == 25
    assert "state:qat" in on
    assert "state:bgd" not in on


def test_members_on_2014_06_01_are_26(release_store: ox.Store):
    # AML14: Bangladesh 2014-05-20; AT14: Qatar 2014-05, and 26 member states at the 4th Summit.
    assert members(release_store, "2014-06-01") == KR_FOUNDERS | CD14_ADMITTED | {"state:bgd", "state:qat"}


def test_members_before_and_after_sri_lanka(release_store: ox.Store):
    # UTV18: 26 members before Sri Lanka was accepted on 2018-08-15; AD19: 27 with it.
    assert len(members(release_store, "2018-08-14")) == 26
    on = members(release_store, "2019-01-01")
    assert len(on) == 27
    assert "state:lka" in on


def test_members_on_2022_01_01_are_the_27_of_seed_001(release_store: ox.Store):
    # Seed 001 (27 Member States, before Kuwait) lists them by name.
    seed_001 = KR_FOUNDERS | CD14_ADMITTED | {"state:bgd", "state:qat", "state:lka"}
    assert len(seed_001) == 27
    assert members(release_store, "2022-01-01") == seed_001


def test_kuwait_is_the_28th_member_from_2022_10_13(release_store: ox.Store):
    # KZ22, NA22: admitted as 28th member by the 6th Summit on 2022-10-13 (signing on 10-11 was a precondition).
    before = members(release_store, "2022-10-12")
    after = members(release_store, "2022-10-13")
    assert len(before) == 27
    assert "state:kwt" not in before
    assert after == before | {"state:kwt"}


def test_members_of_the_sco_on_2021_11_01(release_store: ox.Store):
    # Seed 002 (2021-11-01): India, China, Kazakhstan, Kyrgyzstan, Russia, Pakistan, Uzbekistan; Iran only acceding.
    expected = {"state:ind", "state:chn", "state:kaz", "state:kgz", "state:rus", "state:pak", "state:uzb"}
    assert members(release_store, "2021-11-01", org="io:sco") == expected


def test_members_on_shows_the_start_as_given(release_store: ox.Store):
    rows = {row["member"]: row for row in table("members-on", release_store, date="2022-10-13")}
    assert rows["state:kwt"]["since"] == "2022-10-13"  # KZ22
    assert rows["state:qat"]["since"] == "2014-05"  # AT14 (month only)
    assert rows["state:tha"]["since"] == "2006"  # CD14 (year only)
    assert rows["state:kaz"]["since"] is None  # KR, seed 001: no date
    assert rows["state:kwt"]["memberLabel"] == "Kuwait"


# ---------------------------------------------------------------------------------------------------------
# observers-on


def test_observers_on_2014_06_01(release_store: ox.Store):
    rows = table("observers-on", release_store, date="2014-06-01")
    observers = set(column(rows, "observer"))
    # UTV18, AD19: Sri Lanka observer from 2012 until it became a member on 2018-08-15.
    assert "state:lka" in observers
    # AML14/AT14: Bangladesh and Qatar became members in May 2014, so they are no longer observers.
    assert not observers & {"state:bgd", "state:qat"}
    # AML14 (2014): observer states and organizations it names.
    aml14 = {
        "state:idn",
        "state:jpn",
        "state:mys",
        "state:phl",
        "state:ukr",
        "state:usa",
        "io:un",
        "io:osce",
        "io:las",
        "io:turkpa",
    }
    assert aml14 <= observers


def test_bangladesh_observer_until_the_day_it_became_member(release_store: ox.Store):
    # AML14: observer since 2010, member from 2014-05-20: the end day belongs to the membership.
    assert "state:bgd" in column(table("observers-on", release_store, date="2014-05-19"), "observer")
    assert "state:bgd" not in column(table("observers-on", release_store, date="2014-05-20"), "observer")


def test_observers_on_2022_01_01_are_those_of_seed_001(release_store: ox.Store):
    # Seed 001: 9 observer states (Turkmenistan among them: NCA22 dates it 2021) and 5 observer organizations.
    rows = table("observers-on", release_store, date="2022-01-01")
    states = {r["observer"] for r in rows if r["kind"] == "state"}
    organizations = {r["observer"] for r in rows if r["kind"] == "organization"}
    assert states == {
        "state:blr",
        "state:idn",
        "state:jpn",
        "state:lao",
        "state:mys",
        "state:phl",
        "state:tkm",
        "state:ukr",
        "state:usa",
    }
    assert organizations == {"io:un", "io:iom", "io:osce", "io:las", "io:turkpa"}
    disputed = {r["observer"] for r in rows if r["disputed"] == "true"}
    assert disputed == {"state:tkm"}  # NA22 (2022-10-13) conflicts with NCA22 (2021)


def test_turkmenistan_is_listed_once_when_both_statements_are_in_force(release_store: ox.Store):
    rows = table("observers-on", release_store, date="2023-01-01")
    assert column(rows, "observer").count("state:tkm") == 1


# ---------------------------------------------------------------------------------------------------------
# partners-on


def test_partners_on_2022_01_01_are_the_five_of_seed_001(release_store: ox.Store):
    # Seed 001: APK, ECO, SCO, SCO RATS, UNODC.
    rows = table("partners-on", release_store, date="2022-01-01")
    assert set(column(rows, "partner")) == {"io:apk", "io:eco", "io:sco", "io:sco-rats", "io:unodc"}


def test_the_eec_is_the_sixth_partner_from_october_2022(release_store: ox.Store):
    # CRI22: MoU signed at the 6th Summit (2022-10), the Commission became the 6th partner organization.
    rows = table("partners-on", release_store, date="2022-10-13")
    assert len(rows) == 6
    assert "io:eec" in column(rows, "partner")
    assert "io:eec" not in column(table("partners-on", release_store, date="2022-09-30"), "partner")


def test_the_sco_is_a_partner_from_2014(release_store: ox.Store):
    # Seed 000: the SCO has been a partner organization of CICA since 2014 (MoU between the secretariats).
    assert "io:sco" not in column(table("partners-on", release_store, date="2013-12-31"), "partner")
    assert "io:sco" in column(table("partners-on", release_store, date="2014-01-01"), "partner")


# ---------------------------------------------------------------------------------------------------------
# accession-timeline


def test_accession_timeline_order_and_dates(release_store: ox.Store):
    rows = table("accession-timeline", release_store)
    assert len(rows) == 28  # KZ22, TW24: 28 members
    undated = rows[:16]
    assert {r["state"] for r in undated} == KR_FOUNDERS  # KR: no start given, listed first with an empty date
    assert all(r["start"] is None for r in undated)
    dated = [(r["state"], r["start"]) for r in rows[16:]]
    # CD14 (2006-2011, same year by name), AT14 (Qatar 2014-05), AML14 (Bangladesh 2014-05-20),
    # UTV18 (Sri Lanka 2018-08-15), KZ22 (Kuwait 2022-10-13).
    assert dated == [
        ("state:kor", "2006"),
        ("state:tha", "2006"),
        ("state:jor", "2008"),
        ("state:are", "2008"),
        ("state:irq", "2010"),
        ("state:vnm", "2010"),
        ("state:bhr", "2011"),
        ("state:khm", "2011"),
        ("state:qat", "2014-05"),
        ("state:bgd", "2014-05-20"),
        ("state:lka", "2018-08-15"),
        ("state:kwt", "2022-10-13"),
    ]


def test_accession_timeline_sources(release_store: ox.Store):
    rows = {r["state"]: r for r in table("accession-timeline", release_store)}
    assert rows["state:kwt"]["sources"] == "kz22, na22"  # facts.md: Kuwait admitted (KZ22, NA22)
    assert rows["state:lka"]["sources"] == "ad19, seed-001, utv18"  # UTV18, AD19, listed in seed 001
    assert rows["state:afg"]["sources"] == "kr, seed-001"


# ---------------------------------------------------------------------------------------------------------
# membership-history


def history(store: ox.Store, state: str) -> list[tuple]:
    rows = table("membership-history", store, state=state)
    return [(short(r["role"]), r["start"], r["end"], r["endDerived"]) for r in rows]


def test_sri_lanka_observer_then_member(release_store: ox.Store):
    # UTV18, AD19: observer since 2012, accepted as member on 2018-08-15 (the observer end is derived from it).
    assert history(release_store, "state:lka") == [
        ("cica:ObserverRole", "2012", "2018-08-15", "true"),
        ("cica:MemberRole", "2018-08-15", None, "false"),
    ]
    rows = table("membership-history", release_store)  # default ?state is Sri Lanka
    assert rows[0]["attestedOn"] == "2014"  # AML14 lists it as observer in 2014
    assert rows[1]["sources"] == "ad19, seed-001, utv18"


def test_qatar_and_kuwait_histories(release_store: ox.Store):
    # AML14 (observer, 2014) and AT14 (member 2014-05).
    assert history(release_store, "state:qat") == [
        ("cica:ObserverRole", None, "2014-05", "true"),
        ("cica:MemberRole", "2014-05", None, "false"),
    ]
    # KZ22: signed the founding documents 2022-10-11 (candidate), member by the summit decision of 2022-10-13.
    assert history(release_store, "state:kwt") == [
        ("cica:CandidateRole", "2022-10-11", "2022-10-13", "true"),
        ("cica:MemberRole", "2022-10-13", None, "false"),
    ]


def test_kazakhstan_history_includes_its_two_chairmanships(release_store: ox.Store):
    # CD14: chair from the founding until 2010; XH22, TW24, TJ22: chair 2020-09-24 to 2024-12-17; KR: member.
    assert history(release_store, "state:kaz") == [
        ("cica:ChairRole", None, "2010", "false"),
        ("cica:MemberRole", None, None, "false"),
        ("cica:ChairRole", "2020-09-24", "2024-12-17", "false"),
    ]


def test_turkmenistan_history_keeps_both_statements(release_store: ox.Store):
    # NCA22 (2021) and NA22 (2022-10-13) disagree; both kept and linked.
    rows = table("membership-history", release_store, state="state:tkm")
    assert [(r["start"], r["sources"], r["conflictsWith"]) for r in rows] == [
        ("2021", "nca22", "observer-tkm-cica-na22"),
        ("2022-10-13", "na22", "observer-tkm-cica-nca22"),
    ]


# ---------------------------------------------------------------------------------------------------------
# summits and ministerial meetings


def test_summits(release_store: ox.Store):
    rows = table("summits", release_store)
    # facts.md section 2 (XH22, CD14, TU14, AD19, KZ22b, TW24).
    assert [(r["ordinal"], r["start"], r["end"], r["place"]) for r in rows] == [
        ("1", "2002-06-04", None, "place:almaty"),
        ("2", "2006-06", None, "place:almaty"),
        ("3", "2010-06", None, "place:istanbul"),
        ("4", "2014-05-20", "2014-05-21", "place:shanghai"),
        ("5", "2019-06-14", "2019-06-15", "place:dushanbe"),
        ("6", "2022-10-12", "2022-10-13", "place:astana"),
        ("7", "2026", None, "place:azerbaijan"),
    ]
    assert rows[6]["status"] == "schema:EventScheduled"  # TW24: planned


def test_summit_6_astana_and_its_documents(release_store: ox.Store):
    # KZ22b, NCA22, BA22: Astana Declaration and Statement on the transformation; seed 000: the Plan of Action.
    summit = table("summits", release_store)[5]
    assert summit["summit"] == "event:cica-summit-6"
    assert summit["placeLabel"] == "Astana"
    assert summit["documentCount"] == "3"
    assert summit["documents"] == (
        "Astana Declaration; Astana Statement on the transformation of CICA; "
        "CICA Plan of Action on the Implementation of the UN Global Counter-Terrorism Strategy"
    )


def test_summit_1_documents(release_store: ox.Store):
    # CD14, XH22, seed 000: Almaty Act and the Declaration on Eliminating Terrorism (1st Summit, Almaty, 2002).
    summit = table("summits", release_store)[0]
    assert summit["documents"] == ("Almaty Act; Declaration on Eliminating Terrorism and Promoting Dialogue among Civilizations")


def test_ministerial_meetings(release_store: ox.Store):
    rows = table("ministerial-meetings", release_store)
    by_start = {r["start"]: r for r in rows}
    # Seed 001 timeline (1999 ... 2021, informal 2011/2013/2017/2019), CD14 (1999-09-14), SC12 (2020-09-24),
    # SC6168 (New York 2018-09-24), TW24 (7th Ministerial Council 2024-12-17), seed 004 (September 2025).
    assert [r["start"] for r in rows] == [
        "1999-09-14",
        "2004",
        "2008",
        "2011",
        "2012",
        "2013",
        "2016",
        "2017",
        "2018-09-24",
        "2019",
        "2020-09-24",
        "2021",
        "2024-12-17",
        "2025-09",
    ]
    assert [r["ordinal"] for r in rows if r["ordinal"]] == ["1", "2", "3", "4", "5", "6", "7"]
    assert {r["start"] for r in rows if r["informal"] == "true"} == {"2011", "2013", "2017", "2019"}
    # CD14: Declaration on Principles (1st); Catalogue of CBMs and Rules of Procedure (2nd).
    assert by_start["1999-09-14"]["documents"] == (
        "Declaration on the Principles Guiding Relations between the CICA Member States"
    )
    assert by_start["2004"]["documents"] == "CICA Rules of Procedure; Catalogue of Confidence Building Measures"
    assert by_start["2018-09-24"]["placeLabel"] == "New York"


# ---------------------------------------------------------------------------------------------------------
# chairs and chair-on


def test_chairs_over_time(release_store: ox.Store):
    rows = table("chairs", release_store)
    # facts.md section 4: CD14 (Kazakhstan to 2010, Turkey from 2010), MFA (China 2014-05 to 2018-09-24),
    # SC6168/TJ22 (Tajikistan 2018-09-24 to 2020-09-24), XH22/TW24 (Kazakhstan to 2024-12-17), TW24 (Azerbaijan).
    # Turkey's end is derived from China's start (no source ends it), and says so.
    assert [(r["chair"], r["start"], r["end"], r["endDerived"]) for r in rows] == [
        ("state:kaz", None, "2010", "false"),
        ("state:tur", "2010", "2014-05", "true"),
        ("state:chn", "2014-05", "2018-09-24", "false"),
        ("state:tjk", "2018-09-24", "2020-09-24", "false"),
        ("state:kaz", "2020-09-24", "2024-12-17", "false"),
        ("state:aze", "2024-12-17", "2026", "false"),
    ]
    assert rows[1]["endDerivedFrom"] == "rel:chair-chn-cica-2014"
    assert "mfa" in rows[1]["sources"].split(", ")  # the derived end cites the successor's source


def chair_on(store: ox.Store, day: str) -> list[str]:
    return column(table("chair-on", store, date=day), "chair")


def test_chair_on_dates(release_store: ox.Store):
    assert chair_on(release_store, "2005-01-01") == ["state:kaz"]  # CD14: Kazakhstan chaired until 2010
    assert chair_on(release_store, "2016-01-01") == ["state:chn"]  # MFA: China 2014-05 to 2018
    assert chair_on(release_store, "2019-01-01") == ["state:tjk"]  # SC6168, TJ22: 2018-2020
    assert chair_on(release_store, "2022-01-01") == ["state:kaz"]  # XH22, TJ22: from 2020-09-24
    assert chair_on(release_store, "2025-01-01") == ["state:aze"]  # TW24: from 2024-12-17


def test_chair_on_hand_over_days_belong_to_the_successor(release_store: ox.Store):
    assert chair_on(release_store, "2018-09-23") == ["state:chn"]
    assert chair_on(release_store, "2018-09-24") == ["state:tjk"]  # SC6168: handed over in New York that day
    assert chair_on(release_store, "2020-09-24") == ["state:kaz"]  # TJ22
    assert chair_on(release_store, "2024-12-17") == ["state:aze"]  # TW24


def test_chair_on_a_day_of_a_year_only_hand_over(release_store: ox.Store):
    # CD14 gives only the year 2010 for the hand-over from Kazakhstan to Turkey: both may have chaired that day.
    assert chair_on(release_store, "2010-06-15") == ["state:kaz", "state:tur"]


# ---------------------------------------------------------------------------------------------------------
# post-holders-on and secretariat-heads


def holders(store: ox.Store, day: str, org: str = "io:cica-secretariat") -> list[tuple]:
    rows = table("post-holders-on", store, date=day, org=org)
    return [(r["person"], short(r["role"]), r["basis"]) for r in rows]


def test_post_holders_of_the_secretariat(release_store: ox.Store):
    # NTJ18 (appointed 2018-09-24), SC12 (predecessor by 2020): Mirzozoda; Gong Jianwei (MFA, undated) is not
    # placed on any day.
    assert holders(release_store, "2019-01-01") == [
        ("person:habibullo-mirzozoda", "cica:ExecutiveDirectorRole", "dates"),
    ]
    # SC12, SC25, KT20: Sarybay Executive Director from 2020 to 2022-10-13.
    assert holders(release_store, "2021-06-01") == [("person:kairat-sarybay", "cica:ExecutiveDirectorRole", "dates")]
    # BA22, AT24: Secretary General from 2022-10.
    assert holders(release_store, "2023-06-01") == [("person:kairat-sarybay", "cica:SecretaryGeneralRole", "dates")]


def test_post_holders_attested_only_on_their_day(release_store: ox.Store):
    # Seed 004: Deputy Secretary General Farid Damirli spoke at the SOC meeting of 2025-07-21 (no term given).
    assert holders(release_store, "2025-07-21") == [
        ("person:farid-damirli", "cica:DeputySecretaryGeneralRole", "attested"),
        ("person:kairat-sarybay", "cica:SecretaryGeneralRole", "dates"),
    ]
    assert holders(release_store, "2025-07-22") == [("person:kairat-sarybay", "cica:SecretaryGeneralRole", "dates")]
    # Seed 002 (2021-11-01): Dzhumakhon Giyosov, leader of the SCO's anti-terrorism structure.
    assert holders(release_store, "2021-11-01", org="io:sco-rats") == [
        ("person:dzhumakhon-giyosov", "cica:HeadRole", "attested"),
    ]


def test_secretariat_heads_in_order(release_store: ox.Store):
    rows = table("secretariat-heads", release_store)
    heads = [(r["person"], short(r["role"])) for r in rows]
    # MFA: Gong Jianwei, Executive Director while China chaired (undated: first, with no start);
    # NTJ18/SC12: Mirzozoda 2018-2020; SC12/SC25/KT20: Sarybay 2020-2022; BA22: Sarybay first Secretary General.
    assert heads == [
        ("person:gong-jianwei", "cica:ExecutiveDirectorRole"),
        ("person:habibullo-mirzozoda", "cica:ExecutiveDirectorRole"),
        ("person:kairat-sarybay", "cica:ExecutiveDirectorRole"),
        ("person:kairat-sarybay", "cica:SecretaryGeneralRole"),
    ]
    assert [r["start"] for r in rows] == [None, "2018-09-24", "2020", "2022-10"]
    assert rows[0]["nationality"] == "state:chn"  # MFA: Gong Jianwei (China)


# ---------------------------------------------------------------------------------------------------------
# cbm-areas


def test_cbm_tourism_coordinator_and_co_coordinator(release_store: ox.Store):
    rows = [r for r in table("cbm-areas", release_store) if r["area"] == "cbm:tourism"]
    # Seed 001 lists Tajikistan and Sri Lanka; SC1692 names Sri Lanka co-coordinator, so Tajikistan coordinates.
    assert [(r["state"], r["roleLabel"]) for r in rows] == [
        ("state:tjk", "coordinator"),
        ("state:lka", "co-coordinator"),
    ]
    assert rows[0]["dimension"] == "cbm:dimension-economic"


def test_cbm_catalogue_as_listed_in_seed_001(release_store: ox.Store):
    rows = table("cbm-areas", release_store)
    # Seed 001: five dimensions, 17 areas, 38 listed states in all.
    assert len({r["dimension"] for r in rows}) == 5
    assert len({r["area"] for r in rows}) == 17
    assert len(rows) == 38
    terrorism = [r for r in rows if r["area"] == "cbm:combating-terrorism"]
    # Seed 001: India for combating terrorism; seed 000: part of the new challenges and threats dimension.
    assert [(r["state"], r["dimension"]) for r in terrorism] == [("state:ind", "cbm:dimension-new-challenges")]
    human = [r["state"] for r in rows if r["area"] == "cbm:human-dimension"]
    assert set(human) == {"state:uzb", "state:chn", "state:ind", "state:kaz", "state:kgz"}  # seed 001


# ---------------------------------------------------------------------------------------------------------
# agreements, events-of


def test_agreements(release_store: ox.Store):
    rows = table("agreements", release_store)
    # Seed 000: MoU of the secretariats (2014), Protocol with the SCO RATS (2017); CRI22: MoU with the EEC (2022-10).
    assert [(r["agreement"], r["date"], r["parties"]) for r in rows] == [
        ("agr:cica-sco-mou-2014", "2014", "CICA Secretariat; SCO Secretariat"),
        ("agr:cica-sco-rats-protocol-2017", "2017", "CICA Secretariat; SCO Regional Anti-Terrorist Structure"),
        (
            "agr:cica-eec-mou-2022",
            "2022-10",
            "Conference on Interaction and Confidence Building Measures in Asia; Eurasian Economic Commission",
        ),
    ]
    assert rows[2]["signedAt"] == "event:cica-summit-6"  # CRI22: signed at the 6th Summit
    assert rows[0]["kind"] == "cica:MemorandumOfUnderstanding"


def test_events_of_cica(release_store: ox.Store):
    rows = table("events-of", release_store)
    involvement = {(r["event"], r["involvement"], r["via"]) for r in rows}
    for ordinal in range(1, 8):  # facts.md section 2: seven summits of CICA
        assert (f"event:cica-summit-{ordinal}", "organizer", "io:cica") in involvement
    # Seed 003: CICA among the international organizations at the Tashkent conferences of September 2024.
    assert ("event:sco-rats-conference-10", "attendee", "io:cica") in involvement
    # Seed 000: the CICA Secretariat delegation at the 11th SCO RATS conference (November 2025).
    assert ("event:sco-rats-conference-11", "attendee", "io:cica-secretariat") in involvement
    # Seed 004: the Senior Officials Committee meeting of 2025-07-21.
    assert ("event:cica-soc-2025-07-21", "organizer", "io:cica-soc") in involvement
    days = [r["startDay"] for r in rows if r["startDay"]]
    assert days == sorted(days)


def test_events_of_a_state_and_of_the_sco_rats(release_store: ox.Store):
    # Seed 004: Azerbaijan chaired the SOC meeting and the Special Working Group meeting of July 2025.
    rows = table("events-of", release_store, org="state:aze")
    assert {(r["event"], r["involvement"]) for r in rows} == {
        ("event:cica-soc-2025-07-21", "chair"),
        ("event:cica-swg-2025-07-21", "chair"),
    }
    # Seeds 003, 000: the RATS organized the 10th and 11th conferences; seed 002: met CICA in Tashkent (2021).
    rows = table("events-of", release_store, org="io:sco-rats")
    assert [(r["event"], r["involvement"]) for r in rows] == [
        ("event:sco-rats-cica-meeting-2021", "attendee"),
        ("event:sco-rats-conference-10", "organizer"),
        ("event:sco-rats-conference-11", "organizer"),
    ]


# ---------------------------------------------------------------------------------------------------------
# cica-and-sco, sources-of, conflicts, counts-by-role

SEED_002_BOTH = ["state:chn", "state:ind", "state:kaz", "state:kgz", "state:pak", "state:rus", "state:uzb"]


def test_states_in_cica_and_sco_at_any_time(release_store: ox.Store):
    # Seed 002 lists the SCO members (all CICA members per KR, seed 001); it omits Tajikistan, and Iran is only
    # acceding. Ordered by name: China, India, Kazakhstan, Kyrgyzstan, Pakistan, Russia, Uzbekistan.
    rows = table("cica-and-sco", release_store)
    assert column(rows, "state") == SEED_002_BOTH
    assert all(r["date"] is None for r in rows)


def test_states_in_cica_and_sco_on_a_date(release_store: ox.Store):
    rows = table("cica-and-sco", release_store, date="2021-11-01")  # the day of seed 002
    assert column(rows, "state") == SEED_002_BOTH
    assert "state:tjk" not in column(rows, "state")


def test_sources_of_sri_lanka(release_store: ox.Store):
    rows = table("sources-of", release_store)  # default ?resource is Sri Lanka
    by_via: dict[str, set[str]] = {}
    for r in rows:
        by_via.setdefault(r["via"], set()).add(r["sourceKey"])
    assert {"seed-001", "aml14", "utv18", "ad19"} <= by_via["state:lka"]  # named in these
    assert by_via["rel:member-lka-cica"] == {"utv18", "ad19", "seed-001"}  # UTV18, AD19; seed 001 members list
    assert by_via["rel:observer-lka-cica"] == {"utv18", "ad19", "aml14"}  # UTV18, AD19 (from 2012), AML14 (2014)
    assert by_via["rel:coord-lka-tourism"] == {"seed-001", "sc1692"}  # seed 001, SC1692 co-coordinator


def test_sources_of_summit_6(release_store: ox.Store):
    rows = table("sources-of", release_store, resource="event:cica-summit-6")
    pairs = {(r["relation"], r["via"], r["sourceKey"]) for r in rows}
    assert ("itself", "event:cica-summit-6", "kz22b") in pairs  # facts.md section 2
    assert ("document adopted at", "doc:plan-of-action-un-gcts", "seed-000") in pairs  # seed 000
    assert ("agreement signed at", "agr:cica-eec-mou-2022", "cri22") in pairs  # CRI22


def test_conflicts(release_store: ox.Store):
    rows = table("conflicts", release_store)
    # facts.md section 1: Turkmenistan observer from 2022-10-13 (NA22) or from 2021 (NCA22); listed once.
    assert [
        (r["member"], r["statement"], r["start"], r["sources"], r["other"], r["otherStart"], r["otherSources"]) for r in rows
    ] == [
        ("state:tkm", "rel:observer-tkm-cica-na22", "2022-10-13", "na22", "rel:observer-tkm-cica-nca22", "2021", "nca22"),
    ]


def counts(store: ox.Store, day: str, org: str = "io:cica") -> dict[str, int]:
    rows = table("counts-by-role", store, date=day, org=org)
    return {short(r["role"]): int(r["count"]) for r in rows}


def test_counts_by_role(release_store: ox.Store):
    # Seed 001 (between 2021 and Kuwait's admission): 27 members, 9 + 5 observers, 5 partner organizations.
    assert counts(release_store, "2022-01-01") == {"cica:MemberRole": 27, "cica:ObserverRole": 14, "cica:PartnerRole": 5}
    # KZ22: 28 members; CRI22: the EEC the 6th partner; Turkmenistan counted once though two statements hold.
    assert counts(release_store, "2022-10-13") == {"cica:MemberRole": 28, "cica:ObserverRole": 14, "cica:PartnerRole": 6}
    assert counts(release_store, "2014-06-01")["cica:MemberRole"] == 26  # AT14
    assert counts(release_store, "2011-12-31")["cica:MemberRole"] == 24  # CD14


def test_counts_by_role_gives_zero_rows(release_store: ox.Store):
    # Seed 002: seven SCO members; no source gives SCO observers or partners.
    assert counts(release_store, "2021-11-01", org="io:sco") == {
        "cica:MemberRole": 7,
        "cica:ObserverRole": 0,
        "cica:PartnerRole": 0,
    }
