"""Answers that inform: distinct routes, comparisons with their uncertainty, the period, one reading of a name."""

from __future__ import annotations

import functools
import itertools
import math
import subprocess
import sys
import warnings
from typing import Any

import networkx as nx
import pytest

import routes
from routes.cli import _where, main
from routes.errors import AmbiguousNameWarning, UnknownPlaceError
from routes.query.regions import resolve_name


@functools.cache
def network() -> nx.MultiDiGraph:
    return routes.load_network()


def _overlap(G: nx.MultiDiGraph, a: Any, b: Any) -> float:
    """Recomputed from the graph: hazard -log(1 - p) of the shared directed legs over the smaller route's hazard."""
    def edges(row: Any) -> list[tuple[str, str, str]]:
        return list(zip(row["nodes"][:-1], row["nodes"][1:], row["legs"], strict=True))

    def hazard(es: Any) -> float:
        return sum(-math.log1p(-G.edges[e]["p_death"]) for e in es)

    shared = set(edges(a)) & set(edges(b))
    return hazard(shared) / min(hazard(edges(a)), hazard(edges(b)))


@pytest.mark.parametrize(("origin", "destination"), [("Necoclí", "Tapachula"), ("Panama City", "Necoclí")])
def test_default_routes_are_distinct(origin: str, destination: str) -> None:
    G = network()
    ranked = routes.rank_paths(G, origin, destination)
    assert len(ranked) >= 3 and list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    rows = [r for _, r in ranked.iterrows()]
    for a, b in itertools.combinations(rows, 2):
        assert _overlap(G, a, b) <= 0.5 + 1e-9, (a["rank"], b["rank"])
    assert list(ranked["p_death"]) == sorted(ranked["p_death"])  # safest first
    plain = routes.rank_paths(G, origin, destination, distinct=False, k=len(ranked))
    assert plain.iloc[0]["legs"] == ranked.iloc[0]["legs"]  # the safest route is the safest path
    assert any(_overlap(G, a, b) > 0.5 for (_, a), (_, b) in itertools.combinations(plain.iterrows(), 2))


def test_variants_fold_under_their_route() -> None:
    G = network()
    ranked = routes.rank_paths(G, "Necoclí", "Tapachula", k=3, variants=True)
    routes_only = ranked[ranked["variant"] == 0]
    for _, r in ranked[ranked["variant"] > 0].iterrows():
        route = routes_only[routes_only["rank"] == r["rank"]].iloc[0]
        assert _overlap(G, r, route) > 0.5
        assert r["n_variants"] == route["n_variants"] >= r["variant"]
    assert (ranked.groupby("rank")["variant"].max() == routes_only.set_index("rank")["n_variants"]).all()


def test_comparison_with_the_first_route() -> None:
    ranked = routes.rank_paths(network(), "Mansukun", "La Miel", k=3, seed=3)
    first = ranked.iloc[0]
    assert first["p_riskier_than_1"] == 0 and first["ratio_to_1"] == pytest.approx(1.0)
    for _, r in ranked.iloc[1:].iterrows():
        assert 0 <= r["p_riskier_than_1"] <= 1
        assert r["ratio_to_1_lo"] <= r["ratio_to_1"] <= r["ratio_to_1_hi"]


def test_compare_lists_the_honduran_entries_apart(capsys: pytest.CaptureFixture[str]) -> None:
    summary = routes.direction_summary(network(), "HND", "GTM", direction="north")
    assert {"honduras-las-manos", "honduras-guasaule", "honduras-trojes"} <= set(summary["group"])
    assert main(["compare", "HND", "GTM", "--direction", "north", "--snapshot", "shipped"]) == 0
    out = capsys.readouterr().out
    assert all(f"\nhonduras-{c} " in out for c in ("las-manos", "guasaule", "trojes"))
    assert "period: incidents 2014-" in out and "IOM's counts are minimums" in out


AMBIGUOUS = ["Panamá", "Panama", "panama", "PAN", "Colombia", "colombia", "COL", "Colón", "Guatemala", "GTM",
             "México", "Honduras", "Necoclí", "necocli", "Panama City", "La Miel", "Tapachula", "Mansucun"]


@pytest.mark.parametrize("name", AMBIGUOUS)
def test_library_and_command_line_read_a_name_alike(name: str) -> None:
    G = network()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AmbiguousNameWarning)
        _, region, resolved = resolve_name(G, name)
    query, cli_resolved, cli_region = _where(G, name, "origin")
    assert (cli_resolved, cli_region) == (resolved, region) and query == resolved


def test_an_ambiguous_name_warns_and_says_how_to_ask_for_the_place() -> None:
    G = network()
    with pytest.warns(AmbiguousNameWarning, match=r"read as the country Panama \(PAN\).*'panama-city'"):
        ranked = routes.rank_paths(G, "Panamá", "COL", k=1)
    assert G.nodes[ranked.iloc[0]["nodes"][0]]["country"] == "PAN" and ranked.attrs["origin"] == "Panamá"
    with pytest.raises(UnknownPlaceError, match="no place in Ecuador"):
        resolve_name(G, "Ecuador")


def test_no_path_on_a_date_says_which_legs_closed_and_what_to_pass(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rank", "Necoclí", "Tapachula", "--date", "2026-12-04", "--snapshot", "shipped"]) == 1
    err = capsys.readouterr().err
    assert "bajo-chiquito-la-penita-river (in use ... to 2021-12)" in err
    assert "pass a date when they were in use (--date " in err and "or leave out --date" in err


def test_python_m_routes_and_a_closed_pipe() -> None:
    out = subprocess.run([sys.executable, "-m", "routes", "--version"], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.startswith("route-risk ")
    script = ("import subprocess, sys\n"
              "p = subprocess.Popen([sys.executable, '-m', 'routes', 'legs', '--snapshot', 'shipped'],"
              " stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
              "p.stdout.close(); err = p.stderr.read(); print(p.wait(), len(err))\n")  # the reader is gone
    status, err_bytes = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                       check=True).stdout.split()
    assert (status, err_bytes) == ("141", "0")  # quiet, with the status of SIGPIPE, as `yes | head` ends


def test_prior_weight_marks_numbers_that_rest_on_the_prior(capsys: pytest.CaptureFixture[str]) -> None:
    G = network()
    for *_, d in G.edges(data=True):
        assert 0.0 <= d["prior_weight"] <= 1.0
        if d["exposure"] == 0:
            assert d["prior_weight"] == 1.0 and d["crude_rate"] is None
        else:
            assert d["crude_rate"] == pytest.approx(d["deaths"] / d["exposure"], rel=1e-4)  # stored rounded
    trail = G.edges["cerro-de-haiti", "bajo-chiquito", "cerro-de-haiti-bajo-chiquito-foot"]
    assert trail["prior_weight"] < 0.5  # a leg travelled 870,000 times with 119 deaths speaks for itself
    ranked = routes.rank_paths(G, "Necoclí", "Tapachula", k=2)
    assert ((ranked["prior_share"] >= 0) & (ranked["prior_share"] <= 1)).all()
    assert main(["legs", "--no-prior", "--format", "json", "--snapshot", "shipped"]) == 0
    import json

    kept = json.loads(capsys.readouterr().out)
    assert kept and all(r["prior_weight"] <= 0.5 for r in kept)
    assert len(kept) == sum(d["prior_weight"] <= 0.5 for *_, d in G.edges(data=True))
