"""The compiled timeline of a routine: what the language produces and the codec stores."""

from __future__ import annotations

from dataclasses import dataclass, field

# Segment kinds, in the order of their .bbr codes (1-based; see docs/bbr-format.md).
KINDS = (
    "prepare",
    "hold",
    "hold_open",
    "breathe",
    "stretch",
    "contract",
    "relax",
    "count",
    "rest",
    "switch",
)

SIDES = ("left", "right")

# Segment flags (docs/bbr-format.md, "Flags").
STEP_START = 1
STEP_END = 2
CHECK_PAIN = 4
COUNTDOWN = 8
BEATS = 16

# A segment of at least this long gets the last-three-seconds countdown.
COUNTDOWN_MIN_MS = 5000
NO_COUNTDOWN_KINDS = ("breathe", "count", "hold_open")


@dataclass(frozen=True)
class BreathPattern:
    """One breathing cycle: inhale, hold after inhale, exhale, hold after exhale (ms)."""

    inhale_ms: int
    hold_in_ms: int
    exhale_ms: int
    hold_out_ms: int

    @property
    def cycle_ms(self) -> int:
        return self.inhale_ms + self.hold_in_ms + self.exhale_ms + self.hold_out_ms

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.inhale_ms, self.hold_in_ms, self.exhale_ms, self.hold_out_ms)

    def phases(self, duration_ms: int) -> list[tuple[str, int, int]]:
        """Phases ``(name, start_ms, duration_ms)`` from 0, the last cut at ``duration_ms``."""
        names = ("in", "hold", "out", "hold")
        out: list[tuple[str, int, int]] = []
        t = 0
        while t < duration_ms:
            for name, length in zip(names, self.as_tuple(), strict=True):
                if length == 0 or t >= duration_ms:
                    continue
                cut = min(length, duration_ms - t)
                out.append((name, t, cut))
                t += cut
        return out


@dataclass(frozen=True)
class Segment:
    """One segment of a timeline, with everything the device needs to run it."""

    kind: str
    start_ms: int
    duration_ms: int
    exercise: str | None = None
    side: str | None = None
    rep: int | None = None
    reps: int | None = None
    round: int | None = None
    rounds: int | None = None
    step: int = 0
    say: str | None = None
    level: int = 0
    breath: BreathPattern | None = None
    cap_ms: int | None = None  # hold_open only
    pace_ms: int | None = None  # count only
    flags: int = 0

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    def dry_run(self) -> dict:
        """The segment as ``backbeat show --json`` prints it (ROUTINES.md, "The dry run")."""
        return {
            "kind": self.kind,
            "exercise": self.exercise,
            "side": self.side,
            "rep": self.rep,
            "start_ms": self.start_ms,
            "duration_ms": self.duration_ms,
        }


@dataclass(frozen=True)
class Timeline:
    """A routine compiled at one progression level."""

    name: str
    segments: tuple[Segment, ...]
    level: int = 0
    about: str | None = None
    source: str | None = None
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def total_ms(self) -> int:
        return sum(s.duration_ms for s in self.segments)

    def dry_run(self) -> dict:
        return {
            "name": self.name,
            "total_ms": self.total_ms,
            "segments": [s.dry_run() for s in self.segments],
        }
