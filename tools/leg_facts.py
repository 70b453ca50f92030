"""Durations and costs of the legs, from the journeys described in the shared ``flows/legs_facts.csv``.

:func:`tools.geodata.build_legs` calls :func:`leg_durations_and_costs` once the legs have their geodesic length;
each leg's ``facts`` entries name the rows of ``legs_facts.csv`` that describe a journey over it.

Duration and cost rules
-----------------------
* A ``facts`` entry ``"From>To"`` names the rows of ``legs_facts.csv`` with that ``from_place`` and ``to_place``.
  Every leg that lists the same entry is one *chain*: the journey the source describes.
* A row's duration is the midpoint of ``duration_h_low`` and ``duration_h_high`` (both required). It is shared
  among the legs of the chain in proportion to their assumed travel time (length / :data:`SPEED_KMH`).
* A row's cost is the midpoint of ``cost_usd_low`` and ``cost_usd_high`` (both required). It is shared, in
  proportion to length, among the legs of the chain whose entry ends in ``$`` (a one-leg chain always carries it).
* A leg's value is the median of its shares from the most specific source: rows mapped to the leg alone win
  over rows shared along a chain, and shorter chains over longer ones. Without any, the duration is length / speed of
  its mode
  (``duration_source`` = ``"assumption: <speed> km/h"``) and the cost is null.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path

import pandas as pd

from routes.errors import DataError
from routes.vocabulary import MODES

__all__ = ["SPEED_KMH", "leg_durations_and_costs", "read_facts"]

#: Assumed travel speed per mode (km/h), used where no source gives a duration.
SPEED_KMH: dict[str, float] = {m: p.speed_kmh for m, p in MODES.items()}


def read_facts(shared: Path) -> pd.DataFrame:
    """Read ``flows/legs_facts.csv`` with every column as a string (empty cells as ``""``)."""
    return pd.read_csv(shared / "flows" / "legs_facts.csv", dtype=str, keep_default_na=False)


def _mid(low: str, high: str) -> float | None:
    if not low or not high:
        return None
    return (float(low) + float(high)) / 2.0


def _fact_chains(legs: pd.DataFrame) -> dict[str, list[tuple[str, bool]]]:
    """For each facts entry ``From>To``, the legs it covers, each with whether it pays the cost (``$``)."""
    chains: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for leg_id, entries in zip(legs["id"], legs["facts"], strict=True):
        for entry in (part.strip() for part in entries.split(";") if part.strip()):
            chains[entry.rstrip("$").strip()].append((leg_id, entry.endswith("$")))
    return chains


def _pick(found: dict[tuple[str, str], dict[int, list[tuple[float, str]]]], leg_id: str,
          what: str) -> tuple[float | None, str | None]:
    """The median of a leg's values of ``what`` from its smallest chain (the most specific), with their sources."""
    by_size = found.get((leg_id, what))
    if not by_size:
        return None, None
    values = by_size[min(by_size)]
    cites = sorted({cite for _, cite in values})
    return statistics.median(v for v, _ in values), "legs_facts.csv median of " + " ; ".join(cites)


def leg_durations_and_costs(legs: pd.DataFrame, facts: pd.DataFrame | None) -> pd.DataFrame:
    """Compute ``duration_h``, ``cost_usd`` and their sources for every leg (see the module rules).

    Parameters
    ----------
    legs
        Leg rows with ``id``, ``mode``, ``length_km`` and ``facts`` (``"From>To; From>To$"``).
    facts
        ``flows/legs_facts.csv``, or None to use the assumed speeds only.

    Returns
    -------
    pandas.DataFrame
        Indexed by leg id, columns ``duration_h``, ``duration_source``, ``cost_usd``, ``cost_source``.

    Examples
    --------
    >>> legs = pd.DataFrame({"id": ["a"], "mode": ["road"], "length_km": [100.0], "facts": [""]})
    >>> float(leg_durations_and_costs(legs, None).loc["a", "duration_h"])
    2.0
    """
    chains = _fact_chains(legs)
    length = dict(zip(legs["id"], legs["length_km"], strict=True))
    hours = {i: length[i] / SPEED_KMH[m] for i, m in zip(legs["id"], legs["mode"], strict=True)}
    # per leg and quantity: chain size -> list of (value, citation); the smallest chain (most specific) wins
    found: dict[tuple[str, str], dict[int, list[tuple[float, str]]]] = defaultdict(lambda: defaultdict(list))
    for pair, members in sorted(chains.items()):
        origin, _, dest = pair.partition(">")
        if facts is None:
            continue
        rows = facts[(facts["from_place"] == origin) & (facts["to_place"] == dest)]
        if len(rows) == 0:
            raise DataError(
                f"legs.csv facts entry {pair!r} matches no row of legs_facts.csv (from_place>to_place)"
            )
        payers = [i for i, pays in members if pays or len(members) == 1]
        total_h = sum(hours[i] for i, _ in members)
        total_km = sum(length[i] for i in payers)
        for _, row in rows.iterrows():
            d = _mid(row["duration_h_low"], row["duration_h_high"])
            c = _mid(row["cost_usd_low"], row["cost_usd_high"])
            for leg_id, _pays in members:
                if d is not None:
                    share = hours[leg_id] / total_h
                    found[leg_id, "d"][len(members)].append(
                        (d * share, f"{pair} x{share:.2f}: {row['source']}")
                    )
                if c is not None and leg_id in payers:
                    share = length[leg_id] / total_km
                    found[leg_id, "c"][len(members)].append(
                        (c * share, f"{pair} x{share:.2f}: {row['source']}")
                    )

    out = {}
    for leg_id, mode in zip(legs["id"], legs["mode"], strict=True):
        d_h, d_s = _pick(found, leg_id, "d")
        if d_h is None:
            d_h, d_s = hours[leg_id], f"assumption: {SPEED_KMH[mode]:g} km/h"
        c_u, c_s = _pick(found, leg_id, "c")
        out[leg_id] = {
            "duration_h": round(d_h, 2),
            "duration_source": d_s,
            "cost_usd": None if c_u is None else round(c_u, 1),
            "cost_source": c_s,
        }
    return pd.DataFrame.from_dict(out, orient="index")
