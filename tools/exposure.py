"""Build the exposure table ``geodata/exposure.csv`` from the hand-written route branches and shares.

``geodata/sources/branches.csv`` says which legs each branch of a flow series takes, with a factor and its range;
``geodata/sources/shares.csv`` says which share of a series takes each branch, per period. Their product, one row per
set of legs, period and series, is the table :func:`routes.model.exposure.load_exposure_table` reads. Needs no shared
data, so a test rebuilds it and compares with the shipped file.
"""

from __future__ import annotations

import pandas as pd

from routes.errors import DataError
from routes.model.exposure import EXPOSURE_COLUMNS, SPLIT_COLUMNS

BRANCH_COLUMNS = ("series", "direction", "split", "branch", "legs", "factor", "factor_lo", "factor_hi",
                  "period_start", "period_end", "method", "source")


def build_exposure_table(branches: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Compose the exposure table from route branches and the documented shares.

    A branch row says which legs a part of a flow series travels. If it names a ``split`` and ``branch`` of
    ``geodata/sources/shares.csv``, each share row of that branch overlapping the row's period gives one exposure row
    with
    ``share = share x factor`` (and the low and high ends multiplied likewise, capped at 1); a row with an empty
    ``split`` has ``share = factor`` directly. ``factor`` is the part of the branch that takes these legs (1 for
    all of it); where it is not 1 it is a stated assumption with its rationale in ``source``.

    Parameters
    ----------
    branches
        ``geodata/sources/branches.csv``: columns :data:`BRANCH_COLUMNS`.
    shares
        ``geodata/sources/shares.csv`` (:func:`routes.io.flows.load_shares`).

    Returns
    -------
    pandas.DataFrame
        The exposure table (columns :data:`EXPOSURE_COLUMNS`).

    Raises
    ------
    DataError
        If a branch names a split and branch that ``shares`` lacks, or a factor is not a number in [0, 1].
    """
    missing = [c for c in BRANCH_COLUMNS if c not in branches.columns]
    if missing:
        raise DataError(f"branches table: missing column(s) {missing}; expected {list(BRANCH_COLUMNS)}")
    out: list[dict[str, object]] = []
    problems: list[str] = []
    sh = shares.copy()
    sh["m0"] = pd.to_datetime(sh["period_start"]).dt.strftime("%Y-%m")
    sh["m1"] = pd.to_datetime(sh["period_end"]).dt.strftime("%Y-%m")
    sh["d0"] = pd.to_datetime(sh["period_start"]).dt.strftime("%Y-%m-%d")
    sh["d1"] = pd.to_datetime(sh["period_end"]).dt.strftime("%Y-%m-%d")
    for i, b in branches.fillna("").iterrows():
        where = f"branches row {int(i) + 2}"
        try:
            f, flo, fhi = (float(b[c]) for c in ("factor", "factor_lo", "factor_hi"))
        except ValueError:
            problems.append(f"{where}: factor, factor_lo and factor_hi must be numbers")
            continue
        if not (0 <= flo <= f <= fhi <= 1):
            problems.append(f"{where}: need 0 <= factor_lo <= factor <= factor_hi <= 1, got {flo}, {f}, {fhi}")
            continue
        p0, p1 = str(b["period_start"]), str(b["period_end"])
        base = {"legs": b["legs"], "direction": b["direction"], "series": b["series"], "split": b["split"],
                "branch": b["branch"]}
        if not b["split"]:
            out.append({**base, "share": f, "share_lo": flo, "share_hi": fhi, "period_start": p0, "period_end": p1,
                        "method": b["method"], "source": b["source"], "factor": f, "factor_lo": flo,
                        "factor_hi": fhi})
            continue
        rows = sh[(sh["series"] == b["series"]) & (sh["split"] == b["split"]) & (sh["branch"] == b["branch"])]
        if rows.empty:
            problems.append(f"{where}: no share for series {b['series']!r}, split {b['split']!r}, branch "
                            f"{b['branch']!r}")
            continue
        for _, s in rows.iterrows():
            # periods to the day: a share period that starts or ends inside a month covers only its days of it
            a = max(_first_day(p0) if p0 else s["d0"], s["d0"])
            z = min(_last_day(p1) if p1 else s["d1"], s["d1"])
            if a > z:
                continue
            method = "observed" if s["method"] == "observed" and b["method"] == "observed" else "assumption"
            src = f"share {b['split']}/{b['branch']} {s['m0']}..{s['m1']} ({s['method']}: {s['source']})"
            if f != 1 or flo != 1:
                src += f"; x factor {f:g} ({flo:g}-{fhi:g}): {b['source']}"
            out.append({**base, "share": round(s["share"] * f, 6), "share_lo": round(s["share_lo"] * flo, 6),
                        "share_hi": round(min(1.0, s["share_hi"] * fhi), 6), "period_start": a, "period_end": z,
                        "method": method, "source": src, "split_start": s["d0"], "split_end": s["d1"],
                        "split_share": s["share"], "split_share_lo": s["share_lo"], "split_share_hi": s["share_hi"],
                        "factor": f, "factor_lo": flo, "factor_hi": fhi})
    if problems:
        raise DataError(f"branches table: {len(problems)} problem(s)", problems)
    return pd.DataFrame(out, columns=[*EXPOSURE_COLUMNS, *SPLIT_COLUMNS])


def _first_day(month: str) -> str:
    """``YYYY-MM`` (or a date) as the first day it covers."""
    return month if len(month) > 7 else f"{month}-01"


def _last_day(month: str) -> str:
    """``YYYY-MM`` (or a date) as the last day it covers."""
    return month if len(month) > 7 else (pd.Period(month, "M").end_time.strftime("%Y-%m-%d"))


def read_branches(path: str | None = None) -> pd.DataFrame:
    """The hand-written route branches (``geodata/sources/branches.csv`` by default)."""
    from routes.io.resources import geodata_file

    if path is not None:
        return pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    with geodata_file("sources/branches.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, comment="#")
