"""The ``route-risk`` command line as a process starts it (the console script and ``python -m routes``).

It tunes Python's cyclic garbage collector for a short-lived process before the command line loads its libraries:

* paused while they import: geopandas, pandas, networkx, pyproj and shapely make about 500,000 objects that live as
  long as the process and hold no garbage, and the collector's passes over them took about 50 ms of the import
  (measured with ``gc.callbacks``);
* then those objects are frozen (:func:`gc.freeze`): later full collections skip them, where one took 30 to 50 ms in
  the middle of a ``rank``;
* and a young-generation pass runs every 100,000 allocations instead of 700: an estimate allocates a few hundred
  thousand short-lived objects, almost none of them in reference cycles.

None of this changes what a command computes. A program that imports :mod:`routes` (or :mod:`routes.cli`) keeps its
own collector settings: only this entry point changes them, for its own process.
"""

from __future__ import annotations

import gc
import sys

#: the collector's thresholds once the libraries are loaded: (young objects between passes, then Python's defaults)
THRESHOLDS = (100_000, 10, 10)


def main() -> int:
    """Start ``route-risk`` (:func:`routes.cli.main`) with the collector tuned as the module docstring says."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        from routes.cli import main as run
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    gc.set_threshold(*THRESHOLDS)
    return run()


if __name__ == "__main__":
    sys.exit(main())
