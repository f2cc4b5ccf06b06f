"""Generated parts of the README, so that the documentation cannot drift.

``python -m cica_graph.docgen`` rewrites the block between the
``<!-- queries:start -->`` and ``<!-- queries:end -->`` markers from the
headers of ``queries/*.rq``; ``tests/test_docs.py`` fails when it is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from .project import Project
from .sparql import find_queries

START, END = "<!-- queries:start -->", "<!-- queries:end -->"


def queries_table(queries_dir: Path) -> str:
    """A Markdown table of the named queries: name, title, parameters with defaults."""
    lines = ["| query | answers | parameters (default) |", "|---|---|---|"]
    for name, query in find_queries(queries_dir).items():
        params = ", ".join(f"`?{p.name}` {p.type}" + (f" (`{p.default}`)" if p.default else "") for p in query.params)
        lines.append(f"| `{name}` | {query.title} | {params or '—'} |")
    return "\n".join(lines)


def render_readme(text: str, queries_dir: Path) -> str:
    """``text`` with its queries block regenerated."""
    block = f"{START}\n{queries_table(queries_dir)}\n{END}"
    return re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _m: block, text, flags=re.S)


def main() -> None:
    """Rewrite README.md in place."""
    project = Project.discover()
    readme = project.root / "README.md"
    readme.write_text(render_readme(readme.read_text(encoding="utf-8"), project.queries_dir), encoding="utf-8")
    sys.stdout.write(f"updated {readme}\n")


if __name__ == "__main__":
    main()
