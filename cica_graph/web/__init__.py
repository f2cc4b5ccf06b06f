"""The linked-data portal: SPARQL endpoint, dereferenceable IRIs and HTML pages over a release.

``create_app(Settings(...))`` builds the ASGI application; ``cica-graph serve``
runs it under uvicorn. See docs/portal.md.
"""

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
