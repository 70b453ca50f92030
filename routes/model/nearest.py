"""Nearest lines to many points, on whole arrays: every pair within reach, and the best pair of each point.

:func:`pairs_within` finds the (point, line) pairs closer than each line's reach with one STRtree per distinct reach;
:func:`lowest_per_group` keeps the pair of lowest score per point in linear time. Attribution
(:mod:`routes.model.attribution`) scores the pairs between; these two know nothing of incidents or legs.

Examples
--------
>>> import numpy as np, shapely
>>> points = shapely.points([0.0, 10.0], [1.0, 1.0])
>>> lines = np.array([shapely.LineString([(-5, 0), (5, 0)]), shapely.LineString([(8, 0), (12, 0)])])
>>> p, line, dist, _ = pairs_within(points, lines, np.array([2.0, 2.0]))
>>> p.tolist(), line.tolist(), dist.tolist()
([0, 1], [0, 1], [1.0, 1.0])
>>> lowest_per_group(np.array([0, 0, 1]), np.array([2.0, 1.0, 5.0]), np.array([0, 1, 0])).tolist()
[1, 2]
"""

from __future__ import annotations

from typing import cast

import numpy as np
import shapely

__all__ = ["lowest_per_group", "pairs_within"]


def pairs_within(points: np.ndarray, lines: np.ndarray, reach: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every (point, line) pair closer than the line's ``reach``.

    Parameters
    ----------
    points, lines
        Shapely geometries in a metric CRS (plain object arrays).
    reach
        Each line's reach, in the CRS's units; a line of negative reach is never near.

    Returns
    -------
    tuple of numpy.ndarray
        For each pair: the point's and the line's position, their distance, and the line's place in the order a query
        of one STRtree of every line returns lines (its leaves, depth first): the order in which the best of equal
        pairs was always chosen.

    Notes
    -----
    One STRtree per distinct reach is queried with the points' boxes of that size, so a point meets only the lines it
    may go to; distances are computed once, on those pairs.
    """
    tree = shapely.STRtree(lines)
    leaf = np.empty(len(lines), dtype=int)
    leaf[tree.query(shapely.box(*shapely.total_bounds(lines)))] = np.arange(len(lines))
    x, y = shapely.get_x(points), shapely.get_y(points)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for r in np.unique(reach[reach >= 0]):
        mine = np.flatnonzero(reach == r)
        pi, j = shapely.STRtree(lines[mine]).query(shapely.box(x - r, y - r, x + r, y + r))
        dist = shapely.distance(points[pi], lines[mine[j]])
        near = dist <= r
        found.append((pi[near], mine[j[near]], dist[near]))
    pi, li, dist = (np.concatenate([f[i] for f in found]) if found else np.zeros(0) for i in range(3))
    pi, li = pi.astype(int), li.astype(int)
    return pi, li, dist, leaf[li]


def lowest_per_group(group: np.ndarray, score: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """The position of the lowest ``score`` of each ``group``, by group, and of equal scores the one of lowest ``tie``.

    NaN scores count as the highest, as in a sort; ``tie`` must differ within a group. Linear in the pairs: a running
    minimum per group instead of a sort.
    """
    if not len(group):
        return np.zeros(0, dtype=int)
    order = np.argsort(group, kind="stable") if np.any(group[1:] < group[:-1]) else np.arange(len(group))
    g, sc, tb = group[order], score[order], tie[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    size = np.diff(np.r_[starts, len(g)])
    low = np.repeat(np.fmin.reduceat(sc, starts), size)  # fmin: NaN only where the whole group is NaN
    lowest = (sc == low) | (np.isnan(low) & np.isnan(sc))
    first_tie = np.repeat(np.minimum.reduceat(np.where(lowest, tb, np.iinfo(np.int64).max), starts), size)
    return cast(np.ndarray, order[lowest & (tb == first_tie)])
