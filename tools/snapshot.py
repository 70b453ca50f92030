"""Build the shipped regional incident snapshot ``geodata/incidents.csv`` from the raw IOM exports of the shared data.

Run through ``python -m tools.build`` (``--only snapshot``); the snapshot the user refreshes is
:func:`routes.io.snapshot.update_snapshot`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path

from routes.io.incidents import COLUMNS, combine_incidents, read_incidents
from routes.io.snapshot import ATTRIBUTION, REGION_COUNTRIES, REGION_LAT, REGION_LON, _summary, _write, select_region

logger = logging.getLogger(__name__)

ALLDATA = "iom_mmp/Missing_Migrants_Global_Figures_allData.csv"
SUBSET_2025 = ("iom_mmp/Missing_Migrants_Global_Figures_allData__riscotta-2026-06_export__"
               "2025_CentralAmerica_Colombia_subset.csv")

def build_snapshot(shared: str | PathLike[str], *, out: str | PathLike[str],
                   command: str | None = None) -> Path:
    """Build the shipped regional snapshot from the raw files in ``shared`` (the ``../shared/data`` folder).

    2014-2024 come from the May-2025 global allData export and 2025 from the June-2026 regional subset, which
    wins for 2025 (so nothing is counted twice); undated rows are excluded and listed in ``snapshot.json``.

    Returns
    -------
    pathlib.Path
        The ``incidents.csv`` written (``snapshot.json`` lies beside it).

    Examples
    --------
    >>> build_snapshot("../shared/data", out="/tmp/snap")  # doctest: +SKIP
    PosixPath('/tmp/snap/incidents.csv')
    """
    shared = Path(shared)
    folder = Path(out)
    full = read_incidents(shared / ALLDATA)
    newer = select_region(read_incidents(shared / SUBSET_2025))
    older = select_region(full)
    undated = full[full["date"].isna()]
    older = older[older["date"].notna()]
    outside = older[(older["year"] == 2025) & ~older["country"].str.contains("|".join(REGION_COUNTRIES))
                    & ~(older["lat"].between(14.2, 18.0) & older["lon"].between(-94.3, -90.3))]
    snap = combine_incidents([older, newer])
    meta = {
        "name": "IOM Missing Migrants Project incidents, Colombia-Chiapas corridor",
        "built": datetime.now(UTC).date().isoformat(),
        "command": command or "python -m tools.build --only snapshot",
        "attribution": ATTRIBUTION,
        "region": {"lat": REGION_LAT, "lon": REGION_LON, "or_country_of_incident": REGION_COUNTRIES},
        **_summary(snap),
        "columns": COLUMNS,
        "sources": [
            {"file": f.attrs["source_file"], "sha256": f.attrs["sha256"], "format": f.attrs["format"],
             "rows_read": f.attrs["rows_read"], "rows_in_region": len(r),
             "rows_used": int((snap["source_file"] == f.attrs["source_file"]).sum()), "use": use}
            for f, r, use in ((full, older, "2014-2024 (its 2025 rows are replaced by the newer export)"),
                              (newer, newer, "2025"))],
        "excluded_undated": [{"main_id": r.main_id, "source_row": int(r.source_row), "country": r.country}
                             for r in undated.itertuples()],
        "replaced": snap.attrs["replaced"],
        "caveats": [
            ("2025 rows come only from a subset of the June-2026 export holding Country of Incident Colombia, "
             "Panama, Costa Rica, Nicaragua, Honduras, El Salvador, Guatemala and Chiapas (Mexico); "
             f"{len(outside)} Jan-Apr 2025 rows of the May-2025 export elsewhere in the box (e.g. southern Mexico "
             f"outside Chiapas) are therefore absent: {sorted(outside['main_id'])}"),
            "possible_duplicates are kept and flagged in the column possible_duplicate_of, not dropped",
        ],
    }
    path = _write(snap, meta, folder)
    logger.info("wrote %d incidents to %s", len(snap), path)
    return path
