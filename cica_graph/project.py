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
        """Every file under data/ but hidden files and Markdown notes.

        Not only ``*.ttl``: a file of another type must be refused by the
        loader with a message, not silently left out of the graph.
        """
        def wanted(path: Path) -> bool:
            hidden = any(part.startswith(".") for part in path.relative_to(self.root).parts)
            return path.is_file() and path.suffix.lower() != ".md" and not hidden

        return sorted(p for p in (self.root / "data").rglob("*") if wanted(p))

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
