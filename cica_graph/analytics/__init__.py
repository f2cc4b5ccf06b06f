"""Analytics over a release: time-aware status, panels, networks, charts and release diffs.

Library first: every function takes a store or a :class:`~.timeline.Timeline`
and returns data (tables, networkx graphs, chart data, diff reports); the CLI
(:mod:`cica_graph.cli_analytics`) and the portal format and write them.

* :mod:`.temporal` — ``status_on`` and ``members_on`` from the memberships' dates
* :mod:`.panel`, :mod:`.codebook` — COW-IGO-compatible state-year, dyad-year and organization-year panels
* :mod:`.network`, :mod:`.measures` — networks built from SPARQL results, centralities, GraphML/GEXF/RDF exports
* :mod:`.charts` — deterministic PNG/SVG charts that return the data they plot
* :mod:`.diff` — what changed between two releases, in domain terms
"""

from .temporal import Holder, Status, members_on, status_on
from .timeline import Timeline

__all__ = ["Holder", "Status", "Timeline", "members_on", "status_on"]
