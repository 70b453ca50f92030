"""Tests of routes.report.webmap: one self-contained HTML file, opened from disk in a real headless browser.

The browser tests need Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and selenium (the
test extra). Where they are absent (a fresh machine running the README's test command) those tests skip with the
reason, except under ``CI=true``: there they run, and fail. ``ROUTES_WEBMAP_PNG=docs/webmap.png`` also saves the
screenshot there (how the README's picture is made).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from routes.errors import DataError
from routes.load import load_network
from routes.report import style
from routes.report.classes import leg_classes
from routes.report.webmap import WebMap, explore

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--window-size=1400,900")
LOCAL = ("file:", "data:", "about:", "blob:")


@pytest.fixture(scope="module")
def G() -> nx.MultiDiGraph:
    return load_network(snapshot="shipped")


@pytest.fixture(scope="module")
def page(G: nx.MultiDiGraph, tmp_path_factory: pytest.TempPathFactory) -> WebMap:
    return explore(G, tmp_path_factory.mktemp("map") / "corridor.html", origin="Necoclí", destination="Tapachula")


# ------------------------------------------------------------------------------------------- the file itself
class _Refs(HTMLParser):
    """Every URL the page would load: src and href of elements, url(...) in styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        if tag == "script":
            self.scripts.append(d)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v is not None]


def test_one_file_that_loads_nothing_from_elsewhere(page: WebMap) -> None:
    assert page.path is not None and page.path.read_text(encoding="utf-8") == page.html
    assert [p.name for p in page.path.parent.iterdir()] == ["corridor.html"]  # one file, nothing beside it
    refs = _Refs()
    refs.feed(page.html)
    assert refs.urls == ["data:,"]  # the favicon, inline
    assert all("src" not in s for s in refs.scripts)  # Leaflet and the map's code inline
    assert not re.findall(r"url\((?!#default#VML)[^)]*\)", page.html)  # no image fetched by the CSS
    assert "sourceMappingURL" not in page.html
    app = page.html.rsplit("<script>", 1)[1]  # the map's own code, after Leaflet's
    assert "tileLayer" not in app and "L.geoJSON(D.countries" in app  # no web tiles: the shipped countries


def test_page_data_holds_legs_incidents_routes_and_provenance(page: WebMap, G: nx.MultiDiGraph) -> None:
    raw = page.html.split('<script type="application/json" id="routes-data">', 1)[1].split("</script>", 1)[0]
    data: dict[str, Any] = json.loads(raw)
    assert len(data["legs"]) == G.number_of_edges()
    assert set(data["popups"]) == {k for *_, k in G.edges(keys=True)}
    assert "Incidents attributed" in data["popups"]["mansukun-la-miel-boat"]  # the explain summary
    assert len(data["incidents"]) > 500 and len(data["paths"]) == 3
    assert data["provenance"]["snapshot_id"].startswith("shipped-") and data["provenance"]["as_of"]
    classes = leg_classes(G)
    colours = {f["p"]["colour"] for f in data["legs"]}
    assert colours == set(classes.colours)
    assert data["countries"]["type"] == "FeatureCollection"  # the base map: the shipped countries


def test_no_local_path_in_the_page(page: WebMap) -> None:
    for local in {str(Path.home()), str(ROOT), str(page.path.parent) if page.path else ""} - {"", "/"}:
        assert local not in page.html, local


def test_errors_name_the_argument(G: nx.MultiDiGraph, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="give both origin and destination"):
        explore(G, origin="Necoclí")
    with pytest.raises(DataError, match=r"unsupported suffix '\.png'.*\.html"):
        explore(G, tmp_path / "map.png")


def test_prior_dominated_legs_are_dashed_and_pale(G: nx.MultiDiGraph) -> None:
    H = G.copy()
    for *_, d in H.edges(data=True):
        d["prior_weight"] = 0.9 if d["evidence"] in ("none", "no deaths") else 0.1
    m = explore(H, incidents=False)
    data = json.loads(m.html.split('id="routes-data">', 1)[1].split("</script>", 1)[0])
    prior = [f for f in data["legs"] if f["p"]["prior"]]
    assert prior and all(f["p"]["dash"] == style.PRIOR_DASH[1] for f in prior)
    assert "estimate mostly prior" in data["legend"]
    bare = G.copy()
    for *_, d in bare.edges(data=True):
        d.pop("prior_weight", None)
    assert "estimate mostly prior" not in explore(bare, incidents=False).html  # no prior_weight, no such key


def test_the_vendored_leaflet_ships_with_its_licence() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    globs = config["package-data"]["routes.report"]
    vendor = ROOT / "routes" / "report" / "vendor" / "leaflet"
    assert {p.name for p in vendor.iterdir()} >= {"leaflet.js", "leaflet.css", "LICENSE"}
    assert "vendor/leaflet/*" in globs and "templates/*.html" in globs
    assert "BSD 2-Clause" in (vendor / "LICENSE").read_text(encoding="utf-8")
    assert "Leaflet 1.9.4" in (vendor / "leaflet.js").read_text(encoding="utf-8")[:200]


# --------------------------------------------------------------------------------------------- in a browser
def _browser_missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for exe in (CHROMIUM, CHROMEDRIVER):
        if not (Path(exe).is_file() or shutil.which(Path(exe).name)):
            return f"{exe} is absent: apt-get install chromium chromium-driver (.ci/run does)"
    return None


def test_without_chromium_the_browser_tests_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert "apt-get install chromium chromium-driver" in (_browser_missing() or "")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the web map must be tested in a browser under CI=true: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never downloads anything
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM if Path(CHROMIUM).is_file() else str(shutil.which("chromium"))
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver_path = CHROMEDRIVER if Path(CHROMEDRIVER).is_file() else str(shutil.which("chromedriver"))
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    driver.get_log("performance")
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.getAttribute('data-ready')"))


def _requests(driver: Any) -> list[str]:
    """Every URL the browser asked for (Chrome DevTools' network events) or the page lists as a resource."""
    urls = [json.loads(e["message"])["message"]["params"]["request"]["url"] for e in driver.get_log("performance")
            if '"Network.requestWillBeSent"' in e["message"]]
    return urls + driver.execute_script(
        "return window.performance.getEntries().filter(e => e.entryType === 'resource' || "
        "e.entryType === 'navigation').map(e => e.name)")


def test_opens_offline_with_legend_legs_and_no_error(browser: Any, page: WebMap, G: nx.MultiDiGraph) -> None:
    from PIL import Image

    assert page.path is not None
    _open(browser, page.path)
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    urls = _requests(browser)
    assert urls and all(u.startswith(LOCAL) for u in urls), [u for u in urls if not u.startswith(LOCAL)]
    counts = browser.execute_script(
        "return {legend: document.querySelectorAll('#legend').length, "
        "legs: document.querySelectorAll('path.leg').length, incidents: "
        "document.querySelectorAll('path.incident').length, "
        "routes: document.querySelectorAll('path.route').length, arrows: document.querySelectorAll('.arrow "
        "svg').length, land: document.querySelectorAll('.leaflet-overlay-pane path').length, "
        "legendText: document.getElementById('legend').innerText}")
    assert counts["legend"] == 1 and "Risk of dying per 100 km" in counts["legendText"]
    assert counts["legs"] == G.number_of_edges() and counts["routes"] == 3 and counts["incidents"] > 500
    assert counts["arrows"] == sum(d["directions"] != "both" for *_, d in G.edges(data=True))
    png = browser.get_screenshot_as_png()
    image = Image.open(BytesIO(png)).convert("RGB")
    assert image.size[0] >= 1000 and len(png) > 50_000
    assert len(image.resize((200, 130)).getcolors(maxcolors=1 << 16) or []) > 200  # a map, not a blank page
    target = os.environ.get("ROUTES_WEBMAP_PNG")
    if target:
        Path(target).write_bytes(png)


def test_popups_and_dark_base_map(browser: Any, page: WebMap) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    assert page.path is not None
    _open(browser, page.path)
    text = browser.execute_script(
        "var leg = window.routesMap.legs.getLayers().filter(l => l.getPopup && l.getPopup())[0];"
        "leg.openPopup(); return document.querySelector('.leaflet-popup-content').innerText;")
    assert "deaths per 1,000" in text and "Assumptions" in text
    browser.find_element("id", "theme").click()
    assert browser.execute_script("return document.body.classList.contains('dark')")
    browser.find_element("css selector", "#legend li[data-rank='1']").click()  # zooms to the route, opens its popup
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(  # the leg's popup fades out in 0.2 s
        "var p = document.querySelectorAll('.leaflet-popup-content'); return p.length === 1 && p[0].innerText"))
    assert "Route 1" in browser.execute_script("return document.querySelector('.leaflet-popup-content').innerText")
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")] == []
