"""What a benchmark is and what it reports: figures measured next to their baseline, with the target an
issue set and whether it was met."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.stats import Spread


@dataclass(frozen=True)
class Target:
    """A promise: `value <op> bound`, where value is the figure itself or its ratio to the baseline."""

    text: str
    check: Callable[[Figure], bool]

    @staticmethod
    def at_least(bound: float, *, of_ratio: bool = False, source: str = "") -> Target:
        what = "ratio" if of_ratio else "value"
        text = f"{what} ≥ {bound:g}" + (f" ({source})" if source else "")
        return Target(text, lambda f: _pick(f, of_ratio) >= bound)

    @staticmethod
    def at_most(bound: float, *, of_ratio: bool = False, source: str = "") -> Target:
        what = "ratio" if of_ratio else "value"
        text = f"{what} ≤ {bound:g}" + (f" ({source})" if source else "")
        return Target(text, lambda f: _pick(f, of_ratio) <= bound)


def _pick(figure: Figure, of_ratio: bool) -> float:
    value = figure.ratio if of_ratio else figure.value
    return math.nan if value is None else value


@dataclass(frozen=True)
class Figure:
    """One reported number: ours (median of the runs), the baseline's in the same run, their ratio."""

    benchmark: str
    label: str
    unit: str
    value: float
    spread: Spread | None = None
    baseline: float | None = None
    baseline_label: str | None = None
    target: Target | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return bool(self.target.check(self))

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "label": self.label,
            "unit": self.unit,
            "value": None if math.isnan(self.value) else self.value,
            "spread": self.spread.as_dict() if self.spread else None,
            "baseline": self.baseline,
            "baseline_label": self.baseline_label,
            "ratio": self.ratio,
            "target": self.target.text if self.target else None,
            "met": self.met,
            "notes": self.notes,
            "extra": self.extra,
        }


@dataclass(frozen=True)
class Context:
    """What every benchmark gets: quick or full, a scratch directory, where process logs go, and a line
    printer for progress."""

    quick: bool
    workdir: Path
    say: Callable[[str], None]

    def pick(self, quick: Any, full: Any) -> Any:
        return quick if self.quick else full

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"


@dataclass(frozen=True)
class Benchmark:
    name: str
    summary: str
    run: Callable[[Context], list[Figure]]


REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    name: str, summary: str
) -> Callable[[Callable[[Context], list[Figure]]], Callable[[Context], list[Figure]]]:
    """Register a benchmark under `name` (the order of registration is the order of a full run)."""

    def register(run: Callable[[Context], list[Figure]]) -> Callable[[Context], list[Figure]]:
        REGISTRY[name] = Benchmark(name, summary, run)
        return run

    return register
