"""Bar charts as server-rendered SVG: no script, no chart service, no inline style.

Each bar has its label on the line above it and its number written after it, so nothing is
told by colour alone; a value hidden by small-cell suppression (``None``) is drawn as an
empty, dashed outline with the caller's words for it (e.g. "hidden (fewer than 5)"). The
drawing scales by its viewBox (CSS gives it the width of its column), so it reflows at 200 %
zoom on a narrow screen. The colours have at least 3:1 contrast against white (WCAG 1.4.11).

The markup is built from escaped pieces and returned as ``Markup`` for Jinja.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Drawing units of the viewBox: it is as wide as a phone-sized column and scales from there.
WIDTH = 600
LABEL_HEIGHT = 20
BAR_HEIGHT = 22
BAR_GAP = 4
ROW_GAP = 14
VALUE_ROOM = 190  # space to the right of the longest bar for its number
HIDDEN_WIDTH = 28
FONT_SIZE = 15
MAX_LABEL = 60

INK = "#1b1f24"
# Series colours, each at least 3:1 against white (blue, brown, green, purple: all above 6:1);
# a chart with more series than these repeats them, but every bar also names its series.
SERIES_COLOURS = ("#1f4e79", "#8a4b08", "#1d6b36", "#6b2d84")
HIDDEN_STROKE = "#4a5260"  # 7.6:1

Number = int | float
Formatter = Callable[[Number], str]


@dataclass(frozen=True)
class Series:
    """One set of values drawn in one colour: its name appears in the legend and beside each
    of its bars (so two series are told apart by words, not colour alone)."""

    name: str
    values: Sequence[Number | None]


def _plain(value: Number) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _text(x: float, y: float, content: str, *, anchor: str = "start", weight: str = "") -> str:
    bold = ' font-weight="700"' if weight else ""
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{FONT_SIZE}" fill="{INK}"'
        f' text-anchor="{anchor}"{bold}>{escape(content)}</text>'
    )


def _bar(
    y: float,
    value: Number | None,
    scale: float,
    colour: str,
    *,
    prefix: str,
    hidden_label: str,
    fmt: Formatter,
) -> tuple[str, str]:
    """One bar and its number; returns (markup, the words a screen reader gets)."""
    text_y = y + BAR_HEIGHT / 2 + FONT_SIZE / 3
    if value is None:
        shape = (
            f'<rect class="bar bar-hidden" x="0.5" y="{y + 0.5:g}" width="{HIDDEN_WIDTH}"'
            f' height="{BAR_HEIGHT - 1}" fill="none" stroke="{HIDDEN_STROKE}"'
            ' stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        words = prefix + hidden_label
        return shape + _text(HIDDEN_WIDTH + 8, text_y, words), words
    length = max(0.0, float(value)) * scale
    shape = (
        f'<rect class="bar" x="0" y="{y:g}" width="{length:.1f}" height="{BAR_HEIGHT}"'
        f' fill="{colour}"/>'
    )
    words = prefix + fmt(value)
    return shape + _text(length + 8, text_y, words), words


def _svg(chart_id: str, title: str, description: str, height: float, body: Sequence[str]) -> Markup:
    safe_id = escape(chart_id)
    return Markup(
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height:g}"'
        f' preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"'
        f' aria-labelledby="{safe_id}-title {safe_id}-desc" id="{safe_id}">'
        f'<title id="{safe_id}-title">{escape(title)}</title>'
        f'<desc id="{safe_id}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _legend(body: list[str], series: Sequence[Series]) -> float:
    """A key for each series, flowing onto more lines when the names do not fit on one;
    returns the height it took."""
    x, y = 0.0, 0.0
    for i, s in enumerate(series):
        width = 22 + len(s.name) * FONT_SIZE * 0.62 + 20
        if x > 0 and x + width > WIDTH:
            x, y = 0.0, y + LABEL_HEIGHT + 4
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        body.append(
            f'<rect class="legend-key" x="{x:g}" y="{y + 2:g}" width="16" height="16"'
            f' fill="{colour}"/>'
        )
        body.append(_text(x + 22, y + 15, s.name))
        x += width
    return y + LABEL_HEIGHT


def _scale(values: Sequence[Number | None]) -> float:
    largest = max((float(v) for v in values if v is not None), default=0.0)
    return (WIDTH - VALUE_ROOM) / largest if largest > 0 else 0.0


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[tuple[str, Number | None]],
    *,
    hidden_label: str,
    fmt: Formatter = _plain,
) -> Markup:
    """A horizontal bar for each (label, value); ``None`` is a suppressed value."""
    return grouped_bar_chart(
        chart_id,
        title,
        [label for label, _ in bars],
        [Series("", [value for _, value in bars])],
        hidden_label=hidden_label,
        fmt=fmt,
    )


def grouped_bar_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    hidden_label: str,
    fmt: Formatter = _plain,
) -> Markup:
    """For each label, one bar per series (e.g. first and latest reading), on one scale.
    With more than one series a legend comes first, and each bar's number is preceded by
    its series' name."""
    if any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    named = len(series) > 1
    scale = _scale([v for s in series for v in s.values])
    body: list[str] = []
    spoken: list[str] = []
    y = 0.0
    if named:
        y = _legend(body, series) + ROW_GAP
    for row, label in enumerate(labels):
        body.append(f'<g class="chart-row"><title>{escape(label)}</title>')
        body.append(_text(0, y + FONT_SIZE, _short(label), weight="bold"))
        y += LABEL_HEIGHT + 2
        said: list[str] = []
        for i, s in enumerate(series):
            markup, words = _bar(
                y,
                s.values[row],
                scale,
                SERIES_COLOURS[i % len(SERIES_COLOURS)],
                prefix=f"{s.name}: " if named else "",
                hidden_label=hidden_label,
                fmt=fmt,
            )
            body.append(markup)
            said.append(words)
            y += BAR_HEIGHT + BAR_GAP
        body.append("</g>")
        spoken.append(f"{label}: {', '.join(said)}")
        y += ROW_GAP - BAR_GAP
    height = max(y, 1.0)
    return _svg(chart_id, title, "; ".join(spoken) + ("." if spoken else ""), height, body)
