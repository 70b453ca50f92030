"""Plain-text tables and wording for the command line and the ``__str__`` of results.

Numbers are rounded for reading (3 significant figures for rates, whole travellers for exposure), lines fit
:data:`WIDTH` columns, and every table ends with footer lines that say what its columns mean. Nothing here reads
data or computes risk: the functions format what :mod:`routes.query.scoring` and :mod:`routes.model.risk` return.

Examples
--------
>>> print(table([{"a": "x", "b": 1.5}], [("a", "name"), ("b", "value>")]))
name  value
x       1.5
>>> sig(0.000531), sig(12.345), sig(1234.5)
('<0.001', '12.3', '1,234')
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import math
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from routes.model.estimate import estimate_of
from routes.network.places import normalise_name
from routes.vocabulary import COUNTRY_NAMES, country_code, country_name, suggest  # noqa: F401 - re-exported

WIDTH = 120
#: the formats an output file's suffix allows, the default first
OUTPUT_SUFFIXES = {".gpkg": ("gpkg",), ".geojson": ("geojson",), ".geojsons": ("geojson",), ".csv": ("csv",),
                   ".json": ("json", "geojson"), ".txt": ("table", "csv", "json")}
COVERAGE = ("the network covers the migrant routes from Buenaventura, Turbo, Necoclí and San Andrés (Colombia) through "
            "Panama and Central America to Tapachula, Villahermosa, Coatzacoalcos and Ixtepec (Mexico)")
ENDED_NOTE = ("no longer in use: legs whose period of use has ended (a station closed, a route abandoned); their risk "
              "is history. Rank only legs in use on a date with --date YYYY-MM-DD")
NO_DATA_NOTE = ("no data: legs that nobody is known to travel this way (evidence none): their rate is only the "
                "pooled prior, a guess from legs of the same mode and corridor")
DEATHS_NOTE = ("deaths are fractional: an incident on a two-way leg is shared between the directions by that "
               "month's flows, and an incident with a generic position (e.g. 'Darién Gap') is spread over the legs "
               "travelled that month")


# ----------------------------------------------------------------------------------------------- numbers
def plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars as Python numbers, NaN as None, tuples as lists."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def sig(x: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant figures, without exponent for the usual range."""
    if x is None or not math.isfinite(x):
        return "?"
    if 0 < abs(x) < 0.001:
        return "<0.001"
    if x == 0 or abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    return f"{x:.{max(digits - 1 - math.floor(math.log10(abs(x))), 0)}f}"


def per_1000(d: Any) -> str:
    """``p_death`` per 1,000 with its 90% interval, from a mapping with p_death, p_death_lo, p_death_hi."""
    return f"{sig(1000 * d['p_death'])} [{sig(1000 * d['p_death_lo'], 2)}-{sig(1000 * d['p_death_hi'], 2)}]"


def hours(h: float | None) -> str:
    return "?" if h is None or not math.isfinite(h) else f"{h:.0f} h" if h < 48 else f"{h / 24:.1f} d"


def cost(usd: float, unknown: int, n_legs: int) -> str:
    """``$196`` (every cost known), ``$196+`` (some unknown) or ``?`` (none known)."""
    if unknown >= n_legs or not math.isfinite(usd):
        return "?"
    return f"${usd:,.0f}" + ("+" if unknown else "")


def shorten(text: Any, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    s = " ".join(str(text).split())
    return s if len(s) <= width else s[: width - 1].rstrip() + "…"


# ----------------------------------------------------------------------------------------------- layout
def table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """Format ``rows`` as aligned text; ``columns`` are ``(key, header)``, a header ending in ``>`` aligns right."""
    heads = [h.rstrip(">") for _, h in columns]
    cells = [[str(r.get(k, "")) for k, _ in columns] for r in rows]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(heads)]
    right = [h.endswith(">") for _, h in columns]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ).rstrip()

    return "\n".join([line(heads), *(line(c) for c in cells)])


LEFT = ("direction", "dir", "towards", "evidence", "main_id", "cause", "match", "position", "basis", "series", "method",
        "source", "months")


def frame_text(df: Any, *, left: Sequence[str] = LEFT) -> str:
    """A DataFrame of display strings as a :func:`table`: the columns in ``left`` left-aligned, others right."""
    rows = [{str(k): v for k, v in r.items()} for r in df.astype(str).to_dict("records")]
    return table(rows, [(str(c), str(c) if str(c) in left else f"{c}>") for c in df.columns])


def records(rows: Sequence[dict[str, Any]], fmt: str, *, sep: str = " > ") -> str:
    """Rows as CSV (lists joined by ``sep``) or JSON records (lists as arrays)."""
    rows = [{k: plain(v) for k, v in r.items()} for r in rows]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: sep.join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()} for r in rows)
    return buf.getvalue().rstrip("\n")


def width() -> int:
    return max(60, min(WIDTH, shutil.get_terminal_size((WIDTH, 24)).columns))


def wrap(text: str, *, indent: str = "", hanging: str = "") -> list[str]:
    return textwrap.wrap(text, width(), initial_indent=indent, subsequent_indent=hanging or indent,
                         break_on_hyphens=False, break_long_words=False)


def footer(notes: Iterable[str]) -> list[str]:
    """Footer lines: each note wrapped, continuation lines indented."""
    return [line for note in notes if note for line in wrap(note, hanging="  ")]


def via(G: nx.MultiDiGraph, nodes: Sequence[str]) -> list[str]:
    """The ``via`` lines of a path, broken between places only."""
    text = "\u00a0> ".join(place_name(G, n).replace(" ", "\u00a0") for n in nodes)
    return [s.replace("\u00a0", " ") for s in wrap(text, indent="    via ", hanging="        ")]


# ----------------------------------------------------------------------------------------------- places
def place_name(G: nx.MultiDiGraph, node: str) -> str:
    return str(G.nodes[node].get("name", node)) if node in G else str(node)


def no_data_legs(G: nx.MultiDiGraph, nodes: Sequence[str], legs: Sequence[str]) -> int:
    """How many legs of a path have ``evidence == "none"`` (nobody known to travel them)."""
    return sum(G.edges[u, v, k].get("evidence") == "none" for u, v, k in zip(nodes[:-1], nodes[1:], legs, strict=True))


# ----------------------------------------------------------------------------------------------- headers
def endpoint(G: nx.MultiDiGraph, resolved: str, region: bool, *, role: str, direction: str, span: str) -> str:
    """How the header names an origin or destination, saying what a region means."""
    if not region:
        return place_name(G, resolved)
    country = f"{country_name(resolved)} ({resolved})"
    if role == "destination":
        return f"the first town or port reached in {country}"
    if span == "crossing":
        return f"the last place in {country} before leaving it"
    return f"any place in {country} where {direction}bound travel enters the country or begins,"


def direction_note(rule: str, direction: str) -> str:
    """``attrs["direction_rule"]`` in plain words ('' when the user gave the direction)."""
    if rule == "given":
        return ""
    if rule == "geography":
        return (f"{direction}bound inferred from the places' positions along the corridor; "
                "choose with --direction north|south")
    return f"{direction}bound: {rule}"


def scenario_notes(G: nx.MultiDiGraph, attrs: dict[str, Any]) -> str:
    scen = attrs["scenario"]
    window = G.graph.get("risk_settings", {}).get("window")
    notes = [f"month {calendar.month_name[scen['month']]}" if scen.get("month") else "",
             f"sea advisory x{scen['advisory']:g}" if scen.get("advisory") else "",
             f"closed {', '.join(scen['closed'])}" if scen.get("closed") else "",
             "incidents {}-{}".format(*window) if window else ""]
    return "; ".join(n for n in notes if n)


#: above this prior weight a number rests mostly on the pooled prior, and tables mark it
PRIOR_DOMINATED = 0.5
PRIOR_MARK = "~"
PRIOR_WEIGHT_NOTE = (f"{PRIOR_MARK}: the number rests mostly on the pooled prior (prior weight above "
                     f"{PRIOR_DOMINATED:g}: the rate of legs of its mode and corridor for its length, not the leg's "
                     "own deaths and travellers); prior: the share of the risk that is prior, not evidence")

#: one line, in every table: what the numbers are and are not
CARE = ("recorded dead and missing per traversal (IOM's counts are minimums), for analysis and planning; "
        "not a forecast for any one traveller")


def _pct(x: Any) -> str:
    return f"{x:.0%}" if isinstance(x, (int, float)) and math.isfinite(x) else "?"


def _prior_mark(w: Any) -> str:
    return PRIOR_MARK if isinstance(w, (int, float)) and math.isfinite(w) and w > PRIOR_DOMINATED else ""


def period_note(G: nx.MultiDiGraph, attrs: dict[str, Any] | None = None) -> str:
    """The period the numbers describe (the incidents' months, the data's date) and the travel date, in words."""
    from routes.query.scoring import period

    when = (attrs or {}).get("period") or period(G)
    known = ("only the incidents and flows known before it" if when.get("as_of_given") else
             "the snapshot's last incident; --as-of DATE estimates what was known earlier")
    told = (f"period: incidents {when['incidents_from']} to {when['incidents_to']}, as of {when['as_of']} ({known})"
            if when.get("incidents_from") else "period: unknown (no risk estimate on this graph)")
    day = when.get("travel_date") or ((attrs or {}).get("scenario") or {}).get("date")
    travel = (f"travel on {day}: only legs in use then" if day else
              "travel date: any (legs no longer in use are included and marked; --date YYYY-MM-DD leaves them out)")
    settings = G.graph.get("risk_settings", {})
    model = (f"; model {settings['model']} (the previous model)" if settings.get("model") == "v1" else
             "; risk quoted at the flow of the record's last 12 months (--quote now)" if settings.get("quote") == "now"
             else "")
    return f"{told}; {travel}{model}"


def header(G: nx.MultiDiGraph, title: str, attrs: dict[str, Any], extra: Sequence[str] = ()) -> list[str]:
    """The title wrapped, then one line each for the direction rule, the scenario, the period, the snapshot, ``extra``
    and what the numbers are."""
    lines = wrap(title, hanging="  ")
    for note in (direction_note(attrs["direction_rule"], attrs["direction"]), scenario_notes(G, attrs),
                 period_note(G, attrs), *extra, CARE):
        lines += wrap(note, indent="  ", hanging="    ") if note else []
    return lines


# ----------------------------------------------------------------------------------------------- ranked paths
def _path_row(G: nx.MultiDiGraph, r: Any) -> dict[str, Any]:
    star = "*" if _edge_attr(G, r, r.top_leg, "evidence") in ("none", "no deaths") else ""
    variant = int(getattr(r, "variant", 0) or 0)
    ratio = getattr(r, "ratio_to_1", math.nan)
    vs = ("" if r.rank == 1 and not variant else
          f"{sig(ratio, 2)}x [{sig(r.ratio_to_1_lo, 2)}-{sig(r.ratio_to_1_hi, 2)}]" if math.isfinite(ratio) else "?")
    riskier = "" if r.rank == 1 and not variant else f"{getattr(r, 'p_riskier_than_1', math.nan):.0%}"
    prior = getattr(r, "prior_share", math.nan)
    return {"rank": f"{r.rank}.{variant}" if variant else r.rank,
            "p": per_1000(r._asdict()) + _prior_mark(prior), "prior": _pct(prior),
            "safest": f"{r.p_safest:.0%}", "vs": vs, "riskier": riskier, "time": hours(r.duration_h),
            "km": f"{r.length_km:,.0f}", "cost": cost(r.cost_usd, r.cost_unknown, r.n_legs), "sea": r.sea_legs,
            "n": r.n_legs, "nodata": no_data_legs(G, r.nodes, r.legs),
            "top": f"{r.top_leg}{star} ({r.top_leg_share:.0%})"}


PRIOR_NOTE = ("*: less than half an incident is attributed to that leg; its share comes from the pooled prior of its "
              "mode, corridor and length, lowered by its travellers, not from deaths on it")


def _rows(frame: Any) -> list[Any]:
    """The rows of a table as named tuples, read once from a bare copy: pandas would otherwise deep-copy the table's
    ``attrs`` for every column of every ``itertuples`` call (a ranking's metadata made that a tenth of a second)."""
    from routes.model.frames import without_attrs

    return list(without_attrs(frame).itertuples())


def _with_via(G: nx.MultiDiGraph, lines: list[str], paths: list[Any]) -> list[str]:
    out = [lines[0]]
    for line, r in zip(lines[1:], paths, strict=True):
        ended = list(getattr(r, "legs_ended", None) or [])
        note = []
        if ended:
            until = [f"{leg} (until {str(_edge_attr(G, r, leg, 'period_end'))[:7]})" for leg in ended]
            note = textwrap.wrap("no longer in use: " + ", ".join(until), WIDTH - 4, initial_indent="    ",
                                 subsequent_indent="        ")
        top = ""
        if "top" not in line and getattr(r, "top_leg", None):  # tables without a riskiest-leg column: its own line
            star = "*" if _edge_attr(G, r, r.top_leg, "evidence") in ("none", "no deaths") else ""
            top = f"    riskiest leg: {r.top_leg}{star} ({r.top_leg_share:.0%} of the risk)"
        out += [line, *via(G, r.nodes), *([top] if top else []), *_differs(G, r, paths), *note, ""]
    return out


def _differs(G: nx.MultiDiGraph, r: Any, paths: list[Any]) -> list[str]:
    """For a path that passes the same places as another listed path: the legs that set it apart, with their modes."""
    others = [o for o in paths if o.Index != r.Index and list(o.nodes) == list(r.nodes)]
    if not others:
        return []
    theirs = {leg for o in others for leg in o.legs}
    own = [f"{leg} ({_edge_attr(G, r, leg, 'mode')})" for leg in r.legs if leg not in theirs]
    return textwrap.wrap("same places as another path listed, but by: " + ", ".join(own), WIDTH - 4,
                         initial_indent="    ", subsequent_indent="        ") if own else []


def _edge_attr(G: nx.MultiDiGraph, r: Any, leg: str, attr: str) -> Any:
    """An attribute of the edge of ``leg`` on the path ``r`` (its nodes in order)."""
    for u, v in zip(r.nodes, r.nodes[1:], strict=False):
        if G.has_edge(u, v, leg):
            return G.edges[u, v, leg].get(attr)
    return None


def _common_notes(G: nx.MultiDiGraph, paths: list[Any], safest: str) -> list[str]:
    nodata = any(no_data_legs(G, r.nodes, r.legs) for r in paths)
    starred = any(_edge_attr(G, r, r.top_leg, "evidence") in ("none", "no deaths") for r in paths)
    unknown_cost = any(0 < r.cost_unknown < r.n_legs for r in paths)
    no_cost = any(r.cost_unknown >= r.n_legs for r in paths)
    return ["deaths/1,000: probability of dying or going missing on the way, x 1,000, with its 90% interval",
            safest,
            "cost: sum of the legs' known costs in US dollars" + ("; $N+ means some legs' cost is unknown, so the "
                                                                 "real cost is higher" if unknown_cost else "")
            + ("; ? means no leg's cost is known" if no_cost else ""),
            NO_DATA_NOTE if nodata else "", PRIOR_NOTE if starred else "", PRIOR_WEIGHT_NOTE]


def rank_table(G: nx.MultiDiGraph, gdf: Any, title: str, extra: Sequence[str] = ()) -> str:
    """The ranked paths of :func:`routes.rank_paths` as readable text."""
    recs = _rows(gdf)
    rows = [_path_row(G, r) for r in recs]
    if recs and len(getattr(recs[0], "legs_ended", None) or []):
        extra = [*extra, ("note: the safest path uses legs no longer in use (marked below); rank only legs in use on "
                          "a date with --date YYYY-MM-DD")]
    cols = [("rank", "#>"), ("p", "deaths/1,000 [90%]>"), ("prior", "prior>"), ("safest", "P(safest)>"),
            ("vs", "vs #1 [90%]>"), ("riskier", "P(riskier)>"), ("time", "time>"), ("km", "km>"), ("cost", "cost>"),
            ("n", "legs>"), ("sea", "sea>"), ("nodata", "no data>")]
    out = [*header(G, title, gdf.attrs, extra), ""]
    out += _with_via(G, table(rows, cols).split("\n"), recs)
    folded = sum(int(r.n_variants) for r in recs if not getattr(r, "variant", 0)) if "n_variants" in gdf else 0
    ended = any(len(getattr(r, "legs_ended", None) or []) for r in recs)
    out += footer([*_common_notes(G, recs, "P(safest): chance that the path is the safest among the paths listed "
                                          "(it changes with -k); ranks follow the mean risk, and paths whose "
                                          "intervals overlap are not clearly different"),
                   _comparison_note(recs),
                   (f"folded: {folded} near-identical variant(s) of these routes (each sharing over "
                    f"{gdf.attrs.get('max_overlap', 0.5):.0%} of a route's hazard): --variants lists them, --plain "
                    "gives the plain k safest paths" if folded and not gdf.attrs.get("variants") else ""),
                   ENDED_NOTE if ended else "",
                   "more: route-risk explain LEG; --format csv|json|geojson; -o FILE.gpkg|.geojson|.csv"])
    return "\n".join(out)


def _comparison_note(recs: list[Any]) -> str:
    """What the comparison columns mean, and which routes cannot be told apart from the first."""
    if len(recs) < 2 or not hasattr(recs[0], "ratio_to_1_lo"):
        return ""
    alike = [str(r.rank) + (f".{int(r.variant)}" if getattr(r, "variant", 0) else "") for r in recs[1:]
             if r.ratio_to_1_lo <= 1.0]
    said = (f"; #{', #'.join(alike)} cannot be told apart from #1 (the interval of the ratio holds 1)" if alike else
            "; every route listed is clearly riskier than #1")
    return ("vs #1: the route's risk over the first's, with its 90% interval; P(riskier): chance it is riskier than "
            "#1, both from the same joint draws" + said)


def compare_table(G: nx.MultiDiGraph, best: Any, title: str, extra: Sequence[str] = (), hint: str = "") -> str:
    """The best path of each group of :func:`routes.direction_summary` as readable text."""
    recs = _rows(best)
    rows = [{**_path_row(G, r), "group": r.group, "paths": r.group_paths, "safest": f"{r.group_p_safest:.0%}"}
            for r in recs]
    cols = [("group", "corridor"), ("paths", "paths>"), ("rank", "best rank>"), ("p", "deaths/1,000 [90%]>"),
            ("prior", "prior>"), ("safest", "P(safest)>"), ("time", "time>"), ("km", "km>"), ("cost", "cost>"),
            ("sea", "sea legs>"), ("nodata", "no data>")]
    ranked = int(sum(best["group_paths"]))
    if "legs_ended" in best and any(len(x) for x in best["legs_ended"]):
        extra = [*extra, ("note: some corridors' paths use legs no longer in use (marked below); compare only legs "
                          "in use on a date with --date YYYY-MM-DD")]
    out = [*header(G, title, best.attrs, extra), ""]
    out += _with_via(G, table(rows, cols).split("\n"), recs)
    search = best.attrs.get("search", 500)
    out += footer([("corridor: the named corridor a path takes (a Darién trail, the Guna Yala or Pacific boats, a "
                    "Honduran entry), else the one carrying most of its risk; each row shows the safest path of that "
                   f"corridor, searched among the {search:,} safest paths (paths: how many of the {ranked} paths "
                   "ranked together it holds, best rank: its place among them; -k N adds the N safest overall)"),
                   *_common_notes(G, recs, "P(safest): chance that the corridor holds the safest of the paths ranked "
                                           "together, given the uncertainty; ranks follow the mean risk, and paths "
                                           "whose intervals overlap are not clearly different"),
                   hint, "more: route-risk rank ORIGIN DESTINATION; route-risk explain LEG"])
    return "\n".join(out)


def places_table(rows: Sequence[dict[str, Any]]) -> str:
    """Places with their other names shortened to fit :data:`WIDTH`."""
    cols = [("id", "id"), ("name", "name"), ("country", "country"), ("kind", "kind")]
    room = WIDTH - 2 - max(len(line) for line in table(rows, cols).split("\n"))
    shown = [{**r, "alt_names": textwrap.shorten(", ".join(r["alt_names"]) or "-", max(room, 20), placeholder=" …")}
             for r in rows]
    return table(shown, [*cols, ("alt_names", "also known as")])


# ----------------------------------------------------------------------------------------------- legs
def legs_table(rows: Sequence[dict[str, Any]], extra: Sequence[str] = ()) -> str:
    """Every directed leg with its risk, evidence legs marked."""
    shown = [{**r, "p": per_1000(r) + _prior_mark(r.get("prior_weight")), "prior": _pct(r.get("prior_weight")),
              "deaths": f"{r['deaths']:.1f}", "exposure": f"{r['exposure']:,.0f}",
              "km": f"{r['length_km']:,.0f}",
              "evidence": {"none": "no data", "no deaths": "no death"}.get(r["evidence"], r["evidence"])} for r in rows]
    text = table(shown, [("leg", "leg"), ("direction", "dir"), ("mode", "mode"), ("p", "deaths/1,000 [90%]>"),
                         ("deaths", "deaths>"), ("exposure", "exposure>"), ("evidence", "evidence")])
    notes = [("deaths/1,000: probability of dying or going missing on one traversal, x 1,000, with its 90% interval; "
             "deaths: dead and missing attributed to the leg in this direction; exposure: travellers, people "
             "estimated to have travelled it this way"), DEATHS_NOTE,
             PRIOR_WEIGHT_NOTE.split("; prior:")[0] + " (csv and json give each leg's prior_weight)",
             "evidence: how much of the rate is the leg's own (strong: prior weight at most 0.2; moderate: at most "
             "0.5; weak: above; 'no death': travelled, but less than half an incident attributed, so the rate is the "
             "pooled prior, lowered by its travellers); " + NO_DATA_NOTE.replace(
                 "no data: legs", "'no data' (evidence none in csv/json) marks legs").replace(" (evidence none)", "")]
    return "\n".join([*extra, text, "", *footer(notes)])


# ----------------------------------------------------------------------------------------------- output
def snapshot_note(G: nx.MultiDiGraph) -> list[str]:
    """Header lines naming the incident snapshot, when it is not the shipped one, and the user's own flow and share
    tables, when the command line merged them in."""
    from routes.io.snapshot import resolve_snapshot

    estimate = estimate_of(G)
    incidents = None if estimate is None else estimate.incidents
    used = getattr(incidents, "attrs", {}).get("snapshot")
    mine = [str(G.graph["user_tables"])] if G.graph.get("user_tables") else []
    if incidents is None or not used or Path(used).resolve() == resolve_snapshot("shipped").resolve():
        return mine
    from routes.model.frames import without_attrs

    dates = without_attrs(incidents)["date"].dropna()  # not a copy of the snapshot's metadata
    span = f"incidents {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}" if len(dates) else "no dated incidents"
    return [f"incident snapshot: {used} ({span}; not the shipped one)", *mine]


def far_from_places(G: nx.MultiDiGraph, text: str) -> bool:
    """True when ``text`` is not even close to any place name (so suggestions would mislead)."""
    key = normalise_name(text)
    names = {normalise_name(s) for n, d in G.nodes(data=True)
             for s in (n, d.get("name", ""), *(d.get("alt_names") or []))}
    return not any(key in s for s in names if s) and not suggest(key, names, n=1)


def output_format(args: Any) -> str | None:
    """The format asked by ``--format`` and ``-o``; a message (for a usage error) when they do not fit."""
    suffix = Path(args.output).suffix.lower() if args.output else ""
    known = OUTPUT_SUFFIXES.get(suffix)
    if args.output and known is None and args.format in (None, "geojson"):
        return (f"cannot tell the format of -o {args.output!r} from its suffix {suffix or '(none)'!r}; use .txt "
                "(table), .csv, .json, .geojson, .geojsons or .gpkg, or give --format table|csv|json")
    if args.format and known and args.format not in known:
        return f"--format {args.format} does not fit -o {args.output!r}; drop --format or change the suffix"
    args.format = args.format or (known[0] if known else "table")
    return None


def write_paths(G: nx.MultiDiGraph, gdf: Any, args: Any, text: Callable[[], str]) -> int:
    """Write ranked paths (``gdf``) in the format of ``--format``/``-o``; ``text`` makes the table."""
    from routes.io.atomic import write_text

    out = args.output
    if args.format == "gpkg":
        from routes.report.export import to_geopackage  # GIS writers only for GIS formats: a table imports no GDAL

        to_geopackage(G, out, paths=gdf, layers=("places", "legs", "paths"))
    elif args.format == "geojson":
        from routes.report.export import to_geojson

        with tempfile.TemporaryDirectory() as tmp:
            target = Path(out) if out else Path(tmp) / "paths.geojson"
            to_geojson(gdf, target)
            if not out:
                print(target.read_text(encoding="utf-8"), end="")
    else:
        rows = gdf.drop(columns="geometry").to_dict("records")
        body = text() if args.format == "table" else records(rows, args.format)
        if out is None:
            print(body)
            return 0
        write_text(out, body + "\n")  # atomic: never through a symlink, never a truncated file
    if out:
        print(f"wrote {out}", file=sys.stderr)
    return 0


def ends_text(G: nx.MultiDiGraph, args: Any, ends: Any, direction: str) -> tuple[str, list[str]]:
    """``from X to Y`` for a header, and notes on names read as countries that are also a place's other name."""
    (_, oid, oreg), (_, did, dreg) = ends
    o = endpoint(G, oid, oreg, role="origin", direction=direction, span=args.span)
    d = endpoint(G, did, dreg, role="destination", direction=direction, span=args.span)
    notes = []
    for typed, code, region in ((args.origin, oid, oreg), (args.destination, did, dreg)):
        also = [place_name(G, n) for n, data in G.nodes(data=True) if region
                and normalise_name(typed) in map(normalise_name, data.get("alt_names") or [])]
        if also:
            notes.append(f"{typed!r} is read as the country {code}; for the place, name it {also[0]!r}")
    return f"from {o} to {d}", notes


# ----------------------------------------------------------------------------------------------- coverage
COVERAGE_NOTES = (
    ("too_far: no leg of a plausible mode within reach (or only one not in use that day); km is the distance to the "
     "nearest leg of any period"),
    ("not_transit: not a death on a transit route of this corridor (inside the person's own country, a boat of "
     "another route, a destination country); position_unknown: no usable position, or one that contradicts IOM's "
     "place name"),
    ("the reasons that need the IOM record's text are hand-written, with their source, in "
     "geodata/sources/offnet_reasons.csv; --format csv lists every off-network incident with its note and source"),
)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def coverage_table(report: Any) -> str:
    """The text of a :class:`routes.report.coverage.Coverage`: totals, a year x country table, reasons, incidents."""
    by = report.by_country_year
    box = report.bbox
    where = f"in the box lon {box[0]:g} to {box[2]:g}, lat {box[1]:g} to {box[3]:g}" if box else "everywhere"
    total, off = report.dead_missing, report.off
    lines = wrap(f"Dead and missing {where}: {total:,} in {int(by['incidents'].sum()):,} incidents; on the network "
                 f"{total - off:,} ({_share(total - off, total)}), off the network {off:,} ({_share(off, total)})",
                 hanging="  ")
    if report.unplaced:
        lines.append(f"({report.unplaced} incidents without a position are in no box: see --all)")
    codes = {c: (country_code(c) or c[:3].upper()) for c in by["country"].unique()}
    order = by.groupby("country")["dead_missing"].sum().sort_values(ascending=False).index.tolist()
    rows = []
    for year, g in by.groupby("year", dropna=False):
        cells = {codes[r.country]: f"{r.off_network}/{r.dead_missing}" for r in g.itertuples()}
        rows.append(
            {"year": str(year), **cells, "all": f"{int(g['off_network'].sum())}/{int(g['dead_missing'].sum())}"}
        )
    rows.append({"year": "all",
                 **{codes[c]: f"{int(by.loc[by['country'] == c, 'off_network'].sum())}/"
                              f"{int(by.loc[by['country'] == c, 'dead_missing'].sum())}" for c in order},
                 "all": f"{off}/{total}"})
    lines += ["", "Dead and missing off the network / all, by year and country of incident:",
              table(rows, [("year", "year"), *((codes[c], codes[c] + ">") for c in order), ("all", "all>")])]
    reasons = report.by_reason().reset_index()
    lines += [
        "",
        "Off the network, by reason:",
        table(
            [{"reason": r.reason, "incidents": r.incidents, "dm": r.dead_missing} for r in reasons.itertuples()],
            [("reason", "reason"), ("incidents", "incidents>"), ("dm", "dead+missing>")],
        ),
    ]
    inc = report.off_network
    shown = [{"main_id": r.main_id, "date": f"{r.date:%Y-%m-%d}" if not pd_isna(r.date) else "", "country":
              codes.get(r.country, r.country), "dm": r.dead_missing, "reason": r.reason,
              "km": "" if pd_isna(r.distance_km) else f"{r.distance_km:,.1f}", "leg": r.nearest_leg or "",
              "note": r.note} for r in inc.itertuples()]
    cols = [("main_id", "main_id"), ("date", "date"), ("country", "ctry"), ("dm", "d+m>"), ("reason", "reason"),
            ("km", "km>"), ("leg", "nearest leg")]
    body = table(shown, cols).splitlines()
    listing = body[:1]
    for row, line in zip(shown, body[1:], strict=True):  # each incident, then its note, indented
        listing += [line, *wrap(row["note"], indent="    ")]
    lines += ["", f"Off-network incidents ({len(inc)}; most dead and missing first; km: to the nearest leg):",
              *listing, "", *footer(COVERAGE_NOTES)]
    return "\n".join(lines)


def pd_isna(value: Any) -> bool:
    """Whether a scalar is missing (None, NaN, NaT)."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "NaT"
