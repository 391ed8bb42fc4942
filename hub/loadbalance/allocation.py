"""Site load balancing, the pure part: share a site's power limit among its running Sessions (demand-aware
water-filling). Whole watts throughout, so that the sum of the limits is exact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# A car drawing this much less than its limit (or 10 % of the limit, whichever is more) is taken to draw
# what it wants: its demand is its draw plus room to grow, and the rest of its limit goes to others.
SLACK_W = 1000
SLACK_SHARE = 0.10
# The room to grow a car-limited Session keeps above what it draws. Larger than the slack, so that a car
# given its draw plus headroom still counts as car-limited (no raise-lower see-saw).
HEADROOM_W = 2000
HEADROOM_SHARE = 0.20


@dataclass(frozen=True)
class Claim:
    """One running Session as the allocation sees it. `maximum_w` its EVSE's maximum (already lowered to the
    smart-charging partner's bound, if any), `minimum_w` the least rate it can charge at, `demand_w` what it
    is expected to take (see `demand`)."""

    key: str
    maximum_w: int
    minimum_w: int
    demand_w: int


def demand(maximum_w: int, limit_w: int | None, measured_w: int | None) -> int:
    """What a Session is expected to take: all it may (its maximum) while nothing is known (a new arrival,
    no meter yet) or while it draws close to its limit; its draw plus headroom when it draws clearly less."""
    if measured_w is None or limit_w is None:
        return maximum_w
    measured = max(0, measured_w)
    if measured < limit_w - max(SLACK_W, int(limit_w * SLACK_SHARE)):
        return min(maximum_w, measured + max(HEADROOM_W, int(measured * HEADROOM_SHARE)))
    return maximum_w


def _fill(alloc: list[int], targets: Sequence[int], budget: int) -> int:
    """Raise every alloc[i] toward targets[i] by equal steps until the budget or the targets are used up;
    returns what is left of the budget."""
    active = [i for i, target in enumerate(targets) if target > alloc[i]]
    while budget > 0 and active:
        share = budget // len(active)
        if share == 0:
            # Fewer watts than Sessions: one each, to the first.
            for i in active[:budget]:
                alloc[i] += 1
            return 0
        for i in active:
            step = min(share, targets[i] - alloc[i])
            alloc[i] += step
            budget -= step
        active = [i for i in active if targets[i] > alloc[i]]
    return budget


def allocate(limit_w: int, claims: Sequence[Claim]) -> dict[str, int]:
    """Each Session's limit, their sum never above `limit_w`. In order: every Session its minimum (in the
    order given, while they fit: the rest get 0 and wait their turn); then equal steps above the minimum
    up to each one's demand, so that a new arrival (demand = maximum) gets a fair share at once and
    headroom a car does not use goes to those that can take it; then what is still left, up to each
    one's maximum."""
    budget = max(0, limit_w)
    floor = [max(0, min(c.minimum_w, c.maximum_w)) for c in claims]
    alloc = [0] * len(claims)
    for i, minimum in enumerate(floor):
        if minimum <= budget:
            alloc[i] = minimum
            budget -= minimum
    served = {i for i, c in enumerate(claims) if alloc[i] > 0 or floor[i] == 0}
    demands = [
        max(alloc[i], min(c.demand_w, c.maximum_w)) if i in served else 0 for i, c in enumerate(claims)
    ]
    budget = _fill(alloc, demands, budget)
    maxima = [max(alloc[i], c.maximum_w) if i in served else 0 for i, c in enumerate(claims)]
    _fill(alloc, maxima, budget)
    return {c.key: alloc[i] for i, c in enumerate(claims)}
