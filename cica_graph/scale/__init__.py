"""The build at scale: the same stages as :mod:`cica_graph.pipeline`, with the data kept in Oxigraph.

The reference pipeline holds every graph in rdflib and validates with pySHACL;
past ~100k triples its parser, graph and validator dominate (benchmarks/
pipeline.py). This package runs the stages on one Oxigraph store instead —
parse with Oxigraph's bulk loader, derive and infer with a few indexed scans,
validate with SHACL core constraints compiled to SPARQL — and each stage is
tested equal to its reference on the CICA data, the shape fixtures and
synthetic graphs (tests/test_scale_engines.py).
"""
