"""Tests of complementary shares drawn jointly (the splits of the shipped exposure table)."""

from __future__ import annotations

import numpy as np
import pytest

from routes.model.shares import dirichlet_concentration, dirichlet_marginal_intervals, dirichlet_shares

SPLITS = [
    ([0.85, 0.13, 0.02], [0.65, 0.04, 0.001], [0.95, 0.3, 0.05]),  # darien-route 2023
    ([0.5, 0.45, 0.05], [0.2, 0.15, 0.0], [0.8, 0.75, 0.15]),  # honduras entry point 2014-2021
    ([0.737, 0.237, 0.026], [0.737, 0.2, 0.0245], [0.773, 0.2375, 0.03]),  # honduras 2022, observed
    ([0.032, 0.968], [0.02, 0.955], [0.045, 0.98]),  # reverse sea route
    ([0.984, 0.0145, 0.0005, 0.001], [0.95, 0.014, 0.0004, 0.0005], [0.985, 0.04, 0.01, 0.002]),
]


@pytest.mark.parametrize(("central", "low", "high"), SPLITS)
def test_dirichlet_shares_sum_to_one_in_every_draw(central: list[float], low: list[float], high: list[float]) -> None:
    S = dirichlet_shares(central, low, high, n_draws=5000, seed=1)
    assert S.shape == (5000, len(central))
    assert np.allclose(S.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(S >= 0)
    assert np.allclose(S.mean(axis=0), np.array(central) / sum(central), atol=0.02)


def test_dirichlet_intervals_roughly_match_the_ranges() -> None:
    central, low, high = SPLITS[0]
    alpha = dirichlet_concentration(central, low, high)
    lo, hi = dirichlet_marginal_intervals(central, alpha)
    # the main alternative's interval is of the stated width, within a factor 2
    assert 0.5 < (hi[0] - lo[0]) / (high[0] - low[0]) < 2.0
    assert lo[1] < central[1] < hi[1]
    S = dirichlet_shares(central, low, high, n_draws=20_000, seed=2)
    q = np.quantile(S, [0.05, 0.95], axis=0)
    assert np.allclose(q, np.vstack([lo, hi]), atol=0.02)


def test_dirichlet_zero_share_and_single_alternative() -> None:
    S = dirichlet_shares([0.7, 0.3, 0.0], [0.5, 0.1, 0.0], [0.9, 0.5, 0.0], n_draws=100)
    assert np.all(S[:, 2] == 0.0) and np.allclose(S.sum(axis=1), 1.0)
    one = dirichlet_shares([1.0], [1.0], [1.0], n_draws=10)
    assert np.all(one == 1.0)
    with pytest.raises(ValueError, match="sum to 1"):
        dirichlet_shares([0.5, 0.2], [0.4, 0.1], [0.6, 0.3])


def test_every_split_of_the_shipped_table_sums_to_one_in_every_draw() -> None:
    """The exposure the estimate draws (share_draws): at every split of a corridor flow, the branches' shares (each
    row's share over its branch factor) plus the part no branch lists sum to 1 in every draw."""
    import pandas as pd

    from routes.model.exposure import load_exposure_table
    from routes.model.shares import share_draws, split_groups

    table = load_exposure_table().copy()
    table["factor_lo"] = table["factor_hi"] = table["factor"]  # the factor's own range aside
    S = share_draws(table, n_draws=2000, seed=3)
    branch = table["branch"].astype(str).to_numpy()
    num = {c: pd.to_numeric(table[c]).to_numpy(float) for c in ("factor", "split_share")}
    groups = split_groups(table)
    assert len(groups) >= 10
    for key, rows in groups.items():
        names = list(dict.fromkeys(branch[r] for r in rows))
        first = [rows[[branch[r] for r in rows].index(b)] for b in names]
        listed = (S[first] / num["factor"][first, None]).sum(axis=0)
        rest = 1.0 - num["split_share"][first].sum()
        if rest <= 1e-9:
            assert np.allclose(listed, 1.0, atol=1e-9), key
        else:  # a part of the flow no branch lists: the listed branches take at most the whole
            assert np.all(listed <= 1.0 + 1e-9) and listed.mean() == pytest.approx(1.0 - rest, abs=0.05), key
        # rows of one branch move together (the same draw), scaled by their factors
        for b in names:
            mine = [r for r in rows if branch[r] == b]
            base = S[mine[0]] / num["factor"][mine[0]]
            for r in mine[1:]:
                assert np.allclose(S[r] / num["factor"][r], base), (key, b)


def test_share_draws_centre_on_each_rows_share() -> None:
    """A split row's draws average its share (the Dirichlet's mean times the factor's); any other row's follow the
    triangular distribution on its range, whose mean is (low + share + high) / 3."""
    import pandas as pd

    from routes.model.exposure import load_exposure_table
    from routes.model.shares import share_draws

    table = load_exposure_table().copy()
    table["factor_lo"] = table["factor_hi"] = table["factor"]
    S = share_draws(table, n_draws=20_000, seed=4)
    split = table["split"].astype(str).str.strip().ne("").to_numpy()
    share = table["share"].to_numpy(float)
    assert np.allclose(S[split].mean(axis=1), share[split], rtol=0.05, atol=1e-3)
    lo, hi = pd.to_numeric(table["share_lo"]).to_numpy(), pd.to_numeric(table["share_hi"]).to_numpy()
    assert np.allclose(S[~split].mean(axis=1), (lo + share + hi)[~split] / 3, rtol=0.05, atol=1e-3)
    assert np.all((S >= 0) & (S <= 1 + 1e-9))
