"""The benchmark report: a text table for the terminal and BENCHMARKS.md with the status-push plot."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from benchmarks.core import Figure

ANALYSIS = "<!-- analysis: kept when the table above is regenerated -->"


def _number(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT MET", None: ""}[met]


def table(figures: list[Figure]) -> str:
    rows = [("benchmark", "figure", "ours", "min-max", "baseline", "ratio", "target", "")]
    for f in figures:
        spread = f"{_number(f.spread.min)}-{_number(f.spread.max)}" if f.spread else ""
        rows.append(
            (
                f.benchmark,
                f.label,
                f"{_number(f.value, 3 if not f.unit else 1)} {f.unit}".rstrip(),
                spread,
                _number(f.baseline),
                _number(f.ratio, 2) if f.ratio is not None else "",
                f.target.text if f.target else "",
                _verdict(f.met),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _markdown_table(figures: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | figure | ours (median) | min-max | baseline | ratio | target | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        spread = f["spread"]
        span = f"{_number(spread['min'])}-{_number(spread['max'])}" if spread else ""
        ratio = _number(f["ratio"], 2) if f["ratio"] is not None else ""
        lines.append(
            f"| {f['benchmark']} | {f['label']} | {_number(f['value'], 3 if not f['unit'] else 1)} {f['unit']} | {span} | "
            f"{_number(f['baseline'])} | {ratio} | {f['target'] or ''} | {_verdict(f['met'])} |"
        )
    return "\n".join(lines)


def write_markdown(path: Path, result: dict[str, Any]) -> None:
    machine = result["machine"]
    figures = result["figures"]
    baselines = sorted({(f["benchmark"], f["baseline_label"]) for f in figures if f["baseline_label"]})
    parts = [
        "# Benchmarks",
        "",
        f"Latest {'quick' if result['quick'] else 'full'} run: {result['when']}, {result['seconds']:.0f} s, "
        f"`python -m benchmarks{' --quick' if result['quick'] else ''} --markdown BENCHMARKS.md`.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, {machine['system']}. Servers and load generators share these cores, "
        "so every figure that matters is a ratio to a baseline measured in the same run; raw figures are "
        "the median of the runs with their min-max.",
        "",
        *(
            [
                "Duration of each benchmark: "
                + ", ".join(
                    f"{name} {seconds:.0f} s" for name, seconds in result["benchmark_seconds"].items()
                )
                + ".",
                "",
            ]
            if result.get("benchmark_seconds")
            else []
        ),
        _markdown_table(figures),
        "",
        "Baselines:",
        "",
        *[f"- **{name}**: {label}" for name, label in baselines],
    ]
    if result["failed"]:
        parts += ["", "Failed in this run:", "", *[f"- {k}: {v}" for k, v in result["failed"].items()]]
    plot = plot_status_push(path.with_name("benchmarks-status-push.png"), figures)
    if plot is not None:
        parts += ["", f"![status-push latency vs rate]({plot.name})"]
    # The analysis under the marker is written by hand; a new run keeps it.
    kept = ""
    if path.exists():
        previous = path.read_text()
        if ANALYSIS in previous:
            kept = previous[previous.index(ANALYSIS) :]
    path.write_text("\n".join(parts) + "\n" + ("\n" + kept if kept else ""))


def plot_status_push(path: Path, figures: list[dict[str, Any]]) -> Path | None:
    """Latency (p50/p99) from the charger's StatusNotification to the partner's receipt, by rate."""
    points = [f for f in figures if f["benchmark"] == "status-push" and "rate" in f["extra"]]
    if not points:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    for engine in sorted({f["extra"]["engine"] for f in points}):
        series = sorted(
            (f for f in points if f["extra"]["engine"] == engine), key=lambda f: f["extra"]["rate"]
        )
        rates = [f["extra"]["rate"] for f in series]
        axes.plot(rates, [f["extra"]["p50_ms"] for f in series], marker="o", label=f"{engine} p50")
        axes.plot(
            rates, [f["extra"]["p99_ms"] for f in series], marker="s", linestyle="--", label=f"{engine} p99"
        )
    axes.set_xlabel("StatusNotifications per second")
    axes.set_ylabel("charger send → partner receipt (ms)")
    axes.set_yscale("log")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
