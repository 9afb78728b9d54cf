"""The report as one HTML file: no network, prints on A4, each chart a figure with a text
alternative and its data in a table."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from html import escape

from backbeat.report import charts, percent, seconds
from backbeat.report.data import Exercise, Report
from backbeat.text import count

CALENDAR_DAYS = 371  # the calendar shows the last 53 weeks of the range

CSS = """
@page { size: A4; margin: 14mm; }
body { font: 10pt/1.35 sans-serif; color: #222; max-width: 180mm; margin: 1em auto; }
h1 { font-size: 16pt; margin: 0 0 .2em; }
h2 { font-size: 12pt; margin: 1.2em 0 .3em; border-bottom: 1px solid #ccc; }
figure { margin: .5em 0 1em; break-inside: avoid; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-weight: bold; margin-bottom: .3em; }
table { border-collapse: collapse; font-size: 8.5pt; margin: .4em 0; }
th, td { padding: 1px 6px; text-align: left; border-bottom: 1px solid #e4e4e4; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-style: italic; color: #555; }
.flag { color: #b03020; font-weight: bold; }
.note { color: #555; }
tr { break-inside: avoid; }
details { margin: .2em 0; color: #444; }
@media print { details { display: none; } body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def _table(caption: str, head: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    def cell(tag: str, i: int, text: str) -> str:
        cls = ' class="n"' if i in numeric else ""
        return f"<{tag}{cls}>{text}</{tag}>"

    out = [f"<table><caption>{escape(caption)}</caption><thead><tr>",
           "".join(cell("th", i, escape(h)) for i, h in enumerate(head)),
           "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _figure(ident: str, caption: str, summary: str, svg: str, table: str) -> str:
    """A chart with its text alternative (what it shows, in words) and its data."""
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{ident}-alt" ', 1)
    return (f'<figure id="{ident}"><figcaption>{escape(caption)}</figcaption>'
            f'<p id="{ident}-alt" class="note">{escape(summary)}</p>{svg}'
            f"<details><summary>The data as a table</summary>{table}</details></figure>")


def _pivot(caption: str, corner: str, names: list[str], series: list[dict[date, str]],
           period: str) -> str:
    """One row per period, one column per name."""
    periods = sorted({p for s in series for p in s})
    return _table(caption, [corner, *names],
                  [[_period(p, period), *(s.get(p, "") for s in series)] for p in periods],
                  set(range(1, len(names) + 1)))


def _names(exercises: list[Exercise]) -> list[str]:
    """Each exercise's name, with its routine when two routines have one of that name."""
    counts = Counter(e.exercise for e in exercises)
    return [e.exercise if counts[e.exercise] == 1 else f"{e.exercise} ({e.routine})"
            for e in exercises]


def _period(p: date, period: str) -> str:
    return f"{p:%Y-%m}" if period == "month" else f"week of {p}" if period == "week" else str(p)


def render(r: Report) -> str:
    """The whole page."""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>backbeat report {r.first} to {r.last}</title><style>{CSS}</style></head><body>",
        f"<h1>backbeat report</h1><p>{r.first} to {r.last}: {count(r.session_count, 'session')}, "
        f"{r.completed} completed.",
    ]
    if r.bounded:
        parts.append(f" {r.bounded} dated within bounds (the device had no clock), shown on "
                     "the earliest day they can have been.")
    parts.append("</p>")

    parts.append("<h2>Adherence</h2>")
    if r.routines:
        parts.append(_table(
            "Adherence to each routine's schedule", ["routine", "due", "this week",
                                                     "last 30 days", "streak (days)"],
            [[escape(a.routine), escape(a.due), percent(a.week), percent(a.month),
              str(a.streak)] for a in r.routines], {2, 3, 4}))
        shown = r.calendar[-CALENDAR_DAYS:]
        due = [d for d in shown if d.due]
        full = sum(1 for d in due if d.kept == d.due)
        monday = shown[0].day - timedelta(days=shown[0].day.weekday())
        grid: dict[date, list[str]] = {}
        for d in shown:
            week = grid.setdefault(d.day - timedelta(days=d.day.weekday()), [""] * 7)
            week[d.day.weekday()] = (f"{d.kept} of {d.due}" if d.due else "not due")
        weeks = [[f"week of {w}", *days] for w, days in sorted(grid.items()) if w >= monday]
        parts.append(_figure(
            "calendar", f"Adherence calendar, {shown[0].day} to {shown[-1].day}",
            f"Each square is a day, a column a week. Kept in full: {full} of "
            f"{count(len(due), 'day')} with something due. Green: all done; light green: most; "
            "yellow: under half; pink: none; grey: nothing due.",
            charts.calendar(shown),
            _table("Sessions done of those due, each day", ["week", "Mon", "Tue", "Wed", "Thu",
                                                             "Fri", "Sat", "Sun"],
                   weeks, set(range(1, 8)))))
    else:
        parts.append('<p class="note">No routine here says when it is due (<code>due:</code> '
                     "in its YAML), so there is no adherence to show.</p>")

    holds = [e for e in r.exercises if e.holds]
    if holds:
        parts.append("<h2>Hold progression</h2>")
        names = _names(holds)
        summary = "; ".join(
            f"{name}: best {seconds(e.holds[0][1])} in the first {r.period}, "
            f"{seconds(e.holds[-1][1])} in the last, target {seconds(e.holds[-1][2])}"
            for name, e in zip(names, holds, strict=True))
        parts.append(_figure(
            "holds", f"Open holds: best time held by {r.period}", summary + ".",
            charts.holds(holds, names),
            _pivot("Best open hold (target)", r.period, names,
                   [{p: f"{seconds(b)} ({seconds(t)})" for p, b, t in e.holds} for e in holds],
                   r.period)))

    paired = [e for e in r.exercises if e.ratio is not None]
    if paired:
        parts.append("<h2>Left and right</h2>")
        names = _names(paired)
        flagged = [e for e in paired if e.side_behind]
        summary = ("No side is more than 10 % behind." if not flagged else "; ".join(
            f"{name}: {e.side_behind} side behind (left:right {e.ratio:.2f})"
            for name, e in zip(names, paired, strict=True) if e.side_behind) + ".")
        rows = [[escape(name), seconds(e.left_ms or 0), seconds(e.right_ms or 0),
                 f"{e.ratio:.2f}",
                 f'<span class="flag">{e.side_behind} behind</span>' if e.side_behind else ""]
                for name, e in zip(names, paired, strict=True)]
        parts.append(_figure(
            "sides", "Mean time a side, and left:right (1.0 is even)", summary,
            charts.sides(paired, names),
            _table("Left and right", ["exercise", "left", "right", "left:right", ""], rows,
                   {1, 2, 3})))

    pained = [e for e in r.exercises if e.pain]
    if pained:
        parts.append("<h2>Pain</h2>")
        names = _names(pained)
        summary = "; ".join(f"{name}: {e.pain[0][1]:.1f} at first, {e.pain[-1][1]:.1f} "
                            f"lately, highest {max(h for _, _, h in e.pain)}"
                            for name, e in zip(names, pained, strict=True))
        parts.append(_figure(
            "pain", f"Pain by {r.period} (mean of each session's highest answer, 0 to 10)",
            summary + ". Up to 2 is fine, up to 5 acceptable.", charts.pain(pained, names),
            _pivot("Pain: mean (highest)", r.period, names,
                   [{p: f"{m:.1f} ({h})" for p, m, h in e.pain} for e in pained], r.period)))
    if r.mornings:
        parts.append("<p>Mornings after: " + ", ".join(
            f"{r.mornings.get(a, 0)} {a}" for a in ("better", "same", "worse")) + ".</p>")

    if r.exercises:
        parts.append("<h2>Levels</h2>")
        rows = []
        for e in r.exercises:
            if not e.levels:
                continue
            level, since, again = e.level_now()
            nxt = ""
            if e.next_level is not None:
                lv, meaning, why = e.next_level
                nxt = f"{lv}, {escape(meaning)}" + (f" ({escape(why)})" if why else "")
            rows.append([escape(e.routine), escape(e.exercise), str(level),
                         f"{'after ' if again else ''}{since}",
                         ", ".join(f"{lv} from {lo} to {hi}" for lv, lo, hi in
                                   sorted(e.levels, key=lambda x: x[1], reverse=True)
                                   if lv != level), nxt])
        parts.append(_table("Each exercise's level: the latest, the earlier ones, and the one "
                            "today's plan gives the next session (backbeat plan)",
                            ["routine", "exercise", "level", "since", "earlier", "next"], rows,
                            {2}))

    parts.append("<h2>Sessions</h2>")
    if r.sessions:
        caption = ("Every session" if len(r.sessions) == r.session_count else
                   f"The latest {len(r.sessions)} of {r.session_count} sessions")
        rows = [[str(s.day), s.time, escape(s.routine), escape(s.ending), f"{s.done} of "
                 f"{s.planned}", "" if s.pain is None else str(s.pain)] for s in r.sessions]
        parts.append(_table(caption + " (~: the time is the earliest it can have been)",
                            ["day", "time", "routine", "ending", "sets done", "pain"],
                            rows, {4, 5}))
    else:
        parts.append('<p class="note">No sessions in this range.</p>')
    parts.append("</body></html>\n")
    return "".join(parts)
