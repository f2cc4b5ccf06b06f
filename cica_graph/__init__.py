"""cica-graph: an open knowledge graph and ontology builder for CICA."""

__version__ = "0.1.0"
