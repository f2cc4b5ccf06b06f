"""docs/analytics.md documents every analytics command with real output, and its diff example is current."""

from __future__ import annotations

import struct
from pathlib import Path

from typer.testing import CliRunner

from cica_graph.analytics.docs import commands
from cica_graph.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "analytics.md").read_text(encoding="utf-8")


def test_every_analytics_command_has_an_example():
    ran = {c.split()[1] for c in commands(DOC) if c.startswith("cica-graph ")}
    assert ran == {"members", "status", "panel", "network", "chart", "diff"}


def test_the_diff_example_is_current(monkeypatch):
    command = next(c for c in commands(DOC) if c.startswith("cica-graph diff "))
    block = DOC.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, command.split()[1:])
    assert result.exit_code == 0
    assert result.stdout.rstrip("\n") == block.rstrip("\n"), "run: .venv/bin/python -m cica_graph.analytics.docs"


def test_the_chart_images_are_there():
    for name in ("membership-growth", "meetings-timeline", "coordination-network", "dimension-area-matrix"):
        assert f"](img/{name}.png)" in DOC
        header = (ROOT / "docs" / "img" / f"{name}.png").read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", header[16:24])[0] >= 900
