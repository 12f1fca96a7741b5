"""How fast due dates are computed, and how much memory that takes.

Run: .venv/bin/python bench/bench_deadlines.py
"""
from __future__ import annotations

import datetime
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reckoning import deadlines  # noqa: E402

SPEC = deadlines.RuleSpec(
    kind=deadlines.RuleKind.RECURRING,
    frequency=deadlines.Frequency.MONTHLY,
    offset=5,
    offset_unit=deadlines.DayCount.BUSINESS_DAYS,
    window_start=datetime.date(2005, 5, 23),
)
HORIZON = datetime.date(2027, 12, 31)


def main(repeats: int = 200) -> None:
    deadlines.due_dates(SPEC, horizon=HORIZON)  # warm the holiday cache
    start = time.perf_counter()
    for _ in range(repeats):
        dues = deadlines.due_dates(SPEC, horizon=HORIZON)
    elapsed = time.perf_counter() - start
    # Memory is traced in a separate pass: tracing slows the timed one.
    tracemalloc.start()
    deadlines.due_dates(SPEC, horizon=HORIZON)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_rule_ms = elapsed / repeats * 1000
    print(f"monthly +5 business days, 2005-05 .. 2027-12: {len(dues)} due dates per rule")
    print(f"{per_rule_ms:.2f} ms per rule ({per_rule_ms / len(dues) * 1000:.1f} us per due date), "
          f"peak traced memory {peak / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
