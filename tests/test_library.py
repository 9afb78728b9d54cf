"""The shipped routine library: it checks clean, covers the source pages with their timings,
stays within the display and time limits, and matches the table in routines/README.md."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from backbeat.routine import check_files, load_routine, read_routine
from backbeat.routine.model import Due, exercise_steps
from backbeat.routine.model import top_level as last_progression_level
from backbeat.text import display_lines
from backbeat.timeline import CHECK_PAIN, Timeline

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "routines"
README = LIBRARY / "README.md"
FILES = sorted(LIBRARY.glob("*.yaml"))
NAMES = [p.name for p in FILES]

THREE_HOURS_MS = 3 * 3600 * 1000
WORK_KINDS = ("hold", "hold_open", "breathe", "stretch", "contract", "relax", "count")
PNF_KINDS = ("stretch", "contract", "relax")

# The five source pages, as the routines' `source:` names them.
SOURCES = (
    'chinese-holistic-health-exercises.com, "Exercise For Lower Back Problems"',
    'globalbackcare.com, "Stretches for Upper and Lower Back Pain"',
    '"Back Exercises" (relax, rotate and stretch the back; neck massage)',
    'natural-arthritis-relief.com, "Back Pain Exercise"',
    'The Back Pain Advisor, "Back Exercises"',
)


@cache
def timeline(name: str, level: int) -> Timeline:
    return load_routine(LIBRARY / name, level)


@cache
def top_level(name: str) -> int:
    """The first level at which every progression of the routine has reached its end."""
    level = 0
    while timeline(name, level + 1).total_ms != timeline(name, level).total_ms:
        level += 1
        assert level < 100, f"{name}: its progressions never end"
    return level


class Step:
    """The work of one exercise step of a compiled routine, as the tests look at it."""

    def __init__(self, routine: str, index: int, segments: list) -> None:
        self.routine = routine
        self.index = index
        self.segments = segments
        self.exercise = segments[0].exercise
        self.work = [s for s in segments if s.kind in WORK_KINDS]
        self.kinds = {s.kind for s in self.work}
        self.sides = tuple(dict.fromkeys(s.side for s in self.work))
        self.pain_check = any(s.flags & CHECK_PAIN for s in segments)

    def value(self, kind: str) -> int | None:
        """The step's figure for ``kind``: ms per hold/target/breathe/stretch, beats per count."""
        found = [s for s in self.work if s.kind == kind]
        if not found:
            return None
        if kind == "count":
            beats = {s.duration_ms // s.pace_ms for s in found}
        else:
            beats = {s.duration_ms for s in found}
        assert len(beats) == 1, f"{self}: {kind} segments differ: {sorted(beats)}"
        return beats.pop()

    def __repr__(self) -> str:
        return f"{self.routine} step {self.index} ({self.exercise})"


def steps(name: str, level: int) -> list[Step]:
    by_index: dict[int, list] = {}
    for seg in timeline(name, level).segments:
        if seg.exercise is not None:
            by_index.setdefault(seg.step, []).append(seg)
    return [Step(name, i, segs) for i, segs in sorted(by_index.items())]


def all_steps(level: int | None) -> list[Step]:
    """Every exercise step of the library at ``level`` (None: each routine's top level)."""
    out = []
    for name in NAMES:
        out.extend(steps(name, top_level(name) if level is None else level))
    return out


def clock(ms: int) -> str:
    """A total as the README's table writes it: M:SS, or H:MM:SS from an hour on."""
    assert ms % 1000 == 0, ms
    h, rest = divmod(ms // 1000, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# ---------------------------------------------------------------------------
# The library as a whole


def test_library_has_at_least_eight_routines_named_by_short_slugs():
    assert len(FILES) >= 8
    for name in NAMES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.yaml", name), name
        assert len(name) <= 28, name


def test_backbeat_check_finds_no_error_in_the_library():
    assert check_files(FILES) == []


@pytest.mark.parametrize("name", NAMES)
def test_routine_checks_clean_at_level_zero_and_at_its_top_level(name):
    assert timeline(name, 0).segments
    assert timeline(name, top_level(name)).segments


@pytest.mark.parametrize("name", NAMES)
def test_top_level_is_where_the_routines_last_progression_ends(name):
    assert top_level(name) == last_progression_level(read_routine(LIBRARY / name))


@pytest.mark.parametrize("name", NAMES)
def test_routine_stays_under_three_hours_at_every_level(name):
    assert timeline(name, 0).total_ms <= timeline(name, top_level(name)).total_ms < THREE_HOURS_MS


def test_library_has_a_short_routine_for_a_demo():
    short = [n for n in NAMES if 60_000 <= timeline(n, 0).total_ms <= 180_000]
    assert "chinese-neck.yaml" in short
    assert timeline("chinese-neck.yaml", 0).total_ms == 130_000


@pytest.mark.parametrize("name", NAMES)
def test_routine_has_name_source_and_display_texts_within_limits(name):
    tl = timeline(name, 0)
    assert 0 < len(tl.name) <= 32
    assert 1 <= len(display_lines(tl.name)) <= 3
    assert tl.source in SOURCES
    assert tl.about
    for seg in tl.segments:
        if seg.exercise is not None:
            assert 1 <= len(display_lines(seg.exercise)) <= 3, seg.exercise
            assert seg.say, f"{name}: {seg.exercise} has no say text"
        if seg.say is not None:
            lines = display_lines(seg.say)
            assert 1 <= len(lines) <= 3, seg.say
            assert all(len(line) <= 16 for line in lines), lines


def test_every_source_page_is_used():
    assert {timeline(n, 0).source for n in NAMES} == set(SOURCES)


def test_holds_carry_breath_guidance_except_in_effort_and_gym_routines():
    unguided = {
        n
        for n in NAMES
        if any(s.kind == "hold" and s.breath is None for s in timeline(n, 0).segments)
    }
    assert unguided == {"strength-four.yaml", "gym.yaml"}


# ---------------------------------------------------------------------------
# Every exercise on the five pages, with the timing the page gives.
# (pattern in the exercise name, work kind, figure at level 0, figure at the top level, sides)
# Figures are milliseconds, or beats for `count`; sides None means one pass with no side.

S = 1000
MIN = 60 * S
BOTH = ("left", "right")

COVERAGE = [
    # natural-arthritis-relief.com, "Back Pain Exercise"
    (r"cat", "hold", 15 * S, 15 * S, None),
    (r"camel", "hold", 15 * S, 15 * S, None),
    (r"^knee to chest", "hold", 30 * S, 30 * S, None),
    (r"bridge", "hold", 30 * S, 30 * S, None),
    (r"hip flexor stretch", "hold", 30 * S, 30 * S, BOTH),
    (r"arm raise", "hold", 10 * S, 30 * S, BOTH),
    (r"leg raise", "hold", 10 * S, 30 * S, BOTH),
    (r"bird dog", "hold", 10 * S, 30 * S, BOTH),
    (r"partial cobra", "hold", 10 * S, 30 * S, None),
    (r"^cobra", "hold", 10 * S, 30 * S, None),
    (r"plank on elbows", "hold_open", 10 * S, 30 * S, None),
    (r"plank on hands", "hold_open", 10 * S, 30 * S, None),
    # globalbackcare.com, "Stretches for Upper and Lower Back Pain"
    (r"hip crossover", "hold", 1 * MIN, 5 * MIN, BOTH),
    (r"relaxing stretch", "hold", 5 * MIN, 30 * MIN, None),
    (r"^squat$", "hold", 1 * MIN, 1 * MIN, None),
    (r"wall sit", "hold", 1 * MIN, 1 * MIN, None),
    (r"buttock stretch", "hold", 1 * MIN, 1 * MIN, BOTH),
    (r"hamstring stretch", "hold", 30 * S, 30 * S, BOTH),
    (r"calf stretch", "hold", 30 * S, 30 * S, BOTH),
    (r"superman", "hold", 10 * S, 1 * MIN, None),
    (r"sit-ups", "count", 5, 20, None),
    (r"press-ups", "count", 5, 20, None),
    (r"prone frog", "hold", 30 * S, 30 * S, None),
    (r"aerobic machine", "hold", 30 * MIN, 30 * MIN, None),
    (r"strength machines", "hold", 30 * MIN, 30 * MIN, None),
    # "Back Exercises": relax, rotate and stretch the back; neck massage
    (r"belly breathing", "breathe", 5 * MIN, 5 * MIN, None),
    (r"ankle on knee", "hold", 30 * S, 30 * S, ("right", "left")),
    (r"single knee to chest", "hold", 10 * S, 10 * S, ("right", "left")),
    (r"knees side to side", "hold", 30 * S, 30 * S, BOTH),
    (r"the crawl", "hold", 1 * MIN, 1 * MIN, BOTH),
    (r"maypole", "count", 10, 20, None),
    (r"arch and round", "count", 10, 20, None),
    (r"sit back to heels", "hold", 1 * MIN, 1 * MIN, None),
    (r"kneel tall", "hold", 1 * MIN, 1 * MIN, None),
    (r"bed edge", "hold", 5 * MIN, 5 * MIN, None),
    (r"bed frame crouch", "hold", 30 * S, 30 * S, None),
    (r"hang and circle arms", "hold", 1 * MIN, 1 * MIN, None),
    (r"knuckle slide", "count", 5, 10, None),
    (r"lie over a towel", "hold", 2 * MIN, 3 * MIN, None),
    (r"neck massage", "count", 6, 6, None),
    # chinese-holistic-health-exercises.com: the Chinese set
    (r"back twist", "hold", 20 * S, 20 * S, ("right", "left")),
    (r"forward-backward bend", "count", 6, 6, None),
    (r"back arch", "hold", 15 * S, 15 * S, None),
    (r"squat, sit and stretch", "hold", 1 * MIN, 1 * MIN, None),
    (r"leg stretch", "hold", 30 * S, 30 * S, BOTH),
    (r"lumbar rub", "count", 30, 30, None),
    (r"neck twist", "hold", 15 * S, 15 * S, ("right", "left")),
    (r"upper back loosener", "count", 10, 10, None),
    (r"toe circles", "count", 10, 10, None),
    (r"anal lock", "count", 20, 20, None),
    # The Back Pain Advisor, "Back Exercises": PNF for the major muscles (first stretch 10 s)
    (r"hip flexors \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"hamstrings \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"glutes \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"piriformis \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"erector spinae \(pnf\)", "stretch", 10 * S, 10 * S, None),
    (r"upper trapezius \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"levator scapulae \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"neck extensors \(pnf\)", "stretch", 10 * S, 10 * S, None),
    (r"neck flexors \(pnf\)", "stretch", 10 * S, 10 * S, None),
    (r"scm \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"adductors \(pnf\)", "stretch", 10 * S, 10 * S, None),
    (r"tensor fascia lata \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"quadratus lumborum \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"quadriceps \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"pectorals \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"rotator cuff \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
    (r"coraco-brachialis \(pnf\)", "stretch", 10 * S, 10 * S, BOTH),
]


def _first_stretch(step: Step) -> int:
    return next(s.duration_ms for s in step.work if s.kind == "stretch")


@pytest.mark.parametrize(
    ("pattern", "kind", "first", "last", "sides"), COVERAGE, ids=[c[0] for c in COVERAGE]
)
def test_page_exercise_is_in_the_library_with_its_timing(pattern, kind, first, last, sides):
    rx = re.compile(rf"(?<![\w-]){pattern}(?![\w-])", re.IGNORECASE)
    low = [s for s in all_steps(0) if rx.search(s.exercise)]
    assert low, f"no exercise step named like {pattern!r}"
    high = {(s.routine, s.index): s for s in all_steps(None)}
    seen = []
    for step in low:
        top = high[(step.routine, step.index)]
        assert top.exercise == step.exercise
        if kind == "stretch":
            figures = (_first_stretch(step), _first_stretch(top))
            ok_kind = set(PNF_KINDS) <= step.kinds
        else:
            figures = (step.value(kind), top.value(kind))
            ok_kind = step.kinds == {kind}
        seen.append((step, sorted(step.kinds), figures, step.sides))
        if ok_kind and figures == (first, last) and step.sides == (sides or (None,)):
            return
    pytest.fail(f"{pattern!r}: wanted {kind} {first} -> {last} on {sides}; found {seen}")


def test_pnf_steps_run_contract_relax_rounds_that_grow_from_one_to_three():
    step = next(s for s in steps("pnf-lower-back.yaml", 0) if s.exercise == "Hamstrings (PNF)")
    assert [(s.kind, s.side, s.duration_ms) for s in step.work] == [
        ("stretch", "left", 10_000),
        ("contract", "left", 6_000),
        ("relax", "left", 3_000),
        ("stretch", "left", 15_000),
        ("stretch", "right", 10_000),
        ("contract", "right", 6_000),
        ("relax", "right", 3_000),
        ("stretch", "right", 15_000),
    ]
    top = next(s for s in steps("pnf-lower-back.yaml", 2) if s.exercise == "Hamstrings (PNF)")
    assert [s.kind for s in top.work if s.side == "left"] == ["stretch"] + [
        "contract",
        "relax",
        "stretch",
    ] * 3
    assert top_level("pnf-lower-back.yaml") == 2


def test_hip_crossover_runs_four_rounds_that_reach_forty_minutes():
    crossings = [s for s in steps("hip-crossover.yaml", 8) if s.exercise == "Hip crossover"]
    assert len(crossings) == 4
    assert sum(seg.duration_ms for s in crossings for seg in s.work) == 40 * MIN
    assert top_level("hip-crossover.yaml") == 8


def test_hand_plank_is_held_as_long_as_you_can_up_to_its_cap():
    plank = next(s for s in steps("core-stability.yaml", 0) if s.exercise == "Plank on hands")
    [seg] = plank.work
    assert (seg.kind, seg.duration_ms, seg.cap_ms) == ("hold_open", 10_000, 120_000)


def test_partial_cobra_comes_before_cobra_and_asks_about_pain():
    for name in NAMES:
        names = [s.exercise for s in steps(name, 0)]
        if "Cobra" in names:
            before = names[: names.index("Cobra")]
            assert "Partial cobra" in before, name
            partial = next(s for s in steps(name, 0) if s.exercise == "Partial cobra")
            assert partial.pain_check, name


def test_cobra_needs_the_partial_cobra():
    for name in NAMES:
        routine = read_routine(LIBRARY / name)
        cobras = [s for s in exercise_steps(routine.steps) if s.exercise == "Cobra"]
        assert [s.needs.exercise for s in cobras if s.needs] == ["Partial cobra"] * len(cobras), name


def test_every_routine_is_due_as_its_page_says():
    due = {name: read_routine(LIBRARY / name).due for name in NAMES}
    assert due["gym.yaml"] == Due(per_week=3)
    assert due["desk-job.yaml"] == Due(days=(0, 1, 2, 3, 4))
    for name in ("pnf-lower-back.yaml", "pnf-minor.yaml", "pnf-neck.yaml"):
        assert due[name] == Due(per_day=3)
        assert read_routine(LIBRARY / name).at == (7 * 60 + 30, 13 * 60, 22 * 60)
    assert read_routine(LIBRARY / "hip-crossover.yaml").at == (20 * 60,)
    others = set(NAMES) - {"gym.yaml", "desk-job.yaml", "pnf-lower-back.yaml", "pnf-minor.yaml",
                           "pnf-neck.yaml"}
    assert {due[n] for n in others} == {Due(per_day=1)}


def test_pain_is_checked_after_stretches_that_can_hurt():
    checked = {(s.routine, s.exercise) for s in all_steps(0) if s.pain_check}
    assert ("lower-back-easy.yaml", "Hip flexor stretch") in checked
    assert ("hip-crossover.yaml", "Hip crossover") in checked
    pnf = [s for s in all_steps(0) if s.exercise.endswith("(PNF)")]
    assert len(pnf) == 17
    assert all(s.pain_check for s in pnf)


def test_relaxing_breath_is_five_minutes_of_slow_belly_breathing():
    step = next(s for s in steps("relax-the-back.yaml", 0) if s.exercise == "Belly breathing")
    [seg] = step.work
    assert (seg.kind, seg.start_ms, seg.duration_ms) == ("breathe", 5_000, 300_000)
    assert seg.breath.as_tuple() == (4000, 0, 6000, 0)


# ---------------------------------------------------------------------------
# routines/README.md

TABLE_ROW = re.compile(
    r"^\| \[(?P<file>[\w-]+\.yaml)\]\((?P=file)\) \| (?P<what>[^|]+) \| (?P<total>[\d:]+) \| "
    r"(?P<top>[\d:]+) at level (?P<level>\d+) \| (?P<source>[^|]+) \|$"
)


def readme_rows() -> dict[str, re.Match]:
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        m = TABLE_ROW.match(line)
        if m:
            assert m["file"] not in rows, f"{m['file']} is listed twice"
            rows[m["file"]] = m
    return rows


def test_readme_table_lists_exactly_the_routine_files():
    assert sorted(readme_rows()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_readme_table_gives_each_routines_totals_and_source(name):
    row = readme_rows()[name]
    level = top_level(name)
    assert row["total"] == clock(timeline(name, 0).total_ms)
    assert (row["top"], int(row["level"])) == (clock(timeline(name, level).total_ms), level)
    site = timeline(name, 0).source.split(",")[0].split(" (")[0].strip('"')
    assert site in row["source"]


def test_readme_carries_the_safety_note():
    text = " ".join(README.read_text(encoding="utf-8").split()).lower()
    assert "check with your doctor or another health professional first" in text
    assert "stop if it hurts" in text
    assert "go gently" in text


def test_clock_writes_minutes_and_hours():
    assert clock(130_000) == "2:10"
    assert clock(3_740_000) == "1:02:20"


# The README's examples are real: each `$ backbeat ...` block is what the command prints for
# the files written out above it (lines of `...` stand for output left out).

EXAMPLE_FILE = re.compile(
    r"<!-- file: (?P<name>[\w-]+\.yaml) -->\n```yaml\n(?P<text>.*?)```", re.DOTALL
)
COMMAND_BLOCK = re.compile(r"```\n\$ (?P<command>backbeat [^\n]*)\n(?P<output>.*?)```", re.DOTALL)


def readme_examples() -> tuple[dict[str, str], list[tuple[str, list[str]]]]:
    text = README.read_text(encoding="utf-8")
    files = {m["name"]: m["text"] for m in EXAMPLE_FILE.finditer(text)}
    commands = [(m["command"], m["output"].splitlines()) for m in COMMAND_BLOCK.finditer(text)]
    return files, commands


def test_readme_shows_examples_of_show_and_check():
    files, commands = readme_examples()
    assert sorted(files) == [
        "breath.yaml",
        "colon.yaml",
        "long.yaml",
        "more.yaml",
        "morning-back.yaml",
        "my-back.yaml",
        "my-plan.yaml",
        "twice.yaml",
        "work-kinds.yaml",
    ]
    shown = [c.split()[1] for c, _ in commands]
    assert shown.count("show") == 5 and shown.count("check") == 2


@pytest.mark.parametrize("command", [c for c, _ in readme_examples()[1]])
def test_readme_example_prints_what_the_readme_says(command, tmp_path, monkeypatch):
    from backbeat.cli import main
    from click.testing import CliRunner

    files, commands = readme_examples()
    expected = dict(commands)[command]
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    (tmp_path / "routines").mkdir()
    for path in FILES:
        (tmp_path / "routines" / path.name).write_bytes(path.read_bytes())
    monkeypatch.chdir(tmp_path)
    got = CliRunner().invoke(main, command.split()[1:]).output.splitlines()
    if any(line.strip() == "..." for line in expected):
        kept = [line for line in expected if line.strip() != "..."]
        it = iter(got)
        missing = [line for line in kept if not any(line == g for g in it)]
        assert missing == [], f"not in the output of {command!r}, in this order"
    else:
        assert got == expected
