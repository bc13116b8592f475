"""Charts drawn on the server as inline SVG: columns per day, a line for a running total, bars per category.

No JavaScript and no style attributes (the Content-Security-Policy allows
neither inline scripts nor inline styles): shapes carry classes that
static/site.css colours. Built with ElementTree, so text is escaped and the
result is always well-formed XML. Each chart is `role="img"`, named by its
<title> and described by the caption of the data table shown beside it.
"""
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable, Optional

from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44   # room for the value axis on the left, the day labels below
BASELINE = HEIGHT - BOTTOM
MAX_AXIS_LABELS = 5
ROW_HEIGHT, BAR_HEIGHT = 46, 18             # horizontal bars: a label line, then the bar
VALUE_ROOM = 120                            # right of a horizontal bar: "1,234 / 2,000"
LABEL_CHARS = 48


@dataclass
class Point:
    label: str
    value: int

    def __post_init__(self):
        self.label = str(self.label)  # a lazy translation becomes its text now


@dataclass
class Row:
    label: str
    value: int
    track: Optional[int] = None   # what the bar fills: the capacity, the number registered; None: no track
    text: str = ""                # shown after the bar (the value, "12 / 40", "75%")

    def __post_init__(self):
        self.label, self.text = str(self.label), str(self.text)


def nice_ceiling(value):
    """The axis' top: the smallest 1, 2 or 5 × 10^k at or above `value` (1 for nothing, so never a division by 0)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5):
        if step * power >= value:
            return step * power
    return 10 * power


def _svg(chart_id, title, described_by, height):
    svg = ET.Element("svg", {
        "xmlns": SVG_NS, "viewBox": f"0 0 {WIDTH} {height}", "class": "chart", "id": chart_id,
        "role": "img", "aria-labelledby": f"{chart_id}-title", "focusable": "false",
    })
    if described_by:
        svg.set("aria-describedby", described_by)
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = str(title)
    return svg


def _markup(svg):
    return Markup(ET.tostring(svg, encoding="unicode", short_empty_elements=True))


def _num(value):
    """Coordinates with at most two decimals: short, and the same on every run."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _value_axis(svg, top_value, plot_height, fmt):
    """Grid lines and labels at 0, half and the top (0 and the top when the top is 1)."""
    steps = (0, top_value) if top_value < 2 else (0, top_value / 2, top_value)
    for step in steps:
        y = TOP + plot_height - plot_height * step / top_value
        ET.SubElement(svg, "line", {"class": "grid", "x1": _num(LEFT), "x2": _num(WIDTH - RIGHT),
                                    "y1": _num(y), "y2": _num(y)})
        label = ET.SubElement(svg, "text", {"class": "axis-label", "x": _num(LEFT - 6), "y": _num(y + 4),
                                            "text-anchor": "end"})
        label.text = fmt(int(step) if float(step).is_integer() else step)


def _day_axis(svg, points, slot, baseline):
    """Labels under the columns: at most MAX_AXIS_LABELS, evenly spaced, the first one always."""
    every = math.ceil(len(points) / MAX_AXIS_LABELS)
    for index, point in enumerate(points):
        if index % every:
            continue
        label = ET.SubElement(svg, "text", {"class": "axis-label", "x": _num(LEFT + slot * (index + 0.5)),
                                            "y": _num(baseline + 18), "text-anchor": "middle"})
        label.text = point.label


def _days_frame(chart_id, title, points, fmt, described_by):
    """A chart of one value per day with its axes drawn: (svg, width of a day's slot, pixels per unit)."""
    svg = _svg(chart_id, title, described_by, HEIGHT)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, BASELINE - TOP
    top_value = nice_ceiling(max((p.value for p in points), default=0))
    _value_axis(svg, top_value, plot_height, fmt)
    slot = plot_width / max(len(points), 1)
    _day_axis(svg, points, slot, BASELINE)
    return svg, slot, plot_height / top_value


def column_chart(chart_id, title, points, fmt: Callable = str, described_by=None):
    """One column per point (per day), all of them even when zero, so that the columns are the days."""
    svg, slot, per_unit = _days_frame(chart_id, title, points, fmt, described_by)
    for index, point in enumerate(points):
        height = per_unit * point.value
        bar = ET.SubElement(svg, "rect", {
            "class": "bar", "x": _num(LEFT + slot * index + slot * 0.125), "y": _num(BASELINE - height),
            "width": _num(max(slot * 0.75, 0.5)), "height": _num(height),
            "data-label": point.label, "data-value": str(point.value)})
        ET.SubElement(bar, "title").text = f"{point.label}: {fmt(point.value)}"
    return _markup(svg)


def line_chart(chart_id, title, points, fmt: Callable = str, described_by=None):
    """A line through the points (a running total), a dot on each."""
    svg, slot, per_unit = _days_frame(chart_id, title, points, fmt, described_by)
    coordinates = [(LEFT + slot * (index + 0.5), BASELINE - per_unit * max(point.value, 0))
                   for index, point in enumerate(points)]
    ET.SubElement(svg, "polyline", {"class": "line", "fill": "none",
                                    "points": " ".join(f"{_num(x)},{_num(y)}" for x, y in coordinates)})
    for (x, y), point in zip(coordinates, points):
        dot = ET.SubElement(svg, "circle", {"class": "point", "cx": _num(x), "cy": _num(y), "r": "3",
                                            "data-label": point.label, "data-value": str(point.value)})
        ET.SubElement(dot, "title").text = f"{point.label}: {fmt(point.value)}"
    return _markup(svg)


def _shorten(text):
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def bar_chart(chart_id, title, rows, described_by=None):
    """One horizontal bar per row (a sector, a session), its label above it and its text after it.

    A row with a track draws it behind the bar (seats: taken against capacity; take-up: took part
    against registered). Every row shares one scale, so that bars compare.
    """
    height = TOP + ROW_HEIGHT * max(len(rows), 1) + 8
    svg = _svg(chart_id, title, described_by, height)
    left = 8
    room = WIDTH - left - RIGHT - VALUE_ROOM
    scale = max([max(row.value, row.track or 0) for row in rows] + [1])
    for index, row in enumerate(rows):
        y = TOP + ROW_HEIGHT * index
        ET.SubElement(svg, "text", {"class": "bar-label", "x": _num(left), "y": _num(y + 12)}).text = _shorten(row.label)
        bar_y = y + 18
        if row.track:
            ET.SubElement(svg, "rect", {"class": "track", "x": _num(left), "y": _num(bar_y),
                                        "width": _num(room * row.track / scale), "height": str(BAR_HEIGHT),
                                        "data-value": str(row.track)})
        width = room * row.value / scale
        bar = ET.SubElement(svg, "rect", {"class": "bar", "x": _num(left), "y": _num(bar_y), "width": _num(width),
                                          "height": str(BAR_HEIGHT), "data-label": row.label,
                                          "data-value": str(row.value)})
        ET.SubElement(bar, "title").text = f"{row.label}: {row.text}"
        ET.SubElement(svg, "text", {"class": "bar-value", "x": _num(left + max(width, room * (row.track or 0) / scale) + 6),
                                    "y": _num(bar_y + 14)}).text = row.text
    return _markup(svg)
