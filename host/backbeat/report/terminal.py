"""The report in the terminal: the one module that uses rich. Colour and bars on a terminal,
plain text when piped, and readable at 80 columns."""

from __future__ import annotations

from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from backbeat.report import percent, seconds
from backbeat.report.data import Exercise, Report

BLOCKS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 8  # characters of a full adherence bar
SPARK_MAX = 20  # periods a sparkline shows, the latest


def bar(x: float | None, width: int = BAR_WIDTH) -> str:
    """``x`` (0..1) as a bar of ``width`` characters in eighths."""
    if x is None:
        return " " * width
    eighths = round(x * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (BLOCKS[part] if part else "")).ljust(width)


def spark(values: list[float], top: float) -> str:
    """One character per value, from ▁ (0) to █ (``top``)."""
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[min(len(SPARKS) - 1, round(v / top * (len(SPARKS) - 1)))]
                   for v in values)


def _style(x: float | None) -> str:
    if x is None:
        return "dim"
    return "green" if x >= 0.8 else "yellow" if x >= 0.5 else "red"


LEVELS_SHOWN = 3  # the latest level and the ones before it that a line shows


def _levels(e: Exercise) -> str:
    """"level 2 since 2026-12-02 (before: 1 from 2026-11-20, 0 from 2026-11-05)", or "level
    1 again after 2026-12-03 (before: ...)" when it went up and came back."""
    level, since, again = e.level_now()
    before = sorted((x for x in e.levels if x[0] != level), key=lambda x: x[1], reverse=True)
    text = f"level {level} {'again after' if again else 'since'} {since}"
    if before:
        text += " (before: " + ", ".join(f"{lv} from {lo}" for lv, lo, _ in
                                         before[:LEVELS_SHOWN - 1])
        text += ", ...)" if len(before) >= LEVELS_SHOWN else ")"
    return text


def _next(next_level: tuple[int, str, str]) -> str:
    """"next: level 1, hold 15s a side (3 clean sessions on Dec 2, 3, 4)": the plan's level
    for the next session, what it means, and why it last changed."""
    level, meaning, why = next_level
    return f"next: level {level}, {meaning}" + (f" ({why})" if why else "")


def _exercise_lines(e: Exercise, period: str) -> list[Text]:
    lines = [Text.assemble((f"{e.exercise}", "bold"), f"  ({e.routine})")]
    if e.levels:
        lines.append(Text(f"  {_levels(e)}"))
    if e.next_level is not None:
        lines.append(Text(f"  {_next(e.next_level)}"))
    lines.append(Text(f"  done {e.done} of {e.planned} sets"
                      f" ({percent(e.done / e.planned if e.planned else None)})"))
    if e.holds:
        recent = e.holds[-SPARK_MAX:]
        top = max(best for _, best, _ in recent)
        first_best, last_best, target = e.holds[0][1], e.holds[-1][1], e.holds[-1][2]
        line = Text(f"  open hold best {seconds(e.best_ms or 0)}, by {period} ")
        line.append(spark([b for _, b, _ in recent], top), "cyan")
        line.append(f" {seconds(first_best)} -> {seconds(last_best)}, target {seconds(target)}")
        lines.append(line)
    if e.ratio is not None:
        line = Text(f"  left {seconds(e.left_ms or 0)}, right {seconds(e.right_ms or 0)}"
                    f" a side, L:R {e.ratio:.2f}")
        behind = e.side_behind
        if behind:
            low, high = sorted((e.left_ms or 0, e.right_ms or 0))
            line.append(f"  ! {behind} {round((high - low) / high * 100)} % behind", "bold red")
        lines.append(line)
    if e.pain:
        recent = e.pain[-SPARK_MAX:]
        line = Text(f"  pain by {period} ")
        line.append(spark([mean for _, mean, _ in recent], 10), "magenta")
        line.append(f" latest {recent[-1][1]:.1f}, highest {max(h for _, _, h in e.pain)} of 10")
        lines.append(line)
    return lines


def render(report: Report, console: Console) -> None:
    r = report
    days = (r.last - r.first).days + 1
    console.print(Text.assemble(("backbeat report", "bold"),
                                f": {r.first} to {r.last} ({days} day{'' if days == 1 else 's'})"))
    console.print(f"{r.session_count} session{'' if r.session_count == 1 else 's'}, "
                  f"{r.completed} completed")
    if r.bounded:
        console.print(f"{r.bounded} of them dated within bounds (the device had no clock); "
                      "shown on the earliest day they can have been", style="dim")
    if not r.session_count:
        console.print("No sessions in this range (hint: `backbeat sync` fetches them from the "
                      "device).")

    console.print()
    if r.routines:
        console.print(Text("Adherence", style="bold"))
        table = Table(box=None, pad_edge=False)
        table.add_column("routine")
        table.add_column("due")
        table.add_column("this week", no_wrap=True)
        table.add_column("last 30 days", no_wrap=True)
        table.add_column("streak", justify="right", no_wrap=True)
        for a in r.routines:
            table.add_row(
                a.routine, a.due,
                Text.assemble((bar(a.week), _style(a.week)), f" {percent(a.week):>5}"),
                Text.assemble((bar(a.month), _style(a.month)), f" {percent(a.month):>5}"),
                f"{a.streak} day{'' if a.streak == 1 else 's'}")
        console.print(table)
    else:
        console.print("Adherence: no routine here says when it is due (`due:` in its YAML).")

    if r.exercises:
        console.print()
        console.print(Text("Exercises", style="bold"))
        for e in r.exercises:
            for line in _exercise_lines(e, r.period):
                console.print(line)

    if r.mornings:
        console.print()
        answers = ", ".join(f"{r.mornings.get(a, 0)} {a}" for a in ("better", "same", "worse"))
        console.print(f"Mornings after: {answers}")


def print_report(report: Report, file: IO[str] | None = None) -> None:
    """Print to ``file`` (stdout): colour only when it is a terminal."""
    render(report, Console(file=file, highlight=False, emoji=False))
