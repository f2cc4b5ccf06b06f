"""Release diff in domain terms, on the hand-written fixture pair tests/fixtures/releases/{old,new}."""

from __future__ import annotations

import json
from pathlib import Path

from cica_graph.analytics.diff import diff_releases

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "releases"
KZ22 = "Kuwait joins CICA as 28th member state, Kazinform, 2022-10-13"
NA22 = ("President Ilham Aliyev attends plenary session of 6th Summit of the Conference on Interaction and Confidence "
        "Building Measures in Asia, News.az, 2022-10-13")
NCA22 = "The CICA summit in Astana: emerging political force in Eurasia, News Central Asia, 2022-10-14"

EXPECTED = f"""# Changes from `old` to `new`

8 added, 1 removed, 3 changed.

## Memberships

- Kuwait: member of CICA from 2022-10-13 (source: {KZ22})
- Belarus: observer of CICA (no dates): statement removed
- Turkmenistan: observer of CICA: start date changed from 2021 to 2022-10-13 (source: {NA22})
- Turkmenistan: observer of CICA: sources: added {NA22}; removed {NCA22}

## Agreements

- new agreement: CICA-EEC Memorandum of Understanding (2022) (date 2022-10; parties CICA, EEC)

## Meetings

- 5th CICA Summit: end date changed from none to 2019-06-15
- new meeting: 6th CICA Summit (start date 2022-10-12; end date 2022-10-13)

## States

- new state: Kuwait

## Organizations

- new organization: Eurasian Economic Commission

## Sources

- new source: Kuwait joins CICA as 28th member state (issue date 2022-10-13)
- new source: President Ilham Aliyev attends plenary session of 6th Summit of the Conference on Interaction and \
Confidence Building Measures in Asia (issue date 2022-10-13)
- new source: [Sixth CICA Summit report] (issue date 2022-10-14)
"""


def test_markdown_report(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    assert diff_releases(Path("old"), Path("new")).to_markdown() == EXPECTED


def test_json_report():
    report = json.loads(diff_releases(FIXTURES / "old" / "cica.ttl", FIXTURES / "new" / "cica.ttl").to_json())
    assert report["summary"] == {"added": 8, "removed": 1, "changed": 3}
    kuwait = report["changes"][0]
    assert kuwait["kind"] == "added" and kuwait["subject"] == "https://w3id.org/cica/id/rel/member-kwt-cica"
    assert kuwait["details"]["start"] == "2022-10-13"
    assert kuwait["details"]["sources"] == ["https://w3id.org/cica/id/source/kz22"]
    start = next(c for c in report["changes"] if c["details"].get("field") == "start date")
    assert (start["details"]["old"], start["details"]["new"]) == ("2021", "2022-10-13")


def test_no_changes():
    report = diff_releases(FIXTURES / "new", FIXTURES / "new")
    assert report.changes == [] and "No changes." in report.to_markdown()


def test_a_renamed_statement_is_a_change_not_an_addition(tmp_path):
    old = (FIXTURES / "old" / "cica.ttl").read_text()
    renamed = old.replace("rel:observer-tkm-cica a", "rel:observer-tkm-cica-nca22 a")
    (tmp_path / "renamed.ttl").write_text(renamed)
    report = diff_releases(FIXTURES / "old" / "cica.ttl", tmp_path / "renamed.ttl")
    assert report.changes == []
