"""Typed errors with a location, and the exit codes the CLI maps them to.

Every stage raises a subclass of :class:`CicaError`; the CLI prints
``file:line:col: message`` and exits with :data:`EXIT_INPUT` (2). A graph that
does not conform is not an error: it is a report, and the CLI exits with
:data:`EXIT_NONCONFORMANT` (1).
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_INPUT = 2


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file."""

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class CicaError(Exception):
    """Base error: one or more located problems; all of a run are collected."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LoadError(CicaError):
    """An input file cannot be read or parsed, or holds an ill-formed value."""


class QueryError(CicaError):
    """A SPARQL query is malformed, unsafe (SERVICE, FROM, update) or lacks a parameter."""


class ShapesError(CicaError):
    """The SHACL shapes themselves are broken and cannot be evaluated."""


class ConfigError(CicaError):
    """A command-line option or configuration value is wrong."""


class ReleaseError(CicaError):
    """The release cannot be written or read back."""


class GuardError(CicaError):
    """The process guard refused an outbound request or a read outside the inputs (cica_graph.guard)."""
