"""The checks a reviewing researcher would run on the v2 model's numbers (issue 15, item 6), each recomputed by hand
from the same inputs as the estimate (its attribution and its travellers), never typed in.

The Darién yearly rates of 2022-2024 are checked against the hand computation in ``test_risk.py``
(``test_darien_rates_match_published_and_hand_figures``).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from routes import Scenario, estimate_risk, load_network, rank_paths
from routes.model.estimate import Estimate, estimate_of


@pytest.fixture(scope="module")
def shipped() -> nx.MultiDiGraph:
    return load_network()


@pytest.fixture(scope="module")
def est(shipped: nx.MultiDiGraph) -> Estimate:
    e = estimate_of(shipped)
    assert e is not None and e.fit is not None and e.settings["model"] == "v2"
    return e


def _by_hand(G: nx.MultiDiGraph, est: Estimate) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Incidents and dead and missing attributed to each edge (summed from the allocation) and its travellers."""
    row = est.edge_row()
    a = est.allocation
    idx = np.array([row[(u, v, k)] for u, v, k in zip(a["u"], a["v"], a["key"], strict=True)], dtype=int)
    n_e = len(est.exposure.edges)
    incidents = np.bincount(idx, weights=a["weight"].to_numpy(float), minlength=n_e)
    deaths = np.bincount(idx, weights=a["deaths"].to_numpy(float), minlength=n_e)
    travellers = np.array([float(G.edges[e]["exposure"]) for e in est.exposure.edges])
    return incidents, deaths, travellers


def _model_rates(est: Estimate, travellers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The model's rate of fatal incidents and of deaths per traversal over the record: the posterior mean rate
    times the effective traversals, over the travellers (the years' multipliers averaged over the record)."""
    fit = est.fit
    assert fit is not None
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = fit.post_mean * fit.exposure_eff / np.where(travellers > 0, travellers, np.nan)
    return rate, rate * fit.mean_size


def test_well_recorded_legs_keep_their_own_rates(shipped: nx.MultiDiGraph, est: Estimate) -> None:
    """Every leg with at least 5 fatal incidents: the model's incident rate is within a factor 2 of incidents over
    travellers where its own data outweigh the prior, and its deaths per traversal within a factor 3 of deaths over
    travellers where its incidents are of its mode's usual size."""
    fit = est.fit
    assert fit is not None
    incidents, deaths, travellers = _by_hand(shipped, est)
    rate, death_rate = _model_rates(est, travellers)
    busy = np.flatnonzero((incidents >= 5) & (travellers > 0))
    assert len(busy) >= 10
    with np.errstate(invalid="ignore", divide="ignore"):
        crude_inc, crude_deaths = incidents / travellers, deaths / travellers
    own = busy[fit.prior_weight[busy] <= 0.5]
    assert len(own) >= len(busy) - 3
    r1 = rate[own] / crude_inc[own]
    names = [str(e[2]) for e in est.exposure.edges]
    assert np.all((r1 >= 0.5) & (r1 <= 2.0)), dict(zip([names[i] for i in own], r1.round(2), strict=True))
    # a leg still prior-dominated with 5 incidents (few travellers assumed) is pulled toward the prior: below its crude
    pulled = busy[fit.prior_weight[busy] > 0.5]
    assert np.all(rate[pulled] < crude_inc[pulled])
    typical = busy[(deaths[busy] / incidents[busy]) <= 3 * fit.mean_size[busy]]
    assert len(typical) >= len(busy) - 2
    r2 = death_rate[typical] / crude_deaths[typical]
    assert np.all((r2 >= 1 / 3) & (r2 <= 3.0)), dict(zip([names[i] for i in typical], r2.round(2), strict=True))


def test_a_mass_casualty_crash_is_one_event(shipped: nx.MultiDiGraph, est: Estimate) -> None:
    """A leg whose incidents were far larger than its mode's usual (a truck crash) keeps its incident rate: the size
    widens its interval of deaths and does not make every traversal of it that deadly."""
    fit = est.fit
    assert fit is not None
    incidents, deaths, travellers = _by_hand(shipped, est)
    rate, _ = _model_rates(est, travellers)
    big = np.flatnonzero((incidents >= 5) & (deaths / np.maximum(incidents, 1e-9) > 3 * fit.mean_size))
    for i in big:
        assert 0.5 <= rate[i] / (incidents[i] / travellers[i]) <= 2.0


def test_legs_without_deaths_sit_below_their_prior(est: Estimate) -> None:
    """No recorded death: the posterior mean is below the prior mean, by the prior weight, which falls as the
    traversals rise (measured in the prior's expected incidents, mu x E')."""
    fit = est.fit
    assert fit is not None
    quiet = np.flatnonzero((fit.counts == 0) & (fit.exposure_eff > 0))
    assert len(quiet) >= 20
    ratio = fit.post_mean[quiet] / fit.prior_mean[quiet]
    assert np.all(ratio < 1.0)
    assert np.allclose(ratio, fit.prior_weight[quiet])
    order = np.argsort(fit.prior_mean[quiet] * fit.exposure_eff[quiet], kind="stable")
    assert np.all(np.diff(ratio[order]) <= 1e-12)
    # and where nobody is known to travel, the posterior is the prior (weight 1)
    idle = fit.exposure_eff == 0
    assert np.allclose(fit.prior_weight[idle], 1.0) and np.allclose(fit.post_mean[idle], fit.prior_mean[idle])


def test_guna_yala_southbound_2025_lands_near_its_crude_rate(shipped: nx.MultiDiGraph) -> None:
    """The 2025 reverse flow by boat from the Guna Yala coast to Necoclí: within a factor 2 of the crude rate,
    the sea drownings of 2025 on that coast over Panama's reverse-flow count (0.13-0.18 per 1,000)."""
    from routes.io.flows import load_flows
    from routes.io.snapshot import load_incidents

    inc = load_incidents()
    sea = inc[inc["lat"].between(8.3, 9.7) & inc["lon"].between(-79.2, -77.0) & (inc["date"].dt.year == 2025)
              & inc["cause"].astype(str).str.contains("Drowning")]
    flows = load_flows()
    south = flows[(flows["series"] == "reverse-panama") & (flows["direction"] == "south")
                  & (flows["month"].str[:4] == "2025")]["persons"].sum()
    crude = 1000 * float((sea["dead"] + sea["missing"]).sum()) / float(south)
    assert 0.1 <= crude <= 0.2
    # the risk of 2025: quoted at the flow of the record's last 12 months (the snapshot ends in December 2025)
    assert pd.Timestamp(inc["date"].max()).strftime("%Y-%m") == "2025-12"
    G = estimate_risk(load_network(risk=False), quote="now")
    best = rank_paths(G, "Mansukun", "Necoclí", direction="south", k=1, scenario=Scenario(date="2025-06-01")).iloc[0]
    assert crude / 2 <= 1000 * best["p_death"] <= crude * 2
    assert best["p_death_lo"] <= crude / 1000 <= best["p_death_hi"]
    # quoted for the record's average traveller (Nov 2024 to Jan 2026, smaller flows at both ends) the path is
    # higher, with the crude rate well inside its interval
    record = rank_paths(shipped, "Mansukun", "Necoclí", direction="south", k=1,
                        scenario=Scenario(date="2025-06-01")).iloc[0]
    assert record["p_death_lo"] <= crude / 1000 <= record["p_death_hi"] and record["p_death"] < 3 * crude / 1000


def test_explain_marks_a_number_that_is_mostly_prior(shipped: nx.MultiDiGraph) -> None:
    """Item 3: a leg whose prior weight is above one half is marked ~ in explain, with its weight shown."""
    from routes.report.explain import explain_leg

    heavy = next(k for *_, k, d in shipped.edges(keys=True, data=True)
                 if d.get("prior_weight", 0) > 0.5 and d.get("exposure", 0) > 0
                 and all(shipped.edges[e].get("prior_weight", 0) > 0.5
                         for e in shipped.edges(keys=True) if e[2] == k))
    light = "bajo-chiquito-lajas-blancas-river"
    text = str(explain_leg(shipped, heavy))
    row = next(ln for ln in text.splitlines() if "]~" in ln)
    assert "%" in row and "~: the number rests mostly on the pooled prior" in text
    light_rows = [ln for ln in str(explain_leg(shipped, light)).splitlines() if ln.startswith("north ")]
    assert light_rows and "]~" not in light_rows[0]


def test_evidence_follows_the_prior_weight(shipped: nx.MultiDiGraph) -> None:
    """Item 3: the evidence level follows from the prior weight, so 'strong' never carries the ~ mark."""
    from routes.model.risk import NO_DEATHS_BELOW, STRONG_PRIOR_WEIGHT

    for *_, d in shipped.edges(data=True):
        w, ev = d["prior_weight"], d["evidence"]
        if d["exposure"] <= 0:
            assert ev == "none"
        elif d["incidents"] < NO_DEATHS_BELOW:
            assert ev == "no deaths"
        else:
            assert ev == ("strong" if w <= STRONG_PRIOR_WEIGHT else "moderate" if w <= 0.5 else "weak"), d.get("leg")


def test_bad_model_options_are_refused() -> None:
    from routes.errors import ArgumentError, ArgumentTypeError
    from routes.model.risk import duplicate_ids

    G = load_network(risk=False)
    with pytest.raises(ArgumentError, match="quote='now' is the v2 model's"):
        estimate_risk(G, model="v1", quote="now")
    with pytest.raises(ArgumentError, match="model must be one of"):
        estimate_risk(G, model="v3")  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="needs the incident table"):
        duplicate_ids(G)  # type: ignore[arg-type]
