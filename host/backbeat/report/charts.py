"""The report's charts: the one module that uses matplotlib. Each chart is a static SVG with
its text kept as text, the same bytes for the same data (fixed hash salt, no date)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import matplotlib

matplotlib.use("svg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import PatchCollection  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from backbeat.report.adherence import Day  # noqa: E402
from backbeat.report.data import Exercise  # noqa: E402

STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "backbeat",
    "font.family": "sans-serif",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
WIDTH_IN = 6.6  # fits an A4 page's text width
LEFT, RIGHT = "#3b75af", "#e1812c"
NOT_DUE = "#eeeeee"
# Adherence 0, below a half, below full, full.
SHADES = ("#f2c4c0", "#f6dc8c", "#b7dca5", "#3f9a4a")


def shade(d: Day) -> str:
    a = d.adherence
    if a is None:
        return NOT_DUE
    return SHADES[0] if a == 0 else SHADES[1] if a < 0.5 else SHADES[2] if a < 1 else SHADES[3]


def _svg(fig) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    text = out.getvalue()
    # Inline: no XML prolog or doctype, and no metadata block (it names the format only).
    text = text[text.index("<svg"):]
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


def _dates(ax) -> None:  # type: ignore[no-untyped-def]
    """Date ticks as few and short as they can be, and the legend beside the axes."""
    locator = mdates.AutoDateLocator(minticks=2, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))


def calendar(days: list[Day]) -> str:
    """A day grid, one column a week (Monday on top), each day coloured by its adherence."""
    with plt.rc_context(STYLE):
        first = days[0].day - timedelta(days=days[0].day.weekday())
        weeks = (days[-1].day - first).days // 7 + 1
        # Squares of the same size whatever the range: the figure grows with the weeks.
        fig, ax = plt.subplots(figsize=(min(WIDTH_IN, 0.6 + 0.115 * max(weeks, 8)), 1.3))
        cells = [Rectangle(((d.day - first).days // 7, 6 - d.day.weekday()), 0.9, 0.9)
                 for d in days]
        ax.add_collection(PatchCollection(cells, facecolors=[shade(d) for d in days],
                                          edgecolors="none"))
        ax.set_xlim(-0.1, max(weeks, 8))
        ax.set_ylim(-0.1, 7)
        ax.set_yticks([6.45, 4.45, 2.45, 0.45], ["Mon", "Wed", "Fri", "Sun"])
        # A month's name over the first week that starts in it.
        ticks = [(i, m) for i, m in ((i, first + timedelta(weeks=i)) for i in range(weeks))
                 if i > 0 and m.month != (m - timedelta(weeks=1)).month]
        ax.set_xticks([i + 0.45 for i, _ in ticks],
                      [f"{m:%b}\n{m:%Y}" if m.month == 1 else f"{m:%b}" for _, m in ticks])
        ax.tick_params(length=0)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_aspect("equal")
        return _svg(fig)


def holds(exercises: list[Exercise], names: list[str]) -> str:
    """Best open hold per period for each exercise, its target dashed."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.4))
        for i, e in enumerate(exercises):
            colour = f"C{i % 10}"
            xs = [p for p, _, _ in e.holds]
            ax.plot(xs, [b / 1000 for _, b, _ in e.holds], marker="o", markersize=3,
                    color=colour, label=names[i])
            ax.plot(xs, [t / 1000 for _, _, t in e.holds], linestyle="--", linewidth=1,
                    color=colour)
        ax.set_ylabel("seconds held (best)")
        ax.set_ylim(bottom=0)
        _dates(ax)
        return _svg(fig)


def sides(exercises: list[Exercise], names: list[str]) -> str:
    """Left and right mean time a side as paired bars, and left:right against a 1.0 line."""
    with plt.rc_context(STYLE):
        n = len(exercises)
        fig, (bars, ratio) = plt.subplots(1, 2, figsize=(WIDTH_IN, 0.5 + 0.35 * n),
                                          gridspec_kw={"width_ratios": [3, 2]}, sharey=True)
        ys = list(range(n))
        bars.barh([y - 0.2 for y in ys], [(e.left_ms or 0) / 1000 for e in exercises], 0.4,
                  color=LEFT, label="left")
        bars.barh([y + 0.2 for y in ys], [(e.right_ms or 0) / 1000 for e in exercises], 0.4,
                  color=RIGHT, label="right")
        bars.set_yticks(ys, names)
        bars.invert_yaxis()
        bars.set_xlabel("seconds a side (mean)")
        bars.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncol=2)
        ratios = [e.ratio or 1.0 for e in exercises]
        colours = ["#c0392b" if e.side_behind else "#555555" for e in exercises]
        ratio.axvline(1.0, color="#888888", linewidth=1)
        ratio.scatter(ratios, ys, color=colours, zorder=3)
        low, high = min(ratios + [0.8]), max(ratios + [1.25])
        ratio.set_xlim(low - 0.05, high + 0.05)
        ratio.set_xlabel("left : right")
        return _svg(fig)


def pain(exercises: list[Exercise], names: list[str]) -> str:
    """Mean pain per period for each exercise, 0 to 10, with the 2 and 5 lines."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.2))
        ax.axhspan(0, 2, color="#e8f3e4", zorder=0)
        ax.axhspan(2, 5, color="#fbf3dc", zorder=0)
        for i, e in enumerate(exercises):
            ax.plot([p for p, _, _ in e.pain], [m for _, m, _ in e.pain], marker="o",
                    markersize=3, color=f"C{i % 10}", label=names[i])
        ax.set_ylim(0, 10)
        ax.set_ylabel("pain (0 to 10)")
        _dates(ax)
        return _svg(fig)

