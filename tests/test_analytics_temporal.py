"""Time-aware answers from the memberships' dates (issue #4, part 1).

Expected values are derived by hand from the sources (facts.md section 1 and
seed 001); each test names the rows it relies on. The store is built straight
from ontology/ and data/ (no reasoning, no validation): the analytics read only
asserted data, so this is the graph the release would give them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cica_graph.analytics import members_on, status_on
from cica_graph.analytics.temporal import FULL, NONE, NOT_FOUNDED, OBSERVER_CODE, PARTNER_CODE, UNKNOWN
from cica_graph.analytics.timeline import MEMBER, OBSERVER, PARTNER, Timeline

ROOT = Path(__file__).resolve().parents[1]
STATE = "https://w3id.org/cica/id/state/"
ORG = "https://w3id.org/cica/id/org/"
CICA = ORG + "cica"


@pytest.fixture(scope="module")
def timeline(curated_timeline) -> Timeline:
    return curated_timeline


# The 16 members listed by KR (with no start) + Thailand, Korea (2006), Jordan, UAE (2008), Iraq, Viet Nam (2010),
# Bahrain, Cambodia (2011): CD14 "membership reached 24" (facts.md §1 rows 3-11).
FOUNDING_ERA = {"afg", "aze", "chn", "egy", "ind", "irn", "isr", "kaz", "kgz", "mng", "pak", "pse", "rus", "tjk", "tur", "uzb"}
BY_2011 = FOUNDING_ERA | {"tha", "kor", "jor", "are", "irq", "vnm", "bhr", "khm"}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2011, 12, 31), BY_2011),  # CD14: 24 members after 2011
        (date(2014, 6, 1), BY_2011 | {"bgd", "qat"}),  # AML14 2014-05-20 Bangladesh; AT14 2014-05 Qatar: 26
        (date(2019, 1, 1), BY_2011 | {"bgd", "qat", "lka"}),  # UTV18 Sri Lanka 2018-08-15: 27
        (date(2022, 10, 12), BY_2011 | {"bgd", "qat", "lka"}),  # still 27 the day before the 6th Summit decision
        (date.today(), BY_2011 | {"bgd", "qat", "lka", "kwt"}),  # KZ22: Kuwait the 28th member from 2022-10-13
    ],
)
def test_members_of_cica_on_a_day(timeline, day, expected):
    holders = members_on(timeline, CICA, day)
    assert {h.iri.rsplit("/", 1)[-1] for h in holders} == expected
    assert len(holders) == len(expected)
    assert all(h.proven for h in holders)


def test_member_counts_match_the_sources_snapshots(timeline):
    counts = {d: len(members_on(timeline, CICA, d)) for d in (date(2011, 12, 31), date(2014, 6, 1), date(2019, 1, 1))}
    assert counts == {date(2011, 12, 31): 24, date(2014, 6, 1): 26, date(2019, 1, 1): 27}


def test_the_end_day_belongs_to_the_successor(timeline):
    # UTV18: Sri Lanka observer from 2012, member on 2018-08-15; the observer status ends that day
    before = status_on(timeline, STATE + "lka", CICA, date(2018, 8, 14))
    on = status_on(timeline, STATE + "lka", CICA, date(2018, 8, 15))
    assert (before.role, before.code) == (OBSERVER, OBSERVER_CODE)
    assert (on.role, on.code) == (MEMBER, FULL)
    assert on.memberships == ("https://w3id.org/cica/id/rel/member-lka-cica",)


def test_a_partial_start_counts_from_its_first_day(timeline):
    # AT14: Qatar a member from "2014-05"; Bangladesh (AML14) only from 2014-05-20
    assert status_on(timeline, STATE + "qat", CICA, date(2014, 5, 1)).code == FULL
    assert status_on(timeline, STATE + "bgd", CICA, date(2014, 5, 19)).code == OBSERVER_CODE


def test_conflicting_sources_give_unknown_until_they_agree(timeline):
    # NCA22: Turkmenistan observer from 2021; NA22: from 2022-10-13 (kept as two statements, cica:conflictsWith)
    early = status_on(timeline, STATE + "tkm", CICA, date(2021, 12, 31))
    assert early.role == OBSERVER  # the graph's reading: one statement is in force
    assert early.code == UNKNOWN and "disagree" in early.reason
    assert status_on(timeline, STATE + "tkm", CICA, date(2022, 12, 31)).code == OBSERVER_CODE
    assert status_on(timeline, STATE + "tkm", CICA, date(2020, 12, 31)).code == NONE


def test_an_observer_without_start_is_unknown_before_its_first_attestation(timeline):
    # AML14 (2014) and VN19 (2019-06-11) list Japan as an observer; no source gives its start
    assert status_on(timeline, STATE + "jpn", CICA, date(2013, 12, 31)).code == UNKNOWN
    assert status_on(timeline, STATE + "jpn", CICA, date(2014, 12, 31)).code == OBSERVER_CODE
    # Belarus only from VN19
    assert status_on(timeline, STATE + "blr", CICA, date(2018, 12, 31)).code == UNKNOWN
    assert status_on(timeline, STATE + "blr", CICA, date(2019, 12, 31)).code == OBSERVER_CODE


def test_founding_era_members_count_from_the_first_documented_meeting(timeline):
    # KR lists Russia without a date; the graph's first dated CICA meeting is the 1st Ministerial Meeting, 1999-09-14
    assert status_on(timeline, STATE + "rus", CICA, date(1999, 12, 31)).code == FULL
    early = status_on(timeline, STATE + "rus", CICA, date(1998, 12, 31))
    assert early.code == UNKNOWN and early.role == MEMBER
    assert status_on(timeline, STATE + "tha", CICA, date(2005, 12, 31)).code == NONE  # CD14: admitted 2006


def test_before_founding_is_minus_one(timeline):
    # data/organizations.ttl: the SCO founded 2001 (seed 000-003); seed 002 attests India's membership on 2021-11-01
    assert status_on(timeline, STATE + "ind", ORG + "sco", date(2000, 12, 31)).code == NOT_FOUNDED
    assert status_on(timeline, STATE + "ind", ORG + "sco", date(2015, 12, 31)).code == UNKNOWN
    assert status_on(timeline, STATE + "ind", ORG + "sco", date(2021, 12, 31)).code == FULL


def test_partners_and_observer_organizations(timeline):
    # seed 000: the SCO a partner from its 2014 memorandum; CRI22: the EEC from 2022-10
    partners = members_on(timeline, CICA, date(2023, 1, 1), PARTNER)
    keys = {h.iri.rsplit("/", 1)[-1]: h.proven for h in partners}
    assert keys == {"apk": False, "eco": False, "sco": True, "sco-rats": False, "unodc": False, "eec": True}
    assert status_on(timeline, ORG + "sco", CICA, date(2014, 12, 31)).code == PARTNER_CODE
    observers = {h.iri.rsplit("/", 1)[-1] for h in members_on(timeline, CICA, date(2019, 6, 11), OBSERVER)}
    # VN19: 8 observer states and 5 organizations on 2019-06-11; Turkmenistan joined later
    assert observers == {"blr", "idn", "jpn", "lao", "mys", "phl", "ukr", "usa", "un", "iom", "osce", "las", "turkpa"}


def test_coordinating_roles_include_narrower_roles(timeline):
    # SC1692: Sri Lanka co-coordinator and (derived) Tajikistan coordinator of tourism (cica:CoordinatingStateRole ⊒ both)
    holders = members_on(timeline, "https://w3id.org/cica/id/cbm/tourism", date.today(), "https://w3id.org/cica/def#CoordinatingStateRole")
    assert [h.label for h in holders] == ["Sri Lanka", "Tajikistan"]


def test_status_of_a_stranger_is_none(timeline):
    found = status_on(timeline, STATE + "usa", ORG + "sco", date(2020, 12, 31))
    assert (found.role, found.code, found.memberships) == (None, NONE, ())
