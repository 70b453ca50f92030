"""The command line ``route-risk``: rank paths, list legs and places, explain a leg, export, manage the data.

Results go to stdout and messages to stderr. Exit status: 0 on success, 2 on bad usage, 1 on a data error
(a one-line message naming the file, row or fix; ``--debug`` shows the traceback) and 130 on Ctrl-C.
``--snapshot PATH|shipped`` (or the environment variable ``ROUTES_SNAPSHOT``) chooses the incident snapshot. The
risk estimate is kept between runs in the user's cache folder (:mod:`routes.model.cache`); ``--no-cache`` (or
``ROUTES_NO_CACHE=1``) estimates afresh, ``route-risk cache info|clear`` shows or empties the folder.

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
import io
import itertools
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from routes import __version__
from routes.errors import DataError, NetworkError, NoPathError, RouteError, UnknownPlaceError
from routes.report import tables
from routes.vocabulary import did_you_mean, suggest

PROG = "route-risk"
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


def _network(args: argparse.Namespace, *, window: Sequence[int] | None = None) -> nx.MultiDiGraph:
    """The network with risk, from the snapshot asked by ``--snapshot`` (and only the years of ``window``).

    The estimate comes from the user's cache folder when its inputs have not changed (``--no-cache`` or
    ``ROUTES_NO_CACHE=1``: estimated afresh and not kept).
    """
    from routes.load import load_network

    with _progress("estimating risk"):
        return load_network(snapshot=args.snapshot, window=window, cache=False if args.no_cache else None)


def _where(G: nx.MultiDiGraph, text: str, role: str) -> tuple[str, str, bool]:
    """``(query for the scorer, resolved place id or ISO3 code, is a region)`` for what the user typed."""
    from routes.network.places import find_place, normalise_name

    code = None if text in G else tables.country_code(text)
    exact = [n for n, d in G.nodes(data=True) if normalise_name(d.get("name", "")) == normalise_name(text)]
    if code and not exact:
        if code not in {d.get("country") for _, d in G.nodes(data=True)}:
            raise UnknownPlaceError(f"{role} {text!r}: no place in {tables.country_name(code)} ({code}) is on the "
                                    f"network; {tables.COVERAGE}")
        return code, code, True
    try:
        return text, find_place(G, text), False
    except UnknownPlaceError as err:
        if "ambiguous" not in str(err) and tables.far_from_places(G, text):
            raise UnknownPlaceError(f"{role} {text!r} is not on the network: {tables.COVERAGE}; list the places with "
                                    "`route-risk places`, or give a country code (COL, PAN, ..., MEX)") from None
        raise UnknownPlaceError(f"{role}: {err}") from None


def _closures(G: nx.MultiDiGraph, values: Sequence[str]) -> list[str]:
    """Leg or place ids for what ``--close`` names (leg ids, place ids or names; comma-separated or repeated)."""
    if not values:
        return []
    from routes.network.graph import find_place, iter_legs

    legs, out = set(iter_legs(G)), []
    for item in (s.strip() for v in values for s in v.split(",") if s.strip()):
        if item in legs or item in G:
            out.append(item)
            continue
        try:
            out.append(find_place(G, item))
        except UnknownPlaceError as err:
            close = suggest(item, sorted(legs))
            hint = f"; or the leg {' or '.join(map(repr, close))}?" if close else ""
            raise UnknownPlaceError(f"--close: {err}{hint}") from None
    return out


def _query(G: nx.MultiDiGraph, args: argparse.Namespace) -> tuple[tuple[str, str, bool], tuple[str, str, bool]]:
    return _where(G, args.origin, "origin"), _where(G, args.destination, "destination")


def _date(text: str) -> str:
    """An ISO date for ``--date``."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-06-01") from None


def _scored(G: nx.MultiDiGraph, args: argparse.Namespace, ends: Any, run: Callable[..., Any]) -> Any:
    """Run the scorer ``run`` on the query; record what was typed and resolved in ``attrs``."""
    from routes.query.scoring import Scenario

    (oq, oid, oreg), (dq, did, dreg) = ends
    scenario = Scenario(closed=_closures(G, args.close or []), advisory=args.advisory, date=args.date)
    try:
        gdf = run(G, oq, dq, direction=args.direction, k=args.k, month=args.month, scenario=scenario,
                  seed=args.seed, span=args.span)
    except NoPathError as err:  # the library's advice, in command-line words
        raise NoPathError(re.sub(r"pass direction='(\w+)'", r"use --direction \1", str(err))) from None
    except ValueError as err:
        if isinstance(err, RouteError):
            raise
        raise RouteError(str(err)) from err  # e.g. the same place twice: a user's mistake, not a bug
    used = _estimate_incidents(G)
    gdf.attrs.update(origin=args.origin, destination=args.destination, origin_id=oid, destination_id=did,
                     origin_kind="country" if oreg else "place", destination_kind="country" if dreg else "place",
                     incident_snapshot=getattr(used, "attrs", {}).get("snapshot"))
    return gdf


def _estimate_incidents(G: nx.MultiDiGraph) -> Any:
    """The incidents the graph's risk estimate attributed, or ``None``."""
    from routes.model.estimate import estimate_of

    estimate = estimate_of(G)
    return None if estimate is None else estimate.incidents


# --------------------------------------------------------------------------------------------- commands
def _cmd_rank(args: argparse.Namespace) -> int:
    from routes.query.scoring import rank_paths

    G = _network(args, window=args.window)
    ends = _query(G, args)
    gdf = _scored(G, args, ends, rank_paths)
    where, notes = tables.ends_text(G, args, ends, gdf.attrs["direction"])
    n = len(gdf)
    title = f"{n} safest {gdf.attrs['direction']}bound path{'s' * (n != 1)} {where}"
    extra = [*notes, *tables.snapshot_note(G)]
    return tables.write_paths(G, gdf, args, lambda: tables.rank_table(G, gdf, title, extra))


def _cmd_compare(args: argparse.Namespace) -> int:
    from routes.query.scoring import direction_summary

    G = _network(args, window=args.window)
    ends = _query(G, args)
    gdf = _scored(G, args, ends, direction_summary)
    groups = {g["group"]: g for g in gdf.attrs["groups"]}
    best = gdf[gdf["group_rank"] == 1].copy()
    best["group_paths"] = [groups[g]["paths"] for g in best["group"]]
    best["group_p_safest"] = [groups[g]["p_safest"] for g in best["group"]]
    best.attrs = dict(gdf.attrs)
    where, notes = tables.ends_text(G, args, ends, args.direction)
    title = (f"{args.direction.capitalize()}bound paths {where}: the safest path of each corridor "
             f"({len(gdf)} paths ranked together)")
    (_, oid, oreg), (_, did, dreg) = ends
    hint = ""
    if not (oreg and dreg):
        oc, dc = (c if r else G.nodes[c].get("country") for c, r in ((oid, oreg), (did, dreg)))
        if oc and dc and oc != dc:
            hint = (f"only corridors that reach {'the destination' if not dreg else dc} are listed; to compare every "
                    f"corridor between the countries: route-risk compare {oc} {dc} --direction {args.direction}")
    extra = [*notes, *tables.snapshot_note(G)]
    return tables.write_paths(G, best, args, lambda: tables.compare_table(G, best, title, extra, hint))


def _cmd_legs(args: argparse.Namespace) -> int:
    G = _network(args)
    rows = [{"leg": k, "from": u, "to": v, **{c: d.get(c) for c in LEG_COLUMNS[1:] if c not in ("from", "to")}}
            for u, v, k, d in G.edges(keys=True, data=True)]
    if args.corridor:
        corridors = sorted({r["corridor"] for r in rows})
        if args.corridor not in corridors:
            hint = did_you_mean(args.corridor, corridors) or f"choose from {', '.join(corridors)}"
            raise RouteError(f"unknown corridor {args.corridor!r}; {hint}")
        rows = [r for r in rows if r["corridor"] == args.corridor]
    rows = [r for r in rows if args.direction in (None, r["direction"])]
    order: dict[str, Callable[[dict[str, Any]], Any]] = {
        "risk": lambda r: (-r["p_death"], r["leg"]), "name": lambda r: (r["leg"], r["direction"]),
        "length": lambda r: (-r["length_km"], r["leg"])}
    rows.sort(key=order[args.sort])
    table = tables.legs_table(rows, tables.snapshot_note(G)) if args.format == "table" else None
    print(table or tables.records(rows, args.format))
    return 0


def _cmd_places(args: argparse.Namespace) -> int:
    from routes.load import load_network
    from routes.network.places import normalise_name, search_places

    G = load_network(risk=False)
    code = tables.country_code(args.query or "")
    if code:
        ids = sorted(n for n, d in G.nodes(data=True) if d.get("country") == code)
        also = [n for n in search_places(G, args.query, limit=5)
                if normalise_name(args.query) in map(normalise_name, G.nodes[n].get("alt_names") or [])]
        if not ids:
            raise UnknownPlaceError(f"{args.query!r} is a country ({code}) with no place on the network; "
                                    f"{tables.COVERAGE}")
        alias = f"; the place {tables.place_name(G, also[0])!r} is also called {args.query!r}" if also else ""
        example = f"route-risk rank {code} {'MEX' if code != 'MEX' else 'COL'}"
        print(f"{args.query!r} is a country: use its code {code} (or its name) as a region in rank/compare, e.g. "
              f"{example}{alias}. Its places on the network:", file=sys.stderr)
    else:
        ids = search_places(G, args.query or "", limit=0 if not args.query else 25)
        key = normalise_name(args.query or "")
        names = {n: [str(n), str(d.get("name", "")), *map(str, d.get("alt_names") or [])]
                 for n, d in G.nodes(data=True)}
        if key and not any(key in normalise_name(s) for n in ids for s in names[n]):
            ids = [n for n in ids if suggest(key, names[n], n=1)]
            if not ids:
                raise UnknownPlaceError(f"no place matches {args.query!r}: it is not on the network; {tables.COVERAGE}"
                                        "; list them all with `route-risk places`")
            print(f"no place matches {args.query!r}; did you mean:", file=sys.stderr)
    rows = [{"id": n, "name": G.nodes[n].get("name", n), "country": G.nodes[n].get("country"),
             "kind": G.nodes[n].get("kind"), "alt_names": list(G.nodes[n].get("alt_names") or [])} for n in ids]
    if args.format != "table":
        print(tables.records(rows, args.format, sep="; "))
        return 0
    print(tables.places_table(rows))
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from routes.report.explain import explain_leg

    G = _network(args)
    print("\n".join([*tables.snapshot_note(G), str(explain_leg(G, args.leg))]))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from routes.report.export import to_geojson, to_geopackage

    G = _network(args)
    with _progress(f"writing {args.file}"):
        if Path(args.file).suffix.lower() == ".gpkg":
            written = [to_geopackage(G, args.file, incidents=_estimate_incidents(G))]
        else:
            written = to_geojson(G, args.file)
    for path in written:
        print(path)
    return 0


def _cmd_data_update(args: argparse.Namespace) -> int:
    from routes.io.snapshot import update_snapshot, user_data_dir

    path = Path(args.export)
    if not path.is_file():
        raise DataError(f"cannot read the IOM export {str(path)!r}: {'not a file' if path.exists() else 'no such file'}"
                        "; check the path (exports: https://missingmigrants.iom.int/downloads)")
    try:
        with _progress(f"reading {path.name}"):
            diff = update_snapshot(path, data_dir=args.data_dir, on_invalid="skip" if args.skip_invalid else "raise")
    except DataError as err:  # the reader speaks Python; say it in options
        raise DataError(str(err).replace("on_invalid='skip'", "--skip-invalid").replace('on_invalid="skip"',
                                                                                      "--skip-invalid")) from None
    print(diff)
    folder = Path(diff.snapshot).parent if diff.snapshot else None
    if args.data_dir is None or Path(args.data_dir).expanduser() == user_data_dir():
        print(f"route-risk uses {folder} from now on; --snapshot shipped uses the shipped one", file=sys.stderr)
    else:
        print(f"use it with --snapshot {folder} (or ROUTES_SNAPSHOT={folder})", file=sys.stderr)
    return 0


def _cmd_data_status(args: argparse.Namespace) -> int:
    from routes.io.snapshot import load_incidents, resolve_snapshot, user_data_dir

    if getattr(args, "data_dir", None):
        os.environ["ROUTES_DATA_DIR"] = str(Path(args.data_dir).expanduser())

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
    from routes.io.flows import load_flows
    from routes.io.snapshot import load_incidents
    from routes.load import load_network
    from routes.model.exposure import load_exposure_table
    from routes.model.risk import estimate_risk
    from routes.network.graph import validate_network

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


def _cmd_cache_info(args: argparse.Namespace) -> int:
    from routes.model.cache import cache_info

    print(cache_info())
    return 0


def _cmd_cache_clear(args: argparse.Namespace) -> int:
    from routes.model.cache import cache_dir, clear_cache

    removed = clear_cache()
    print(f"removed {len(removed)} cached estimate file(s) from {cache_dir()}")
    return 0


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
    estimating = argparse.ArgumentParser(add_help=False)
    estimating.add_argument("--no-cache", action="store_true", help="estimate the risk afresh, without reading or "
                            "keeping it in the cache folder (also: ROUTES_NO_CACHE=1; see `route-risk cache info`)")
    parser = argparse.ArgumentParser(prog=PROG, description="Route-risk model for migrant routes between Colombia "
                                     "and Mexico.", epilog="examples:\n  route-risk rank Necoclí Tapachula\n"
                                     "  route-risk compare PAN COL --direction south",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--snapshot", metavar="PATH|shipped", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str, example: str, func: Callable[[argparse.Namespace], int],
            into: Any = sub, *, estimates: bool = False) -> argparse.ArgumentParser:
        parents = [common, estimating] if estimates else [common]
        p = into.add_parser(name, parents=parents, help=help_, description=help_ + ".",
                            epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func, parser=p)
        return p

    fmt = ("table", "csv", "json")
    where = ("place name or id (accents optional), or a country as a region: its ISO3 code (COL, PAN, ..., MEX) "
             "or name (Colombia, Panamá, México)")

    def query(p: argparse.ArgumentParser, k: int) -> None:
        p.add_argument("origin", help=f"where the paths start: {where}")
        p.add_argument("destination", help="where they end, likewise; a region means the first town or port reached there")
        p.add_argument("-k", type=_positive, default=k, help=f"number of paths ranked (default {k})")
        p.add_argument("--month", type=_month, help="apply the seasonal factor of this month (1-12 or a name)")
        p.add_argument("--close", action="append", metavar="LEG_OR_PLACE[,...]",
                       help="close a leg or place (id or name); repeat the option or separate with commas")
        p.add_argument("--advisory", type=float, metavar="X", help="multiply the hazard of every sea leg by X")
        p.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                       help="use only legs in use on this date (stations open, routes travelled then)")
        p.add_argument("--span", choices=("journey", "crossing"), default="journey",
                       help="from an origin country: 'journey' (default) starts where travel enters the country or "
                       "begins, comparing whole traversals of it; 'crossing' starts at its last place, comparing "
                       "only the border crossings")
        p.add_argument("--window", nargs=2, type=int, metavar=("FIRST", "LAST"), help="use incidents of these years")
        p.add_argument("--format", choices=(*fmt, "geojson"), help="output format (default: from -o's suffix, "
                       "else table)")
        p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout; the suffix sets the "
                       "format: .txt .csv .json .geojson .geojsons .gpkg (GeoPackage: paths, legs and places)")
        p.add_argument("--seed", type=int, default=0, help="seed of the uncertainty draws (default 0)")

    p = add("rank", "rank the safest paths between two places or countries",
            "route-risk rank Necoclí Tapachula -k 3 --month oct --close la-miel\n"
            "  route-risk rank COL PAN --span crossing --close la-miel,capurgana-carreto-boat -o paths.gpkg", _cmd_rank,
            estimates=True)
    query(p, 5)
    p.add_argument("--direction", choices=("north", "south"), help="direction of travel (default: inferred from "
                   "the places' positions along the corridor)")
    p = add("compare", "compare the corridors one way between two places or countries: the safest path of each",
            'route-risk compare "Panama City" Necoclí --direction south\n'
            "  route-risk compare PAN COL --direction south   # Guna Yala boats, the Darién on foot, the Pacific",
            _cmd_compare, estimates=True)
    query(p, 1)
    p.add_argument("--direction", choices=("north", "south"), required=True, help="direction of travel (required)")
    p = add("legs", "every directed leg with its risk and evidence", "route-risk legs --direction north "
            "--sort risk --corridor uraba", _cmd_legs, estimates=True)
    p.add_argument("--direction", choices=("north", "south"), help="only the edges travelled this way: north "
                   "(towards Mexico) or south (back towards Colombia); default: both")
    p.add_argument("--sort", choices=("risk", "name", "length"), default="risk",
                   help="order: risk (highest first, the default), name (leg id) or length (longest first)")
    p.add_argument("--corridor", metavar="C", help="only this corridor (e.g. uraba, darien-acandi)")
    p.add_argument("--format", choices=fmt, default="table", help="table (default, with notes), csv or json "
                   "(every column, for spreadsheets and scripts)")
    p = add("places", "find places by name, accents optional", "route-risk places necocli", _cmd_places)
    p.add_argument("query", nargs="?", help="part of a name, or a country (default: every place)")
    p.add_argument("--format", choices=fmt, default="table", help="table (default), csv or json")
    p = add("explain", "the incidents and flows behind one leg's risk", "route-risk explain "
            "necocli-capurgana-boat", _cmd_explain, estimates=True)
    p.add_argument("leg", help="a leg id (see route-risk legs)")
    p = add("export", "write the whole network with risk as GeoJSON or GeoPackage", "route-risk export "
            "routes.gpkg", _cmd_export, estimates=True)
    p.add_argument("file", type=_export_file, metavar="FILE.geojson|FILE.gpkg")
    data = add("data", "manage the incident snapshot", "route-risk data status", _cmd_data_status)
    dsub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    p = add("update", "build a refreshed snapshot from a newer IOM export, in your data folder",
            "route-risk data update Missing_Migrants_Global_Figures_allData.csv", _cmd_data_update, dsub)
    p.add_argument("export", metavar="IOM_EXPORT.csv|.xlsx")
    p.add_argument("--data-dir", metavar="DIR", help="data folder (default: $ROUTES_DATA_DIR or ~/.local/share/routes)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="keep the valid rows of an export with unreadable ones, and list the rows skipped and why")
    p = add("status", "which snapshot is active, with its path, rows and dates", "route-risk data status",
            _cmd_data_status, dsub)
    p.add_argument("--data-dir", metavar="DIR", help="data folder (default: $ROUTES_DATA_DIR or ~/.local/share/routes)")
    add("validate", "run the network and data checks (exit 1 when one fails)", "route-risk validate", _cmd_validate)
    cache = add("cache", "the risk estimates kept between runs (in your cache folder; ROUTES_CACHE_DIR moves it)",
                "route-risk cache info", _cmd_cache_info)
    csub = cache.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    add("info", "where the cached estimates are, how many and how big", "route-risk cache info", _cmd_cache_info, csub)
    add("clear", "remove every cached estimate (the next command estimates afresh)", "route-risk cache clear",
        _cmd_cache_clear, csub)
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
            args.parser.error(f"--window FIRST LAST must run forward, got {args.window[0]} {args.window[1]}")
        problem = tables.output_format(args) if hasattr(args, "output") else None
        if problem:
            args.parser.error(problem)
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
