"""Rebuild ``geodata/legs_risk.qml``: the QGIS style of the legs, its risk classes fitted to the shipped network.

``python -m tools.style`` estimates the risk of the shipped network from the shipped incident snapshot and writes the
style :func:`routes.report.export.legs_style` makes for it; ``python -m tools.style --check`` exits 1 when the file is
out of date. Exports fit their own classes to the legs they write; this file is the style of the shipped network, for
a user who styles an export by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

STYLE = Path(__file__).resolve().parents[1] / "geodata" / "legs_risk.qml"


def shipped_style() -> str:
    """The legs style fitted to the shipped network and snapshot."""
    from routes.load import load_network
    from routes.report.export import legs_style

    return legs_style(load_network(snapshot="shipped"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.style", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if geodata/legs_risk.qml is out of date")
    args = parser.parse_args(argv)
    text = shipped_style()
    if args.check:
        same = STYLE.is_file() and STYLE.read_text(encoding="utf-8") == text
        print(f"{STYLE.name}: {'up to date' if same else 'out of date: run python -m tools.style'}")
        return 0 if same else 1
    STYLE.write_text(text, encoding="utf-8")
    print(f"wrote {STYLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
