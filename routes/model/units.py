"""What the backtest scores, defined once: the units (flow series with their directed legs) and what was observed.

A **scored unit** is a flow series with the set of directed legs its travellers take, so that a prediction (deaths on
those legs from that series' travellers) can be compared with the deaths recorded on them:

``darien-north``
    The Darién northbound: Panama's count of arrivals from the Darién (series ``darien``) and every northbound leg of
    the crossing it counts: the Gulf of Urabá boats, the Darién trails and rivers, the Caribbean bypass
    (:data:`DARIEN_CORRIDORS`).
``honduras-north``
    The Honduran entries (series ``honduras-entries``) and the northbound legs of the Honduran corridors.
``reverse-sea-south``
    The southbound reverse flow (series ``reverse-panama``) and the southbound boat legs it feeds.
``<series>-<direction>``
    Any other flow series with at least :data:`MIN_YEARS` calendar years of counts, with every leg it feeds in its
    direction (none on the shipped data: Mexico's series counts apprehension events and feeds no leg).

**Observed** is the dead and missing that one fixed rule puts on a unit's legs in a year: the nearest-leg attribution
(nearest leg within the mode's reach, helped by cause, route tag and period of use; an incident on a two-way leg split
by that month's flows; generic Darién positions spread over the legs travelled that month), run once on the whole
snapshot (:func:`observed_estimate`). Every model variant is scored against these same numbers, whatever attribution
it uses to fit; ``tests/test_units.py`` pins them on the shipped snapshot, so a change of the package's attribution
must keep this rule for scoring. Two caveats go with every report (:data:`CAVEATS`).

Examples
--------
>>> import routes
>>> from routes.model.estimate import estimate_of
>>> G = routes.load_network()
>>> [u.name for u in scored_units(G, estimate_of(G))]
['darien-north', 'honduras-north', 'reverse-sea-south', 'san-andres-sea-north']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from routes.errors import DataError
from routes.model.estimate import Estimate, estimate_of, forget
from routes.model.legyears import Edge, leg_attributes, leg_years
from routes.vocabulary import SEA_MODES

__all__ = ["CAVEATS", "DARIEN_CORRIDORS", "MIN_YEARS", "OBSERVED_RULE", "ScoredUnit", "observed_deaths",
           "observed_estimate", "scored_units"]

#: the corridors (slug prefixes) of the Darién crossing that Panama's count measures
DARIEN_CORRIDORS = ("uraba", "darien-", "caribbean-bypass")
#: the corridors (slug prefixes) of the Honduran entries
HONDURAS_CORRIDORS = ("honduras",)
#: a flow series with at least this many calendar years of counts is a unit of its own
MIN_YEARS = 3
#: the frozen rule that says what was observed, in words
OBSERVED_RULE = ("observed: the dead and missing that the nearest-leg attribution (the best leg within its mode's "
                 "reach, by cause, route tag and period of use; two-way legs split by the month's flows; generic "
                 "Darién positions spread over the legs travelled that month) puts on the unit's legs that year, run "
                 "once on the whole snapshot and frozen for scoring")
#: what every backtest report says about its data
CAVEATS = (
    ("the last year's record is incomplete: IOM adds and revises incidents months after they happen, so the most "
    "recent year (2025 on the shipped data) counts fewer deaths than it will"),
    ("the route shares (geodata/exposure.csv) were written in 2025 with hindsight: the travellers of each unit-year "
    "use shares nobody knew at the time, so the backtest flatters every method a little (the same for all)"),
)


@dataclass(frozen=True)
class ScoredUnit:
    """A flow series and the directed legs its travellers take: one row of the backtest per year.

    Attributes
    ----------
    name
        ``darien-north``, ``honduras-north``, ``reverse-sea-south``, or ``<series>-<direction>``.
    title
        What it is, in words.
    series, direction
        The flow series that counts its travellers (:func:`routes.load_flows`).
    edges
        Its directed edges ``(u, v, key)``.
    """

    name: str
    title: str
    series: str
    direction: str
    edges: tuple[Edge, ...]


def scored_units(G: nx.MultiDiGraph, estimate: Estimate) -> list[ScoredUnit]:
    """The scored units of a network, with the legs each series feeds in ``estimate`` (see the module docstring).

    Raises
    ------
    DataError
        If a named unit's series is missing from the estimate's flows or the unit has no leg.
    """
    exp, table, flows = estimate.exposure, estimate.exposure_table, estimate.flows
    edges = list(exp.edges)
    att = leg_attributes(G, edges)
    corridor, direction, mode = att.corridor, att.direction, att.mode
    series_of_row = table["series"].astype(str).to_numpy()
    fed: dict[tuple[str, str], set[int]] = {}
    carried = exp.pair_flow.sum(axis=1) * exp.share[exp.pair_row] > 0 if len(exp.pair_edge) else np.zeros(0, bool)
    for e, row, yes in zip(exp.pair_edge, exp.pair_row, carried, strict=True):
        if yes:
            fed.setdefault((series_of_row[row], str(direction[e])), set()).add(int(e))

    def starts(prefixes: tuple[str, ...]) -> np.ndarray:
        return np.array([any(c.startswith(p) for p in prefixes) for c in corridor.tolist()])

    reverse = np.zeros(len(edges), dtype=bool)
    reverse[sorted(fed.get(("reverse-panama", "south"), set()))] = True
    named = [
        ("darien-north", "Darién northbound: Panama's count and every northbound leg of the crossing", "darien",
         "north", starts(DARIEN_CORRIDORS) & (direction == "north")),
        ("honduras-north", "Honduran entries: Honduras' count and the northbound legs of its corridors",
         "honduras-entries", "north", starts(HONDURAS_CORRIDORS) & (direction == "north")),
        ("reverse-sea-south", ("Southbound reverse flow by sea: Panama's reverse count and the southbound boats it "
         "takes"), "reverse-panama", "south", reverse & np.isin(mode, sorted(SEA_MODES)) & (direction == "south")),
    ]
    have = set(zip(flows["series"].astype(str), flows["direction"].astype(str), strict=True))
    out: list[ScoredUnit] = []
    for name, title, series, way, sel in named:
        if (series, way) not in have or not sel.any():
            raise DataError(f"scored unit {name!r}: no flow series {series!r} {way}bound or no leg; the flows table "
                            f"has {sorted(have)}")
        out.append(ScoredUnit(name, title, series, way, tuple(edges[i] for i in np.flatnonzero(sel))))
    years = flows.assign(year=flows["month"].astype(str).str[:4]).groupby(["series", "direction"])["year"].nunique()
    taken = {(u.series, u.direction) for u in out}
    for (series, way), n_years in years.items():
        legs = sorted(fed.get((str(series), str(way)), set()))
        if n_years >= MIN_YEARS and (series, way) not in taken and legs:
            out.append(ScoredUnit(f"{series}-{way}", f"{series} {way}bound: every leg the series feeds", str(series),
                                  str(way), tuple(edges[i] for i in legs)))
    return out


def observed_estimate(
    G: nx.MultiDiGraph,
    incidents: gpd.GeoDataFrame | str | Path | None = None,
    flows: pd.DataFrame | str | Path | None = None,
    *,
    exposure: pd.DataFrame | str | Path | None = None,
) -> Estimate:
    """Today's attribution of every incident of the snapshot, frozen for scoring (the rule of :data:`OBSERVED_RULE`).

    Parameters
    ----------
    G
        The network (risk not needed).
    incidents, flows, exposure
        As :func:`routes.estimate_risk` (the active snapshot and the shipped tables by default).
    """
    from routes.model.risk import estimate_risk

    H = estimate_risk(G, incidents, flows, exposure=exposure, draws=100, seed=0, model="v1")  # its attribution
    est = estimate_of(H)
    assert est is not None  # registered by estimate_risk
    forget(H)
    return est


def observed_deaths(units: list[ScoredUnit], estimate: Estimate, years: range | list[int]) -> pd.DataFrame:
    """Dead and missing observed on each unit's legs in each year (units as rows, years as columns).

    Examples
    --------
    >>> import routes
    >>> from routes.model.estimate import estimate_of
    >>> G = routes.load_network()
    >>> frozen = observed_estimate(G)
    >>> table = observed_deaths(scored_units(G, frozen), frozen, [2022, 2023, 2024])
    >>> table.loc["darien-north"].round().tolist()
    [144.0, 51.0, 177.0]
    """
    ly = leg_years(estimate, years)
    row = {e: i for i, e in enumerate(ly.edges)}
    data = {u.name: ly.deaths[[row[e] for e in u.edges]].sum(axis=0) for u in units}
    return pd.DataFrame.from_dict(data, orient="index", columns=[int(y) for y in ly.years])
