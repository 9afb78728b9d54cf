"""How many cases the fuzz tests run: a few thousand in `make test`, many more in `make fuzz`
(BACKBEAT_FUZZ=N multiplies every count by N)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = int(os.environ.get("BACKBEAT_FUZZ", "1"))


def cases(n: int):
    """Hypothesis settings for n cases (times BACKBEAT_FUZZ), the same cases on every run
    unless fuzzing for long."""
    return settings(
        max_examples=n * SCALE,
        deadline=None,
        derandomize=SCALE == 1,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
