"""Inline SVG charts drawn in Python: line, stacked bar, horizontal bar and heatmap.

Every function returns the markup of one <svg> element (no scripts, no external references),
or None when there is nothing to draw, so the page can show a "no data" message instead.
All text is escaped. Values are floats or None (a gap).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 760
FONT_SIZE = 11
CHAR_WIDTH = 6.2  # average width of a character at FONT_SIZE, for layout estimates
AXIS_COLOR = "#5f6b7a"
GRID_COLOR = "#e3e8ee"
TEXT_COLOR = "#1d2733"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str
    dashed: bool = False


@dataclass(frozen=True)
class Bounds:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _num(value: float) -> str:
    """Compact coordinates: 12.0 -> 12, 12.3456 -> 12.35."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(x: float, y: float, content: str, anchor: str = "start", extra: str = "", css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}"{klass}{extra}>{escape(content, quote=True)}</text>'
    )


def _svg(title: str, height: float, body: list[str], width: float = WIDTH) -> str:
    return (
        f'<svg viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" height="{_num(height)}" '
        f'role="img" aria-label="{escape(title, quote=True)}" font-size="{FONT_SIZE}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text_width(content: str) -> float:
    return len(content) * CHAR_WIDTH


def nice_ticks(low: float, high: float, target: int = 5, include_zero: bool = True) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 x 10^k) covering [low, high]."""
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - (0 if include_zero and low == 0 else pad), high + pad
    raw = (high - low) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            step = multiple * magnitude
            break
    start = math.floor(low / step + 1e-9) * step
    end = math.ceil(high / step - 1e-9) * step
    count = int(round((end - start) / step))
    return [round(start + i * step, 10) for i in range(count + 1)]


class LinearScale:
    def __init__(self, ticks: list[float], pixel_low: float, pixel_high: float):
        self.ticks = ticks
        self.low, self.high = ticks[0], ticks[-1]
        self.pixel_low, self.pixel_high = pixel_low, pixel_high

    def __call__(self, value: float) -> float:
        span = self.high - self.low or 1.0
        return self.pixel_low + (value - self.low) / span * (self.pixel_high - self.pixel_low)


def _legend(series: Sequence[tuple[str, str, bool]], x: float, y: float, max_x: float) -> list[str]:
    """Swatches and names in a row (wrapping), from (x, y)."""
    parts = []
    cursor_x, cursor_y = x, y
    for name, color, is_line in series:
        item_width = 16 + _text_width(name) + 14
        if cursor_x + item_width > max_x and cursor_x > x:
            cursor_x, cursor_y = x, cursor_y + 16
        if is_line:
            parts.append(
                f'<line x1="{_num(cursor_x)}" y1="{_num(cursor_y - 4)}" x2="{_num(cursor_x + 12)}" '
                f'y2="{_num(cursor_y - 4)}" stroke="{color}" stroke-width="2.5"/>'
            )
        else:
            parts.append(f'<rect x="{_num(cursor_x)}" y="{_num(cursor_y - 9)}" width="10" height="10" fill="{color}"/>')
        parts.append(_text(cursor_x + 16, cursor_y, name, css="legend"))
        cursor_x += item_width
    return parts


def _legend_rows(names: Sequence[str], available: float) -> int:
    rows, used = 1, 0.0
    for name in names:
        item_width = 16 + _text_width(name) + 14
        if used + item_width > available and used > 0:
            rows, used = rows + 1, 0.0
        used += item_width
    return rows


def _value_axis_left(
    scale: LinearScale, bounds: Bounds, label: str, fmt: Callable[[float], str], grid: bool = True
) -> list[str]:
    parts = []
    for tick in scale.ticks:
        y = scale(tick)
        if grid:
            stroke = AXIS_COLOR if tick == 0 else GRID_COLOR
            parts.append(
                f'<line x1="{_num(bounds.left)}" y1="{_num(y)}" x2="{_num(bounds.right)}" y2="{_num(y)}" '
                f'stroke="{stroke}" stroke-width="1"/>'
            )
        parts.append(_text(bounds.left - 6, y + 4, fmt(tick), anchor="end", css="tick"))
    middle = bounds.top + bounds.height / 2
    parts.append(
        _text(16, middle, label, anchor="middle", extra=f' transform="rotate(-90 16 {_num(middle)})"', css="axis-label")
    )
    return parts


def _value_axis_right(scale: LinearScale, bounds: Bounds, label: str, fmt: Callable[[float], str]) -> list[str]:
    parts = []
    for tick in scale.ticks:
        parts.append(_text(bounds.right + 6, scale(tick) + 4, fmt(tick), anchor="start", css="tick"))
    middle = bounds.top + bounds.height / 2
    x = WIDTH - 14
    parts.append(
        _text(
            x,
            middle,
            label,
            anchor="middle",
            extra=f' transform="rotate(90 {_num(x)} {_num(middle)})"',
            css="axis-label",
        )
    )
    return parts


def _category_axis(categories: Sequence[str], bounds: Bounds, label: str) -> list[str]:
    """Labels under evenly spaced bands, thinned so they do not overlap."""
    count = len(categories)
    band = bounds.width / count
    widest = max(_text_width(c) for c in categories) + 8
    step = max(1, math.ceil(widest / band))
    parts = [
        f'<line x1="{_num(bounds.left)}" y1="{_num(bounds.bottom)}" x2="{_num(bounds.right)}" '
        f'y2="{_num(bounds.bottom)}" stroke="{AXIS_COLOR}" stroke-width="1"/>'
    ]
    for index, category in enumerate(categories):
        if (count - 1 - index) % step:
            continue  # keep the latest label, thin the others
        x = bounds.left + (index + 0.5) * band
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(bounds.bottom)}" x2="{_num(x)}" y2="{_num(bounds.bottom + 4)}" '
            f'stroke="{AXIS_COLOR}"/>'
        )
        parts.append(_text(x, bounds.bottom + 16, category, anchor="middle", css="tick"))
    parts.append(_text(bounds.left + bounds.width / 2, bounds.bottom + 36, label, anchor="middle", css="axis-label"))
    return parts


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    y_label: str,
    x_label: str = "month",
    include_zero: bool = True,
    right_axis: tuple[str, float, Callable[[float], str]] | None = None,
    tooltip_fmt: Callable[[float], str] | None = None,
) -> str | None:
    """One line per series over the categories; None values leave gaps.

    right_axis = (label, factor, formatter) adds a second value axis showing factor x the left one
    (e.g. ARR = 12 x MRR), so one line reads on both scales.
    """
    values = [v for s in series for v in _finite(s.values)]
    if not categories or not values:
        return None
    tooltip_fmt = tooltip_fmt or fmt
    legend_rows = _legend_rows([s.name for s in series], WIDTH - 90)
    top = 18 + 16 * legend_rows
    bounds = Bounds(left=78, top=top, right=WIDTH - (78 if right_axis else 24), bottom=top + 250)
    ticks = nice_ticks(min(values), max(values), include_zero=include_zero)
    scale = LinearScale(ticks, bounds.bottom, bounds.top)
    body = _value_axis_left(scale, bounds, y_label, fmt)
    if right_axis:
        label, factor, right_fmt = right_axis
        right_scale = LinearScale(ticks, bounds.bottom, bounds.top)
        body += _value_axis_right(right_scale, bounds, label, lambda t: right_fmt(t * factor))
    body += _category_axis(categories, bounds, x_label)
    band = bounds.width / len(categories)
    show_points = len(categories) <= 40
    for line in series:
        segments: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(line.values):
            if value is None or not math.isfinite(value):
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((bounds.left + (index + 0.5) * band, scale(value)))
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{_num(x)},{_num(y)}" for x, y in segment)
                body.append(
                    f'<polyline points="{points}" fill="none" stroke="{line.color}" stroke-width="2.2"'
                    f' stroke-linejoin="round"{dash}/>'
                )
        if show_points or any(len(s) == 1 for s in segments):
            for index, value in enumerate(line.values):
                if value is None or not math.isfinite(value):
                    continue
                x, y = bounds.left + (index + 0.5) * band, scale(value)
                tip = f"{line.name}, {categories[index]}: {tooltip_fmt(value)}"
                body.append(
                    f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{line.color}">'
                    f"<title>{escape(tip)}</title></circle>"
                )
    body += _legend([(s.name, s.color, True) for s in series], bounds.left, 16, WIDTH - 12)
    return _svg(title, bounds.bottom + 46, body)


def stacked_bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    y_label: str,
    x_label: str = "month",
    net: Series | None = None,
    tooltip_fmt: Callable[[float], str] | None = None,
) -> str | None:
    """Bars stacked per category: positive values above the zero line, negative ones below it.

    net, when given, is drawn as a line with markers (e.g. net MRR change).
    """
    if not categories or not any(_finite(s.values) for s in series):
        return None
    tooltip_fmt = tooltip_fmt or fmt
    highs, lows = [], []
    for index in range(len(categories)):
        column = [s.values[index] for s in series if s.values[index] is not None]
        highs.append(sum(v for v in column if v > 0))
        lows.append(sum(v for v in column if v < 0))
    extremes = highs + lows + (_finite(net.values) if net else [])
    names = [(s.name, s.color, False) for s in series] + ([(net.name, net.color, True)] if net else [])
    legend_rows = _legend_rows([n for n, _, _ in names], WIDTH - 90)
    top = 18 + 16 * legend_rows
    bounds = Bounds(left=78, top=top, right=WIDTH - 24, bottom=top + 260)
    scale = LinearScale(nice_ticks(min(extremes), max(extremes)), bounds.bottom, bounds.top)
    body = _value_axis_left(scale, bounds, y_label, fmt)
    band = bounds.width / len(categories)
    bar_width = max(band * 0.7, 1.0)
    for index, category in enumerate(categories):
        x = bounds.left + index * band + (band - bar_width) / 2
        above, below = 0.0, 0.0
        for bar in series:
            value = bar.values[index]
            if value is None or value == 0:
                continue
            if value > 0:
                y_top, y_bottom = scale(above + value), scale(above)
                above += value
            else:
                y_top, y_bottom = scale(below), scale(below + value)
                below += value
            tip = f"{bar.name}, {category}: {tooltip_fmt(value)}"
            body.append(
                f'<rect x="{_num(x)}" y="{_num(y_top)}" width="{_num(bar_width)}" '
                f'height="{_num(max(y_bottom - y_top, 0.5))}" fill="{bar.color}"><title>{escape(tip)}</title></rect>'
            )
    body += _category_axis(categories, bounds, x_label)
    zero = scale(0.0)
    body.append(
        f'<line x1="{_num(bounds.left)}" y1="{_num(zero)}" x2="{_num(bounds.right)}" y2="{_num(zero)}" '
        f'stroke="{TEXT_COLOR}" stroke-width="1.2"/>'
    )
    if net:
        points = [
            (bounds.left + (i + 0.5) * band, scale(v), v)
            for i, v in enumerate(net.values)
            if v is not None and math.isfinite(v)
        ]
        if len(points) > 1:
            body.append(
                '<polyline points="'
                + " ".join(f"{_num(x)},{_num(y)}" for x, y, _ in points)
                + f'" fill="none" stroke="{net.color}" stroke-width="1.8"/>'
            )
        for (x, y, value), index in zip(points, [i for i, v in enumerate(net.values) if v is not None], strict=True):
            tip = f"{net.name}, {categories[index]}: {tooltip_fmt(value)}"
            body.append(
                f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="#ffffff" stroke="{net.color}" stroke-width="1.8">'
                f"<title>{escape(tip)}</title></circle>"
            )
    body += _legend(names, bounds.left, 16, WIDTH - 12)
    return _svg(title, bounds.bottom + 46, body)


def hbar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    value_label: str,
    category_label: str,
    annotations: Sequence[str] | None = None,
    tooltip_fmt: Callable[[float], str] | None = None,
) -> str | None:
    """Horizontal bars, one group per category (e.g. channels or funnel stages).

    annotations: one text per category, written to the right of its bars (e.g. "LTV:CAC 3.1x").
    """
    if not categories or not any(_finite(s.values) for s in series):
        return None
    tooltip_fmt = tooltip_fmt or fmt
    values = [v for s in series for v in _finite(s.values)]
    label_width = min(max(_text_width(c) for c in categories) + 14, 190)
    annotation_width = min(max((_text_width(a) for a in annotations or [""]), default=0) + 12, 230)
    legend_rows = _legend_rows([s.name for s in series], WIDTH - 90) if len(series) > 1 else 0
    top = 14 + 16 * legend_rows
    bar_height = 16
    group_height = bar_height * len(series) + 10
    left = 34 + label_width
    bounds = Bounds(
        # 52px beyond the axis for the value written after the longest bar
        left=left,
        top=top,
        right=WIDTH - 16 - annotation_width - 52,
        bottom=top + group_height * len(categories),
    )
    ticks = nice_ticks(min(values), max(values), target=4)
    scale = LinearScale(ticks, bounds.left, bounds.right)
    body = []
    for tick in ticks:
        x = scale(tick)
        stroke = AXIS_COLOR if tick == 0 else GRID_COLOR
        body.append(
            f'<line x1="{_num(x)}" y1="{_num(bounds.top)}" x2="{_num(x)}" y2="{_num(bounds.bottom)}" '
            f'stroke="{stroke}" stroke-width="1"/>'
        )
        body.append(_text(x, bounds.bottom + 15, fmt(tick), anchor="middle", css="tick"))
    body.append(
        _text(bounds.left + bounds.width / 2, bounds.bottom + 34, value_label, anchor="middle", css="axis-label")
    )
    middle = bounds.top + bounds.height / 2
    body.append(
        _text(
            14,
            middle,
            category_label,
            anchor="middle",
            extra=f' transform="rotate(-90 14 {_num(middle)})"',
            css="axis-label",
        )
    )
    zero = scale(0.0)
    for index, category in enumerate(categories):
        group_top = bounds.top + index * group_height + 5
        body.append(_text(bounds.left - 8, group_top + group_height / 2, category, anchor="end", css="tick"))
        for offset, bar in enumerate(series):
            value = bar.values[index]
            if value is None or not math.isfinite(value):
                continue
            x0, x1 = sorted((zero, scale(value)))
            y = group_top + offset * bar_height
            tip = f"{bar.name}, {category}: {tooltip_fmt(value)}"
            body.append(
                f'<rect x="{_num(x0)}" y="{_num(y)}" width="{_num(max(x1 - x0, 0.5))}" '
                f'height="{bar_height - 3}" fill="{bar.color}"><title>{escape(tip)}</title></rect>'
            )
            body.append(_text(x1 + 4, y + bar_height - 6, tooltip_fmt(value), css="value"))
        if annotations and annotations[index]:
            body.append(
                _text(
                    bounds.right + annotation_width + 4,
                    group_top + group_height / 2,
                    annotations[index],
                    "end",
                    "",
                    "note",
                )
            )
    if len(series) > 1:
        body += _legend([(s.name, s.color, False) for s in series], bounds.left, 14, WIDTH - 12)
    return _svg(title, bounds.bottom + 44, body)


def _heat_color(value: float, scale_max: float) -> tuple[str, str]:
    """Fill and text colour: white to deep blue for 0..100%, blue to green above 100%."""
    if value <= 1.0:
        t = max(value, 0.0)
        low, high = (247, 251, 255), (8, 69, 148)
    else:
        t = min((value - 1.0) / max(scale_max - 1.0, 0.25), 1.0)
        low, high = (8, 69, 148), (0, 109, 44)
    rgb = tuple(round(a + (b - a) * t) for a, b in zip(low, high, strict=True))
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return "#{:02x}{:02x}{:02x}".format(*rgb), ("#ffffff" if luminance < 140 else TEXT_COLOR)


def heatmap(
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: dict[tuple[int, int], float | None],
    fmt: Callable[[float], str],
    x_label: str,
    y_label: str,
    row_notes: Sequence[str] | None = None,
) -> str | None:
    """A grid of coloured cells (row, column) -> value, for retention triangles. Values are fractions."""
    finite = [v for v in cells.values() if v is not None and math.isfinite(v)]
    if not row_labels or not column_labels or not finite:
        return None
    scale_max = max(max(finite), 1.0)
    label_width = max(_text_width(r) for r in row_labels) + 12
    note_width = (max(_text_width(n) for n in row_notes) + 12) if row_notes else 0
    bounds_left = 8 + label_width
    available = WIDTH - bounds_left - 12 - note_width
    cell_width = available / len(column_labels)
    cell_height = 22 if len(row_labels) <= 18 else max(30 * 18 / len(row_labels), 12)
    top = 40
    bounds = Bounds(bounds_left, top, bounds_left + available, top + cell_height * len(row_labels))
    body = []
    show_values = cell_width >= 34 and cell_height >= 14
    for (row, column), value in sorted(cells.items()):
        if value is None or not math.isfinite(value):
            continue
        fill, ink = _heat_color(value, scale_max)
        x, y = bounds.left + column * cell_width, bounds.top + row * cell_height
        tip = f"{row_labels[row]}, {x_label} {column_labels[column]}: {fmt(value)}"
        body.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(cell_width - 1)}" height="{_num(cell_height - 1)}" '
            f'fill="{fill}"><title>{escape(tip)}</title></rect>'
        )
        if show_values:
            body.append(
                _text(x + cell_width / 2, y + cell_height / 2 + 4, fmt(value), "middle", f' style="fill:{ink}"', "cell")
            )
    row_step = max(1, math.ceil(12 / cell_height))
    for index, label in enumerate(row_labels):
        if index % row_step == 0:
            y = bounds.top + index * cell_height + cell_height / 2 + 4
            body.append(_text(bounds.left - 6, y, label, anchor="end", css="tick"))
            if row_notes:
                body.append(_text(bounds.right + 6, y, row_notes[index], css="note"))
    column_step = max(1, math.ceil(24 / cell_width))
    for index, label in enumerate(column_labels):
        if index % column_step == 0:
            x = bounds.left + (index + 0.5) * cell_width
            body.append(_text(x, bounds.top - 6, label, anchor="middle", css="tick"))
    # both axis titles go above the grid: a rotated one would not fit beside a short triangle
    body.append(_text(bounds.right, 14, x_label, anchor="end", css="axis-label"))
    body.append(_text(8, 14, y_label, css="axis-label"))
    legend_y = bounds.bottom + 24
    steps = [0.0, 0.25, 0.5, 0.75, 1.0] + ([scale_max] if scale_max > 1.0 else [])
    x = bounds.left
    for step in steps:
        fill, _ = _heat_color(step, scale_max)
        body.append(
            f'<rect x="{_num(x)}" y="{_num(legend_y - 10)}" width="14" height="12" fill="{fill}" '
            f'stroke="{GRID_COLOR}"/>'
        )
        label = fmt(step)
        body.append(_text(x + 18, legend_y, label, css="legend"))
        x += 18 + _text_width(label) + 14
    return _svg(title, legend_y + 12, body)
