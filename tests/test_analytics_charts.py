"""Charts: the files exist with the expected pixel size, the data plotted is right, output is reproducible."""

from __future__ import annotations

import struct
from datetime import date
from pathlib import Path

import pytest

from cica_graph.analytics import charts
from cica_graph.analytics.timeline import Timeline

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def store(curated_store):
    return curated_store


@pytest.fixture(scope="module")
def timeline(curated_timeline) -> Timeline:
    return curated_timeline


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def _on(data: dict, role: str, day: str) -> int:
    """The step value in force on ``day`` (the last change on or before it)."""
    index = max(i for i, d in enumerate(data["dates"]) if d <= day)
    return data[role][index]


def test_membership_growth(timeline, tmp_path):
    chart = charts.membership_growth(timeline, tmp_path, date(1999, 1, 1), date(2025, 12, 31))
    assert _png_size(tmp_path / "membership-growth.png") == chart.size == (1000, 500)
    assert (tmp_path / "membership-growth.svg").is_file()
    # facts.md §1: 16 founding-era members from the 1st Ministerial Meeting (1999-09-14, the graph's first CICA
    # meeting), Thailand and Korea 2006, Jordan and UAE 2008, Iraq and Viet Nam 2010, Bahrain and Cambodia 2011 (24),
    # Qatar 2014-05, Bangladesh 2014-05-20 (26), Sri Lanka 2018-08-15 (27), Kuwait 2022-10-13 (28)
    members = {year: _on(chart.data, "member", f"{year}-12-31") for year in range(1999, 2026)}
    assert members == {
        1999: 16, 2000: 16, 2001: 16, 2002: 16, 2003: 16, 2004: 16, 2005: 16, 2006: 18, 2007: 18, 2008: 20, 2009: 20,
        2010: 22, 2011: 24, 2012: 24, 2013: 24, 2014: 26, 2015: 26, 2016: 26, 2017: 26, 2018: 27, 2019: 27, 2020: 27,
        2021: 27, 2022: 28, 2023: 28, 2024: 28, 2025: 28,
    }
    assert _on(chart.data, "member", "1999-01-01") == 0  # before the first documented meeting: not proven
    assert _on(chart.data, "member", "2014-05-19") == 25 and _on(chart.data, "member", "2014-05-20") == 26
    # observers proven in force: Bangladesh from 2010 (AML14), Sri Lanka from 2012 (UTV18) …
    assert [_on(chart.data, "observer", d) for d in ("2009-12-31", "2010-12-31", "2012-12-31")] == [0, 1, 2]
    # … VN19's 8 states and 5 organizations on 2019-06-11
    assert _on(chart.data, "observer", "2019-06-11") == 13
    assert _on(chart.data, "partner", "2022-12-31") == 2  # SCO (2014) and EEC (2022-10); the others have no date


def test_meetings_timeline(store, timeline, tmp_path):
    chart = charts.meetings_timeline(store, timeline, tmp_path, date(2025, 12, 31))
    assert _png_size(tmp_path / "meetings-timeline.png") == (1200, 500)
    assert [d for d, _label in chart.data["summits"]][:6] == [
        "2002-06-04", "2006-06-01", "2010-06-01", "2014-05-20", "2019-06-14", "2022-10-12"]  # facts.md §2
    assert chart.data["ministerial"][0] == ("1999-09-14", "1st CICA Ministerial Meeting")
    assert chart.data["chairs"] == [  # facts.md §4
        ("Kazakhstan", None, "2010"), ("Turkey", "2010", "2014-05"), ("China", "2014-05", "2018-09-24"),
        ("Tajikistan", "2018-09-24", "2020-09-24"), ("Kazakhstan", "2020-09-24", "2024-12-17"),
        ("Azerbaijan", "2024-12-17", "2026"),
    ]


def test_coordination_network_drawing(store, timeline, tmp_path):
    chart = charts.coordination_network(store, timeline, tmp_path)
    assert _png_size(tmp_path / "coordination-network.png") == (900, 900)
    assert len(chart.data["nodes"]) == 17 and len(chart.data["edges"]) == 30
    assert ("state:chn", "state:kaz", 2, ["Epidemiological safety, public health and pharmaceuticals",
                                          "Human dimension (specific measures)"]) in chart.data["edges"]


def test_dimension_area_matrix(store, timeline, tmp_path):
    chart = charts.dimension_area_matrix(store, timeline, tmp_path)
    assert _png_size(tmp_path / "dimension-area-matrix.png") == (1200, 800)
    rows, columns, matrix = chart.data["rows"], chart.data["columns"], chart.data["matrix"]
    assert len(rows) == 17 and len(columns) == 17
    tourism = rows.index(("Economic dimension", "Tourism"))
    # SC1692: Sri Lanka co-coordinator; Tajikistan therefore coordinator
    assert (matrix[tourism][columns.index("TJK")], matrix[tourism][columns.index("LKA")]) == (2.0, 0.5)
    ict_area = "Security of and in the use of information and communication technologies (ICTs)"
    ict = rows.index(("New challenges and threats", ict_area))
    assert [columns[i] for i, v in enumerate(matrix[ict]) if v] == ["CHN", "RUS"]


def test_charts_are_reproducible(timeline, tmp_path):
    for run in ("a", "b"):
        charts.membership_growth(timeline, tmp_path / run, date(1999, 1, 1), date(2025, 12, 31))
    for name in ("membership-growth.png", "membership-growth.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
