"""The PNG of `ocpi-hub report utilisation --png`: occupancy by hour of day and day of week (each Location's
local time) over all Locations, and the Locations ranked by the share of time all their EVSEs were busy.
Needs matplotlib (the `reports` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub.analytics.usage import DAYS, WEEK_HOURS

if TYPE_CHECKING:
    from hub.analytics.report import Utilisation

RANKED = 15


def occupancy_grid(report: Utilisation) -> list[list[float | None]]:
    """7 rows (Monday first) of 24 hours: busy EVSE-time over observed EVSE-time; None where unobserved."""
    observed = [0.0] * WEEK_HOURS
    busy = [0.0] * WEEK_HOURS
    for site in report.sites:
        for h in range(WEEK_HOURS):
            observed[h] += site.observed_week[h]
            busy[h] += site.busy_week[h]
    return [
        [busy[d * 24 + h] / observed[d * 24 + h] if observed[d * 24 + h] else None for h in range(24)]
        for d in range(7)
    ]


def draw(report: Utilisation, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = occupancy_grid(report)
    figure, (heat, bars) = plt.subplots(2, 1, figsize=(10, 9), gridspec_kw={"height_ratios": [1, 1.3]})
    values = [[float("nan") if v is None else v * 100 for v in row] for row in grid]
    highest = max((v for row in grid for v in row if v is not None), default=0.0) * 100
    image = heat.imshow(values, aspect="auto", cmap="viridis", vmin=0, vmax=max(highest, 1.0))
    heat.set_yticks(range(7), DAYS)
    heat.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    heat.set_xlabel("hour of day (Location time)")
    heat.set_title(
        f"Occupancy (CHARGING or BLOCKED), {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d %H:%M} UTC"
    )
    figure.colorbar(image, ax=heat, label="% of observed EVSE time")

    ranked = [s for s in report.sites if s.all_busy_share is not None][:RANKED]
    labels = [f"{s.rank}. {s.location_id}" + (f" ({s.name})" if s.name else "") for s in ranked]
    colours = {"OVER": "tab:red", "UNDER": "tab:blue", "OK": "tab:green"}
    positions = list(range(len(ranked)))
    bars.barh(
        positions,
        [(s.all_busy_share or 0.0) * 100 for s in ranked],
        color=[colours.get(s.capacity, "grey") for s in ranked],
        label="all EVSEs busy",
    )
    bars.scatter(
        [(s.occupancy or 0.0) * 100 for s in ranked],
        positions,
        color="black",
        marker="|",
        s=200,
        label="occupancy",
    )
    bars.set_yticks(positions, labels)
    bars.invert_yaxis()
    bars.set_xlabel(
        "% of observed time (bar: all EVSEs busy, red OVER / green OK / blue UNDER; tick: occupancy)"
    )
    bars.set_title(f"Locations ranked by time with no free EVSE (top {len(ranked)} of {len(report.sites)})")
    bars.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
