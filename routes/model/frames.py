"""Tables whose metadata is read, not copied: pandas deep-copies a frame's ``attrs`` into everything derived from it.

Every column, row, slice or copy of a pandas table gets a deep copy of its ``attrs``. A snapshot's metadata can list
tens of thousands of skipped rows (``route-risk data update --skip-invalid``), and one such copy per column read made a
ranking take minutes (issue 18). Two remedies, used by the model:

* :func:`without_attrs`: the same table, sharing its data, without ``attrs``, for code that reads many columns;
* :func:`shared_attrs`: ``attrs`` whose dicts and lists are shared, not copied, by the tables derived from the one that
  carries them (:class:`SharedDict`, :class:`SharedList`), for tables handed to other code (the estimate's incidents).
  They are the table's metadata, read-only by convention: changing one changes it for every table that shares it.

Examples
--------
>>> import copy, pandas as pd
>>> t = pd.DataFrame({"a": [1, 2]})
>>> t.attrs = shared_attrs({"meta": {"skipped": [{"row": i} for i in range(20_000)]}, "source": "x.csv"})
>>> t["a"].attrs["meta"] is t.attrs["meta"]  # a column shares the metadata instead of copying it
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["SharedDict", "SharedList", "shared_attrs", "without_attrs"]


class SharedDict(dict):  # type: ignore[type-arg]
    """A dict of a table's ``attrs`` that tables derived from it share: ``copy.deepcopy`` returns it as it is."""

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedDict:
        return self


class SharedList(list):  # type: ignore[type-arg]
    """A list of a table's ``attrs`` that tables derived from it share: ``copy.deepcopy`` returns it as it is."""

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedList:
        return self


def shared_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """``attrs`` with each dict and list value made shared (:class:`SharedDict`, :class:`SharedList`).

    Examples
    --------
    >>> a = shared_attrs({"skipped": [1, 2], "meta": {"built": "2026-01-01"}, "format": "allData"})
    >>> type(a["skipped"]).__name__, a["meta"] == {"built": "2026-01-01"}, a["format"]
    ('SharedList', True, 'allData')
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if isinstance(value, dict):
            value = value if isinstance(value, SharedDict) else SharedDict(value)
        elif isinstance(value, list):
            value = value if isinstance(value, SharedList) else SharedList(value)
        out[key] = value
    return out


def without_attrs(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table without its ``attrs``, sharing its data: columns read from it copy no metadata.

    The model reads the columns of the incident table from this bare table and puts ``attrs`` back on what it returns.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [1]})
    >>> t.attrs["skipped"] = [{"row": 1}]
    >>> without_attrs(t).attrs, t.attrs["skipped"]
    ({}, [{'row': 1}])
    """
    bare = pd.DataFrame(frame)  # the constructor shares the blocks and leaves attrs behind
    if isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name is not None:
        return gpd.GeoDataFrame(bare, geometry=frame.active_geometry_name)
    return bare
