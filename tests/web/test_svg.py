"""SVG charts: valid XML, one mark per datum, values in the tooltips, text escaped, empty data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import pairwise

from web import svg

NS = "{http://www.w3.org/2000/svg}"


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # raises on invalid XML


def titles(root: ET.Element, tag: str, cls: str) -> list[str]:
    return [
        e.find(f"{NS}title").text or ""
        for e in root.iter(f"{NS}{tag}")
        if cls in e.get("class", "").split()
    ]


def test_line_chart_has_one_hover_point_per_value_and_skips_gaps() -> None:
    root = parse(
        svg.line_chart({"IS": [1.0, 2.5, None], "OOS": [0.5, -1.25, 3.0]}, ["w1", "w2", "w3"])
    )
    points = titles(root, "circle", "point")
    assert len(points) == 5  # 3 + 3 minus the gap
    assert "IS w2: 2.50" in points and "OOS w2: -1.25" in points
    assert not any(t.startswith("IS w3") for t in points)
    # the gap ends IS's line after two points: one polyline for IS, one for OOS
    assert len([p for p in root.iter(f"{NS}polyline")]) == 2


def test_values_map_to_the_right_heights() -> None:
    frame = svg.Frame(width=200, height=120, left=20, right=0, top=10, bottom=10)
    root = parse(svg.line_chart({"a": [0.0, 10.0]}, frame=frame))
    ys = [float(c.get("cy")) for c in root.iter(f"{NS}circle")]
    assert ys == [110.0, 10.0]  # 0 at the bottom of the plot area, the maximum at its top


def test_text_is_escaped() -> None:
    text = svg.line_chart({"<b>&x": [1.0]}, ['"q"<'], label="a<b")
    root = parse(text)
    assert "<b>" not in text
    assert titles(root, "circle", "point") == ['<b>&x "q"<: 1.00']


def test_drawdown_area_is_filled_from_zero_with_a_hover_strip_per_point() -> None:
    root = parse(svg.drawdown_chart([0.0, -5.0, -12.5, -3.0], ["a", "b", "c", "d"]))
    assert len(list(root.iter(f"{NS}polygon"))) == 1
    assert titles(root, "rect", "hover") == [
        "drawdown a: 0.00%",
        "drawdown b: -5.00%",
        "drawdown c: -12.50%",
        "drawdown d: -3.00%",
    ]


def test_histogram_counts_by_hand() -> None:
    edges, counts = svg.histogram_counts([0.0, 0.1, 0.5, 0.9, 1.0], bins=2)
    assert edges == [0.0, 0.5, 1.0]
    assert counts == [2, 3]  # [0, 0.5) holds 0 and 0.1; [0.5, 1] holds 0.5, 0.9 and 1.0
    root = parse(svg.histogram([0.0, 0.1, 0.5, 0.9, 1.0], bins=2))
    assert titles(root, "rect", "bar") == ["[0.00, 0.50): 2", "[0.50, 1.00]: 3"]


def test_histogram_of_one_repeated_value_is_one_full_bin() -> None:
    edges, counts = svg.histogram_counts([2.0, 2.0, 2.0], bins=4)
    assert sum(counts) == 3 and max(counts) == 3 and edges[0] < 2.0 < edges[-1]


def test_heatmap_has_a_cell_per_pair_with_its_value_and_a_scale() -> None:
    cells = {(10, 1): 0.5, (10, 2): -1.0, (14, 1): 2.0}  # (14, 2) missing
    root = parse(svg.heatmap([10, 14], [1, 2], cells, x_name="ma", y_name="lv", metric="OOS"))
    got = titles(root, "rect", "cell")
    assert len(got) == 4
    assert "ma=10, lv=2: OOS -1.00" in got and "ma=14, lv=2: OOS no data" in got
    fills = {
        e.find(f"{NS}title").text: e.get("fill")
        for e in root.iter(f"{NS}rect")
        if e.get("class") == "cell"
    }
    assert fills["ma=14, lv=1: OOS 2.00"] == svg.colour(2.0, -1.0, 2.0) == "#1e8449"  # max: green
    assert fills["ma=10, lv=2: OOS -1.00"] == "#c0392b"  # min: full red
    assert root.find(f".//{NS}g[@class='scale']") is not None


def test_colour_scale_is_neutral_at_zero_when_data_straddles_it() -> None:
    assert svg.colour(0.0, -2.0, 4.0) == "#f7f7f7"
    assert svg.colour(None, -2.0, 4.0) == "#d5d8dc"


def test_scatter_has_a_point_per_combo_the_diagonal_and_the_best_on_top() -> None:
    points = [svg.Point(1.0, 0.5, "a"), svg.Point(2.0, 2.5, "b", True), svg.Point(0.0, -1.0, "c")]
    root = parse(svg.scatter(points, x_name="IS", y_name="OOS"))
    circles = list(root.iter(f"{NS}circle"))
    assert len(circles) == 3
    assert circles[-1].get("class") == "point best"
    assert circles[-1].find(f"{NS}title").text == "b IS 2.00, OOS 2.50"
    (diag,) = [e for e in root.iter(f"{NS}line") if e.get("class") == "diagonal"]
    # shared axes: the diagonal runs from (lo, lo) to (hi, hi), bottom-left to top-right
    assert float(diag.get("x1")) < float(diag.get("x2"))
    assert float(diag.get("y1")) > float(diag.get("y2"))


def test_every_chart_says_no_data_when_empty() -> None:
    for text in (
        svg.line_chart({"a": []}),
        svg.line_chart({"a": [None]}),
        svg.drawdown_chart([]),
        svg.histogram([]),
        svg.heatmap([], [], {}, x_name="x", y_name="y", metric="m"),
        svg.scatter([], x_name="x", y_name="y"),
    ):
        root = parse(text)
        assert "no data" in (root.find(f"{NS}text").text or "")


def test_a_dense_scatter_titles_the_first_points_and_dots_the_rest() -> None:
    points = [svg.Point(i / 10, i / 20, f"p{i}") for i in range(50)] + [
        svg.Point(1.0, 1.0, "best", True)
    ]
    root = parse(svg.scatter(points, x_name="IS", y_name="OOS", max_titled=10))
    titles = [c.find(f"{NS}title").text for c in root.iter(f"{NS}circle")]
    assert titles == [f"p{i} IS {i / 10:.2f}, OOS {i / 20:.2f}" for i in range(10)] + [
        "best IS 1.00, OOS 1.00"
    ]
    (dots,) = [e for e in root.iter(f"{NS}path") if e.get("class") == "dots"]
    assert dots.get("d").count("M") == 40 and dots.find(f"{NS}title").text == "40 more"


def test_x_labels_never_overlap_and_stay_inside() -> None:
    """However many labels, the ones drawn are at least their width apart and inside the
    chart (widths estimated as the layout does: characters x svg.CHAR_W)."""
    frame = svg.Frame()
    for n in (2, 9, 40, 800):
        labels = [f"2025-01-{i % 28 + 1:02d} 00:00 UTC" for i in range(n)]
        root = parse(svg.curve_chart({"e": list(range(n))}, labels, frame=frame))
        spans = []
        for t in root.iter(f"{NS}text"):
            if t.get("class") != "tick" or t.text not in labels:
                continue
            width = len(t.text) * svg.CHAR_W
            x = float(t.get("x"))
            left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor")]
            spans.append((left, left + width))
        assert spans and all(a >= 0 and b <= frame.width for a, b in spans)
        assert all(b1 <= a2 for (_, b1), (a2, _) in pairwise(spans))


def test_y_ticks_are_round_values_with_separators() -> None:
    root = parse(svg.curve_chart({"equity": [9876.5, 10424.85]}, ["d1", "d2"]))
    ticks = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "tick"]
    assert ticks[:3] == ["10,000", "10,200", "10,400"]  # steps of 200 inside the range
