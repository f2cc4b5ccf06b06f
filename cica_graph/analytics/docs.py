"""Regenerate the example outputs of docs/analytics.md and README.md by running their commands.

Every fenced ``console`` block is a list of ``$ command`` lines, each followed
by its output. The commands run again in a scratch folder (where ``tests``
links to the repository's tests, so the diff example finds its fixtures) and
their fresh output replaces the old; charts written under ``docs/img`` there
are copied to the repository's ``docs/img``. Run from the repository root::

    .venv/bin/python -m cica_graph.analytics.docs
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def commands(markdown: str) -> list[str]:
    """Every ``$ command`` line of the console blocks, in order."""
    return [line[2:] for block in BLOCK.findall(markdown) for line in block.splitlines() if line.startswith("$ ")]


def regenerate(markdown: str, root: Path) -> str:
    """``markdown`` with the output of every console block replaced by a fresh run of its commands."""
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "tests").symlink_to(root / "tests")
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "120"}

        def run(match: re.Match[str]) -> str:
            lines = []
            for command in commands(match.group(0)):
                done = subprocess.run(command, shell=True, cwd=work, env=env, capture_output=True, text=True, check=False)
                lines.append(f"$ {command}")
                lines.extend(done.stdout.rstrip("\n").splitlines())
            return "```console\n" + "\n".join(lines) + "\n```"

        text = BLOCK.sub(run, markdown)
        images = work / "docs" / "img"
        if images.is_dir():
            (root / "docs" / "img").mkdir(parents=True, exist_ok=True)
            for image in sorted(images.iterdir()):
                shutil.copyfile(image, root / "docs" / "img" / image.name)
    return text


DOCUMENTS = ("docs/analytics.md", "README.md")


def main() -> None:
    """Rewrite the example outputs of docs/analytics.md and README.md in place."""
    root = Path.cwd()
    for name in DOCUMENTS:
        path = root / name
        path.write_text(regenerate(path.read_text(encoding="utf-8"), root), encoding="utf-8")


if __name__ == "__main__":
    main()
