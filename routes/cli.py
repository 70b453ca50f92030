"""The command line ``route-risk``: rank paths, list legs and places, explain a leg, export, manage the data.

Results go to stdout and messages to stderr. Exit status: 0 on success, 2 on bad usage, 1 on a data error
(a one-line message naming the file, row or fix; ``--debug`` shows the traceback) and 130 on Ctrl-C.
``--snapshot PATH|shipped`` (or the environment variable ``ROUTES_SNAPSHOT``) chooses the incident snapshot.

Examples
--------
>>> main(["places", "necocli", "--format", "csv"])  # doctest: +NORMALIZE_WHITESPACE
id,name,country,kind,alt_names
necocli,Necoclí,COL,port,Necocli; San Sebastián de Urabá; Necocly; Necoclì; San Sebastian de Uraba
0
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import csv
import difflib
import io
import itertools
import json
import math
import os
import re
import shutil
import sys
import tempfile
import textwrap
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from routes import __version__
from routes.errors import DataError, NetworkError, NoPathError, RouteError, UnknownPlaceError

PROG = "route-risk"
WIDTH = 120
LEG_COLUMNS = ("leg", "direction", "from", "to", "mode", "corridor", "length_km", "duration_h", "cost_usd",
               "p_death", "p_death_lo", "p_death_hi", "deaths", "exposure", "incidents", "evidence")


# --------------------------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def _progress(message: str) -> Iterator[None]:
    """Show a spinner and ``message`` on stderr while the block runs, only on a terminal and after 0.5 s."""
    if not sys.stderr.isatty():
        yield
        return
    stop = threading.Event()

    def spin() -> None:
        if stop.wait(0.5):
            return
        for ch in itertools.cycle("|/-\\"):
            sys.stderr.write(f"\r{ch} {message}…")
            sys.stderr.flush()
            if stop.wait(0.1):
                break
        sys.stderr.write("\r" + " " * (len(message) + 3) + "\r")
        sys.stderr.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars as Python numbers, NaN as None, tuples as lists."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """Format ``rows`` as aligned text; ``columns`` are ``(key, header)``, a header ending in ``>`` aligns right."""
    heads = [h.rstrip(">") for _, h in columns]
    cells = [[str(r.get(k, "")) for k, _ in columns] for r in rows]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(heads)]
    right = [h.endswith(">") for _, h in columns]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right)).rstrip()

    return "\n".join([line(heads), *(line(c) for c in cells)])


def _write(text: str, out: str | None) -> None:
    """Print ``text`` to stdout, or write it to the file ``out`` (named on stderr)."""
    if out is None:
        print(text)
        return
    Path(out).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


def _records(rows: Sequence[dict[str, Any]], fmt: str, *, sep: str = " > ") -> str:
    """Rows as CSV (lists joined by ``sep``) or JSON records (lists as arrays)."""
    rows = [{k: _plain(v) for k, v in r.items()} for r in rows]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: sep.join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()} for r in rows)
    return buf.getvalue().rstrip("\n")


def _sig(x: float, digits: int = 3) -> str:
    """A number with ``digits`` significant figures, without exponent for the usual range."""
    if x is None or not math.isfinite(x):
        return "?"
    if 0 < abs(x) < 0.001:
        return "<0.001"
    if x == 0 or abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    return f"{x:.{max(digits - 1 - math.floor(math.log10(abs(x))), 0)}f}"


def _per_1000(d: dict[str, Any]) -> str:
    return f"{_sig(1000 * d['p_death'])} [{_sig(1000 * d['p_death_lo'], 2)}-{_sig(1000 * d['p_death_hi'], 2)}]"


def _hours(h: float) -> str:
    return "?" if h is None or not math.isfinite(h) else f"{h:.0f} h" if h < 48 else f"{h / 24:.1f} d"


def _network(args: argparse.Namespace, *, window: Sequence[int] | None = None) -> nx.MultiDiGraph:
    """The network with risk, from the snapshot asked by ``--snapshot`` (and only the years of ``window``)."""
    from routes.network import load_network

    with _progress("estimating risk"):
        if args.snapshot is None and window is None:
            return load_network()
        from routes.risk import estimate_risk
        from routes.snapshot import load_incidents

        return estimate_risk(load_network(risk=False), incidents=load_incidents(args.snapshot), window=window)


def _closures(G: nx.MultiDiGraph, items: Sequence[str]) -> list[str]:
    """Leg or place ids for what ``--close`` names (a leg id, a place id or a place name)."""
    from routes.network import find_place, iter_legs

    legs, out = set(iter_legs(G)), []
    for item in items:
        if item in legs or item in G:
            out.append(item)
            continue
        try:
            out.append(find_place(G, item))
        except UnknownPlaceError as err:
            close = difflib.get_close_matches(item, sorted(legs), n=3)
            hint = f"; or the leg {' or '.join(map(repr, close))}?" if close else ""
            raise UnknownPlaceError(f"--close: {err}{hint}") from None
    return out


# --------------------------------------------------------------------------------------------- commands
def _cmd_rank(args: argparse.Namespace) -> int:
    from routes.export import to_geojson
    from routes.scoring import Scenario, rank_paths

    G = _network(args, window=args.window)
    scenario = Scenario(closed=_closures(G, args.close or []), advisory=args.advisory)
    try:
        gdf = rank_paths(G, args.origin, args.destination, direction=args.direction, k=args.k, month=args.month,
                         scenario=scenario, seed=args.seed)
    except NoPathError as err:  # the library's advice, in command-line words
        raise NoPathError(re.sub(r"pass direction='(\w+)'", r"use --direction \1", str(err))) from None
    except ValueError as err:
        if isinstance(err, RouteError):
            raise
        raise RouteError(str(err)) from err  # e.g. the same place twice: a user's mistake, not a bug
    fmt = args.format or {".csv": "csv", ".json": "json", ".geojson": "geojson"}.get(
        Path(args.output).suffix.lower() if args.output else "", "table")
    if fmt == "geojson":
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(args.output) if args.output else Path(tmp) / "paths.geojson"
            to_geojson(gdf, target)
            if not args.output:
                print(target.read_text(encoding="utf-8"), end="")
        return 0
    if fmt != "table":
        _write(_records(gdf.drop(columns="geometry").to_dict("records"), fmt), args.output)
        return 0
    _write(_rank_table(G, gdf), args.output)
    return 0


def _rank_table(G: nx.MultiDiGraph, gdf: Any) -> str:
    """The ranked paths as readable text fitting :data:`WIDTH` columns."""
    a, name = gdf.attrs, (lambda n: str(G.nodes[n].get("name", n)))
    rule = "" if a["direction_rule"] == "given" else f", direction by {a['direction_rule']}"
    scen = a["scenario"]
    notes = [f"month {calendar.month_name[scen['month']]}" if scen["month"] else "",
             f"sea advisory x{scen['advisory']:g}" if scen["advisory"] else "",
             f"closed {', '.join(scen['closed'])}" if scen["closed"] else "",
             "incidents {}-{}".format(*G.graph["risk_settings"]["window"])
             if G.graph.get("risk_settings", {}).get("window") else ""]
    title = (f"{len(gdf)} safest {a['direction']}bound path(s) from {name(gdf['origin'].iloc[0])} to "
             f"{name(gdf['destination'].iloc[0])}{rule}" + "".join(f"; {n}" for n in notes if n))
    rows = []
    for r in gdf.itertuples():
        cost = f"${r.cost_usd:,.0f}" + ("+" if r.cost_unknown else "")
        rows.append({"rank": r.rank, "p": _per_1000(r._asdict()), "safest": f"{r.p_safest:.0%}",
                     "time": _hours(r.duration_h), "km": f"{r.length_km:,.0f}", "cost": cost, "sea": r.sea_legs,
                     "top": f"{r.top_leg} ({r.top_leg_share:.0%})", "n": r.n_legs})
    cols = [("rank", "#>"), ("p", "deaths/1,000 [90%]>"), ("safest", "P(safest)>"), ("time", "time>"),
            ("km", "km>"), ("cost", "cost>"), ("n", "legs>"), ("sea", "sea>"), ("top", "riskiest leg (share)")]
    lines = _table(rows, cols).split("\n")
    width = max(60, min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns))
    out = [title, "", lines[0]]
    for line, r in zip(lines[1:], gdf.itertuples()):
        via = "\u00a0> ".join(name(n).replace(" ", "\u00a0") for n in r.nodes)  # break lines between places only
        out += [line, *(s.replace("\u00a0", " ") for s in textwrap.wrap(
            via, width, initial_indent="    via ", subsequent_indent="        ", break_on_hyphens=False)), ""]
    out.append("deaths/1,000: probability of death on the way x 1,000, with its 90% interval; P(safest): share of "
               "draws in which\nthe path is the safest; cost+: some legs' cost unknown. More: route-risk explain LEG; "
               "--format csv|json|geojson")
    return "\n".join(out)


def _cmd_legs(args: argparse.Namespace) -> int:
    rows = [{"leg": k, "from": u, "to": v, **{c: d.get(c) for c in LEG_COLUMNS[1:] if c not in ("from", "to")}}
            for u, v, k, d in _network(args).edges(keys=True, data=True)]
    if args.corridor:
        corridors = sorted({r["corridor"] for r in rows})
        if args.corridor not in corridors:
            close = difflib.get_close_matches(args.corridor, corridors, n=3)
            hint = f"did you mean {' or '.join(map(repr, close))}?" if close else f"choose from {', '.join(corridors)}"
            raise RouteError(f"unknown corridor {args.corridor!r}; {hint}")
        rows = [r for r in rows if r["corridor"] == args.corridor]
    rows = [r for r in rows if args.direction in (None, r["direction"])]
    order: dict[str, Callable[[dict[str, Any]], Any]] = {
        "risk": lambda r: (-r["p_death"], r["leg"]), "name": lambda r: (r["leg"], r["direction"]),
        "length": lambda r: (-r["length_km"], r["leg"])}
    rows.sort(key=order[args.sort])
    if args.format != "table":
        print(_records(rows, args.format))
        return 0
    shown = [{**r, "p": _per_1000(r), "deaths": f"{r['deaths']:.1f}", "exposure": f"{r['exposure']:,.0f}",
              "km": f"{r['length_km']:,.0f}"} for r in rows]
    print(_table(shown, [("leg", "leg"), ("direction", "dir"), ("mode", "mode"), ("p", "deaths/1,000 [90%]>"),
                         ("deaths", "deaths>"), ("exposure", "exposure>"), ("evidence", "evidence"),
                         ("km", "km>")]))
    return 0


def _cmd_places(args: argparse.Namespace) -> int:
    from routes.network import load_network, normalise_name, search_places

    G = load_network(risk=False)
    ids = search_places(G, args.query or "", limit=0 if not args.query else 25)
    key = normalise_name(args.query or "")
    names = {n: [str(n), str(d.get("name", "")), *map(str, d.get("alt_names") or [])] for n, d in G.nodes(data=True)}
    if key and not any(key in normalise_name(s) for n in ids for s in names[n]):
        if not ids:
            raise UnknownPlaceError(f"no place matches {args.query!r}; list them all with `route-risk places`")
        print(f"no place matches {args.query!r}; did you mean:", file=sys.stderr)
    rows = [{"id": n, "name": G.nodes[n].get("name", n), "country": G.nodes[n].get("country"),
             "kind": G.nodes[n].get("kind"), "alt_names": list(G.nodes[n].get("alt_names") or [])} for n in ids]
    if args.format != "table":
        print(_records(rows, args.format, sep="; "))
        return 0
    cols = [("id", "id"), ("name", "name"), ("country", "country"), ("kind", "kind")]
    room = WIDTH - 2 - max(len(line) for line in _table(rows, cols).split("\n"))
    shown = [{**r, "alt_names": textwrap.shorten(", ".join(r["alt_names"]) or "-", max(room, 20), placeholder=" …")}
             for r in rows]
    print(_table(shown, [*cols, ("alt_names", "also known as")]))
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from routes.risk import explain_leg

    print(explain_leg(_network(args), args.leg))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from routes.export import to_geojson, to_geopackage

    G = _network(args)
    with _progress(f"writing {args.file}"):
        if Path(args.file).suffix.lower() == ".gpkg":
            written = [to_geopackage(G, args.file, incidents=G.graph["risk"].incidents)]
        else:
            written = to_geojson(G, args.file)
    for path in written:
        print(path)
    return 0


def _cmd_data_update(args: argparse.Namespace) -> int:
    from routes.snapshot import update_snapshot, user_data_dir

    path = Path(args.export)
    if not path.is_file():
        raise DataError(f"cannot read the IOM export {str(path)!r}: {'not a file' if path.exists() else 'no such file'}"
                        "; check the path (exports: https://missingmigrants.iom.int/downloads)")
    with _progress(f"reading {path.name}"):
        diff = update_snapshot(path, data_dir=args.data_dir)
    print(diff)
    folder = Path(diff.snapshot).parent if diff.snapshot else None
    if args.data_dir is None or Path(args.data_dir).expanduser() == user_data_dir():
        print(f"route-risk uses {folder} from now on; --snapshot shipped uses the shipped one", file=sys.stderr)
    else:
        print(f"use it with --snapshot {folder} (or ROUTES_SNAPSHOT={folder})", file=sys.stderr)
    return 0


def _cmd_data_status(args: argparse.Namespace) -> int:
    from routes.snapshot import load_incidents, resolve_snapshot, user_data_dir

    shipped = resolve_snapshot("shipped").resolve()
    user = user_data_dir() / "snapshot" / "incidents.csv"
    how = ("--snapshot" if args.snapshot is not None else "ROUTES_SNAPSHOT" if os.environ.get("ROUTES_SNAPSHOT")
           else "the user's data folder" if user.is_file() else "default")
    for label, which in (("active", args.snapshot), ("shipped", "shipped")):
        t = load_incidents(which)
        path, meta = Path(t.attrs["snapshot"]), t.attrs.get("meta", {})
        kind = "shipped" if path.resolve() == shipped else "user"
        dates = t["date"].dropna()
        span = f"{dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else "no dates"
        print(f"{label} snapshot: {kind}" + (f" (chosen by {how})" if label == "active" else " (the fallback)"))
        print(f"  path:      {path}\n  incidents: {len(t)}, {span}\n  built:     {meta.get('built', '?')}")
        print(f"  sources:   {', '.join(s.get('file', '?') for s in meta.get('sources', [])) or '?'}")
        if kind == "shipped" and label == "active":
            break
    print(f"user data folder: {user_data_dir()}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from routes.exposure import load_exposure_table
    from routes.flows import load_flows
    from routes.network import load_network, validate_network
    from routes.risk import estimate_risk
    from routes.snapshot import load_incidents

    state: dict[str, Any] = {}

    def network() -> str:
        G = state["G"] = load_network(risk=False, validate=False)
        problems = validate_network(G, raise_errors=False)
        if problems:
            raise NetworkError(f"{len(problems)} problem(s) in geodata/places.geojson and legs.geojson", problems)
        return f"{G.number_of_nodes()} places, {G.number_of_edges()} directed edges"

    def flows() -> str:
        t = load_flows()
        return f"{len(t)} rows, {t['series'].nunique()} series"

    def exposure() -> str:
        return f"{len(load_exposure_table())} rows"

    def snapshot() -> str:
        t = state["incidents"] = load_incidents(args.snapshot)
        return f"{len(t)} incidents in {t.attrs['snapshot']}"

    def risk() -> str:
        if "G" not in state or "incidents" not in state:
            raise RouteError("skipped: the network or the snapshot did not load")
        H = estimate_risk(state["G"], incidents=state["incidents"])
        bad = [f"{u}->{v} {k}: p_death={d.get('p_death')!r}" for u, v, k, d in H.edges(keys=True, data=True)
               if not all(isinstance(d.get(c), float) and 0 <= d[c] <= 1 for c in ("p_death_lo", "p_death", "p_death_hi"))
               or not d["p_death_lo"] <= d["p_death"] <= d["p_death_hi"]]
        if bad:
            raise DataError(f"{len(bad)} edge(s) without a finite p_death in [0, 1] inside its interval", bad)
        return f"{H.number_of_edges()} directed edges, p_death in [0, 1] inside its 90% interval"

    checks = [("network (places and legs)", network), ("flows table", flows), ("exposure table", exposure),
              ("incident snapshot", snapshot), ("risk on every directed edge", risk)]
    failed = 0
    for label, check in checks:
        try:
            with _progress(f"checking {label}"):
                detail = check()
            print(f"OK    {label}: {detail}")
        except Exception as err:  # noqa: BLE001 - a failing check is reported, whatever it raised
            failed += 1
            print(f"FAIL  {label}: {err}")
            if args.debug:
                traceback.print_exc()
    print(f"{len(checks) - failed} of {len(checks)} checks passed", file=sys.stderr)
    return 1 if failed else 0


# --------------------------------------------------------------------------------------------- the parser
def _month(text: str) -> int:
    """1-12 or a month name (``oct``, ``October``)."""
    names = {m.lower(): i for i in range(1, 13) for m in (calendar.month_name[i], calendar.month_abbr[i])}
    if text.strip().isdigit() and 1 <= int(text) <= 12:
        return int(text)
    if text.strip().lower() in names:
        return names[text.strip().lower()]
    raise argparse.ArgumentTypeError(f"expected a month 1-12 or a name like 'oct', got {text!r}")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return int(text)


def _export_file(text: str) -> str:
    if Path(text).suffix.lower() not in (".geojson", ".json", ".geojsons", ".gpkg"):
        raise argparse.ArgumentTypeError(f"expected a .geojson or .gpkg file, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The ``route-risk`` argument parser (every subcommand has ``--help`` with an example)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--snapshot", metavar="PATH|shipped", default=argparse.SUPPRESS,
                        help="incident snapshot to use (default: $ROUTES_SNAPSHOT, else yours, else the shipped one)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser = argparse.ArgumentParser(prog=PROG, description="Route-risk model for migrant routes between Colombia "
                                     "and Mexico.", epilog="example: route-risk rank Necoclí Tapachula")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--snapshot", metavar="PATH|shipped", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str, example: str, func: Callable[[argparse.Namespace], int],
            into: Any = sub) -> argparse.ArgumentParser:
        p = into.add_parser(name, parents=[common], help=help_, description=help_ + ".",
                            epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    fmt = ("table", "csv", "json")
    p = add("rank", "rank the safest paths between two places", "route-risk rank Necoclí Tapachula -k 3 "
            "--month oct --close la-miel", _cmd_rank)
    p.add_argument("origin", help="place name or id (accents optional), or an ISO3 country code")
    p.add_argument("destination", help="place name or id, or an ISO3 country code")
    p.add_argument("--direction", choices=("north", "south"), help="direction of travel (default: inferred)")
    p.add_argument("-k", type=_positive, default=5, help="number of paths (default 5)")
    p.add_argument("--month", type=_month, help="apply the seasonal factor of this month (1-12 or a name)")
    p.add_argument("--close", nargs="+", action="extend", metavar="LEG_OR_PLACE", help="legs or places closed")
    p.add_argument("--advisory", type=float, metavar="X", help="multiply the hazard of every sea leg by X")
    p.add_argument("--window", nargs=2, type=int, metavar=("FIRST", "LAST"), help="use incidents of these years")
    p.add_argument("--format", choices=(*fmt, "geojson"), help="output format (default: from -o, else table)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--seed", type=int, default=0, help="seed of the uncertainty draws (default 0)")
    p = add("legs", "every directed leg with its risk and evidence", "route-risk legs --direction north "
            "--sort risk --corridor uraba", _cmd_legs)
    p.add_argument("--direction", choices=("north", "south"))
    p.add_argument("--sort", choices=("risk", "name", "length"), default="risk", help="default: risk, highest first")
    p.add_argument("--corridor", metavar="C", help="only this corridor (e.g. uraba, darien-acandi)")
    p.add_argument("--format", choices=fmt, default="table")
    p = add("places", "find places by name, accents optional", "route-risk places necocli", _cmd_places)
    p.add_argument("query", nargs="?", help="part of a name (default: every place)")
    p.add_argument("--format", choices=fmt, default="table")
    p = add("explain", "the incidents and flows behind one leg's risk", "route-risk explain "
            "necocli-capurgana-boat", _cmd_explain)
    p.add_argument("leg", help="a leg id (see route-risk legs)")
    p = add("export", "write the whole network with risk as GeoJSON or GeoPackage", "route-risk export "
            "routes.gpkg", _cmd_export)
    p.add_argument("file", type=_export_file, metavar="FILE.geojson|FILE.gpkg")
    data = add("data", "manage the incident snapshot", "route-risk data status", _cmd_data_status)
    dsub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    p = add("update", "build a refreshed snapshot from a newer IOM export, in your data folder",
            "route-risk data update Missing_Migrants_Global_Figures_allData.csv", _cmd_data_update, dsub)
    p.add_argument("export", metavar="IOM_EXPORT.csv|.xlsx")
    p.add_argument("--data-dir", metavar="DIR", help="data folder (default: $ROUTES_DATA_DIR or ~/.local/share/routes)")
    add("status", "which snapshot is active, with its path, rows and dates", "route-risk data status",
        _cmd_data_status, dsub)
    add("validate", "run the network and data checks (exit 1 when one fails)", "route-risk validate", _cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``route-risk`` with ``argv`` (default: the process arguments) and return the exit status."""
    for stream in (sys.stdout, sys.stderr):  # place names stay printable on a non-UTF-8 terminal
        if isinstance(stream, io.TextIOWrapper) and "utf" not in (stream.encoding or "").lower():
            stream.reconfigure(errors="replace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "window", None) and args.window[0] > args.window[1]:
            parser.error(f"--window FIRST LAST must run forward, got {args.window[0]} {args.window[1]}")
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 2
    if args.snapshot not in (None, "shipped") and (Path(args.snapshot) / "snapshot" / "incidents.csv").is_file():
        args.snapshot = str(Path(args.snapshot) / "snapshot")  # a data folder given for its snapshot
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (RouteError, OSError) as err:
        if args.debug:
            traceback.print_exc()
        if isinstance(err, BrokenPipeError):  # e.g. `route-risk legs | head`
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        if isinstance(err, OSError) and not isinstance(err, RouteError):
            message = f"cannot read or write {err.filename!r}: {err.strerror}; check the path and its permissions"
        else:
            message = str(err)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
