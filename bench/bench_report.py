"""Report figures: `backbeat report` as a person runs it (the whole command, Python's start
included), over five years and over one month of three sessions a day, side by side. The
report's index of each store is made beforehand (as the first report after a sync makes it),
so the figures are what every later report costs.

- report.ms_5y: the terminal report over five years (about 5,500 sessions, 160,000
  segments); target at most 2 s.
- report.html_ms_5y: the same with --html; target at most 4 s.
- report.growth_5y_vs_1m: the terminal report's time over five years against one month;
  target at most 3.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

LAST = date(2026, 12, 4)
RUNS = 3


def _ms(cache: Path, *args: str) -> float:
    """The median wall time of the command over RUNS runs."""
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "backbeat.cli", "report", "--until", str(LAST),
                        *args], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "XDG_CACHE_HOME": str(cache)})
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def run() -> dict:
    from backbeat.report.facts import facts_path, stamp
    from backbeat.store import Store
    from reportstore import CraftedFacts, years_of_sessions

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        stores = {}
        for name, days in (("5y", 5 * 365 + 1), ("1m", 30)):
            store = Path(tmp) / f"{name}.db"
            Store(store).close()
            facts = CraftedFacts(facts_path(store, cache / "backbeat" / "reports"),
                                 stamp(store))
            years_of_sessions(facts, LAST, days)
            sessions, segments = (facts.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                                  for t in ("sessions", "segments"))
            facts.close()
            stores[name] = str(store)
            print(f"   {name}: {sessions} sessions, {segments} segments")
        month = _ms(cache, "--db", stores["1m"])
        years = _ms(cache, "--db", stores["5y"])
        html_month = _ms(cache, "--db", stores["1m"], "--html", str(Path(tmp) / "1m.html"))
        html_years = _ms(cache, "--db", stores["5y"], "--html", str(Path(tmp) / "5y.html"))
    return {
        "report.ms_5y": {
            "value": round(years), "unit": "ms",
            "compared_with": f"target at most 2000 ms; over one month {round(month)} ms"},
        "report.html_ms_5y": {
            "value": round(html_years), "unit": "ms",
            "compared_with": f"target at most 4000 ms; over one month {round(html_month)} ms"},
        "report.growth_5y_vs_1m": {
            "value": round(years / month, 2), "unit": "x",
            "compared_with": "target at most 3; 61 times the sessions "
                             f"(html: {html_years / html_month:.2f}x)"},
    }
