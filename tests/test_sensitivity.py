"""Sensitivity of a leg or a route to the prior's strength and to each stated share assumption of its corridor."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from routes import estimate_risk, load_network
from routes.cli import main
from routes.errors import ArgumentError, DataError, UnknownLegError
from routes.model.estimate import estimate_of
from routes.model.posterior import gamma_risk, hazard_of_risk, risk_of_hazard
from routes.model.sensitivity import prior_ratio, sensitivity, share_assumptions, target_edges

TRAIL = "darien-acandi"


@pytest.fixture(scope="module")
def shipped() -> nx.MultiDiGraph:
    return load_network()


def test_targets(shipped: nx.MultiDiGraph) -> None:
    edges, label = target_edges(shipped, TRAIL)
    assert label == "corridor darien-acandi (northbound, 4 directed legs)"
    assert {shipped.edges[e]["corridor"] for e in edges} == {TRAIL}
    edges, label = target_edges(shipped, "mansukun-la-miel-boat")
    assert [shipped.edges[e]["direction"] for e in edges] == ["south"] and label.startswith("leg mansukun-la-miel-boat")
    path = ["necocli-acandi-boat", "acandi-camp-2-foot"]
    edges, label = target_edges(shipped, path, "north")
    assert [e[2] for e in edges] == path and label == "route of 2 legs (northbound, 2 directed legs)"
    with pytest.raises(UnknownLegError, match="neither a leg nor a corridor; did you mean 'darien-acandi'"):
        target_edges(shipped, "darien-acandy")
    with pytest.raises(ArgumentError, match="is not travelled southbound"):
        target_edges(shipped, "caribbean-bypass", "south")


def test_prior_strength_moves_toward_the_prior(shipped: nx.MultiDiGraph) -> None:
    est = estimate_of(shipped)
    edges = [e for e in shipped.edges(keys=True) if shipped.edges[e]["corridor"] in ("uraba", TRAIL)]
    stronger, weaker = prior_ratio(shipped, est, edges, 4.0), prior_ratio(shipped, est, edges, 0.25)
    assert np.allclose(prior_ratio(shipped, est, edges, 1.0), 1.0)
    assert np.all((stronger - 1) * (weaker - 1) <= 1e-12)  # the two ends move the estimate opposite ways
    # an overwhelming prior gives the prior's own mean risk (v2: rate mu per traversal, hazard mean size x quote factor)
    e = ("necocli", "acandi", "necocli-acandi-boat")
    fit = est.fit
    r = est.edge_row()[e]
    a, mu = fit.params["shape"], fit.prior_mean[r]
    scale = fit.mean_size[r] * fit.quote_factor[r]
    own = gamma_risk(a + fit.counts[r], (a / mu + fit.exposure_eff[r]) / scale)
    prior_only = gamma_risk(a, a / mu / scale)
    assert float(prior_ratio(shipped, est, [e], 1e7)[0]) * own == pytest.approx(float(prior_only), rel=1e-3)


def test_prior_strength_of_the_previous_model() -> None:
    from routes.network.graph import read_network

    G = estimate_risk(read_network(), model="v1", draws=200)
    est = estimate_of(G)
    e = ("necocli", "acandi", "necocli-acandi-boat")
    d = G.edges[e]
    a0, b0, _, phi = est.priors[d["mode"]]
    L, D, E = d["length_km"], d["deaths"], d["exposure"]
    own = gamma_risk(a0 + D / phi, (b0 + L * E / phi) / L)
    assert float(prior_ratio(G, est, [e], 1e7)[0]) * own == pytest.approx(float(gamma_risk(a0, b0 / L)), rel=1e-3)


def test_sensitivity_of_a_trail(shipped: nx.MultiDiGraph) -> None:
    s = sensitivity(shipped, TRAIL, direction="north")
    edges = s.attrs["edges"]
    route = float(risk_of_hazard(sum(hazard_of_risk(shipped.edges[e]["p_death"]) for e in edges)))
    assert s.loc[0, "case"] == "estimate" and s.loc[0, "p_death"] == pytest.approx(route) and s.loc[0, "ratio"] == 1.0
    groups = share_assumptions(estimate_of(shipped), shipped, edges)
    assert s.attrs["refits"] == 2 * len(groups) >= 2
    assert len(s) == 3 + 2 * len(groups)
    assert (s["p_death"] > 0).all() and (s["p_death"] < 1).all()
    assert estimate_of(shipped) is not None  # the refits did not push the estimate out of the register


def test_sensitivity_errors(shipped: nx.MultiDiGraph) -> None:
    with pytest.raises(DataError, match="has no risk estimate"):
        sensitivity(load_network(risk=False), TRAIL)
    with pytest.raises(ArgumentError, match="factor must be above 1"):
        sensitivity(shipped, TRAIL, factor=0.5, shares=False)


def test_cli_sensitivity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "cerro-de-haiti-bajo-chiquito-foot", "--sensitivity", "--direction", "north"]) == 0
    out = capsys.readouterr().out
    assert "Leg cerro-de-haiti-bajo-chiquito-foot" in out and "Sensitivity of leg cerro-de-haiti" in out
    assert "prior strength" in out and "x4" in out and "/4" in out and "share of darien northbound" in out
    assert main(["explain", "atlantis", "--sensitivity"]) == 1
    assert "neither a leg nor a corridor" in capsys.readouterr().err
