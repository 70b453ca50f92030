"""Where the shipped geodata lives: found with :mod:`importlib.resources`, never with ``../`` paths."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def geodata_file(name: str) -> Traversable:
    """Return the shipped geodata file ``name`` (``places.geojson``, ``legs.geojson``, ...)."""
    return resources.files("routes._geodata").joinpath(name)
