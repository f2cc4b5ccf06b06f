"""In-process tests of the portal's small pieces: negotiation, result writers, settings, anchors, dates."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.query import Result

from cica_graph.errors import ConfigError, QueryError
from cica_graph.web import formats
from cica_graph.web.negotiate import choose
from cica_graph.web.ontodoc import add_roles, add_term_anchors
from cica_graph.web.settings import Settings
from cica_graph.web.view import human_date

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_OFFER = ["text/html", "text/turtle", "application/ld+json", "application/n-triples"]


@pytest.mark.parametrize(("accept", "expected"), [
    (BROWSER, "text/html"),
    (None, "text/html"),
    ("", "text/html"),
    ("*/*", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/ld+json, text/turtle;q=0.5", "application/ld+json"),
    ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
    ("text/turtle, application/ld+json", "text/turtle"),
    ("application/*", "application/ld+json"),
    ("*/*;q=0.1, application/n-triples", "application/n-triples"),
    ("text/html;q=0, */*", "text/turtle"),
    ("application/pdf", None),
    ("text/turtle;q=0", None),
    ("garbage", None),
])
def test_negotiation(accept, expected):
    assert choose(accept, RDF_OFFER) == expected


def _rows() -> tuple[list[str], list[list[object]]]:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return ["s", "label", "n"], [
        [ox.NamedNode("https://w3id.org/cica/id/state/kaz"), ox.Literal("Kazakhstan", language="en"),
         ox.Literal("3", datatype=ox.NamedNode(xsd + "integer"))],
        [ox.BlankNode("b0"), ox.Literal('tab\there, "quotes", comma'), None],
    ]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_result_writers_parse_back(fmt):
    variables, rows = _rows()
    data = formats.results(variables, rows, fmt)
    parsed = Result.parse(io.BytesIO(data), format=fmt)
    assert [str(v) for v in parsed.vars] == variables
    table = [[None if t is None else str(t) for t in row] for row in parsed]
    assert table[0][:2] == ["https://w3id.org/cica/id/state/kaz", "Kazakhstan"]
    assert table[1][1] == 'tab\there, "quotes", comma'
    assert table[1][2] is None or table[1][2] == ""


def test_json_results_keep_types():
    variables, rows = _rows()
    data = json.loads(formats.results(variables, rows, "json"))
    first, second = data["results"]["bindings"]
    assert first["label"] == {"type": "literal", "value": "Kazakhstan", "xml:lang": "en"}
    assert first["n"]["datatype"].endswith("#integer")
    assert second["s"] == {"type": "bnode", "value": "b0"}
    assert "n" not in second


def test_boolean_results():
    assert json.loads(formats.boolean(True, "json")) == {"head": {}, "boolean": True}
    assert Result.parse(io.BytesIO(formats.boolean(False, "xml")), format="xml").askAnswer is False


def test_settings_validate_and_map_iris(tmp_path):
    settings = Settings(dist=tmp_path, base_iri="https://mirror.example.org/cica")
    assert settings.base_iri == "https://mirror.example.org/cica/"
    assert settings.prefix == "/cica/"
    assert settings.data_base == "https://w3id.org/cica/"
    assert settings.local("https://w3id.org/cica/id/state/kaz") == "/cica/id/state/kaz"
    assert settings.local("https://w3id.org/cica/def#State") == "/cica/def#State"
    assert settings.local("https://www.wikidata.org/entity/Q232") is None
    assert settings.graph_iri("id/state/kaz") == "https://w3id.org/cica/id/state/kaz"
    assert settings.public("sparql") == "https://mirror.example.org/cica/sparql"
    with pytest.raises(ConfigError) as error:
        Settings(dist=tmp_path, base_iri="ftp://x", timeout=0, max_rows=0, workers=0)
    assert len(error.value.problems) == 4


def test_data_base_comes_from_the_release(tmp_path: Path):
    (tmp_path / "void.ttl").write_text('@prefix void: <http://rdfs.org/ns/void#> .\n'
                                       '<https://example.org/g/dataset> void:uriSpace "https://example.org/g/id/" .\n',
                                       encoding="utf-8")
    assert Settings(dist=tmp_path, base_iri="http://localhost:1/").data_base == "https://example.org/g/"


def test_term_anchors_and_roles():
    ns = "https://w3id.org/cica/def#"
    page = ('<div class="property entity" id="Internationalorganization"><h3>x</h3><table><tr><th>IRI</th>'
            f'<td><code>{ns}InternationalOrganization</code></td></tr></table></div>'
            '<div class="property entity" id="Role"><h3>Role</h3><table><tr><th>IRI</th>'
            '<td><code>http://www.w3.org/ns/org#Role</code></td></tr></table></div>'
            '<div class="property entity" id="CICArole"><h3>CICA role</h3><table><tr><th>IRI</th>'
            f'<td><code>{ns}Role</code></td></tr></table></div><a href="#Role">org:Role</a>'
            '<div id="namespaces"></div><ul><li>\n<h4>\n<a href="#namespaces">Namespaces</a></h4></li></ul>')
    out = add_term_anchors(page, ns)
    assert '<span id="InternationalOrganization"></span>' in out
    assert 'id="ext-Role"' in out and 'href="#ext-Role"' in out, "org:Role moved aside"
    assert '<span id="Role"></span>' in out, "cica:Role owns #Role"
    role = {"iri": ns + "MemberRole", "local": "MemberRole", "label": "member <b>", "definition": "Full membership.",
            "notation": "1", "broader": ""}
    with_roles = add_roles(out, [role])
    assert 'id="MemberRole"' in with_roles and "member &lt;b&gt;" in with_roles
    assert with_roles.index('id="roles"') < with_roles.index('id="namespaces"')
    assert 'href="#roles"' in with_roles


@pytest.mark.parametrize(("lexical", "text"), [("2014-05-20", "20 May 2014"), ("2014-05", "May 2014"), ("2014", "2014"),
                                               ("2014-13", "2014-13"), ("-0044", "-0044")])
def test_human_dates(lexical, text):
    assert human_date(lexical) == text


def test_every_serve_option_is_documented():
    import typer

    from cica_graph.cli import app

    command = typer.main.get_command(app).commands["serve"]
    documented = (Path(__file__).resolve().parent.parent / "docs" / "portal.md").read_text(encoding="utf-8")
    for param in command.params:
        for option in param.opts:
            if option.startswith("--") and option != "--help":
                assert f"`{option}`" in documented, f"cica-graph serve {option} is not in docs/portal.md"


@pytest.mark.parametrize(("text", "parsed"), [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("# where it comes from\nSELECT * WHERE { ?s ?p ?o }", False),
    ("SELECT * WHERE { ?s rdfs:label \"Service\" }", True),
    ("# a state's origin, from the sources\nSELECT * WHERE { ?s ?p ?o }", True),
    ("SELECT * WHERE { ?s ?p <http://x/\u2028#> . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }", True),
    ("SELECT * WHERE { ?s ?p \"\"\"x\n# y \"\"\" . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }", True),
])
def test_texts_that_name_service_or_from_get_a_second_opinion(monkeypatch, text, parsed):
    from cica_graph.web import worker

    calls = []
    monkeypatch.setattr(worker, "refuse_remote_by_parse", calls.append)
    worker.screen(text, lambda _text: None)  # whatever the project's check says, the gate alone decides here
    assert bool(calls) == parsed


@pytest.mark.parametrize("text", [
    "SELECT ?s WHERE { ?s prov:wasDerivedFrom ?source }",
    "SELECT ?s WHERE { ?s rdfs:label \"Services from CICA\" }",
    "# the sources a fact comes from\nSELECT ?s WHERE { ?s ?p ?o }",
])
def test_screen_lets_plain_queries_through(text):
    from cica_graph.sparql import check_query
    from cica_graph.web.worker import refuse_remote_by_parse, screen

    refuse_remote_by_parse.cache_clear()
    screen(text, check_query)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p <http://x/\u2028#> . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p <http://x/\u00a0#> . SERVICE <http://127.0.0.1:1/> { ?a ?b ?c } }",
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
])
def test_screen_refuses_remote_data_and_updates(text):
    from cica_graph.sparql import check_query
    from cica_graph.web.worker import screen

    with pytest.raises(QueryError):
        screen(text, check_query)


def test_workers_have_no_network(tmp_path):
    import socket
    import subprocess
    import sys

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    probe = (
        "import sys, pyoxigraph as ox\n"
        "from cica_graph.web.worker import isolate_network\n"
        "if not isolate_network(): sys.exit(77)\n"
        f"query = 'SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}'\n"
        "try:\n    list(ox.Store().query(query))\nexcept OSError as exc:\n    print('refused:', exc); sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    if done.returncode == 77:
        pytest.skip("no network namespaces here (not root, no unprivileged user namespaces)")
    assert done.returncode == 0, done.stdout + done.stderr
    with pytest.raises(TimeoutError):
        listener.accept()  # the worker's SERVICE request never arrived
    listener.close()


# --- the worker pool and its zygote (in-process, over the session's release) -----------------------------------

CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _job(query: str) -> dict:
    return {"query": query, "results": "json", "graph": None, "max_rows": 100}


def _proc(pid: int) -> dict[str, str]:
    """Fields of /proc/PID/status, plus the address-space limit from /proc/PID/limits."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    limits = next(line for line in Path(f"/proc/{pid}/limits").read_text().splitlines() if "address space" in line)
    return {**{k: v.strip() for k, v in fields.items()}, "address space": limits.split()[3]}


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


async def _eventually(condition, seconds: float = 5.0) -> bool:
    """Whether ``condition()`` becomes true within ``seconds`` (a killed process takes a moment to go)."""
    import asyncio

    for _ in range(int(seconds / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


def _with_pool(release_dir: Path, check, size: int = 1, **options) -> None:
    """Run ``await check(pool)`` on a started pool over the release, then close the pool."""
    import asyncio

    from cica_graph.web.pool import Pool

    async def main() -> None:
        pool = Pool(release_dir / "cica.trig", size, **options)
        pool.start()
        try:
            assert await pool.wait_ready(60), pool.broken
            await check(pool)
        finally:
            await pool.close()

    asyncio.run(main())


def test_a_killed_worker_is_replaced_by_a_fork_of_the_zygote_with_the_same_limits(release_dir):
    import time

    async def check(pool) -> None:
        zygote = pool.zygote_pid
        (first,) = pool.worker_pids()
        assert _proc(first)["PPid"] == str(zygote), "workers are the zygote's children"
        assert _proc(first)["Name"] == "cica-worker" and _proc(zygote)["Name"] == "cica-zygote"
        assert _proc(first)["address space"] == str(300 * 1024 * 1024)
        stopped = await pool.run(_job(CARTESIAN), 0.5)
        assert stopped.status == 503 and "0.5 s deadline" in stopped.message
        started = time.monotonic()
        answered = await pool.run(_job("ASK { ?s ?p ?o }"), 30)
        assert answered.status == 200, answered.message
        assert json.loads(answered.body)["boolean"] is True
        assert time.monotonic() - started < 10, "a sanity bound: the replacement is a fork, not a new interpreter"
        (second,) = pool.worker_pids()
        assert second != first
        assert await _eventually(lambda: _gone(first)), "the runaway worker was killed"
        assert pool.zygote_pid == zygote and pool.killed == 1 and pool.replaced == 1
        assert _proc(second)["PPid"] == str(zygote)
        assert _proc(second)["address space"] == str(300 * 1024 * 1024), "the memory limit applies to forked workers"

    _with_pool(release_dir, check, memory_mb=300)


def test_a_forked_worker_over_its_memory_limit_is_stopped(release_dir):
    concat = ('SELECT (STRLEN(GROUP_CONCAT(CONCAT(STR(?s), STR(?p), STR(?o)); separator="")) AS ?n) '
              "WHERE { ?s ?p ?o . ?a ?b ?c }")

    async def check(pool) -> None:
        assert (await pool.run(_job(CARTESIAN), 0.2)).status == 503  # the next worker is a replacement
        stopped = await pool.run(_job(concat), 30)
        assert stopped.status == 503 and "300 MB" in stopped.message, stopped.message
        assert (await pool.run(_job("ASK {}"), 30)).status == 200

    _with_pool(release_dir, check, memory_mb=300)


def test_the_zygote_dying_is_recovered(release_dir):
    import os
    import signal

    async def check(pool) -> None:
        zygote, workers = pool.zygote_pid, pool.worker_pids()
        os.kill(zygote, signal.SIGKILL)
        assert await _eventually(lambda: all(_gone(pid) for pid in (zygote, *workers))), "workers die with their zygote"
        answered = await pool.run(_job("ASK { ?s ?p ?o }"), 60)
        assert answered.status == 200, answered.message
        assert pool.zygote_pid not in (None, zygote) and pool.zygote_restarts == 1
        assert not pool.worker_pids() & workers
        assert all(_proc(pid)["PPid"] == str(pool.zygote_pid) for pid in pool.worker_pids())

    _with_pool(release_dir, check, size=2)


def test_a_client_with_too_many_queries_at_once_gets_429(release_dir):
    import asyncio

    async def check(pool) -> None:
        running = [asyncio.ensure_future(pool.run(_job(CARTESIAN), 1.5, client="greedy", client_cap=2)) for _ in range(2)]
        await asyncio.sleep(0.2)
        refused = await pool.run(_job("ASK {}"), 5, client="greedy", client_cap=2)
        assert refused.status == 429 and refused.retry_after == 1
        assert "2 queries running or waiting" in refused.message
        other = asyncio.ensure_future(pool.run(_job("ASK {}"), 5, client="other", client_cap=2))
        portal_own = await pool.run(_job("ASK {}"), 5, client_cap=2)  # the portal itself (no client) is never capped
        assert portal_own.status == 200
        assert {r.status for r in await asyncio.gather(*running)} == {503}
        assert (await other).status == 200
        assert (await pool.run(_job("ASK {}"), 5, client="greedy", client_cap=2)).status == 200, "slots are given back"
        assert pool.capped == 1

    _with_pool(release_dir, check, size=2)


def test_many_forks_keep_answering_correctly(release_dir, release_store):
    """Stress: forking after the store has loaded and answered queries is safe (no lock held by another thread)."""
    expected = len(release_store)

    async def check(pool) -> None:
        for _ in range(25):
            counted = await pool.run(_job("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"), 30)
            assert counted.status == 200, counted.message
            assert int(json.loads(counted.body)["results"]["bindings"][0]["n"]["value"]) == expected
            assert (await pool.run(_job(CARTESIAN), 0.05)).status == 503
        assert await pool.wait_ready(30)
        assert pool.killed == 25 and pool.replaced == 25
        assert _proc(pool.zygote_pid)["Threads"] == "1", "the zygote stays single-threaded: safe to fork"

    _with_pool(release_dir, check, size=2)


def test_new_clients_wait_behind_known_light_clients(release_dir):
    import asyncio

    async def check(pool) -> None:
        assert (await pool.run(_job("ASK {}"), 5, client="known")).status == 200
        order: list[str] = []

        async def ask(client: str) -> None:
            reply = await pool.run(_job("ASK {}"), 10, client=client)
            assert reply.status == 200, reply.message
            order.append(client)

        hog = asyncio.ensure_future(pool.run(_job(CARTESIAN), 1.0, client="hog"))
        await asyncio.sleep(0.2)
        waiting = [asyncio.ensure_future(ask("new"))]
        await asyncio.sleep(0.05)
        waiting.append(asyncio.ensure_future(ask("known")))
        assert (await hog).status == 503
        await asyncio.gather(*waiting)
        assert order == ["known", "new"], "a client answered lately goes before one the endpoint does not know"

    _with_pool(release_dir, check, size=1)


def test_a_new_client_gets_a_quarter_of_the_busy_timeout_on_the_last_worker(release_dir):
    import asyncio

    async def check(pool) -> None:
        assert (await pool.run(_job("ASK {}"), 5, client="known")).status == 200
        hog = asyncio.ensure_future(pool.run(_job(CARTESIAN), 3.0, client="hog"))
        await asyncio.sleep(0.2)
        new = await pool.run(_job(CARTESIAN), 10, client="new")
        assert new.status == 503 and "must finish within 0.25 s" in new.message, new.message
        known = await pool.run(_job(CARTESIAN), 10, client="known")
        assert known.status == 503 and "must finish within 1 s" in known.message, known.message
        assert (await hog).status == 503

    _with_pool(release_dir, check, size=2, busy_timeout=1.0)
