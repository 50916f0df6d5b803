"""Server-side SVG charts: pure functions from numbers to an SVG string.

Every data mark carries a ``<title>`` child, which browsers show as a tooltip on hover, so the
charts have hover values without any JavaScript. All text goes through ``escape``: labels come
from parameter names and values that the user chose. ``None`` (and NaN) values are gaps, never
zeros. An empty data set gives a small SVG that says so, so a page never breaks on a fresh read
model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape as _escape

Number = float | int
PALETTE = ("#2f7ed8", "#e4572e", "#17a589", "#8e44ad", "#f39c12", "#566573")
CHAR_W = 6.6  # average width of a tick character (11 px sans-serif, app.css), for layout
NEGATIVE, NEUTRAL, POSITIVE = (192, 57, 43), (247, 247, 247), (30, 132, 73)


@dataclass(frozen=True, slots=True)
class Frame:
    """Plot area inside the SVG: margins leave room for the axis labels."""

    width: int = 640
    height: int = 260
    left: int = 52
    right: int = 12
    top: int = 12
    bottom: int = 30

    @property
    def inner_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def inner_h(self) -> float:
        return self.height - self.top - self.bottom


def escape(text: object) -> str:
    return _escape(str(text), {'"': "&quot;"})


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if not _finite(value) else f"{value:.{digits}f}"


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _open(frame: Frame, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {frame.width} {frame.height}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" aria-label="{escape(label)}">'
    )


def empty_chart(label: str, frame: Frame = Frame()) -> str:
    return (
        _open(frame, label) + f'<text class="empty" x="{frame.width / 2}" y="{frame.height / 2}" '
        f'text-anchor="middle">{escape(label)}: no data</text></svg>'
    )


def _scale(lo: float, hi: float, out_lo: float, out_hi: float):
    if hi == lo:  # one distinct value: put it mid-way rather than divide by zero
        lo, hi = lo - 0.5, hi + 0.5
    return lambda v: out_lo + (v - lo) / (hi - lo) * (out_hi - out_lo)


def _bounds(values: Sequence[float], include_zero: bool = False) -> tuple[float, float]:
    finite = [v for v in values if _finite(v)]
    lo, hi = min(finite), max(finite)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    return lo, hi


def tick_step(lo: float, hi: float, target: int = 4) -> float:
    """A round distance between y ticks (1, 2 or 5 times a power of ten) giving about
    ``target`` intervals over ``[lo, hi]``."""
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    power = 10.0 ** math.floor(math.log10(span / target))
    return next(m * power for m in (1, 2, 5, 10) if m * power * target >= span)


def _y_ticks(lo: float, hi: float) -> list[float]:
    """Round values inside ``[lo, hi]`` (both ends when there is no round value between)."""
    step = tick_step(lo, hi)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = [first + k * step for k in range(int((hi - first) / step + 1e-9) + 1)]
    return ticks or [lo, hi]


def tick_text(value: float, step: float) -> str:
    """A tick as people read it: thousands separators, the decimals its step needs."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{0.0 if abs(value) < step / 2 else value:,.{decimals}f}"


def _fit_y_labels(frame: Frame, lo: float, hi: float) -> Frame:
    """The frame widened on the left until the longest y tick label fits (``10,424.85`` does
    not fit the default margin)."""
    step = tick_step(lo, hi)
    widest = max(len(tick_text(t, step)) for t in _y_ticks(lo, hi)) * CHAR_W + 8
    return replace(frame, left=math.ceil(widest)) if widest > frame.left else frame


def _y_axis(frame: Frame, lo: float, hi: float, y) -> str:
    parts = [
        f'<line class="axis" x1="{frame.left}" y1="{frame.top}" x2="{frame.left}" '
        f'y2="{frame.top + frame.inner_h}"/>'
    ]
    step = tick_step(lo, hi)
    for t in _y_ticks(lo, hi):
        parts.append(
            f'<text class="tick" x="{frame.left - 4}" y="{y(t) + 4:.1f}" '
            f'text-anchor="end">{escape(tick_text(t, step))}</text>'
        )
    if lo < 0 < hi:  # the zero line: above it the figure is a gain, below a loss
        parts.append(
            f'<line class="zero" x1="{frame.left}" y1="{y(0):.1f}" '
            f'x2="{frame.left + frame.inner_w}" y2="{y(0):.1f}"/>'
        )
    return "".join(parts)


def _x_labels(frame: Frame, labels: Sequence[str], x) -> str:
    """Evenly spaced labels, each kept only if it clears the one before it; the first starts
    at its point and one near the right edge ends there, so the border cuts none."""
    if not labels:
        return ""
    label_w = max(len(label) for label in labels) * CHAR_W
    fitting = max(1, int(frame.inner_w // (label_w + 12)))
    step = max(1, math.ceil(len(labels) / fitting))
    base = frame.top + frame.inner_h + 16
    out, free_from = [], 0.0
    for i in range(0, len(labels), step):
        px = x(i)
        anchor, left = "middle", px - label_w / 2
        if left < 2:
            anchor, left = "start", px
        elif px + label_w / 2 > frame.width - 2:
            anchor, left = "end", px - label_w
        if left < free_from:
            continue
        free_from = left + label_w + 12
        out.append(
            f'<text class="tick" x="{px:.1f}" y="{base}" text-anchor="{anchor}">'
            f"{escape(labels[i])}</text>"
        )
    return "".join(out)


# -- line chart ---------------------------------------------------------------------------------
def line_chart(
    series: Mapping[str, Sequence[float | None]],
    x_labels: Sequence[str] = (),
    *,
    label: str = "line chart",
    digits: int = 2,
    frame: Frame = Frame(),
) -> str:
    """One polyline per series over a shared index; each point has a hover ``<title>``.

    ``x_labels[i]`` names point ``i`` in the tooltips and along the x axis. A ``None`` breaks
    the line (a gap) instead of drawing it through zero.
    """
    values = [v for vals in series.values() for v in vals if _finite(v)]
    if not values:
        return empty_chart(label, frame)
    n = max(len(v) for v in series.values())
    lo, hi = _bounds(values, include_zero=True)
    frame = _fit_legend(_fit_y_labels(frame, lo, hi), list(series))
    x = _scale(0, max(n - 1, 1), frame.left + 4, frame.left + frame.inner_w - 4)
    y = _scale(lo, hi, frame.top + frame.inner_h, frame.top)
    parts = [_open(frame, label), _y_axis(frame, lo, hi, y), _x_labels(frame, x_labels, x)]
    for k, (name, vals) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        parts.append(_polylines(vals, x, y, colour))
        parts.append(_points(name, vals, x_labels, x, y, colour, digits))
    parts.append(_legend(list(series), frame))
    return "".join(parts) + "</svg>"


def _polylines(vals: Sequence[float | None], x, y, colour: str) -> str:
    runs, current = [], []
    for i, v in enumerate(vals):
        if _finite(v):
            current.append(f"{x(i):.1f},{y(v):.1f}")
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return "".join(
        f'<polyline class="series" fill="none" stroke="{colour}" points="{" ".join(r)}"/>'
        for r in runs
    )


def _points(name, vals, x_labels, x, y, colour: str, digits: int) -> str:
    out = []
    for i, v in enumerate(vals):
        if not _finite(v):
            continue
        where = x_labels[i] if i < len(x_labels) else str(i)
        out.append(
            f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}">'
            f"<title>{escape(name)} {escape(where)}: {escape(fmt(v, digits))}</title></circle>"
        )
    return "".join(out)


LEGEND_H = 18  # room above the plot for the legend: drawn inside, it hid the first points


def _fit_legend(frame: Frame, names: Sequence[str]) -> Frame:
    if len(names) < 2 or frame.top >= LEGEND_H:
        return frame
    return replace(frame, top=LEGEND_H)


def _legend(names: Sequence[str], frame: Frame) -> str:
    """Colour keys above the plot (``_fit_legend`` made room); none for a single series."""
    if len(names) < 2:
        return ""
    out, x = [], frame.left + 8
    for k, name in enumerate(names):
        colour = PALETTE[k % len(PALETTE)]
        out.append(
            f'<rect x="{x}" y="2" width="10" height="10" fill="{colour}"/>'
            f'<text class="legend" x="{x + 14}" y="11">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return "".join(out)


# -- long curves ---------------------------------------------------------------------------------
def curve_chart(
    series: Mapping[str, Sequence[float | None]],
    x_labels: Sequence[str] = (),
    *,
    label: str = "curve",
    digits: int = 2,
    frame: Frame = Frame(),
    x_ticks: Sequence[str] | None = None,
    max_hover: int | None = None,
) -> str:
    """Lines for long series (an equity curve): no marker per point, which would hide the
    line, but one invisible full-height hover strip per point naming every series' value
    (at most ``max_hover`` strips, evenly spread, each as wide as its share: a light page).
    ``x_ticks`` (default ``x_labels``) are the shorter texts along the axis."""
    values = [v for vals in series.values() for v in vals if _finite(v)]
    if not values:
        return empty_chart(label, frame)
    n = max(len(v) for v in series.values())
    lo, hi = _bounds(values)
    frame = _fit_legend(_fit_y_labels(frame, lo, hi), list(series))
    x = _scale(0, max(n - 1, 1), frame.left + 4, frame.left + frame.inner_w - 4)
    y = _scale(lo, hi, frame.top + frame.inner_h, frame.top)
    parts = [
        _open(frame, label),
        _y_axis(frame, lo, hi, y),
        _x_labels(frame, x_ticks or x_labels, x),
    ]
    for k, vals in enumerate(series.values()):
        parts.append(_polylines(vals, x, y, PALETTE[k % len(PALETTE)]))
    parts.append(_hover_strips(series, x_labels, x, frame, _hovered(n, max_hover), digits))
    parts.append(_legend(list(series), frame))
    return "".join(parts) + "</svg>"


def _hovered(n: int, max_hover: int | None) -> list[int]:
    """The points that get a hover strip: all, or ``max_hover`` of them evenly spread."""
    if max_hover is None or n <= max_hover:
        return list(range(n))
    return sorted({round(k * (n - 1) / (max_hover - 1)) for k in range(max_hover)})


def _hover_strips(series, x_labels, x, frame: Frame, shown_at: list[int], digits: int) -> str:
    width = frame.inner_w / max(len(shown_at), 1)
    out = []
    for i in shown_at:
        shown = [
            f"{escape(name)} {escape(fmt(vals[i], digits))}"
            for name, vals in series.items()
            if i < len(vals) and _finite(vals[i])
        ]
        if not shown:
            continue
        where = escape(x_labels[i]) if i < len(x_labels) else str(i)
        out.append(
            f'<rect class="hover" x="{x(i) - width / 2:.1f}" y="{frame.top}" '
            f'width="{width:.1f}" height="{frame.inner_h}">'
            f"<title>{where}: {', '.join(shown)}</title></rect>"
        )
    return _transparent(out)


def _transparent(strips: list[str]) -> str:
    """Hover strips in one group that makes them invisible: the fill is inherited, not
    repeated on each strip (a year's charts: 3 KB of a page under 60 KB)."""
    return f'<g fill="transparent">{"".join(strips)}</g>' if strips else ""


# -- drawdown area ------------------------------------------------------------------------------
def drawdown_chart(
    drawdown_pct: Sequence[float],
    x_labels: Sequence[str] = (),
    *,
    label: str = "drawdown",
    frame: Frame = Frame(),
    x_ticks: Sequence[str] | None = None,
    threshold: float | None = None,
    max_hover: int | None = None,
) -> str:
    """Drawdown (percent, <= 0) as an area filled from zero down, hover value per point;
    ``threshold`` (a percent, <= 0: a kill switch's drawdown) is a dashed line the scale
    always includes, so how near the run came to it shows."""
    finite = [v for v in drawdown_pct if _finite(v)]
    if not finite:
        return empty_chart(label, frame)
    lo = min(min(finite), 0.0, threshold if _finite(threshold) else 0.0)
    frame = _fit_y_labels(frame, lo, 0.0)
    x = _scale(0, max(len(drawdown_pct) - 1, 1), frame.left + 4, frame.left + frame.inner_w - 4)
    y = _scale(lo, 0.0, frame.top + frame.inner_h, frame.top)
    pts = [(x(i), y(v)) for i, v in enumerate(drawdown_pct) if _finite(v)]
    outline = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
    area = f"{pts[0][0]:.1f},{y(0):.1f} {outline} {pts[-1][0]:.1f},{y(0):.1f}"
    parts = [
        _open(frame, label),
        _y_axis(frame, lo, 0.0, y),
        _x_labels(frame, x_ticks or x_labels, x),
        f'<polygon class="drawdown" points="{area}" fill="#e4572e" fill-opacity="0.35"/>',
        f'<polyline fill="none" stroke="#e4572e" points="{outline}"/>',
        _hover_columns(
            drawdown_pct,
            x_labels,
            x,
            frame,
            "drawdown",
            "%",
            _hovered(len(drawdown_pct), max_hover),
        ),
    ]
    if _finite(threshold):
        parts.append(
            f'<line class="threshold" x1="{frame.left}" y1="{y(threshold):.1f}" '
            f'x2="{frame.left + frame.inner_w}" y2="{y(threshold):.1f}" stroke="#c0392b" '
            f'stroke-dasharray="6 3"><title>kill switch at {escape(fmt(threshold))}%'
            "</title></line>"
        )
    return "".join(parts) + "</svg>"


def _hover_columns(
    vals, x_labels, x, frame: Frame, name: str, unit: str, shown_at: list[int] | None = None
) -> str:
    """Invisible full-height strips, one per point (or per point of ``shown_at``): hovering
    anywhere above a point shows it."""
    shown_at = list(range(len(vals))) if shown_at is None else shown_at
    width = frame.inner_w / max(len(shown_at), 1)
    out = []
    for i in shown_at:
        v = vals[i]
        if not _finite(v):
            continue
        where = x_labels[i] if i < len(x_labels) else str(i)
        out.append(
            f'<rect class="hover" x="{x(i) - width / 2:.1f}" y="{frame.top}" '
            f'width="{width:.1f}" height="{frame.inner_h}">'
            f"<title>{escape(name)} {escape(where)}: {escape(fmt(v))}{unit}</title></rect>"
        )
    return _transparent(out)


# -- histogram ----------------------------------------------------------------------------------
def histogram_counts(values: Sequence[float], bins: int) -> tuple[list[float], list[int]]:
    """Bin edges (``bins + 1``) and counts; the last bin includes its right edge (as numpy)."""
    finite = [v for v in values if _finite(v)]
    if not finite:
        return [], []
    lo, hi = min(finite), max(finite)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    width = (hi - lo) / bins
    edges = [lo + i * width for i in range(bins)] + [hi]
    counts = [0] * bins
    for v in finite:
        counts[min(int((v - lo) / width), bins - 1)] += 1
    return edges, counts


def histogram(
    values: Sequence[float],
    bins: int = 20,
    *,
    label: str = "histogram",
    frame: Frame = Frame(),
    mark: tuple[float, str] | None = None,
) -> str:
    """Bars of counts per bin; each bar's tooltip gives its range and count. ``mark``
    (value, name) draws a line at one value, named in visible text (not only a tooltip)."""
    edges, counts = histogram_counts(values, bins)
    if not counts:
        return empty_chart(label, frame)
    frame = _fit_y_labels(frame, 0, max(counts))
    x = _scale(edges[0], edges[-1], frame.left, frame.left + frame.inner_w)
    y = _scale(0, max(counts), frame.top + frame.inner_h, frame.top)
    parts = [_open(frame, label), _y_axis(frame, 0, max(counts), y)]
    for i, count in enumerate(counts):
        x0, x1 = x(edges[i]), x(edges[i + 1])
        closing = "]" if i == len(counts) - 1 else ")"
        parts.append(
            f'<rect class="bar" x="{x0:.1f}" y="{y(count):.1f}" width="{max(x1 - x0 - 1, 1):.1f}" '
            f'height="{y(0) - y(count):.1f}" fill="{PALETTE[0]}">'
            f"<title>[{escape(fmt(edges[i]))}, {escape(fmt(edges[i + 1]))}{closing}: "
            f"{count}</title></rect>"
        )
    labels = [fmt(e, 1) for e in edges]
    parts.append(_x_labels(frame, labels, lambda i: x(edges[i])))
    if mark is not None and _finite(mark[0]):
        parts.append(_histogram_mark(x(mark[0]), f"{mark[1]} {fmt(mark[0])}", frame))
    return "".join(parts) + "</svg>"


def _histogram_mark(at: float, text: str, frame: Frame) -> str:
    # the name sits on the side with more room, so it stays inside the chart
    right = at < frame.left + frame.inner_w / 2
    anchor, dx = ("start", 4) if right else ("end", -4)
    return (
        f'<g class="mark"><line x1="{at:.1f}" y1="{frame.top}" x2="{at:.1f}" '
        f'y2="{frame.top + frame.inner_h}" stroke="#e4572e" stroke-width="2" '
        f'stroke-dasharray="5 3"/><text class="mark-label" x="{at + dx:.1f}" '
        f'y="{frame.top + 12}" text-anchor="{anchor}">{escape(text)}</text>'
        f"<title>{escape(text)}</title></g>"
    )


# -- heatmap ------------------------------------------------------------------------------------
def colour(value: float | None, lo: float, hi: float) -> str:
    """Red below zero, green above, neutral at zero (when the data straddles zero);
    otherwise a neutral-to-green (or red-to-neutral) ramp over the data range."""
    if not _finite(value):
        return "#d5d8dc"
    if lo < 0 < hi:
        t = value / hi if value >= 0 else value / -lo
    elif hi <= 0:
        t = -1 + (value - lo) / ((hi - lo) or 1.0)
    else:
        t = (value - lo) / ((hi - lo) or 1.0)
    end = POSITIVE if t >= 0 else NEGATIVE
    t = min(abs(t), 1.0)
    r, g, b = (round(n + (e - n) * t) for n, e in zip(NEUTRAL, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap(
    x_values: Sequence[object],
    y_values: Sequence[object],
    cells: Mapping[tuple[object, object], float | None],
    *,
    x_name: str,
    y_name: str,
    metric: str,
    label: str = "heatmap",
    frame: Frame = Frame(height=320, left=70, bottom=58),
) -> str:
    """One rectangle per (x, y) pair coloured by its value, with a colour-scale legend.

    Missing pairs are grey cells whose tooltip says "no data".
    """
    finite = [v for v in cells.values() if _finite(v)]
    if not x_values or not y_values or not finite:
        return empty_chart(label, frame)
    lo, hi = min(finite), max(finite)
    cw, ch = frame.inner_w / len(x_values), frame.inner_h / len(y_values)
    parts = [_open(frame, label)]
    for j, yv in enumerate(y_values):
        top = frame.top + (len(y_values) - 1 - j) * ch  # first y value at the bottom
        for i, xv in enumerate(x_values):
            v = cells.get((xv, yv))
            shown = fmt(v) if _finite(v) else "no data"
            parts.append(
                f'<rect class="cell" x="{frame.left + i * cw:.1f}" y="{top:.1f}" '
                f'width="{cw:.1f}" height="{ch:.1f}" fill="{colour(v, lo, hi)}">'
                f"<title>{escape(x_name)}={escape(xv)}, {escape(y_name)}={escape(yv)}: "
                f"{escape(metric)} {escape(shown)}</title></rect>"
            )
        parts.append(
            f'<text class="tick" x="{frame.left - 4}" y="{top + ch / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(yv)}</text>'
        )
    base = frame.top + frame.inner_h
    for i, xv in enumerate(x_values):
        parts.append(
            f'<text class="tick" x="{frame.left + (i + 0.5) * cw:.1f}" y="{base + 14}" '
            f'text-anchor="middle">{escape(xv)}</text>'
        )
    parts.append(
        f'<text class="axis-name" x="{frame.left + frame.inner_w / 2}" y="{base + 28}" '
        f'text-anchor="middle">{escape(x_name)}</text>'
        f'<text class="axis-name" x="12" y="{frame.top + frame.inner_h / 2}" '
        f'transform="rotate(-90 12 {frame.top + frame.inner_h / 2})" '
        f'text-anchor="middle">{escape(y_name)}</text>'
    )
    parts.append(_colour_scale(lo, hi, metric, frame, base + 36))
    return "".join(parts) + "</svg>"


def _colour_scale(lo: float, hi: float, metric: str, frame: Frame, top: float) -> str:
    steps = 24
    w = frame.inner_w / 2 / steps
    x0 = frame.left + frame.inner_w / 4
    rects = "".join(
        f'<rect x="{x0 + i * w:.1f}" y="{top}" width="{w + 0.5:.1f}" height="8" '
        f'fill="{colour(lo + (hi - lo) * i / (steps - 1), lo, hi)}"/>'
        for i in range(steps)
    )
    return (
        f'<g class="scale">{rects}'
        f'<text class="tick" x="{x0 - 4}" y="{top + 8}" text-anchor="end">{escape(fmt(lo))}</text>'
        f'<text class="tick" x="{x0 + steps * w + 4}" y="{top + 8}">{escape(fmt(hi))} '
        f"{escape(metric)}</text></g>"
    )


# -- scatter ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float
    label: str = ""
    highlight: bool = False


def scatter(
    points: Sequence[Point],
    *,
    x_name: str,
    y_name: str,
    diagonal: bool = True,
    label: str = "scatter",
    frame: Frame = Frame(height=320, bottom=40),
    max_titled: int = 300,
) -> str:
    """One mark per point; ``diagonal`` draws y = x, the line a combination would sit on if it
    kept all its in-sample Sharpe out of sample. The highlighted points and the first
    ``max_titled`` others (give them best first) are circles whose tooltip names the point;
    the rest are plain dots of one path, so 3,240 combinations stay a light page."""
    pts = [p for p in points if _finite(p.x) and _finite(p.y)]
    if not pts:
        return empty_chart(label, frame)
    # one shared range on both axes: y = x must be the true diagonal
    lo, hi = _bounds([p.x for p in pts] + [p.y for p in pts], include_zero=True)
    frame = _fit_y_labels(frame, lo, hi)
    x = _scale(lo, hi, frame.left, frame.left + frame.inner_w)
    y = _scale(lo, hi, frame.top + frame.inner_h, frame.top)
    parts = [_open(frame, label), _y_axis(frame, lo, hi, y)]
    if diagonal:
        parts.append(
            f'<line class="diagonal" x1="{x(lo):.1f}" y1="{y(lo):.1f}" x2="{x(hi):.1f}" '
            f'y2="{y(hi):.1f}" stroke="#888" stroke-dasharray="4 3"><title>y = x</title></line>'
        )
    plain = [p for p in pts if not p.highlight]
    titled = plain[:max_titled] + [p for p in pts if p.highlight]  # highlighted last, on top
    if len(plain) > max_titled:
        dots = " ".join(f"M{x(p.x):.1f} {y(p.y):.1f}h0" for p in plain[max_titled:])
        parts.append(
            f'<path class="dots" d="{dots}" stroke-linecap="round">'
            f"<title>{len(plain) - max_titled} more</title></path>"
        )
    for p in titled:
        cls, r = ("point best", 5) if p.highlight else ("point", 3)
        parts.append(
            f'<circle class="{cls}" cx="{x(p.x):.1f}" cy="{y(p.y):.1f}" r="{r}">'
            f"<title>{escape(p.label)} {escape(x_name)} {escape(fmt(p.x))}, "
            f"{escape(y_name)} {escape(fmt(p.y))}</title></circle>"
        )
    base = frame.top + frame.inner_h
    parts.append(
        f'<text class="tick" x="{frame.left}" y="{base + 14}">{escape(fmt(lo))}</text>'
        f'<text class="tick" x="{frame.left + frame.inner_w}" y="{base + 14}" '
        f'text-anchor="end">{escape(fmt(hi))}</text>'
        f'<text class="axis-name" x="{frame.left + frame.inner_w / 2}" y="{base + 30}" '
        f'text-anchor="middle">{escape(x_name)} (x) vs {escape(y_name)} (y)</text>'
    )
    return "".join(parts) + "</svg>"


# -- candlesticks -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Candles:
    """OHLC per candle; ``labels[i]`` names candle ``i`` (its time) and ``keys[i]`` is written
    as its ``data-ts`` so a page can find it."""

    labels: Sequence[str]
    keys: Sequence[int]
    open: Sequence[float]
    high: Sequence[float]
    low: Sequence[float]
    close: Sequence[float]


@dataclass(frozen=True, slots=True)
class Steps:
    """A price resting during each candle (a take-profit, a stop, grid levels): one step per
    candle across its whole width, a gap where None or NaN. Several rows draw as one legend
    entry (a grid's levels)."""

    name: str
    colour: str
    rows: Sequence[Sequence[float | None]]
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Marker:
    """A fill (a circle) or an exit (a diamond) at candle ``index`` and ``price``."""

    index: int
    price: float
    kind: str  # "fill" | "exit"
    colour: str
    title: str


UP, DOWN = "#1e8449", "#c0392b"


def candle_chart(
    candles: Candles,
    steps: Sequence[Steps] = (),
    markers: Sequence[Marker] = (),
    *,
    label: str = "price",
    frame: Frame = Frame(height=340),
) -> str:
    """Candlesticks with step lines over them and markers on top; the y axis covers the
    candles, every step and every marker, so nothing is drawn outside the plot."""
    n = len(candles.open)
    if n == 0:
        return empty_chart(label, frame)
    values = [*candles.low, *candles.high, *(m.price for m in markers)]
    values += [v for s in steps for row in s.rows for v in row if _finite(v)]
    lo, hi = _bounds(values)
    names = ["candles", *(s.name for s in steps), *dict.fromkeys(m.kind for m in markers)]
    frame = _fit_legend(_fit_y_labels(frame, lo, hi), names)
    band = frame.inner_w / n
    centre = lambda i: frame.left + (i + 0.5) * band  # noqa: E731 (the x of candle i)
    y = _scale(lo, hi, frame.top + frame.inner_h, frame.top)
    parts = [
        _open(frame, label),
        _y_axis(frame, lo, hi, y),
        _x_labels(frame, candles.labels, centre),
        _candles(candles, centre, y, band),
    ]
    for s in steps:
        parts.append(_steps(s, centre, y, band))
    parts.extend(_marker(m, centre(m.index), y(m.price)) for m in markers)
    parts.append(_candle_legend(steps, markers, frame))
    return "".join(parts) + "</svg>"


def _candles(c: Candles, centre, y, band: float) -> str:
    body_w = max(band * 0.6, 1.0)
    out = []
    for i in range(len(c.open)):
        o, h, lo, cl = c.open[i], c.high[i], c.low[i], c.close[i]
        colour = UP if cl >= o else DOWN
        x = centre(i)
        top, bottom = y(max(o, cl)), y(min(o, cl))
        out.append(
            f'<g class="candle" data-ts="{c.keys[i]}"><line x1="{x:.1f}" y1="{y(h):.1f}" '
            f'x2="{x:.1f}" y2="{y(lo):.1f}" stroke="{colour}"/>'
            f'<rect x="{x - body_w / 2:.1f}" y="{top:.1f}" width="{body_w:.1f}" '
            f'height="{max(bottom - top, 0.8):.1f}" fill="{colour}"/>'
            f"<title>{escape(c.labels[i])}: open {_short(o)}, "
            f"high {_short(h)}, low {_short(lo)}, close {_short(cl)}</title></g>"
        )
    return "".join(out)


def _short(value: float) -> str:
    """A price without trailing zeros (the candle's own digits)."""
    return f"{value:,.8f}".rstrip("0").rstrip(".")


def _steps(s: Steps, centre, y, band: float) -> str:
    dash = ' stroke-dasharray="5 3"' if s.dashed else ""
    out = []
    for row in s.rows:
        runs, current = [], []
        for i, v in enumerate(row):
            if _finite(v):
                left, right, level = centre(i) - band / 2, centre(i) + band / 2, y(v)
                current += [f"{left:.1f},{level:.1f}", f"{right:.1f},{level:.1f}"]
            elif current:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        out.extend(
            f'<polyline fill="none" stroke="{s.colour}"{dash} points="{" ".join(r)}"/>'
            for r in runs
        )
    name = escape(s.name)
    return f'<g class="steps" data-name="{name}"><title>{name}</title>{"".join(out)}</g>'


def _marker(m: Marker, x: float, y: float) -> str:
    title = f"<title>{escape(m.title)}</title>"
    if m.kind == "fill":
        return (
            f'<circle class="mark fill" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{m.colour}" '
            f'stroke="#fff">{title}</circle>'
        )
    d = f"M{x:.1f} {y - 6:.1f}L{x + 6:.1f} {y:.1f}L{x:.1f} {y + 6:.1f}L{x - 6:.1f} {y:.1f}Z"
    return f'<path class="mark exit" d="{d}" fill="{m.colour}" stroke="#000">{title}</path>'


def _candle_legend(steps: Sequence[Steps], markers: Sequence[Marker], frame: Frame) -> str:
    keys = [("candles", UP)] + [(s.name, s.colour) for s in steps]
    keys += [(k, "#555") for k in dict.fromkeys(m.kind for m in markers)]
    out, x = [], frame.left + 8
    for name, colour in keys:
        out.append(
            f'<rect x="{x}" y="2" width="10" height="10" fill="{colour}"/>'
            f'<text class="legend" x="{x + 14}" y="11">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name)
    return "".join(out)


# -- bars ---------------------------------------------------------------------------------------
def bar_chart(
    values: Sequence[float],
    x_labels: Sequence[str],
    *,
    label: str = "bars",
    name: str = "P&L",
    frame: Frame = Frame(),
) -> str:
    """One bar per value from zero, green above and red below, each titled with its label and
    value (money: separators, 2 decimals)."""
    if not values:
        return empty_chart(label, frame)
    lo, hi = _bounds(values, include_zero=True)
    frame = _fit_y_labels(frame, lo, hi)
    band = frame.inner_w / len(values)
    y = _scale(lo, hi, frame.top + frame.inner_h, frame.top)
    centre = lambda i: frame.left + (i + 0.5) * band  # noqa: E731 (the x of bar i)
    parts = [_open(frame, label), _y_axis(frame, lo, hi, y), _x_labels(frame, x_labels, centre)]
    width = max(band * 0.7, 1.0)
    bars: dict[str, list[str]] = {UP: [], DOWN: []}
    for i, v in enumerate(values):
        top, bottom = sorted((y(v), y(0)))
        bars[UP if v >= 0 else DOWN].append(
            f'<rect class="bar" x="{centre(i) - width / 2:.1f}" y="{top:.1f}" '
            f'width="{width:.1f}" height="{max(bottom - top, 0.8):.1f}">'
            f"<title>{escape(x_labels[i])}: {escape(name)} {v:+,.2f}</title></rect>"
        )
    # gains then losses, each group's colour inherited rather than repeated on every bar
    parts.extend(f'<g fill="{c}">{"".join(rows)}</g>' for c, rows in bars.items() if rows)
    return "".join(parts) + "</svg>"
