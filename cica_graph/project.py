"""Where a project's inputs and outputs live.

The defaults are the repository's own folders; every command accepts another
root so that a user's extended graph builds the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError, Problem


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``ontology/cica.ttl``.

    Falls back to the folder this package was installed from, so the CLI
    works from any working directory inside a checkout.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "ontology" / "cica.ttl").is_file():
            return folder
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Project:
    """The input folders and the release folder of one graph."""

    root: Path

    @property
    def ontology_files(self) -> list[Path]:
        """The ontology files (ontology/*.ttl)."""
        return sorted((self.root / "ontology").glob("*.ttl"))

    @property
    def data_files(self) -> list[Path]:
        """The curated data files (data/**/*.ttl)."""
        return sorted((self.root / "data").rglob("*.ttl"))

    @property
    def shape_files(self) -> list[Path]:
        """The SHACL shape files (shapes/*.ttl)."""
        return sorted((self.root / "shapes").glob("*.ttl"))

    @property
    def queries_dir(self) -> Path:
        """The folder of named queries."""
        return self.root / "queries"

    @property
    def qc_dir(self) -> Path:
        """The folder of quality-check queries."""
        return self.root / "queries" / "qc"

    @property
    def dist(self) -> Path:
        """The release folder."""
        return self.root / "dist"

    @classmethod
    def discover(cls, root: Path | None = None) -> Project:
        """The project at ``root`` or the one found from the working directory.

        Raises ConfigError when the folder holds no ``ontology/*.ttl``: building
        from an empty or mistyped folder would write an empty release.
        """
        project = cls(root.resolve() if root else find_root())
        if not project.ontology_files:
            raise ConfigError(
                Problem("not a cica-graph project: no ontology/*.ttl here", str(project.root), hint="check --root")
            )
        return project
