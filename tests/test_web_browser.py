"""The portal in a real browser: headless Chromium loads the home page, a state page and the query page.

Chromium is Debian's package, installed by `.ci/install-system-deps.sh`; the
tests skip (saying so) only where it is not installed. Each page is loaded
twice: `--dump-dom` for the text the test checks, `--screenshot` for a PNG
saved in the test's tmp folder (look at it when a layout changes).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "web"))
from portal_server import ROOT, shared_portal

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed: run `bash .ci/install-system-deps.sh` as root (Debian package chromium)"
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars", "--window-size=1280,1600"]


@pytest.fixture(scope="module")
def base(release_dir):
    return shared_portal(release_dir)[0]


def chromium(url: str, folder: Path, name: str) -> str:
    """The page's text after loading in Chromium; a screenshot is written to ``folder/name.png``."""
    outputs = []
    for mode in ("--dump-dom", f"--screenshot={folder / (name + '.png')}"):
        profile = folder / f"profile-{name}-{len(outputs)}"
        done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", mode, url],
                              capture_output=True, text=True, timeout=90, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    screenshot = folder / f"{name}.png"
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 20_000, "the screenshot looks empty"
    dom = outputs[0]
    assert "</html>" in dom
    visible = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", dom, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", visible)))


def test_home_page(base, tmp_path):
    text = chromium(base + "/", tmp_path, "home")
    assert "CICA knowledge graph" in text
    assert re.search(r"\b2\d member states\b", text)
    assert "Downloads" in text and "cica.ttl" in text


def test_state_page(base, tmp_path):
    text = chromium(base + "/id/state/kaz", tmp_path, "state-kaz")
    assert "Kazakhstan" in text
    assert "Memberships and roles" in text and "member" in text
    query = "SELECT DISTINCT ?title WHERE { rel:member-kaz-cica prov:wasDerivedFrom ?s . ?s dct:title ?title }"
    titles = [b["title"]["value"] for b in httpx.get(base + "/sparql", params={"query": query}).json()["results"]["bindings"]]
    assert titles and all(title in text for title in titles), "the sources of Kazakhstan's membership are shown"
    assert re.search(r"member CICA dates not given|member CICA \S", text), "the CICA membership, by CICA's acronym"


def test_query_page(base, tmp_path):
    query = "SELECT ?state ?name WHERE { ?state a cica:State ; rdfs:label ?name FILTER(LANG(?name) = 'en') } ORDER BY ?name"
    text = chromium(f"{base}/query?query={quote(query)}", tmp_path, "query")
    listed = [re.search(r"^# title: (.*)$", p.read_text(encoding="utf-8"), re.M) for p in (ROOT / "queries").glob("*.rq")]
    assert all(match[1].strip() in text for match in listed if match), "the named queries are offered as examples"
    assert "Run query" in text
    assert "Kazakhstan" in text and "state:kaz" in text, "the results table shows labels and compact IRIs"
    assert re.search(r"\b\d+ rows\b", text)
    assert "Download CSV" in text
