"""What the validation says, for people: the backtest table, the predictions and the sensitivity, as text and a plot.

Nothing here computes: the functions format what :func:`routes.backtest`, :func:`routes.predict_deaths` and
:func:`routes.sensitivity` return (:mod:`routes.model.backtest`, :mod:`routes.model.predict`,
:mod:`routes.model.sensitivity`).

Examples
--------
>>> binomial_range(15)
(11, 15)
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from routes.errors import ArgumentError
from routes.report import tables
from routes.vocabulary import INTERVAL_LEVEL

__all__ = ["backtest_text", "binomial_range", "count", "plot_backtest", "prediction_text", "sensitivity_text"]


def binomial_range(n: int, level: float = INTERVAL_LEVEL, prob: float = 0.9) -> tuple[int, int]:
    """The central ``prob`` range of how many of ``n`` unit-years a calibrated ``level`` interval covers.

    Examples
    --------
    >>> binomial_range(20)
    (16, 20)
    """
    pmf = [math.comb(n, k) * level**k * (1 - level) ** (n - k) for k in range(n + 1)]
    cdf = [sum(pmf[: k + 1]) for k in range(n + 1)]
    tail = (1 - prob) / 2
    lo = next(k for k in range(n + 1) if cdf[k] > tail)
    hi = next(k for k in range(n + 1) if cdf[k] >= 1 - tail - 1e-12)
    return lo, hi


def count(x: float) -> str:
    """A predicted count for reading: whole numbers with thousands separators."""
    return f"{x:,.0f}" if math.isfinite(x) else "?"


def _cell(r: Any) -> str:
    mark = "" if r.covered else " x"
    return f"{count(r.median)} [{count(r.lo)}-{count(r.hi)}]{mark}"


def backtest_text(result: Any, *, per_unit_year: bool = True) -> str:
    """The table ``route-risk backtest`` prints: each method's coverage (k of N unit-years) and scores, then, per
    unit-year, what was observed and each method's median and 90% interval."""
    s = result.summary()
    st = result.settings
    n = int(s["N"].max()) if len(s) else 0
    lo, hi = binomial_range(n) if n else (0, 0)
    title = (f"Rolling-origin backtest, test years {st['first_year']}-{st['last_year']}: each year's dead and missing "
             f"predicted by methods fitted on {st['start']} to the year before")
    head = tables.wrap(title, hanging="  ")
    units = "; ".join(f"{u.name}: {u.title} ({len(u.edges)} directed legs)" for u in result.units)
    for note in [f"units: {units}", *result.notes]:
        head += tables.wrap(note, indent="  ", hanging="    ")
    rows = [{"method": r.method, "cov": f"{r.covered} of {r.N}", "pct": f"{r.coverage:.0%}",
             "crps": f"{r.crps:.1f}", "log": f"{r.log_score:.2f}"} for r in s.itertuples()]
    body = tables.table(rows, [("method", "method"), ("cov", "90% interval covers>"), ("pct", "coverage>"),
                               ("crps", "mean CRPS>"), ("log", "mean log score>")])
    out = [*head, "", body, ""]
    if per_unit_year and len(result.records):
        rec = result.records
        names = list(result.methods)
        grid = []
        order = {u.name: i for i, u in enumerate(result.units)}
        rec = rec.assign(_u=rec["unit"].map(order)).sort_values(["_u", "year"], kind="stable")
        for (unit, year), g in rec.groupby(["unit", "year"], sort=False):
            by = {r.method: r for r in g.itertuples()}
            grid.append({"unit": unit, "year": year, "obs": f"{g['observed'].iloc[0]:.1f}",
                         **{m: _cell(by[m]) if m in by else "" for m in names}})
        cols = [("unit", "unit"), ("year", "year>"), ("obs", "observed>"), *((m, f"{m}>") for m in names)]
        out += ["per unit-year: observed dead and missing, and each method's median [90% interval]; x: outside it",
                tables.table(grid, cols), ""]
    methods = "; ".join(f"{m}: {d.split(': ', 1)[-1]}" for m, d in result.methods.items())
    out += tables.footer([
        (f"90% interval covers: in how many unit-years the central 90% predictive interval held the observed count; a "
        f"calibrated method covers about 90%, between {lo} and {hi} of {n} nine times in ten"),
        ("mean CRPS: continuous ranked probability score of the predictive draws, in dead and missing (lower is "
        "better; for a point forecast it is the absolute error); mean log score: minus the log probability the "
        "method gave the observed count (lower is better)"),
        f"methods: {methods}",
        f"run time {st.get('seconds', float('nan')):.1f} s, {st['n_draws']:,} draws per unit-year, seed {st['seed']}",
    ])
    return "\n".join(out)


def prediction_text(pred: Any, *, legs: bool = False) -> str:
    """The table ``route-risk predict`` prints: dead and missing per direction, per unit and (optionally) per leg."""
    a = pred.attrs
    head = tables.wrap(f"Predicted dead and missing, {a['period_text']}, {a['scenario_text']}", hanging="  ")
    for note in a.get("notes", []):
        head += tables.wrap(note, indent="  ", hanging="    ")

    def block(frame: pd.DataFrame, key: str, label: str) -> list[str]:
        if frame is None or not len(frame):
            return []
        rows = [{key: getattr(r, key), "trav": f"{r.traversals:,.0f}", "mean": tables.sig(r.mean, 3),
                 "int": f"{count(r.median)} [{count(r.lo)}-{count(r.hi)}]"}
                for r in frame.itertuples()]
        return [tables.table(rows, [(key, label), ("trav", "traversals>"), ("mean", "mean>"),
                                    ("int", "median [90% interval]>")]), ""]

    out = [*head, "", *block(pred.directions, "direction", "direction"), *block(pred.units, "unit", "unit")]
    if legs:
        shown = pred.legs[pred.legs["traversals"] > 0]
        out += block(shown.assign(edge=[f"{r.leg} ({r.direction})" for r in shown.itertuples()]), "edge", "leg")
    out += tables.footer([
        ("traversals: people crossing the legs in the period under the scenario, summed over the legs; mean and median "
         "[90% interval]: dead and missing, "
        "from the rate's uncertainty, the Poisson number of incidents and the recorded incident sizes"),
        "" if legs else "--legs lists every leg travelled",
        ("what would be recorded (IOM's counts are minimums) if the scenario's people travelled the legs as in the "
        "recent split, for planning; not a forecast for any one traveller"),
    ])
    return "\n".join(out)


def sensitivity_text(sens: Any) -> str:
    """The table ``route-risk explain LEG --sensitivity`` prints: how the estimate moves under each assumption."""
    a = sens.attrs
    head = tables.wrap(f"Sensitivity of {a['what']}: deaths per 1,000 traversals under each assumption, one refit "
                       "each", hanging="  ")
    rows = [{"case": r.case, "value": r.value, "p": f"{tables.sig(1000 * r.p_death, 3)}",
             "ratio": f"{r.ratio:.2f}x"} for r in sens.itertuples()]
    body = tables.table(rows, [("case", "assumption"), ("value", "set to"), ("p", "deaths/1,000>"),
                               ("ratio", "vs estimate>")])
    notes = [("prior strength: the prior's shape and rate both multiplied (x4: the pooled prior counts as much as "
             "four times the pseudo-travellers; /4: a quarter), the leg's own deaths and travellers unchanged"),
             ("share: one stated share of the corridor's travellers set to the low or high end of its range (the other "
             "rows unchanged), incidents attributed and the risk estimated again"),
             *a.get("notes", [])]
    return "\n".join([*head, "", body, "", *tables.footer(notes)])


def plot_backtest(result: Any, *, methods: list[str] | None = None, ax: Any = None) -> Any:
    """Predicted against observed: each method's median and 90% interval per unit-year, the observed count marked.

    Returns the matplotlib axes (matplotlib is needed: ``pip install routes[plot]``).

    Raises
    ------
    ArgumentError
        If ``methods`` names a method the backtest did not score.
    """
    import matplotlib.pyplot as plt

    rec = result.records
    names = methods or list(result.methods)
    unknown = [m for m in names if m not in result.methods]
    if unknown:
        raise ArgumentError(f"plot_backtest: no method {unknown} in this backtest; it scored {list(result.methods)}")
    keys = list(dict.fromkeys(zip(rec["unit"], rec["year"], strict=True)))
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(keys)), 4.5))
    width = 0.8 / max(len(names), 1)
    for j, m in enumerate(names):
        sub = rec[rec["method"] == m].set_index(["unit", "year"])
        xs = [i - 0.4 + width * (j + 0.5) for i, k in enumerate(keys) if k in sub.index]
        rows = [sub.loc[k] for k in keys if k in sub.index]
        med = [float(r["median"]) for r in rows]
        err = [
            [max(float(r["median"] - r["lo"]), 0) for r in rows],
            [max(float(r["hi"] - r["median"]), 0) for r in rows],
        ]
        ax.errorbar(xs, med, yerr=err, fmt="o", ms=3, capsize=2, label=m)
    obs = [float(rec[(rec["unit"] == u) & (rec["year"] == y)]["observed"].iloc[0]) for u, y in keys]
    ax.scatter(range(len(keys)), obs, marker="_", s=300, color="black", zorder=5, label="observed")
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([f"{u}\n{y}" for u, y in keys], rotation=90, fontsize=7)
    ax.set_yscale("symlog", linthresh=10)
    ax.set_ylabel("dead and missing (median, 90% interval)")
    ax.legend(fontsize=7, ncols=2)
    return ax
