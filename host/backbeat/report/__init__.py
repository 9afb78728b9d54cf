"""Reports of the stored sessions: adherence, progress, sides and pain, in the terminal
(`terminal`) and as one HTML file (`html`), both from the figures of `data`."""

from __future__ import annotations


def percent(x: float | None) -> str:
    """A fraction as a whole percentage; "-" when there is none."""
    return "-" if x is None else f"{round(x * 100)} %"


def seconds(ms: float) -> str:
    """A time to the tenth of a second, as the language writes durations."""
    # Imported here: the routine package (its YAML loader too) is not the CLI's to load
    # for every command (backbeat.cli imports report.cli, and so this package).
    from backbeat.routine.values import format_ms

    return format_ms(int(round(ms / 100) * 100))
