"""Rate, ETA and the run summary's arithmetic."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    total: int
    completed: int
    failed: int
    in_flight: int
    queued: int
    elapsed: float
    completed_this_run: int
    # The longest remaining resource chain and the last expected end of a job in flight
    # (domain/eta.py), in seconds; None while unknown.
    eta_floor: float | None = None

    @property
    def done(self) -> int:
        return self.completed + self.failed

    @property
    def per_hour(self) -> float:
        return self.completed_this_run * 3600.0 / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        """The larger of the remaining items over this run's rate and the floor; None while
        no copy of this run has completed."""
        remaining = self.total - self.done
        if remaining == 0:
            return 0.0
        if self.completed_this_run == 0 or self.elapsed <= 0:
            return None
        by_rate = remaining * self.elapsed / self.completed_this_run
        return max(by_rate, self.eta_floor or 0.0)

    @property
    def percent(self) -> int:
        """Done of total, rounded down: 100 only when everything is done."""
        return 100 * self.done // self.total if self.total else 100


def format_duration(seconds: float | None) -> str:
    """'2h 15m', '45m 10s', '12s'; '?' when unknown."""
    if seconds is None:
        return "?"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def combined(parts: list[Progress]) -> Progress:
    """Several Regions' progress as one: their counts added up; the run ends with its slowest
    Region, so the ETA is at least the longest of theirs."""
    etas = [part.eta_seconds for part in parts]
    known = [eta for eta in etas if eta is not None]
    return Progress(
        total=sum(part.total for part in parts),
        completed=sum(part.completed for part in parts),
        failed=sum(part.failed for part in parts),
        in_flight=sum(part.in_flight for part in parts),
        queued=sum(part.queued for part in parts),
        elapsed=max((part.elapsed for part in parts), default=0.0),
        completed_this_run=sum(part.completed_this_run for part in parts),
        eta_floor=max(known) if known else None,
    )
