"""A push back to pending after a failed attempt takes in the later changes of the same part of its object
even when a sibling part's push is queued between them (changes.absorbing; README "Push to partners": a
partner that was down gets each object's latest state once)."""

from __future__ import annotations

from hub.outbox.changes import Push, absorbing


def status(evse: str, value: str, at: str) -> Push:
    return Push("locations", (evse,), "PATCH", {"status": value, "last_updated": at})


def test_a_sibling_evse_queued_between_is_stepped_over() -> None:
    head = status("L1-1", "CHARGING", "2026-01-01T00:00:01Z")
    queued = [
        status("L1-2", "AVAILABLE", "2026-01-01T00:00:02Z"),
        status("L1-1", "AVAILABLE", "2026-01-01T00:00:03Z"),
    ]
    [(index, merged)] = absorbing(head, queued)
    assert index == 1
    assert merged == status("L1-1", "AVAILABLE", "2026-01-01T00:00:03Z")


def test_nothing_is_taken_in_past_a_push_of_the_same_part_that_does_not_merge() -> None:
    head = status("L1-1", "CHARGING", "2026-01-01T00:00:01Z")
    connector = Push("locations", ("L1-1", "1"), "PUT", {"id": "1", "last_updated": "2026-01-01T00:00:02Z"})
    assert absorbing(head, [connector, status("L1-1", "AVAILABLE", "2026-01-01T00:00:03Z")]) == []


def test_a_later_push_touching_a_stepped_over_sibling_ends_the_merging() -> None:
    """A Location PUT after a sibling's PATCH must not overtake it: the sibling would go backwards."""
    head = status("L1-1", "CHARGING", "2026-01-01T00:00:01Z")
    location = Push("locations", (), "PUT", {"id": "L1", "last_updated": "2026-01-01T00:00:03Z"})
    later = status("L1-1", "AVAILABLE", "2026-01-01T00:00:04Z")
    assert absorbing(head, [status("L1-2", "AVAILABLE", "2026-01-01T00:00:02Z"), location, later]) == []
