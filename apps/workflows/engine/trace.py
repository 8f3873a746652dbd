"""The Decision trace: each pipeline step with what it found and how long it took (milliseconds)."""

from __future__ import annotations

import time
from contextlib import contextmanager

TRACE_VERSION = 1


class Trace:
    """Collects steps as ``{"step": name, "ms": float, **details}`` in order."""

    def __init__(self):
        self.steps: list[dict] = []

    @contextmanager
    def step(self, name: str, **details):
        """Time a step; the yielded dict can be filled with details while it runs."""
        entry = {"step": name, **details}
        started = time.perf_counter()
        try:
            yield entry
        finally:
            entry["ms"] = round((time.perf_counter() - started) * 1000, 3)
            self.steps.append(entry)

    def add(self, name: str, ms: float, **details) -> None:
        """Record a step timed elsewhere (e.g. a share of a batched classifier call)."""
        self.steps.append({"step": name, "ms": round(ms, 3), **details})

    def has(self, name: str) -> bool:
        """Whether a step called ``name`` was recorded."""
        return any(s["step"] == name for s in self.steps)

    def total_ms(self) -> float:
        return round(sum(s.get("ms", 0.0) for s in self.steps), 3)

    def as_dict(self, **extra) -> dict:
        return {"version": TRACE_VERSION, "steps": self.steps, "total_ms": self.total_ms(), **extra}
