"""The copies' lifecycle flags checked and turned into a LifecyclePolicy (each refusal one
line naming its flag, a UsageError)."""

from __future__ import annotations

from ..domain.lifecycle import MAX_DAYS, MIN_DAYS, LifecyclePolicy
from .exit_status import UsageError


def lifecycle_policy(
    delete_after: int | None,
    cold_after: int | None,
    *,
    archive: bool,
    fit_retention: bool,
    allow_expired: bool,
) -> LifecyclePolicy:
    """The copies' lifecycle flags, checked as AWS checks a Lifecycle: each number of days
    from 1 to 36500, DeleteAfterDays at least 90 after the cold move."""
    for flag, days in (("--delete-after-days", delete_after), ("--cold-after-days", cold_after)):
        if days is not None and not MIN_DAYS <= days <= MAX_DAYS:
            raise UsageError(
                f"{flag} must be from {MIN_DAYS} to {MAX_DAYS:,} (AWS's range), got {days}"
            )
    if delete_after is not None and cold_after is not None and delete_after < cold_after + 90:
        raise UsageError(
            f"--delete-after-days {delete_after} must be at least 90 days after --cold-after-days "
            f"{cold_after} (AWS's rule: at least {cold_after + 90})"
        )
    policy = LifecyclePolicy(
        delete_after_days=delete_after,
        cold_after_days=cold_after,
        archive=archive,
        fit_retention=fit_retention,
        allow_expired=allow_expired,
    )
    if policy.allow_expired and delete_after is None and not policy.fit_retention:
        raise UsageError(
            "--allow-expired applies to copies that --delete-after-days (or --fit-retention) "
            "would expire: give one of them"
        )
    return policy
