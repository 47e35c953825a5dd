"""The sandbox's stats per source Region: where jobs were started, and how many ran at once."""

from __future__ import annotations

from typing import Any

from .world import SandboxWorld


def region_stats(world: SandboxWorld) -> dict[str, dict[str, Any]]:
    """Per source Region (every Region served, and any other where a job was started):

    - jobs_by_state: the copy jobs started there (any account), by state;
    - peak_running: the most RUNNING at once in any one account's copy clock from there;
    - peak_running_by_destination: the same per destination Region (the quota's pair);
    - peak_running_by_type: the same per type-limit group.

    The caller holds world.lock and has ticked the world.
    """
    limits = world.config.type_limits
    out: dict[str, dict[str, Any]] = {
        region: _empty(limits.keys()) for region in world.config.regions
    }
    for (_, region), book in sorted(world.books.items()):
        entry = out.setdefault(region, _empty(limits.keys()))
        for job in book.jobs:
            entry["jobs_by_state"][job.state] = entry["jobs_by_state"].get(job.state, 0) + 1
        for dest, queue in sorted(book.queues.items()):
            entry["peak_running"] = max(entry["peak_running"], queue.peak_running)
            by_dest = entry["peak_running_by_destination"]
            by_dest[dest] = max(by_dest.get(dest, 0), queue.peak_running)
            for group, running in queue.peak_running_by_type.items():
                entry["peak_running_by_type"][group] = max(
                    entry["peak_running_by_type"][group], running
                )
    return out


def _empty(groups: Any) -> dict[str, Any]:
    return {
        "jobs_by_state": {},
        "peak_running": 0,
        "peak_running_by_destination": {},
        "peak_running_by_type": dict.fromkeys(groups, 0),
    }
