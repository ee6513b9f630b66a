"""Timing helper shared by the benchmark scripts (imported as a sibling module when a script is run)."""
from __future__ import annotations

import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeat: int = 3, warmup: bool = True) -> float:
    """Best wall time in seconds of ``repeat`` calls of ``fn`` (after one untimed warm-up call if ``warmup``)."""
    if warmup:
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
