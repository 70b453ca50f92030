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
import math
import os
import re
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, cast

import networkx as nx

from routes import __version__
from routes.errors import (
    AmbiguousNameWarning,
    ArgumentError,
    DataError,
    NetworkError,
    NoPathError,
    RouteError,
    UnknownPlaceError,
)
from routes.report import tables
from routes.report.tables import PRIOR_DOMINATED
from routes.vocabulary import COVERAGE_BOX, country_code, country_name, suggest

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
    """The network with risk, from the snapshot asked by ``--snapshot`` (only the years of ``window``, only what was
    known before ``--as-of``).

    The estimate comes from the user's cache folder when its inputs have not changed (``--no-cache`` or
    ``ROUTES_NO_CACHE=1``: estimated afresh and not kept); an estimate as of a date or with the user's own flow or
    share tables is made afresh.
    """
    from routes.load import load_network

    as_of = getattr(args, "as_of", None)
    model, quote = getattr(args, "model", "v2"), getattr(args, "quote", "record")
    flows, shares, note = _user_tables(args)
    with _progress("estimating risk"):
        if as_of is None and flows is None and shares is None and model == "v2" and quote == "record":
            return load_network(snapshot=args.snapshot, window=window,
                                cache=False if getattr(args, "no_cache", False) else None)
        from routes.io.snapshot import load_incidents
        from routes.model.risk import estimate_risk

        G = estimate_risk(load_network(risk=False), incidents=load_incidents(args.snapshot), flows=flows,
                          exposure=shares, window=window, as_of=as_of, model="v1" if model == "v1" else "v2",
                          quote="now" if quote == "now" else "record")
    if note:
        G.graph["user_tables"] = note
    return G


def _user_tables(args: argparse.Namespace) -> tuple[Any, Any, str]:
    """The flows and exposure table to use (``None``: the shipped ones) and a header note naming the user's files:
    ``--flows``/``--shares``, else the ones stored by ``route-risk data flows|shares``."""
    from routes.io.snapshot import user_data_dir

    given = {"flows": getattr(args, "flows", None), "shares": getattr(args, "shares", None)}
    stored = {k: user_data_dir() / "tables" / f"{k}.csv" for k in given}  # as routes.model.usertables.stored_file
    used = {k: Path(v) if v else stored[k] for k, v in given.items()}
    used = {k: v for k, v in used.items() if given[k] or v.is_file()}
    if not used:  # nothing of the user's: no need to load the tables' code (a cached answer imports only what it needs)
        return None, None, ""
    from routes.model.usertables import active_flows, active_shares
    flows = active_flows(used["flows"]) if "flows" in used else None
    shares = active_shares(used["shares"]) if "shares" in used else None
    note = "; ".join(f"your {k}: {v} (merged over the shipped table)" for k, v in used.items())
    return flows, shares, note


def _where(G: nx.MultiDiGraph, text: str, role: str) -> tuple[str, str, bool]:
    """``(query for the scorer, resolved place id or ISO3 code, is a region)``: the library's reading of a name
    (:func:`routes.query.regions.resolve_name`), with the command line's advice for a name far from every place."""
    from routes.query.regions import resolve_name

    try:
        with warnings.catch_warnings():  # the table's header says how an ambiguous name was read
            warnings.simplefilter("ignore", AmbiguousNameWarning)
            _, region, resolved = resolve_name(G, text, role=role)
    except UnknownPlaceError as err:
        code = country_code(text)
        if code is not None:
            raise UnknownPlaceError(f"{role} {text!r}: no place in {country_name(code)} ({code}) is on the "
                                    f"network; {tables.COVERAGE}") from None
        if "ambiguous" not in str(err) and tables.far_from_places(G, text):
            raise UnknownPlaceError(f"{role} {text!r} is not on the network: {tables.COVERAGE}; list the places with "
                                    "`route-risk places`, or give a country code (COL, PAN, ..., MEX)") from None
        raise
    return resolved, resolved, region


def _closures(G: nx.MultiDiGraph, values: Sequence[str]) -> list[str]:
    """Leg or place ids for what ``--close`` names (leg ids, place ids or names; comma-separated or repeated)."""
    if not values:
        return []
    from routes.network.graph import iter_legs
    from routes.network.places import find_place

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


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction from 0 to 1, e.g. 0.5, got {text!r}")
    return value


def _scored(G: nx.MultiDiGraph, args: argparse.Namespace, ends: Any, run: Callable[..., Any]) -> Any:
    """Run the scorer ``run`` on the query; record what was typed and resolved, and the provenance, in ``attrs``."""
    from routes.query.scoring import Scenario
    from routes.report.provenance import provenance

    (oq, oid, oreg), (dq, did, dreg) = ends
    scenario = Scenario(closed=_closures(G, args.close or []), advisory=args.advisory, date=args.date)
    more = ({"distinct": not args.plain, "max_overlap": args.max_overlap, "variants": args.variants}
            if hasattr(args, "plain") else {})
    try:
        gdf = run(G, oq, dq, direction=args.direction, k=args.k, month=args.month, scenario=scenario,
                  seed=args.seed, span=args.span, **more)
    except NoPathError as err:  # the library's advice, in command-line words
        text = re.sub(r"pass direction='(\w+)'", r"use --direction \1", str(err))
        text = re.sub(r"date='([\d-]+)'", r"--date \1", text).replace("or no date", "or leave out --date")
        raise NoPathError(text) from None
    except ValueError as err:
        if isinstance(err, RouteError):
            raise
        raise RouteError(str(err)) from err  # e.g. the same place twice: a user's mistake, not a bug
    used = _estimate_incidents(G)
    gdf.attrs.update(origin=args.origin, destination=args.destination, origin_id=oid, destination_id=did,
                     origin_kind="country" if oreg else "place", destination_kind="country" if dreg else "place",
                     incident_snapshot=getattr(used, "attrs", {}).get("snapshot"))
    gdf.attrs["provenance"] = provenance(G, direction=gdf.attrs.get("direction"), scenario=gdf.attrs.get("scenario"))
    from routes.model.frames import shared_attrs

    gdf.attrs = shared_attrs(gdf.attrs)  # the tables read it row by row: shared, not deep-copied on every read
    return gdf


def _sidecar(gdf: Any, args: argparse.Namespace) -> None:
    """Beside a CSV or JSON table written with ``-o``, ``<stem>.provenance.json``: where the numbers come from."""
    import json

    from routes.io.atomic import write_text
    from routes.report.provenance import scrub_paths

    if not args.output or args.format not in ("csv", "json"):
        return
    out = Path(args.output)
    query = {k: gdf.attrs.get(k) for k in ("origin", "destination", "origin_id", "destination_id", "direction",
                                           "direction_rule", "month", "k", "span", "seed", "draws")}
    doc = {"file": out.name, "provenance": gdf.attrs.get("provenance"), "query": query}
    sidecar = out.with_name(f"{out.stem}.provenance.json")
    write_text(sidecar, json.dumps(scrub_paths(doc), ensure_ascii=False, indent=1) + "\n")  # the one atomic writer
    print(f"wrote {sidecar}", file=sys.stderr)


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
    n = int(gdf["rank"].max()) if len(gdf) else 0
    if gdf.attrs.get("distinct"):
        title = (f"{n} safest distinct {gdf.attrs['direction']}bound route{'s' * (n != 1)} {where} (no two share more "
                 f"than {gdf.attrs['max_overlap']:.0%} of their hazard)")
    else:
        title = f"{n} safest {gdf.attrs['direction']}bound path{'s' * (n != 1)} {where}"
    extra = [*notes, *tables.snapshot_note(G)]
    code = tables.write_paths(G, gdf, args, lambda: tables.rank_table(G, gdf, title, extra))
    _sidecar(gdf, args)
    return code


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
    code = tables.write_paths(G, best, args, lambda: tables.compare_table(G, best, title, extra, hint))
    _sidecar(best, args)
    return code


def _selected(G: nx.MultiDiGraph, args: argparse.Namespace) -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    """The legs asked by ``--direction``, ``--corridor`` and ``--date``, and the provenance saying so."""
    from routes.query.select import select_legs
    from routes.report.provenance import provenance

    H = select_legs(G, direction=args.direction, corridor=args.corridor, date=args.date) \
        if (args.direction or args.corridor or args.date) else G
    filters = {k: v for k, v in (("corridor", args.corridor), ("date", args.date)) if v}
    return H, provenance(G, direction=args.direction, scenario=filters or None)


def _geojson_out(G: nx.MultiDiGraph, target: str | None, prov: dict[str, Any]) -> list[Path]:
    """The legs as GeoJSON (with places and styles beside) to ``target``, or the legs alone to stdout."""
    import tempfile

    from routes.report.export import to_geojson

    if target:
        return to_geojson(G, target, provenance=prov)
    with tempfile.TemporaryDirectory() as tmp:
        written = to_geojson(G, Path(tmp) / "legs.geojson", provenance=prov)
        sys.stdout.write(written[0].read_text(encoding="utf-8"))
    return []


def _cmd_legs(args: argparse.Namespace) -> int:
    G, prov = _selected(_network(args), args)
    if args.format == "geojson":
        _geojson_out(G, None, prov)
        return 0
    rows = [{"leg": k, "from": u, "to": v, **{c: d.get(c) for c in LEG_COLUMNS[1:] if c not in ("from", "to")},
             "prior_weight": d.get("prior_weight"), "crude_rate": d.get("crude_rate")}
            for u, v, k, d in G.edges(keys=True, data=True)]
    if args.no_prior:  # leave out the legs whose number rests mostly on the pooled prior
        rows = [r for r in rows if r["prior_weight"] is not None and r["prior_weight"] <= PRIOR_DOMINATED]
    order: dict[str, Callable[[dict[str, Any]], Any]] = {
        "risk": lambda r: (-r["p_death"], r["leg"]), "name": lambda r: (r["leg"], r["direction"]),
        "length": lambda r: (-r["length_km"], r["leg"])}
    rows.sort(key=order[args.sort])
    extra = [*tables.wrap(tables.period_note(G), hanging="  "), *tables.wrap(tables.CARE, hanging="  "),
             *tables.snapshot_note(G)]
    table = tables.legs_table(rows, extra) if args.format == "table" else None
    print(table or tables.records(rows, args.format))
    return 0


def _cmd_places(args: argparse.Namespace) -> int:
    from routes.load import load_network
    from routes.network.places import normalise_name, search_places

    G = load_network(risk=False)
    code = country_code(args.query or "")
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
    legs = {k for *_, k in G.edges(keys=True)}
    about = [str(explain_leg(G, args.leg)), ""] if args.leg in legs or not args.sensitivity else []
    if args.sensitivity:
        from routes.model.sensitivity import sensitivity
        from routes.report.validation import sensitivity_text

        with _progress("refitting once per share assumption"):
            about += [sensitivity_text(sensitivity(G, args.leg, direction=args.direction)), ""]
    print("\n".join([*tables.snapshot_note(G), *about, *tables.wrap(tables.period_note(G), hanging="  "),
                     *tables.wrap(tables.CARE, hanging="  ")]))
    return 0


def _export_usage(args: argparse.Namespace) -> str | None:
    """The format of ``route-risk export`` from FILE and ``--format`` (``args.format``); a message when they clash."""
    suffix = Path(args.file).suffix.lower() if args.file else None
    fmt = args.format or ("gpkg" if suffix == ".gpkg" else "geojson" if suffix else None)
    if fmt is None:
        return "give FILE.geojson or FILE.gpkg, or --format geojson to write the legs to stdout"
    if suffix and (fmt == "gpkg") != (suffix == ".gpkg"):
        return f"--format {fmt} does not fit {args.file!r}; drop --format or change the suffix"
    if fmt == "gpkg" and not args.file:
        return "--format gpkg needs FILE.gpkg (a GeoPackage cannot go to stdout)"
    args.format = fmt
    return None


def _map_usage(args: argparse.Namespace) -> str | None:
    if (args.origin is None) != (args.destination is None):
        return "give both --from and --to (or neither, for the network alone)"
    return None


def _cmd_export(args: argparse.Namespace) -> int:
    from routes.report.export import to_geopackage

    fmt = args.format
    full = _network(args)
    G, prov = _selected(full, args)
    incidents = _estimate_incidents(G)
    if incidents is not None and G is not full:  # the incidents of the legs kept
        incidents = incidents[incidents["leg"].isin({k for *_, k in G.edges(keys=True)})]
    with _progress(f"writing {args.file or 'GeoJSON'}"):
        if fmt == "gpkg":
            written = [to_geopackage(G, args.file, incidents=incidents, provenance=prov)]
        else:
            written = _geojson_out(G, args.file, prov)
    for path in written:
        print(path)
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from routes.query.scenario import Scenario
    from routes.report.webmap import explore

    G = _network(args)
    with _progress(f"writing {args.file}"):
        m = explore(G, args.file, origin=args.origin, destination=args.destination, direction=args.direction,
                    k=args.k, scenario=Scenario(date=args.date) if args.date else None,
                    incidents=False if args.no_incidents else None)
    print(m.path)
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    from routes.report.coverage import coverage

    G = _network(args)
    try:
        report = coverage(G, bbox=None if args.all else tuple(args.bbox))
    except ArgumentError as err:  # the library's words for the option's
        raise ArgumentError(str(err).replace("bbox must be (min_lon, min_lat, max_lon, max_lat)",
                                             "--bbox takes MIN_LON MIN_LAT MAX_LON MAX_LAT")) from None
    if args.format == "table":
        print("\n".join([*tables.snapshot_note(G), tables.coverage_table(report)]))
    elif args.format == "csv":
        rows = report.off_network.assign(date=report.off_network["date"].dt.strftime("%Y-%m-%d")).to_dict("records")
        print(tables.records(rows, "csv"))
    else:
        import json

        off = report.off_network.assign(date=report.off_network["date"].dt.strftime("%Y-%m-%d"))
        print(json.dumps({"bbox": report.bbox, "dead_missing": report.dead_missing, "off_network": report.off,
                          "share_off": round(report.share_off, 4),
                          "by_country_year": [{k: tables.plain(v) for k, v in r.items()}
                                              for r in report.by_country_year.to_dict("records")],
                          "off_network_incidents": [{k: tables.plain(v) for k, v in r.items()}
                                                    for r in off.to_dict("records")]},
                         ensure_ascii=False, indent=1))
    return 0


def _cmd_data_update(args: argparse.Namespace) -> int:
    from routes.io.snapshot import update_snapshot, user_data_dir

    path = Path(args.export)
    if not path.is_file():
        raise DataError(f"cannot read the IOM export {str(path)!r}: {'not a file' if path.exists() else 'no such file'}"
                        "; check the path (exports: https://missingmigrants.iom.int/downloads)")
    try:
        with _progress(f"reading {path.name}"):
            diff = update_snapshot(path, data_dir=args.data_dir, on_invalid="skip" if args.skip_invalid else "raise",
                                   base=args.snapshot, lock_timeout=args.wait)
    except DataError as err:  # the reader speaks Python; say it in options
        text = str(err).replace("on_invalid='skip'", "--skip-invalid").replace('on_invalid="skip"', "--skip-invalid")
        raise type(err)(text) from None
    print(diff)
    folder = Path(diff.snapshot).parent if diff.snapshot else None
    kept = f"; the version before is kept in {diff.previous}" if diff.previous else ""
    if args.data_dir is None or Path(args.data_dir).expanduser() == user_data_dir():
        print(f"route-risk uses {folder} from now on (version {diff.version}); --snapshot shipped uses the shipped "
              f"one{kept}", file=sys.stderr)
    else:
        print(f"use it with --snapshot {folder} (or ROUTES_SNAPSHOT={folder})", file=sys.stderr)
    return 0


def _cmd_data_status(args: argparse.Namespace) -> int:
    from routes.io.snapshot import snapshot_status, user_data_dir

    data_dir = Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else user_data_dir()
    how = ("--snapshot" if args.snapshot is not None else "ROUTES_SNAPSHOT" if os.environ.get("ROUTES_SNAPSHOT")
           else "the user's data folder" if data_dir.joinpath("snapshot").exists()
           or data_dir.joinpath("snapshot.current").exists() else "default")
    infos = snapshot_status(args.snapshot, data_dir=data_dir)
    kept = [i for i in infos if i.label == "kept"]
    for info in infos:
        if info.label == "kept":
            continue
        chosen = f" (chosen by {how})" if info.label == "active" else " (the fallback)"
        print(f"{info.label} snapshot: {info.kind}{chosen}")
        print(f"  path:      {info.path}")
        if info.version != info.path.parent:
            print(f"  version:   {info.version}")
        if info.problem is None:
            print(f"  incidents: {info.rows}, {info.span}\n  built:     {info.built}\n  sources:   {info.sources}")
            print("  status:    sound" + (" (incidents.csv matches the sha256 in snapshot.json)"
                                          if info.kind == "user" else ""))
        else:
            print(f"  built:     {info.built}\n  status:    CORRUPT: {info.problem}")
    if kept:
        print("kept versions, newest first (use one with --snapshot PATH):")
        for info in kept:
            state = f"{info.rows} incidents, {info.span}" if info.problem is None else "CORRUPT"
            print(f"  {info.version}  built {info.built}, {state}")
    print(f"user data folder: {data_dir}")
    from routes.model.usertables import stored_file

    for kind in ("flows", "shares"):
        if stored_file(kind).is_file():
            print(f"your {kind}: {stored_file(kind)} (merged over the shipped table by the estimating commands)")
    return 1 if infos[0].problem is not None else 0


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
        bad = [
            f"{u}->{v} {k}: p_death={d.get('p_death')!r}"
            for u, v, k, d in H.edges(keys=True, data=True)
            if not all(isinstance(d.get(c), float) and 0 <= d[c] <= 1 for c in ("p_death_lo", "p_death", "p_death_hi"))
            or not d["p_death_lo"] <= d["p_death"] <= d["p_death_hi"]
        ]
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


def _cmd_backtest(args: argparse.Namespace) -> int:
    from routes.io.snapshot import load_incidents
    from routes.model.backtest import METHODS, backtest
    from routes.report.validation import backtest_text

    with _progress("refitting every method as of each January 1"):
        flows, shares, _ = _user_tables(args)
        result = backtest(first_year=args.first_year, last_year=args.last_year, methods=args.method or METHODS,
                          incidents=load_incidents(args.snapshot), flows=flows, exposure=shares, n_draws=args.draws,
                          seed=args.seed)
    if args.format == "table":
        print(backtest_text(result))
    else:
        print(tables.records(result.records.to_dict("records"), args.format))
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from routes.model.predict import parse_flow, predict_deaths
    from routes.report.validation import prediction_text

    scenario: dict[str, float] = {}
    for text in args.flow or []:
        series, direction, persons = parse_flow(text)
        scenario[f"{series}:{direction}" if direction else series] = persons
    G = _network(args)
    with _progress("drawing the predictions"):
        pred = predict_deaths(G, scenario or None, period=args.period, n_draws=args.draws, seed=args.seed)
    if args.format == "table":
        print("\n".join([*tables.snapshot_note(G), prediction_text(pred, legs=args.legs)]))
        return 0
    cols = ["traversals", "mean", "median", "lo", "hi"]
    rows = [{"level": "direction", "name": r["direction"], **{c: r[c] for c in cols}}
            for r in pred.directions.to_dict("records")]
    rows += [{"level": "unit", "name": r["unit"], **{c: r[c] for c in cols}} for r in pred.units.to_dict("records")]
    rows += [{"level": "leg", "name": f"{r['leg']} ({r['direction']})", **{c: r[c] for c in cols}}
             for r in pred.legs.to_dict("records") if r["traversals"] > 0]
    print(tables.records(rows, args.format))
    return 0


def _cmd_data_table(args: argparse.Namespace) -> int:
    from routes.model.usertables import store_flows, store_shares

    path = Path(args.file)
    if not path.is_file():
        raise DataError(f"cannot read {str(path)!r}: {'not a file' if path.exists() else 'no such file'}; check the "
                        "path")
    if args.data_command == "flows":
        stored, mine = store_flows(path, data_dir=args.data_dir)
        spans = "; ".join(f"{s} {d}bound {g['month'].min()} to {g['month'].max()}"
                          for (s, d), g in mine.groupby(["series", "direction"]))
        print(f"checked {path}: {len(mine)} month(s): {spans}")
    else:
        from routes.load import load_network

        stored, mine = store_shares(path, load_network(risk=False), data_dir=args.data_dir)
        print(f"checked {path}: {len(mine)} share row(s) for {', '.join(sorted(set(mine['series'])))}, joined to the "
              "network and the flows")
    print(f"stored as {stored}; rank, compare, legs, explain, export, predict and backtest now merge them over the "
          f"shipped table (--{args.data_command} FILE uses another file)")
    return 0


def _cmd_cache_info(_args: argparse.Namespace) -> int:
    from routes.model.cache import cache_info

    print(cache_info())
    return 0


def _cmd_cache_clear(_args: argparse.Namespace) -> int:
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


def _advisory(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("expected a finite multiplier > 0 of the sea legs' hazard (e.g. 2), got "
                                         f"{text!r}")
    return value


def _seed(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def _year(text: str) -> int:
    import datetime as dt

    last = dt.date.today().year
    if not text.strip().isdigit() or not 2014 <= int(text) <= last:
        raise argparse.ArgumentTypeError(f"expected a year from 2014 (the first of the IOM records) to {last}, got "
                                         f"{text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds >= 0, got {text!r}")
    return value


def _export_file(text: str) -> str:
    if Path(text).suffix.lower() not in (".geojson", ".json", ".geojsons", ".gpkg"):
        raise argparse.ArgumentTypeError(f"expected a .geojson or .gpkg file, got {text!r}")
    return text


def _html_file(text: str) -> str:
    if Path(text).suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(f"expected a .html file, got {text!r}; e.g. route-risk map corridor.html")
    return text


def _filters(p: argparse.ArgumentParser, what: str) -> None:
    """``--direction``, ``--corridor`` and ``--date``: which legs ``what`` holds."""
    p.add_argument("--direction", choices=("north", "south"), help=f"only the edges travelled this way: north "
                   f"(towards Mexico) or south (back towards Colombia); default: both, in {what}")
    p.add_argument("--corridor", metavar="C", help="only this corridor (e.g. uraba, darien-acandi), or every corridor "
                   "it begins (darien: every darien-...)")
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="only the legs in use on this date")


class _Parser(argparse.ArgumentParser):
    """argparse, with a hint where a place name of several words was typed without quotes."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments"):
            message += '; a place name of several words goes in quotes, e.g. route-risk rank "Panama City" Necoclí'
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    """The ``route-risk`` argument parser (every subcommand has ``--help`` with an example)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--snapshot", metavar="PATH|shipped", default=argparse.SUPPRESS,
                        help="incident snapshot to use (default: $ROUTES_SNAPSHOT, else yours, else the shipped one)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    parser = _Parser(prog=PROG, description="Route-risk model for migrant routes between Colombia "
                                     "and Mexico.", epilog="examples:\n  route-risk rank Necoclí Tapachula\n"
                                     "  route-risk compare PAN COL --direction south",
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--snapshot", metavar="PATH|shipped", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_: str, example: str, func: Callable[[argparse.Namespace], int],
            into: Any = sub, *, estimates: bool = False) -> argparse.ArgumentParser:
        p = into.add_parser(name, parents=[common], help=help_, description=help_ + ".",
                            epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func, parser=p)
        if estimates:
            estimating(p)
        return cast(argparse.ArgumentParser, p)

    fmt = ("table", "csv", "json")

    def estimating(p: argparse.ArgumentParser) -> None:
        p.add_argument("--no-cache", action="store_true", help="estimate the risk afresh, without reading or "
                       "keeping it in the cache folder (also: ROUTES_NO_CACHE=1; see `route-risk cache info`)")
        p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="estimate what was known on this date: "
                       "the incidents and flows of the months before it (default: the whole snapshot, as of its last "
                       "incident)")
        p.add_argument("--flows", metavar="FILE.csv", help="your flow months (flows.csv columns) merged over the "
                       "shipped ones (default: those stored by `route-risk data flows`, if any)")
        p.add_argument("--shares", metavar="FILE.csv", help="your share rows (exposure.csv columns) merged over the "
                       "shipped ones (default: those stored by `route-risk data shares`, if any)")
        p.add_argument("--quote", choices=("record", "now"), default="record", help="where the risk per traversal is "
                       "quoted: 'record' (default), the record's average traveller; 'now', at the flow of the last 12 "
                       "months of the record (fewer travellers, each at higher risk)")
        p.add_argument("--model", choices=("v2", "v1"), default="v2", help="'v2' (default), or 'v1', the previous "
                       "model (the backtest's baseline)")
    where = ("place name or id (accents optional), or a country as a region: its ISO3 code (COL, PAN, ..., MEX) "
             "or name (Colombia, Panamá, México)")

    def query(p: argparse.ArgumentParser, k: int) -> None:
        p.add_argument("origin", help=f"where the paths start: {where}")
        p.add_argument("destination", help="where they end, likewise; a region means the first town or port reached "
                                           "there")
        p.add_argument("-k", type=_positive, default=k, help=f"number of paths ranked (default {k})")
        p.add_argument("--month", type=_month, help="apply the seasonal factor of this month (1-12 or a name)")
        p.add_argument("--close", action="append", metavar="LEG_OR_PLACE[,...]",
                       help="close a leg or place (id or name); repeat the option or separate with commas")
        p.add_argument(
            "--advisory", type=_advisory, metavar="X", help="multiply the hazard of every sea leg by X (> 0)"
        )
        p.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                       help="use only legs in use on this date (stations open, routes travelled then)")
        p.add_argument("--span", choices=("journey", "crossing"), default="journey",
                       help="from an origin country: 'journey' (default) starts where travel enters the country or "
                       "begins, comparing whole traversals of it; 'crossing' starts at its last place, comparing "
                       "only the border crossings")
        p.add_argument("--window", nargs=2, type=_year, metavar=("FIRST", "LAST"), help="use incidents of these years")
        p.add_argument("--format", choices=(*fmt, "geojson"), help="output format (default: from -o's suffix, "
                       "else table)")
        p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout; the suffix sets the "
                       "format: .txt .csv .json .geojson .geojsons .gpkg (GeoPackage: paths, legs and places)")
        p.add_argument("--seed", type=_seed, default=0, help="seed of the uncertainty draws, >= 0 (default 0)")
        estimating(p)

    p = add("rank", "rank the safest paths between two places or countries",
            "route-risk rank Necoclí Tapachula -k 3 --month oct --close la-miel\n"
            "  route-risk rank COL PAN --span crossing --close la-miel,capurgana-carreto-boat -o paths.gpkg", _cmd_rank)
    query(p, 5)
    p.add_argument("--direction", choices=("north", "south"), help="direction of travel (default: inferred from "
                   "the places' positions along the corridor)")
    p.add_argument("--max-overlap", type=_fraction, default=0.5, metavar="F",
                   help="listed routes share at most this fraction of their hazard (default 0.5)")
    p.add_argument("--variants", action="store_true", help="also list each route's near-identical variants")
    p.add_argument("--plain", action="store_true", help="the plain k safest paths, near-copies included")
    p = add("compare", "compare the corridors one way between two places or countries: the safest path of each",
            'route-risk compare "Panama City" Necoclí --direction south\n'
            "  route-risk compare PAN COL --direction south   # Guna Yala boats, the Darién on foot, the Pacific",
            _cmd_compare)
    query(p, 1)
    p.add_argument("--direction", choices=("north", "south"), required=True, help="direction of travel (required)")
    p = add("legs", "every directed leg with its risk and evidence", "route-risk legs --direction north "
            "--sort risk --corridor uraba\n  route-risk legs --corridor darien --format geojson > darien.geojson",
            _cmd_legs)
    _filters(p, "the list")
    p.add_argument("--sort", choices=("risk", "name", "length"), default="risk",
                   help="order: risk (highest first, the default), name (leg id) or length (longest first)")
    p.add_argument("--no-prior", action="store_true", help="leave out legs whose number rests mostly on the pooled "
                   f"prior (prior_weight above {PRIOR_DOMINATED})")
    estimating(p)
    p.add_argument("--format", choices=(*fmt, "geojson"), default="table", help="table (default, with notes), csv or "
                   "json (every column, for spreadsheets and scripts), or geojson (the legs layer, for GIS)")
    p = add("places", "find places by name, accents optional", "route-risk places necocli", _cmd_places)
    p.add_argument("query", nargs="?", help="part of a name, or a country (default: every place)")
    p.add_argument("--format", choices=fmt, default="table", help="table (default), csv or json")
    p = add("explain", "the incidents and flows behind one leg's risk", "route-risk explain "
            "necocli-capurgana-boat\n  route-risk explain darien-acandi --sensitivity --direction north", _cmd_explain)
    p.add_argument("leg", help="a leg id (see route-risk legs); with --sensitivity also a corridor (a named route, "
                   "e.g. darien-acandi)")
    p.add_argument("--sensitivity", action="store_true", help="how the estimate moves with the prior's strength x4 "
                   "and /4 and with each share assumption of its corridor at its low and high value (one refit each)")
    p.add_argument("--direction", choices=("north", "south"), help="with --sensitivity: the direction (default: the "
                   "one with more travellers)")
    estimating(p)
    p = add("export", "write the network with risk as GeoJSON or GeoPackage, with QGIS styles", "route-risk export "
            "routes.gpkg\n  route-risk export darien.geojson --corridor darien --direction north --date 2024-06-01",
            _cmd_export)
    p.add_argument("file", type=_export_file, metavar="FILE.geojson|FILE.gpkg", nargs="?",
                   help="the file; without it, --format geojson writes the legs to stdout")
    _filters(p, "the file")
    p.add_argument("--format", choices=("geojson", "gpkg"), help="default: from FILE's suffix")
    estimating(p)
    p.set_defaults(usage=_export_usage)
    p = add("map", "write an offline web map: one HTML file with the legs by risk, the incidents and ranked routes",
            "route-risk map corridor.html --from Necoclí --to Tapachula", _cmd_map)
    p.add_argument("file", type=_html_file, metavar="FILE.html")
    p.add_argument("--from", dest="origin", metavar="PLACE", help=f"rank and draw the safest routes from here: {where}")
    p.add_argument("--to", dest="destination", metavar="PLACE", help="... to here")
    p.add_argument("--direction", choices=("north", "south"), help="direction of the routes, and of the legs drawn "
                   "(default: inferred for the routes; both ways drawn)")
    p.add_argument("-k", type=_positive, default=3, help="number of routes ranked (default 3)")
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="rank only legs in use on this date")
    p.add_argument("--no-incidents", action="store_true", help="leave the incidents out (a smaller file)")
    p.set_defaults(usage=_map_usage)
    p = add("coverage", "the dead and missing on the network and off it, and why each incident is off",
            "route-risk coverage\n  route-risk coverage --all --format csv > off_network.csv", _cmd_coverage)
    box_or_all = p.add_mutually_exclusive_group()
    box_or_all.add_argument("--bbox", nargs=4, type=float, metavar=("MIN_LON", "MIN_LAT", "MAX_LON", "MAX_LAT"),
                       default=list(COVERAGE_BOX), help="only incidents in this box (default: the "
                                                        "fixed box of issue 14, "
                       + " ".join(f"{v:g}" for v in COVERAGE_BOX) + ")")
    box_or_all.add_argument("--all", action="store_true", help="every incident of the snapshot, those without a "
                                                               "position too")
    p.add_argument("--format", choices=fmt, default="table", help="table (default: totals, a year x country table, "
                   "reasons, every off-network incident), csv (the off-network incidents) or json (everything)")
    data = add("data", "manage the incident snapshot and your own flow and share tables", "route-risk data status",
               _cmd_data_status)
    dsub = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    p = add("update", "build a refreshed snapshot from a newer IOM export, in your data folder (on top of "
            "--snapshot, by default your active one)",
            "route-risk data update Missing_Migrants_Global_Figures_allData.csv\n"
            "  route-risk data update export.csv --snapshot shipped   # rebuild on the shipped snapshot",
            _cmd_data_update, dsub)
    p.add_argument("export", metavar="IOM_EXPORT.csv|.xlsx")
    p.add_argument("--data-dir", metavar="DIR", help="data folder (default: $ROUTES_DATA_DIR or ~/.local/share/routes)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="keep the valid rows of an export with unreadable ones, and list the rows skipped and why")
    p.add_argument("--wait", type=_seconds, default=120.0, metavar="SECONDS",
                   help="how long to wait for another update of the same data folder to finish (default 120)")
    p = add("status", "which snapshot is active, with its path, rows and dates", "route-risk data status",
            _cmd_data_status, dsub)
    p.add_argument("--data-dir", metavar="DIR", help="data folder (default: $ROUTES_DATA_DIR or ~/.local/share/routes)")
    for kind, cols, what in (("flows", "series,direction,month,persons,method,source", "newer flow months"),
                             ("shares", ("legs,direction,series,share,share_lo,share_hi,period_start,period_end,method,"
                              "source"), "share rows that override or extend the stated assumptions")):
        p = add(kind, f"check your {what} (a CSV with the columns {cols}) and store them in your data folder, "
                "where the estimating commands find them", f"route-risk data {kind} my-{kind}.csv", _cmd_data_table,
                dsub)
        p.add_argument("file", metavar="FILE.csv")
        p.add_argument("--data-dir", metavar="DIR", help="data folder (default: $ROUTES_DATA_DIR or "
                       "~/.local/share/routes)")
    add("validate", "run the network and data checks (exit 1 when one fails)", "route-risk validate", _cmd_validate)
    p = add("predict", "predicted dead and missing per direction, scored unit and leg, for a period and a flow "
            "scenario, with 90-percent predictive intervals", 'route-risk predict --period 2026-01..2026-06 --flow '
                                                              '"3,000 '
            'southbound per month"\n  route-risk predict --period 2026 --flow darien=20000 --legs', _cmd_predict)
    p.add_argument("--period", required=True, metavar="PERIOD", help="a year (2026), a month (2026-03) or months "
                   "(2026-01..2026-06)")
    p.add_argument("--flow", action="append", metavar="FLOW", help="persons per month: '3,000 southbound per month', "
                   "'north=20000' or 'SERIES[:DIRECTION]=N' (e.g. honduras-dtm:south=1500); repeat for more series; "
                   "series not named keep the flows table's months in the period")
    p.add_argument("--legs", action="store_true", help="also list every leg travelled")
    p.add_argument("--draws", type=_positive, default=4000, metavar="N", help="predictive draws (default 4000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    p.add_argument("--format", choices=fmt, default="table", help="table (default), csv or json")
    estimating(p)
    p = add("backtest", "score the model (v2 + flow elasticity), its variants, the previous model (v1) and two "
            "baselines on years they have not seen (rolling "
            "origin: each year predicted by methods fitted on the years before)", "route-risk backtest\n"
            "  route-risk backtest --first-year 2022 --method v1 --method crude --format csv", _cmd_backtest)
    p.add_argument("--first-year", type=int, default=2019, metavar="YEAR", help="first test year (default 2019)")
    p.add_argument("--last-year", type=int, default=2025, metavar="YEAR", help="last test year (default 2025)")
    p.add_argument("--method", action="append", choices=("v2 + flow elasticity", "v2", "v1", "v2 no year effect",
                   "crude", "mode"), help="score only this method (repeat the option for more; default: v2 + flow "
                   "elasticity, v2, v1, crude, mode)")
    p.add_argument("--draws", type=_positive, default=4000, metavar="N", help="predictive draws per unit-year "
                   "(default 4000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    p.add_argument("--format", choices=fmt, default="table", help="table (default: the summary, each unit-year and "
                   "notes), csv or json (one record per method and unit-year)")
    p.add_argument("--flows", metavar="FILE.csv", help="your flow months merged over the shipped ones (default: "
                   "those stored by `route-risk data flows`, if any)")
    p.add_argument("--shares", metavar="FILE.csv", help="your share rows merged over the shipped ones (default: "
                   "those stored by `route-risk data shares`, if any)")
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
        problem = problem or (args.usage(args) if hasattr(args, "usage") else None)
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
        if isinstance(err, BrokenPipeError):  # e.g. `route-risk legs | head`: quiet, with the status of SIGPIPE
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 128 + signal.SIGPIPE
        if isinstance(err, OSError) and not isinstance(err, RouteError):
            from routes.io.atomic import describe_os_error

            message = describe_os_error(err, err.filename, action="read or write")
        else:
            message = str(err)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
