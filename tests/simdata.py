"""Simulated leg-year data drawn from the v2 model itself, for the tests and the calibration check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routes.model.fitting import FloatArray

MODES = ("road", "sea_boat", "jungle_foot", "river_boat")
BETA_MODE = {"road": -1.2, "sea_boat": 0.8, "jungle_foot": 0.5, "river_boat": 0.9}
SIZE = {"road": (1.5, 0.4), "sea_boat": (4.0, 0.3), "jungle_foot": (0.6, 0.8), "river_boat": (2.0, 0.5)}  # (m, r)


@dataclass
class SimData:
    """Leg-year arrays and the truth behind them."""

    counts: FloatArray  # legs x years: incidents
    deaths: FloatArray  # legs x years: dead and missing
    exposure: FloatArray  # legs x years
    flow: FloatArray  # units x years: the unit's flow count (the crude baseline's denominator)
    modes: np.ndarray
    corridors: np.ndarray
    groups: np.ndarray  # unit label of each leg (also the year-effect group)
    length_km: FloatArray
    lam: FloatArray
    mu: FloatArray
    gamma: FloatArray  # units x years
    inc_sizes: FloatArray  # one per incident
    inc_modes: np.ndarray
    inc_years: np.ndarray


def simulate(
    seed: int,
    *,
    n_units: int = 4,
    legs_per_unit: int = 12,
    n_years: int = 12,
    shape: float = 2.0,
    slope: float = 0.7,
    year_shape: float | None = 3.0,
    intercept: float = float(np.log(1.5e-5)),
    flow_scale: float = 1.5e5,
    elasticity: float = 1.0,
) -> SimData:
    """Draw a data set from the model: rates, year multipliers, incidents and their sizes."""
    rng = np.random.default_rng(seed)
    L = n_units * legs_per_unit
    groups = np.repeat([f"unit{u}" for u in range(n_units)], legs_per_unit)
    corridors = np.array([f"{g}-c{j % 3}" for g, j in zip(groups, range(L), strict=True)])
    modes = rng.choice(MODES, L)
    length = np.exp(rng.uniform(np.log(3.0), np.log(250.0), L))
    beta_c = {c: rng.normal(0.0, 0.4) for c in sorted(set(corridors))}
    mu = np.exp(intercept + np.array([BETA_MODE[m] for m in modes]) + np.array([beta_c[c] for c in corridors])
                + slope * np.log(length / 50.0))
    lam = rng.gamma(shape, mu / shape)
    # each unit's flow rises and falls over the years; its legs carry shares of it that drift
    t = np.arange(n_years)
    flow = np.array([flow_scale * np.exp(rng.normal(0, 0.7) + 0.8 * np.sin(t / 2.5 + rng.uniform(0, 6)))
                     for _ in range(n_units)])
    share = rng.uniform(0.1, 1.0, (L, 1)) * np.exp(rng.normal(0, 0.3, (L, n_years)))
    share = np.clip(share, 0.0, 1.0)
    gidx = np.repeat(np.arange(n_units), legs_per_unit)
    E = flow[gidx] * share
    gamma = np.ones((n_units, n_years)) if year_shape is None else rng.gamma(year_shape, 1.0 / year_shape,
                                                                              (n_units, n_years))
    # the rate per traversal scales as (F / F_ref) ** (elasticity - 1), F the sum of the unit's legs' exposure
    F = np.zeros((n_units, n_years))
    np.add.at(F, gidx, E)
    phi = (F / np.exp(np.log(F).mean(axis=1, keepdims=True))) ** (elasticity - 1.0)
    counts = rng.poisson(E * lam[:, None] * gamma[gidx] * phi[gidx]).astype(float)
    deaths = np.zeros_like(counts)
    sizes: list[np.ndarray] = []
    smodes: list[np.ndarray] = []
    syears: list[np.ndarray] = []
    for i, j in zip(*np.nonzero(counts), strict=True):
        m, r = SIZE[str(modes[i])]
        s = 1 + rng.negative_binomial(r, r / (r + m), size=int(counts[i, j]))
        deaths[i, j] = s.sum()
        sizes.append(s)
        smodes.append(np.full(len(s), modes[i]))
        syears.append(np.full(len(s), j))
    return SimData(counts, deaths, E, flow, modes, corridors, groups, length, lam, mu, gamma,
                   np.concatenate(sizes).astype(float), np.concatenate(smodes), np.concatenate(syears))
