"""``python -m cica_graph`` runs the CLI."""

from .cli import app

app()
