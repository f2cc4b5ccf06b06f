"""COW-IGO-compatible panels and their codebook (issue #4, part 2).

Expected values by hand from facts.md section 1 (rows cited) and the COW
crosswalk in data/cow.ttl.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cica_graph.analytics import codebook, panel
from cica_graph.analytics.timeline import Timeline

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def timeline(curated_timeline) -> Timeline:
    return curated_timeline


@pytest.fixture(scope="module")
def state_year(timeline) -> panel.Table:
    return panel.state_year(timeline, 1999, 2025)


def _row(table: panel.Table, iso3: str, year: int) -> dict:
    return next(r for r in table.records() if r["iso3"] == iso3 and r["year"] == year)


def test_columns_are_cow_style_with_one_column_per_organization(state_year):
    # the graph records state memberships of CICA and of the SCO only (seed 002 for the SCO)
    assert state_year.columns == ["ccode", "iso3", "year", "state", "cica", "sco"]
    assert len(state_year.rows) == 37 * 27  # 37 states in data/states.ttl, 1999-2025


def test_sri_lanka_2012_to_2019(state_year):
    # UTV18/AD19: observer since 2012; member from 2018-08-15, so in force on 31 December 2018 and 2019
    codes = {year: _row(state_year, "LKA", year)["cica"] for year in range(2011, 2020)}
    assert codes == {2011: 0, 2012: 3, 2013: 3, 2014: 3, 2015: 3, 2016: 3, 2017: 3, 2018: 1, 2019: 1}
    assert _row(state_year, "LKA", 2015)["ccode"] == 780  # COW state number of Sri Lanka
    assert _row(state_year, "LKA", 2015)["sco"] == 0


def test_rows_for_other_sources(state_year):
    assert [_row(state_year, "BGD", y)["cica"] for y in (2009, 2010, 2013, 2014)] == [0, 3, 3, 1]  # AML14
    assert [_row(state_year, "QAT", y)["cica"] for y in (2013, 2014)] == [-9, 1]  # AML14 observer (no start), AT14
    assert [_row(state_year, "KWT", y)["cica"] for y in (2021, 2022)] == [0, 1]  # KZ22
    assert [_row(state_year, "TKM", y)["cica"] for y in (2020, 2021, 2022)] == [0, -9, 3]  # NCA22 vs NA22
    assert [_row(state_year, "CHN", y)["sco"] for y in (2000, 2001, 2020, 2021)] == [-1, -9, -9, 1]  # founded 2001; seed 002


def test_member_counts_per_year_add_up(state_year):
    records = state_year.records()
    counts = {y: sum(1 for r in records if r["year"] == y and r["cica"] == 1) for y in (1999, 2011, 2014, 2018, 2022)}
    assert counts == {1999: 16, 2011: 24, 2014: 26, 2018: 27, 2022: 28}


def test_palestine_has_no_cow_code(state_year):
    row = _row(state_year, "PSE", 2020)
    assert row["ccode"] is None and row["cica"] == 1
    assert "PSE,2020,Palestine,1,0" in state_year.to_csv()  # blank ccode in the CSV
    assert state_year.rows[-1][1] == "PSE"  # states without a COW code come last


def test_cow_codes_of_the_crosswalk(timeline):
    codes = {s.iso3: s.cow for s in timeline.states.values()}
    assert {k: codes[k] for k in ("USA", "RUS", "KAZ", "CHN", "IND", "VNM", "KOR")} == {
        "USA": "2", "RUS": "365", "KAZ": "705", "CHN": "710", "IND": "750", "VNM": "816", "KOR": "732",
    }
    assert [k for k, v in codes.items() if v is None] == ["PSE"]


def test_dyad_year(timeline):
    dyads = panel.dyad_year(timeline, 2021, 2022)
    assert len(dyads.rows) == 37 * 36 // 2 * 2
    kaz_chn = next(r for r in dyads.records() if {r["iso3_1"], r["iso3_2"]} == {"KAZ", "CHN"} and r["year"] == 2021)
    assert (kaz_chn["cica"], kaz_chn["sco"], kaz_chn["joint"]) == (1, 1, 2)  # seed 002 attests both in the SCO in 2021
    lka_tkm = next(r for r in dyads.records() if {r["iso3_1"], r["iso3_2"]} == {"LKA", "TKM"} and r["year"] == 2021)
    assert (lka_tkm["cica"], lka_tkm["joint"]) == (0, 0)


def test_joint_codes():
    pairs = [(1, 1), (1, -9), (-9, -9), (1, 0), (-1, -1)]
    assert [panel.joint(a, b) for a, b in pairs] == [1, -9, -9, 0, -1]


def test_organizations_are_exported_separately(timeline):
    table = panel.organization_year(timeline, 2013, 2023)
    assert table.columns == ["org", "acronym", "year", "organization", "cica"]
    sco = {r["year"]: r["cica"] for r in table.records() if r["org"] == "sco"}
    assert (sco[2013], sco[2014]) == (0, 4)  # seed 000: partner from the 2014 memorandum
    eec = {r["year"]: r["cica"] for r in table.records() if r["org"] == "eec"}
    assert (eec[2021], eec[2022]) == (0, 4)  # CRI22
    un = {r["year"]: r["cica"] for r in table.records() if r["org"] == "un"}
    assert (un[2013], un[2014]) == (-9, 3)  # AML14 lists the UN as an observer in 2014
    assert not any(r["org"] in {"afg", "kaz"} for r in table.records())


def test_codebook_states_the_rules(timeline, state_year):
    text = codebook.codebook(timeline, 1999, 2025, {"state-year.csv": state_year}, "abc123")
    for needle in ("31 December", "-9", "-1", "founding-era member", "cica:conflictsWith", "Correlates of War Project",
                   "https://correlatesofwar.org/data-sets/state-system-membership/", "Palestine", "`sco`", "founded 2001",
                   "first dated activity 1999-09-14", "Kuwait joins CICA as 28th member state", "abc123"):
        assert needle in text, needle


def test_csv_round_trips(state_year):
    rows = list(csv.reader(io.StringIO(state_year.to_csv())))
    assert rows[0] == state_year.columns and len(rows) == len(state_year.rows) + 1
