"""Risk classes of the legs, shared by the QGIS style and the web map: fitted to the data they colour.

A leg's risk per 100 km, ``deaths_per_1000_100km`` = 1,000 x 100 x ``p_death`` / ``length_km`` (deaths per 1,000
traversals per 100 km travelled), is put in classes by natural breaks (Fisher-Jenks, the grouping with the least
spread inside classes) of its logarithm, so every class holds legs; on the shipped network the Darién trails, whose
risk per km is one to two orders of magnitude above that of the Central American highways, land in higher classes
than every highway. Break values are rounded to as few significant digits as keep every leg in its class.

The palette runs blue, teal, ochre, red, purple: every colour has a contrast of at least 3:1 (WCAG 2 for graphics)
on a white and on a near-black (``#222222``) base map.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import networkx as nx
import numpy as np

from routes.errors import DataError

#: the field the legs are classified on, and its unit
RISK_FIELD = "deaths_per_1000_100km"
RISK_UNIT = "deaths per 1,000 traversals per 100 km"
#: low to high risk; each colour contrasts at least 3:1 with white and with #222222 (see contrast_ratio)
PALETTE = ("#3288bd", "#1a9e77", "#c77c02", "#d7301f", "#a855c7")
NO_ESTIMATE_COLOUR = "#888888"
#: breaks used when no leg has a risk estimate: decades
DEFAULT_BREAKS = (0.01, 0.1, 1.0, 10.0)


# ------------------------------------------------------------------------------------------------- numbers
def risk_per_100km(p_death: Any, length_km: Any) -> float | None:
    """Deaths per 1,000 traversals per 100 km: ``1e5 * p_death / length_km`` (None when either is unknown).

    Examples
    --------
    >>> risk_per_100km(0.001, 50.0)
    2.0
    >>> risk_per_100km(None, 50.0) is None
    True
    """
    try:
        p, km = float(p_death), float(length_km)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(p) and math.isfinite(km) and km > 0):
        return None
    return 1e5 * p / km


def _sig(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def _fmt(x: float) -> str:
    text = f"{x:.2g}" if x < 1 else f"{x:,.2g}" if x < 100 else f"{x:,.0f}"
    return f"{float(text.replace(',', '')):g}" if "e" in text else text


def natural_breaks(values: Iterable[float], classes: int) -> list[float]:
    """Fisher-Jenks natural breaks of the base-10 logarithm of positive ``values``.

    Parameters
    ----------
    values
        Positive numbers (others are ignored).
    classes
        How many classes; fewer when there are fewer distinct values.

    Returns
    -------
    list of float
        The inner breaks, ascending: class ``i`` holds the values ``v`` with ``breaks[i-1] < v <= breaks[i]``. Each
        break lies strictly between the largest value of one class and the smallest of the next (their geometric
        mean, rounded to as few significant digits as keep it there), so every class holds values.

    Raises
    ------
    DataError
        If ``classes`` is below 1.

    Examples
    --------
    >>> natural_breaks([0.01, 0.011, 0.012, 0.5, 0.6, 7.0], 3)
    [0.08, 2.0]
    """
    if classes < 1:
        raise DataError(f"natural_breaks: classes must be at least 1, got {classes!r}; ask for 1 or more classes")
    # distinct logarithms: two values a rounding apart have one log and go in one class
    x = np.unique(np.log10(np.array([v for v in values if v is not None and np.isfinite(v) and v > 0], dtype=float)))
    n = len(x)
    k = min(classes, n)
    if k <= 1:
        return []
    s1, s2 = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(x * x)])

    def sse(i: np.ndarray, j: int) -> np.ndarray:  # spread of x[i:j] for every start i
        m = j - i
        s = s1[j] - s1[i]
        return cast(np.ndarray, (s2[j] - s2[i]) - s * s / m)

    cost = np.full((k, n + 1), np.inf)
    start = np.zeros((k, n + 1), dtype=int)
    cost[0, 1:] = [sse(np.array([0]), j)[0] for j in range(1, n + 1)]
    for c in range(1, k):
        for j in range(c + 1, n + 1):
            i = np.arange(c, j)
            total = cost[c - 1, i] + sse(i, j)
            best = int(np.argmin(total))
            cost[c, j], start[c, j] = total[best], i[best]
    cuts, j = [], n
    for c in range(k - 1, 0, -1):
        j = int(start[c, j])
        cuts.append(j)
    breaks = []
    for cut in sorted(cuts):
        below, above = 10 ** x[cut - 1], 10 ** x[cut]
        mid = math.sqrt(below * above)
        breaks.append(next((b for b in (_sig(mid, d) for d in range(1, 16)) if below < b < above), mid))
    return breaks


def contrast_ratio(colour: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21).

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    """
    def luminance(hex_colour: str) -> float:
        rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted((luminance(colour), luminance(background)))
    return (b + 0.05) / (a + 0.05)


@dataclass(frozen=True)
class RiskClasses:
    """Classes of risk per 100 km: inner ``breaks`` (ascending), one colour and label per class.

    ``counts`` is how many of the values the classes were fitted to fall in each class (empty when they were not
    fitted to data).
    """

    breaks: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...] = ()

    def classify(self, values: Iterable[float | None]) -> np.ndarray:
        """The class of each value (0 = lowest), -1 where the value is missing.

        Examples
        --------
        >>> classes_for([0.01, 0.5, 7.0], classes=3).classify([0.012, None, 9.0]).tolist()
        [0, -1, 2]
        """
        v = np.array([np.nan if x is None else float(x) for x in values], dtype=float)
        out = np.searchsorted(np.array(self.breaks, dtype=float), v, side="left")
        return np.where(np.isfinite(v), out, -1)

    def colour(self, value: float | None) -> str:
        """The colour of one value (:data:`NO_ESTIMATE_COLOUR` when missing).

        Examples
        --------
        >>> rc = classes_for([0.01, 7.0], classes=2)
        >>> rc.colour(0.01) == PALETTE[0], rc.colour(None) == NO_ESTIMATE_COLOUR
        (True, True)
        """
        c = int(self.classify([value])[0])
        return NO_ESTIMATE_COLOUR if c < 0 else self.colours[c]


def _labels(breaks: Sequence[float]) -> tuple[str, ...]:
    if not breaks:
        return ("every leg",)
    b = [_fmt(x) for x in breaks]
    return (f"under {b[0]}", *(f"{lo} to {hi}" for lo, hi in itertools.pairwise(b)), f"{b[-1]} or more")


def classes_for(values: Iterable[float | None], *, classes: int = len(PALETTE)) -> RiskClasses:
    """Risk classes fitted to ``values`` (risk per 100 km): natural breaks on a log scale, one palette colour each.

    Parameters
    ----------
    values
        Risk per 100 km of every leg (:func:`risk_per_100km`); missing values are ignored.
    classes
        How many classes, at most ``len(PALETTE)``; fewer when the values have fewer distinct values. With no
        value at all, the decade breaks :data:`DEFAULT_BREAKS`.

    Raises
    ------
    DataError
        If ``classes`` is not between 1 and ``len(PALETTE)``.

    Examples
    --------
    >>> rc = classes_for([0.009, 0.01, 0.011, 0.12, 0.3, 1.5], classes=3)
    >>> rc.breaks, rc.counts
    ((0.04, 0.7), (3, 2, 1))
    """
    if not 1 <= classes <= len(PALETTE):
        raise DataError(f"classes must be from 1 to {len(PALETTE)} (one palette colour each), got {classes!r}")
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    breaks = tuple(natural_breaks(vals, classes)) if vals else DEFAULT_BREAKS
    n = len(breaks) + 1
    colours = tuple(PALETTE[round(i * (len(PALETTE) - 1) / (n - 1))] for i in range(n)) if n > 1 else PALETTE[:1]
    rc = RiskClasses(breaks, colours, _labels(breaks))
    if vals:
        counts = np.bincount(rc.classify(vals), minlength=n)
        rc = RiskClasses(breaks, colours, rc.labels, tuple(int(c) for c in counts))
    return rc


def leg_classes(G: nx.MultiDiGraph, *, classes: int = len(PALETTE)) -> RiskClasses:
    """Risk classes fitted to the legs of ``G`` (one value per directed edge).

    Parameters
    ----------
    G
        The network, with risk estimated (legs without ``p_death`` are left out of the fit).
    classes
        How many classes (see :func:`classes_for`).

    Examples
    --------
    >>> from routes.load import load_network
    >>> rc = leg_classes(load_network())
    >>> min(rc.counts) > 0 and len(rc.counts) == 5
    True
    """
    return classes_for((risk_per_100km(d.get("p_death"), d.get("length_km")) for *_, d in G.edges(data=True)),
                       classes=classes)
