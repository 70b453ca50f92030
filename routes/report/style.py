"""QGIS styles (QML) of the exported layers, and the symbols the web map draws alike.

Legs are coloured by their risk per 100 km in the classes of :mod:`routes.report.classes` (fitted to the legs
styled, every class holding legs). The line is drawn 0.7 mm to the side of its direction of travel, so both
directions of a two-way leg show side by side; one-way legs carry arrows; width and dash follow the mode (boats
dotted or dash-dotted, trails wide, roads thin); a leg whose estimate is mostly its pooled prior (``prior_weight``
over :data:`PRIOR_DOMINATED`, when the layer has that field) is dashed and pale.

Places are drawn by ``kind``; incidents as circles sized by ``dead_missing`` (area proportional to the count).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from routes.report.classes import NO_ESTIMATE_COLOUR, RISK_FIELD, RISK_UNIT, RiskClasses

#: a leg whose estimate is more than this share prior is drawn dashed and pale
PRIOR_DOMINATED = 0.5
#: opacity (0-255) of prior-dominated legs
PRIOR_ALPHA = 90
#: pixels per millimetre: the web map draws the QGIS widths and sizes at this scale
PX_PER_MM = 3.6
#: per mode: line width (mm in QGIS, times PX_PER_MM in the web map), QGIS pen style, SVG dash pattern
MODE_LINES: dict[str, tuple[float, str, str | None]] = {
    "road": (0.5, "solid", None),
    "foot": (0.9, "solid", None),
    "jungle_foot": (1.1, "solid", None),
    "border_foot": (0.7, "solid", None),
    "river_boat": (0.8, "dash dot", "8 3 2 3"),
    "sea_boat": (0.9, "dot", "2 5"),
}
#: (QGIS pen style, SVG dash pattern) of prior-dominated legs
PRIOR_DASH = ("dash", "6 6")
#: places: kind -> (QGIS marker shape, colour, size in mm)
PLACE_MARKERS: dict[str, tuple[str, str, float]] = {
    "town": ("circle", "#4d4d4d", 2.0),
    "port": ("square", "#1f5f99", 2.2),
    "border_post": ("diamond", "#b35806", 2.6),
    "reception_station": ("triangle", "#1b7837", 2.8),
    "waypoint": ("circle", "#8c8c8c", 1.4),
}
#: incidents: (upper bound of dead + missing, label); circle area proportional to the count
INCIDENT_CLASSES = ((1, "1"), (4, "2 to 4"), (9, "5 to 9"), (24, "10 to 24"), (10_000, "25 or more"))
INCIDENT_COLOUR = "#b2182b"
OFFSET_MM = 0.7
QGIS_VERSION = "3.22.0-Białowieża"


# ----------------------------------------------------------------------------------------------------- QML
def _rgba(colour: str, alpha: int = 255) -> str:
    return ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + f",{alpha}"


def _options(layer: ET.Element, options: Mapping[str, str]) -> None:
    """Symbol-layer options, as QGIS 3 writes them (an Option map) and as older versions read them (prop)."""
    box = ET.SubElement(layer, "Option", type="Map")
    for k, v in options.items():
        ET.SubElement(box, "Option", name=k, type="QString", value=v)
    for k, v in options.items():
        ET.SubElement(layer, "prop", k=k, v=v)


def _data_defined(layer: ET.Element, expressions: Mapping[str, str]) -> None:
    """Data-defined overrides (property key -> QGIS expression) of a symbol layer."""
    outer = ET.SubElement(ET.SubElement(layer, "data_defined_properties"), "Option", type="Map")
    ET.SubElement(outer, "Option", name="name", type="QString", value="")
    props = ET.SubElement(outer, "Option", name="properties", type="Map")
    for key, expression in expressions.items():
        p = ET.SubElement(props, "Option", name=key, type="Map")
        ET.SubElement(p, "Option", name="active", type="bool", value="true")
        ET.SubElement(p, "Option", name="expression", type="QString", value=expression)
        ET.SubElement(p, "Option", name="type", type="int", value="3")  # an expression-based property
    ET.SubElement(outer, "Option", name="type", type="QString", value="collection")


def _symbol(parent: ET.Element, kind: str, name: str) -> ET.Element:
    return ET.SubElement(parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")


def _layer(symbol: ET.Element, cls: str) -> ET.Element:
    return ET.SubElement(symbol, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})


def _case(field: str, mapping: Mapping[str, str], default: str) -> str:
    whens = " ".join(f"WHEN \"{field}\" = '{k}' THEN {v}" for k, v in mapping.items())
    return f"CASE {whens} ELSE {default} END"


def _prior_test() -> str:  # only in a style made for a layer with the field (legs_qml(prior_weight=True))
    return f'coalesce("prior_weight", 0) > {PRIOR_DOMINATED}'


def _leg_symbol(parent: ET.Element, name: str, colour: str, *, prior: bool, missing: bool) -> None:
    sym = _symbol(parent, "line", name)
    line = _layer(sym, "SimpleLine")
    _options(line, {"capstyle": "round", "joinstyle": "round", "line_color": _rgba(colour),
                    "line_style": "dash" if missing else "solid", "line_width": "0.6", "line_width_unit": "MM",
                    "offset": str(OFFSET_MM), "offset_unit": "MM"})
    width = _case("mode", {m: str(w) for m, (w, _, _) in MODE_LINES.items()}, "0.6")
    style = _case("mode", {m: f"'{s}'" for m, (_, s, _) in MODE_LINES.items()}, "'solid'")
    dd = {"outlineWidth": width, "outlineStyle": f"CASE WHEN {_prior_test()} THEN '{PRIOR_DASH[0]}' ELSE {style} END"}
    if prior:
        rgb = _rgba(colour).rsplit(",", 1)[0]
        dd["outlineColor"] = (
            f"CASE WHEN {_prior_test()} THEN color_rgba({rgb}, {PRIOR_ALPHA}) ELSE color_rgba({rgb}, 255) END"
        )
    if missing:
        dd.pop("outlineStyle")
    elif not prior:  # the layer has no prior_weight field: the style by mode only
        dd["outlineStyle"] = style
    _data_defined(line, dd)
    arrows = _layer(sym, "MarkerLine")
    _options(arrows, {"average_angle_length": "4", "average_angle_unit": "MM", "interval": "18", "interval_unit": "MM",
                      "offset": str(OFFSET_MM), "offset_unit": "MM", "offset_along_line": "9",
                      "offset_along_line_unit": "MM", "placement": "interval", "placements": "Interval",
                      "rotate": "1"})
    _data_defined(arrows, {"enabled": "\"directions\" IS NULL OR \"directions\" <> 'both'"})
    head = _symbol(arrows, "marker", f"@{name}@1")
    marker = _layer(head, "SimpleMarker")
    _options(marker, {"angle": "0", "color": _rgba(colour), "name": "filled_arrowhead", "outline_color": _rgba(colour),
                      "outline_style": "no", "size": "2.2", "size_unit": "MM", "vertical_anchor_point": "1",
                      "horizontal_anchor_point": "1"})


def _document(comment: str, renderer: ET.Element, geometry_type: int, preview: str) -> str:
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    root.append(renderer)
    ET.SubElement(root, "previewExpression").text = preview
    ET.SubElement(root, "layerGeometryType").text = str(geometry_type)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return f"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<!-- {comment} -->\n{body}\n"


def legs_qml(classes: RiskClasses, *, prior_weight: bool = False) -> str:
    """The QGIS style of the legs layer: graduated on :data:`RISK_FIELD` in ``classes``.

    Parameters
    ----------
    classes
        From :func:`routes.report.classes.leg_classes` (fitted to the legs styled) or
        :func:`routes.report.classes.classes_for`.
    prior_weight
        Whether the layer has the field ``prior_weight``: legs over :data:`PRIOR_DOMINATED` are then drawn dashed
        and pale. Without it, every leg is drawn by its mode only.

    Returns
    -------
    str
        A QML document (QGIS 3.22 or later reads it).

    Examples
    --------
    >>> from routes.report.classes import classes_for
    >>> qml = legs_qml(classes_for([0.01, 0.5, 7.0], classes=3))
    >>> 'type="graduatedSymbol"' in qml and RISK_FIELD in qml and "filled_arrowhead" in qml
    True
    """
    attr = f'coalesce("{RISK_FIELD}", -1)'
    renderer = ET.Element("renderer-v2", {"type": "graduatedSymbol", "attr": attr, "graduatedMethod": "GraduatedColor",
                                          "symbollevels": "0", "enableorderby": "1", "forceraster": "0",
                                          "referencescale": "-1"})
    ranges, symbols = ET.SubElement(renderer, "ranges"), ET.SubElement(renderer, "symbols")
    ET.SubElement(ranges, "range", lower="-1", upper="-0.5", symbol="0", label="no estimate", render="true")
    _leg_symbol(symbols, "0", NO_ESTIMATE_COLOUR, prior=False, missing=True)
    bounds = [0.0, *classes.breaks, 1e9]
    for i, (colour, label) in enumerate(zip(classes.colours, classes.labels, strict=True), 1):
        n = classes.counts[i - 1] if classes.counts else None
        count = f" ({n} leg{'s' * (n != 1)})" if n is not None else ""
        ET.SubElement(ranges, "range", lower=repr(bounds[i - 1]), upper=repr(bounds[i]), symbol=str(i),
                      label=f"{label}{count}", render="true")
        _leg_symbol(symbols, str(i), colour, prior=prior_weight, missing=False)
    ET.SubElement(renderer, "classificationMethod", id="Jenks")
    order = ET.SubElement(ET.SubElement(renderer, "orderby"), "orderByClause", asc="1", nullsFirst="1")
    order.text = attr
    note = (f"routes: legs coloured by risk per 100 km ({RISK_FIELD}, {RISK_UNIT}), classes by natural breaks of its "
            "logarithm fitted to the legs exported. Each direction drawn 0.7 mm to its side of travel; arrows on "
            "one-way legs; width and dash by mode (boats dotted or dash-dotted, trails wide, roads thin)"
            + (f"; legs whose estimate is over {PRIOR_DOMINATED:.0%} prior dashed and pale" if prior_weight else "")
            + "; legs without an estimate grey and dashed. docs/COLUMNS.md")
    return _document(note, renderer, 1, "\"leg\" || ' (' || \"direction\" || ')'")


def places_qml() -> str:
    """The QGIS style of the places layer: one marker per ``kind``, outlined in white.

    Examples
    --------
    >>> 'type="categorizedSymbol"' in places_qml() and "border_post" in places_qml()
    True
    """
    renderer = ET.Element("renderer-v2", {"type": "categorizedSymbol", "attr": "kind", "symbollevels": "0",
                                          "enableorderby": "0", "forceraster": "0", "referencescale": "-1"})
    cats, symbols = ET.SubElement(renderer, "categories"), ET.SubElement(renderer, "symbols")
    for i, (kind, (shape, colour, size)) in enumerate(PLACE_MARKERS.items()):
        ET.SubElement(cats, "category", symbol=str(i), value=kind, label=kind.replace("_", " "), render="true")
        layer = _layer(_symbol(symbols, "marker", str(i)), "SimpleMarker")
        _options(layer, {"angle": "0", "color": _rgba(colour), "name": shape, "outline_color": "255,255,255,255",
                         "outline_style": "solid", "outline_width": "0.3", "outline_width_unit": "MM",
                         "size": str(size), "size_unit": "MM"})
    return _document("routes: places by kind (town, port, border post, reception station, waypoint)", renderer, 0,
                     '"name"')


def incidents_qml() -> str:
    """The QGIS style of the incidents layer: circles sized by ``dead_missing`` (area proportional to the count).

    Examples
    --------
    >>> 'graduatedMethod="GraduatedSize"' in incidents_qml()
    True
    """
    renderer = ET.Element("renderer-v2", {"type": "graduatedSymbol", "attr": "dead_missing",
                                          "graduatedMethod": "GraduatedSize", "symbollevels": "0",
                                          "enableorderby": "1", "forceraster": "0", "referencescale": "-1"})
    ranges, symbols = ET.SubElement(renderer, "ranges"), ET.SubElement(renderer, "symbols")
    lower = 0
    for i, (upper, label) in enumerate(INCIDENT_CLASSES):
        ET.SubElement(ranges, "range", lower=str(lower), upper=str(upper), symbol=str(i), label=f"{label} dead or "
                                                                                                "missing",
                      render="true")
        size = incident_radius(lower + 1 if i else 1) * 2 / PX_PER_MM  # the web map's diameter in mm
        layer = _layer(_symbol(symbols, "marker", str(i)), "SimpleMarker")
        _options(layer, {"angle": "0", "color": _rgba(INCIDENT_COLOUR, 190), "name": "circle",
                         "outline_color": "255,255,255,230", "outline_style": "solid", "outline_width": "0.25",
                         "outline_width_unit": "MM", "size": f"{size:.2f}", "size_unit": "MM"})
        lower = upper
    order = ET.SubElement(ET.SubElement(renderer, "orderby"), "orderByClause", asc="0", nullsFirst="0")
    order.text = '"dead_missing"'
    return _document("routes: incidents sized by dead and missing (circle area proportional to the count)",
                     renderer, 0, '"main_id"')


def incident_radius(dead_missing: Any) -> float:
    """Circle radius in pixels for an incident with ``dead_missing`` people: area proportional to the count.

    Examples
    --------
    >>> incident_radius(1), incident_radius(4)
    (2.5, 5.0)
    """
    try:
        n = max(float(dead_missing), 1.0)
    except (TypeError, ValueError):
        n = 1.0
    return 2.5 * math.sqrt(n if math.isfinite(n) else 1.0)


def qml_ranges(qml: str) -> list[tuple[float, float, str]]:
    """The ``(lower, upper, label)`` of every range of a graduated QML style, in order.

    Examples
    --------
    >>> from routes.report.classes import classes_for
    >>> qml_ranges(legs_qml(classes_for([0.01, 7.0], classes=2)))[1][2]
    'under 0.3 (1 leg)'
    """
    root = ET.fromstring(qml.split("\n", 1)[1])
    return [(float(r.get("lower", "nan")), float(r.get("upper", "nan")), r.get("label", ""))
            for r in root.iter("range")]
