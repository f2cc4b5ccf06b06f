"""The generated ISO 3166-1 shapes follow pycountry."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from cica_graph import isocodes

ROOT = Path(__file__).resolve().parent.parent
CICASH = "https://w3id.org/cica/shapes#"


def _in_list(text: str, shape: str) -> list[str]:
    graph = Graph().parse(data=text, format="turtle")
    head = graph.value(URIRef(CICASH + shape), SH["in"])
    return [str(code) for code in Collection(graph, head)]


def test_shapes_file_is_up_to_date() -> None:
    on_disk = (ROOT / isocodes.SHAPES_FILE).read_text(encoding="utf-8")
    assert on_disk == isocodes.render_shapes(), (
        "shapes/iso3166.ttl is out of date with pycountry: run "
        "`python -m cica_graph.isocodes > shapes/iso3166.ttl` and review the diff"
    )


def test_pairs_cover_the_cica_states() -> None:
    pairs = set(isocodes.code_pairs())
    assert {("KZ", "KAZ"), ("PS", "PSE"), ("KW", "KWT"), ("US", "USA")} <= pairs
    assert not any(a3 == "XXK" for _, a3 in pairs)


def test_rendered_shapes_list_every_code() -> None:
    pairs = isocodes.code_pairs()
    text = isocodes.render_shapes()
    assert _in_list(text, "KnownAlpha2Shape") == sorted(a2 for a2, _ in pairs)
    assert _in_list(text, "KnownAlpha3Shape") == sorted(a3 for _, a3 in pairs)
    assert "|KZ/KAZ" in text


def test_render_takes_the_pairs_it_is_given() -> None:
    text = isocodes.render_shapes([("KZ", "KAZ"), ("KG", "KGZ")])
    assert _in_list(text, "KnownAlpha3Shape") == ["KAZ", "KGZ"]
    assert "KZ/KAZ|KG/KGZ" in text


def test_main_prints_the_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    isocodes.main()
    assert capsys.readouterr().out == isocodes.render_shapes()
