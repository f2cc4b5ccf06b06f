"""The terminal side shared by every command: output streams, progress and failure."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from .errors import EXIT_INPUT, CicaError

#: Standard error: problems and progress; colour only on a terminal (rich decides).
err = Console(stderr=True, soft_wrap=True)
#: Standard output: results.
out = Console(soft_wrap=True)


def progress(message: str) -> None:
    """Show a stage of long work, on a terminal only."""
    if err.is_terminal:
        err.print(f"[dim]… {message}[/dim]")


def fail(exc: CicaError) -> NoReturn:
    """Print every located problem of ``exc`` and exit with the input-error code."""
    for problem in exc.problems:
        err.print(str(problem), markup=False, highlight=False)
    raise typer.Exit(EXIT_INPUT)
