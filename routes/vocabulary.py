"""The words of the model, written once: modes, directions, the CRS, the interval level, distances, periods, months,
names.

Every module that needs one of these ideas imports it from here (the ground floor, beside :mod:`routes.errors`), so
adding a mode is one entry in :data:`MODES`: the network reader accepts it, attribution matches incidents to it, the
estimate pools it, the scorer and the exports carry it.

Examples
--------
>>> MODES["sea_boat"].sea, MODES["road"].reach_m
(True, 6000.0)
>>> sorted(SEA_MODES), sorted(VEHICLE_MODES)
(['sea_boat'], ['rail', 'road'])
>>> round(geodesic_km(-79.52, 8.98, -77.27, 8.51))  # Panama City to Acandí
253
>>> in_period("2024-06-01", "2021-01-01", None)
True
>>> suggest("Necocly", ["Necoclí", "Turbo"])
['Necoclí']
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from pyproj import Geod

from routes.errors import ScenarioError

__all__ = [
    "CONFIDENCES",
    "CRS",
    "DIRECTIONS",
    "DRAWS_ESTIMATE",
    "DRAWS_PATHS",
    "GEOD",
    "INTERVAL",
    "INTERVAL_LEVEL",
    "LEG_DIRECTIONS",
    "MODES",
    "NAME_CUTOFF",
    "PLACE_KINDS",
    "SEA_MODES",
    "SPREAD_MODES",
    "VEHICLE_MODES",
    "WATER_MODES",
    "Direction",
    "Mode",
    "did_you_mean",
    "fold",
    "geodesic_km",
    "in_period",
    "in_periods",
    "line_length_km",
    "month_key",
    "month_keys",
    "suggest",
    "to_day",
]  # fmt: skip


@dataclass(frozen=True)
class Mode:
    """How people travel a leg, and what the model assumes of it.

    Attributes
    ----------
    name
        The value of a leg's ``mode``.
    sea
        At sea (drawn offshore, the advisory multiplies its hazard); everything else is land or inland water.
    water
        On water (sea or river): drownings prefer it in attribution.
    speed_kmh
        Assumed speed where no source gives a leg's duration.
    reach_m
        How far (m) an incident may lie from a leg of this mode and still be attributed to it.
    spread
        Deaths at a generic Darién position are spread over the Darién legs of these modes.
    vehicle
        By vehicle on land (bus, truck, train): vehicle accidents prefer it in attribution.
    """

    name: str
    sea: bool
    water: bool
    speed_kmh: float
    reach_m: float
    spread: bool
    vehicle: bool = False


#: every mode of transport a leg can have
MODES: Final[Mapping[str, Mode]] = {m.name: m for m in (
    Mode("sea_boat", sea=True, water=True, speed_kmh=25.0, reach_m=15_000.0, spread=False),
    Mode("river_boat", sea=False, water=True, speed_kmh=10.0, reach_m=12_000.0, spread=True),
    Mode("jungle_foot", sea=False, water=False, speed_kmh=1.5, reach_m=15_000.0, spread=True),
    Mode("foot", sea=False, water=False, speed_kmh=3.0, reach_m=6_000.0, spread=True),
    Mode("road", sea=False, water=False, speed_kmh=50.0, reach_m=6_000.0, spread=False, vehicle=True),
    Mode("border_foot", sea=False, water=False, speed_kmh=3.0, reach_m=6_000.0, spread=False),
    # the freight trains of southern Mexico ("La Bestia"): Arriaga - Ixtepec, 153 km in more than 16 h (Soy502, 2014),
    # at most 18 km/h (Diario Digital RD, 2019); a position "on the tracks" is as precise as one on a road
    Mode("rail", sea=False, water=False, speed_kmh=10.0, reach_m=6_000.0, spread=False, vehicle=True),
)}
SEA_MODES: Final = frozenset(m for m, p in MODES.items() if p.sea)
WATER_MODES: Final = frozenset(m for m, p in MODES.items() if p.water)
SPREAD_MODES: Final = frozenset(m for m, p in MODES.items() if p.spread)
VEHICLE_MODES: Final = frozenset(m for m, p in MODES.items() if p.vehicle)

Direction = Literal["north", "south"]
#: the direction of a directed edge (and of a journey)
DIRECTIONS: Final[tuple[Direction, Direction]] = ("north", "south")
#: the ``directions`` of a leg in the legs file: one way, or both (two edges)
LEG_DIRECTIONS: Final = ("north", "south", "both")

#: the kinds of place
PLACE_KINDS: Final = frozenset({"town", "port", "border_post", "reception_station", "waypoint"})
#: how sure a place's position or a leg's course is
CONFIDENCES: Final = frozenset({"high", "medium", "low"})

#: the fixed box in which the network's coverage of the recorded deaths is judged (issue 14: from Buenaventura and
#: Necoclí to Tapachula and Villahermosa): (min lon, min lat, max lon, max lat)
COVERAGE_BOX: Final[tuple[float, float, float, float]] = (-93.12, 3.88, -76.73, 17.99)

#: the CRS of every geometry the package reads or writes (longitude, latitude)
CRS: Final = "EPSG:4326"

#: the central credible or predictive interval reported everywhere, and its quantiles
INTERVAL_LEVEL: Final = 0.90
INTERVAL: Final = (0.05, 0.95)
#: joint posterior draws kept by an estimate, and Monte Carlo draws of a path's risk (resampled from them)
DRAWS_ESTIMATE: Final = 4_000
DRAWS_PATHS: Final = 10_000

#: similarity (0-1, :class:`difflib.SequenceMatcher`) a name needs to be suggested for a misspelt one
NAME_CUTOFF: Final = 0.75

#: the WGS84 ellipsoid: every distance and length of the package is geodesic on it
GEOD: Final = Geod(ellps="WGS84")


def geodesic_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Geodesic distance on the WGS84 ellipsoid in km; scalars or numpy arrays (:meth:`pyproj.Geod.inv`)."""
    dist = GEOD.inv(lon1, lat1, lon2, lat2)[2]
    return float(dist) / 1000.0 if np.ndim(dist) == 0 else np.asarray(dist) / 1000.0


def line_length_km(line: Any) -> float:
    """Geodesic length of a longitude/latitude line on the WGS84 ellipsoid, over every vertex, in km.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> round(line_length_km(LineString([(0, 0), (1, 0)])), 1)
    111.3
    """
    return float(GEOD.geometry_length(line)) / 1000.0


def to_day(value: Any) -> dt.date | None:
    """A date from a ``datetime``/``date``/ISO text (``None``, NaN, NaT and unreadable text give ``None``)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def in_period(day: Any, start: Any, end: Any, *, slack_days: int = 0) -> bool:
    """Whether ``day`` falls in the period ``start``..``end`` (either may be open: ``None``), give or take a slack.

    An unknown ``day`` is in every period.
    """
    d = to_day(day)
    if d is None:
        return True
    slack = dt.timedelta(days=slack_days)
    a, z = to_day(start), to_day(end)
    return (a is None or d >= a - slack) and (z is None or d <= z + slack)


def in_periods(days: Any, starts: Any, ends: Any, *, slack_days: int = 0) -> np.ndarray:
    """Vectorised :func:`in_period`: for each day, whether it falls in its period (NaT: unknown day or open end)."""
    days = pd.to_datetime(pd.Series(days), errors="coerce").to_numpy()
    starts = pd.to_datetime(pd.Series(starts), errors="coerce").to_numpy()
    ends = pd.to_datetime(pd.Series(ends), errors="coerce").to_numpy()
    slack = np.timedelta64(slack_days, "D")
    known = ~pd.isna(days)
    early = known & ~pd.isna(starts) & (days < np.where(pd.isna(starts), days, starts) - slack)
    late = known & ~pd.isna(ends) & (days > np.where(pd.isna(ends), days, ends) + slack)
    return np.asarray(~(early | late), dtype=bool)


def month_key(when: Any) -> str:
    """The month of a date as ``"YYYY-MM"`` (``""`` when unknown)."""
    d = to_day(when)
    return "" if d is None else f"{d.year:04d}-{d.month:02d}"


def month_keys(values: Any) -> np.ndarray:
    """``"YYYY-MM"`` of each date, month period or text of a sequence (``""`` where unknown), as a numpy array."""
    if isinstance(values, pd.PeriodIndex):  # (strftime takes a millisecond for a few hundred months)
        return np.array([f"{y:04d}-{m:02d}" if y > 0 else "" for y, m in zip(values.year, values.month, strict=True)],
                        dtype=str)
    dates = pd.to_datetime(pd.Series(values))
    month = (dates.dt.year * 12 + dates.dt.month).to_numpy(dtype=float, na_value=np.nan)
    codes, months = pd.factorize(month)  # a few hundred months among many dates: each is written once
    if not len(months):
        return np.asarray(pd.Series([""] * len(dates), dtype=object), dtype=str)
    _, first = np.unique(codes, return_index=True)  # the first date of each month (and of no date: code -1)
    first = first[-len(months):]
    text = np.append(dates.iloc[first].dt.strftime("%Y-%m").to_numpy(dtype=object), "")
    return np.asarray(text[codes], dtype=str)  # code -1 (no date): the "" appended


@functools.lru_cache(maxsize=8192)  # every query folds the same few hundred place names
def fold(text: str) -> str:
    """Lower case without accents, punctuation as single spaces, for comparing names (``"Necoclí "`` →
    ``"necocli"``)."""
    nfkd = unicodedata.normalize("NFKD", str(text))
    return re.sub(r"[^a-z0-9]+", " ", "".join(c for c in nfkd if not unicodedata.combining(c)).lower()).strip()


def suggest(name: str, options: Iterable[str], *, n: int = 3) -> list[str]:
    """The options most like ``name`` (accents and case ignored), best first, at most ``n``."""
    folded: dict[str, str] = {}
    for option in options:
        folded.setdefault(fold(option), option)
    return [folded[m] for m in difflib.get_close_matches(fold(name), list(folded), n=n, cutoff=NAME_CUTOFF)]


def did_you_mean(name: str, options: Iterable[str], *, n: int = 3) -> str:
    """``"did you mean 'a' or 'b'?"`` for the options most like ``name``, or ``""`` when none is close.

    Examples
    --------
    >>> did_you_mean("Tapachla", ["Tapachula", "Tecún Umán"])
    "did you mean 'Tapachula'?"
    """
    close = suggest(name, options, n=n)
    return f"did you mean {' or '.join(map(repr, close))}?" if close else ""


def check_window(window: Any, *, name: str = "window") -> tuple[int, int] | None:
    """``(first_year, last_year)`` of a window of incident years, checked (``None`` stays ``None``).

    Raises
    ------
    ScenarioError
        If the window is not two years, or runs backwards.

    Examples
    --------
    >>> check_window(["2021", 2024])
    (2021, 2024)
    """
    if window is None:
        return None
    try:
        first, last = (int(y) for y in window)
    except (TypeError, ValueError):
        raise ScenarioError(f"{name} must be (first_year, last_year), got {window!r}") from None
    if first > last:
        raise ScenarioError(f"{name} {window!r}: the first year is after the last; try ({last}, {first})")
    return first, last


#: countries by ISO3 code: the names people use for them (the first is the one shown)
COUNTRY_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "COL": ("Colombia",), "PAN": ("Panama", "Panamá"), "CRI": ("Costa Rica",), "NIC": ("Nicaragua",),
    "HND": ("Honduras",), "SLV": ("El Salvador",), "GTM": ("Guatemala",), "BLZ": ("Belize", "Belice"),
    "MEX": ("Mexico", "México"), "ECU": ("Ecuador",), "VEN": ("Venezuela",), "PER": ("Peru", "Perú"),
    "USA": ("United States", "United States of America", "Estados Unidos"),
}


def country_code(text: str) -> str | None:
    """The ISO3 code of a country typed by name or code (accents and case ignored), else None.

    Examples
    --------
    >>> country_code("panamá"), country_code("col"), country_code("Panama City")
    ('PAN', 'COL', None)
    """
    key = fold(text)
    if len(key) == 3 and key.upper() in COUNTRY_NAMES:
        return key.upper()
    return next((c for c, names in COUNTRY_NAMES.items() if key in map(fold, names)), None)


def country_name(code: str) -> str:
    """The name shown for an ISO3 code (the code itself when unknown)."""
    return COUNTRY_NAMES.get(code, (code,))[0]
