"""The report charts as a screen reader, a print and a narrow screen get them: bars that carry
their numbers in words, suppressed values drawn and named, labels escaped, no inline style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from app.reports.charts import SERIES_COLOURS, Series, bar_chart, grouped_bar_chart

SVG = "{http://www.w3.org/2000/svg}"
HIDDEN = "hidden (fewer than 5)"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def relative_luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_a_bar_chart_has_one_bar_per_label_each_with_its_label_and_number() -> None:
    svg = parse(
        bar_chart("needs", "Needs by domain", [("Housing", 40), ("Money", 12)], hidden_label=HIDDEN)
    )

    assert len(bars(svg)) == 2
    assert texts(svg) == ["Housing", "40", "Money", "12"]
    widths = [float(b.get("width", "0")) for b in bars(svg)]
    assert widths[0] > widths[1] > 0


def test_a_suppressed_value_is_an_empty_outline_named_in_words_not_a_number() -> None:
    svg = parse(
        bar_chart(
            "gaps", "Declined", [("No capacity", 9), ("Not eligible", None)], hidden_label=HIDDEN
        )
    )

    hidden = [b for b in bars(svg) if "bar-hidden" in b.get("class", "")]
    assert len(hidden) == 1
    assert hidden[0].get("fill") == "none"
    assert hidden[0].get("stroke-dasharray")
    assert texts(svg) == ["No capacity", "9", "Not eligible", HIDDEN]


def test_the_chart_is_an_image_with_a_title_and_a_description_that_say_every_value() -> None:
    svg = parse(
        bar_chart(
            "c1",
            "Families by municipality",
            [("Halden", None), ("Sarpsborg", 31)],
            hidden_label=HIDDEN,
        )
    )

    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "Families by municipality"
    assert desc is not None
    assert desc.text == f"Halden: {HIDDEN}; Sarpsborg: 31."
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_labels_and_titles_are_escaped() -> None:
    label = '<script>alert("x")</script> & Co'
    markup = bar_chart("x", "A <b>title</b>", [(label, 3)], hidden_label="hidden (<5)")

    assert "<script>" not in markup
    assert "<b>" not in markup
    svg = parse(markup)
    assert label in texts(svg)
    assert svg.find(f"{SVG}title") is not None
    assert svg.find(f"{SVG}title").text == "A <b>title</b>"  # type: ignore[union-attr]


def test_two_series_are_told_apart_in_words_and_share_one_scale() -> None:
    svg = parse(
        grouped_bar_chart(
            "outcomes",
            "First and latest reading",
            ["Housing", "Health"],
            [Series("First", [3.0, None]), Series("Latest", [6.0, 5.5])],
            hidden_label=HIDDEN,
        )
    )

    assert len(bars(svg)) == 4
    assert texts(svg) == [
        "First",
        "Latest",
        "Housing",
        "First: 3.0",
        "Latest: 6.0",
        "Health",
        f"First: {HIDDEN}",
        "Latest: 5.5",
    ]
    first, latest = (float(b.get("width", "0")) for b in bars(svg)[:2])
    assert latest == pytest.approx(2 * first)


def test_numbers_are_written_with_the_formatter_given() -> None:
    svg = parse(
        bar_chart(
            "f",
            "Mean",
            [("Housing", 4.25)],
            hidden_label=HIDDEN,
            fmt=lambda v: f"{v:.2f}".replace(".", ","),
        )
    )

    assert "4,25" in texts(svg)


def test_the_chart_scales_by_its_viewbox_and_has_no_inline_style() -> None:
    markup = bar_chart("s", "Scale", [("A", 1), ("B", 2), ("C", None)], hidden_label=HIDDEN)
    svg = parse(markup)

    assert re.fullmatch(r"0 0 \d+ \d+(\.\d+)?", svg.get("viewBox", ""))
    assert svg.get("width") is None
    assert svg.get("height") is None
    assert "style" not in markup


def test_series_colours_contrast_at_least_3_to_1_with_white() -> None:
    for colour in SERIES_COLOURS:
        ratio = 1.05 / (relative_luminance(colour) + 0.05)
        assert ratio >= 3, colour


def test_a_series_without_a_value_for_every_label_is_refused() -> None:
    with pytest.raises(ValueError, match="one value per label"):
        grouped_bar_chart("e", "E", ["A", "B"], [Series("First", [1])], hidden_label=HIDDEN)


def test_an_empty_chart_is_still_valid_svg() -> None:
    svg = parse(bar_chart("empty", "Nothing yet", [], hidden_label=HIDDEN))

    assert bars(svg) == []
