"""Docs cannot drift: every command and every named query is documented."""

from __future__ import annotations

from pathlib import Path

from cica_graph.cli import app
from cica_graph.docgen import render_readme
from cica_graph.sparql import find_queries

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme():
    commands = sorted(c.name or c.callback.__name__ for c in app.registered_commands)
    missing = [c for c in commands if f"cica-graph {c}" not in README]
    assert not missing, f"undocumented commands: {missing}"


def test_the_queries_table_is_up_to_date():
    assert render_readme(README, ROOT / "queries") == README, "run: .venv/bin/python -m cica_graph.docgen"


def test_every_named_query_is_listed():
    for name in find_queries(ROOT / "queries"):
        assert f"`{name}`" in README


def test_quickstart_has_exactly_the_two_commands():
    quickstart = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    block = quickstart.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make run", "make test"]
