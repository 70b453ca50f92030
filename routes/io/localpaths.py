"""Local file paths out of what ``routes`` writes: :func:`scrub_paths` turns absolute paths into file names.

An output (GeoJSON metadata, a GeoPackage, a GraphML file, a web map) says which files it was made from by their
names, never by where they lie on the machine that wrote it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath
from typing import Any

_POSIX = re.compile(r"(?<![\w:/.~\\<-])(?:file://)?/(?:[^\s/\"'<>|;,()]+/)*[^\s/\"'<>|;,()]+/?")
_HOME = re.compile(r"(?<![\w/])~[/\\][^\s\"'<>|;,()]+")
_WINDOWS = re.compile(r"(?<![\w])[A-Za-z]:\\[^\s\"'<>|;,()]+")


def _name(match: re.Match[str]) -> str:
    text = match.group(0).rstrip("/\\")
    return PureWindowsPath(text).name if "\\" in text else Path(text).name


def scrub_paths(value: Any) -> Any:
    """``value`` with every absolute local path (``/…``, ``~/…``, ``C:\\…``) in its strings replaced by the file name.

    Dicts, lists and tuples are scrubbed recursively (tuples come back as lists); URLs are kept.

    Examples
    --------
    >>> scrub_paths({"snapshot": "/home/ana/.local/share/routes/snapshot/incidents.csv",
    ...              "command": "update /tmp/x/Missing_Migrants.csv", "url": "https://missingmigrants.iom.int/downloads"})
    {'snapshot': 'incidents.csv', 'command': 'update Missing_Migrants.csv', 'url': 'https://missingmigrants.iom.int/downloads'}
    """
    if isinstance(value, str):
        for pattern in (_WINDOWS, _HOME, _POSIX):
            value = pattern.sub(_name, value)
        return value
    if isinstance(value, os.PathLike):
        return Path(value).name
    if isinstance(value, Mapping):
        return {k: scrub_paths(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_paths(v) for v in value]
    return value
