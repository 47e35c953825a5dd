"""Several Regions in one sandbox: which are served, how seed data splits among them, and what
AWS refuses when a copy leaves its Region.

What AWS documents, and the sandbox therefore does:
- Copy quotas count per account, per source Region, per destination Region ("concurrent copies
  outbound to one destination Region"); the world keeps one copy clock per such pair.
- A copy job lives in the Region where StartCopyJob was called (the source Region): ListCopyJobs
  and DescribeCopyJob answer there only.
- A resource type that supports no cross-Region copy (DynamoDB without advanced features, FSx for
  ONTAP volumes, RDS Multi-AZ DB clusters; feature table, "Cross-Region backup" column) fails a
  cross-Region copy job with "Copy job from <src> to <dst> cannot be initiated for <type>
  resources. Feature is not supported for provided resource type." (re:Post knowledge center,
  backup-troubleshoot-cross-account-copy).
- RDS, Aurora, DocumentDB and Neptune: the feature table's footnote 3 read "do not support a
  single copy action that performs both cross-Region AND cross-account backup"; AWS lifted that
  in November 2025 ("AWS Backup now supports cross-region, cross-account copies in a single
  action for Amazon RDS, Amazon Aurora, Amazon Neptune, and Amazon DocumentDB snapshots").
  SandboxConfig.cross_region_account_copy chooses "supported" (today) or "refused" (before, and
  in any partition or account where the old rule still holds); a refused job fails with the
  message above.
- Regions launched before 20 March 2019 are enabled by default; later ones are opt-in and
  disabled until an account enables them (AWS Account Management guide). The sandbox's accounts
  have enabled every Region it serves, and no other opt-in Region. A disabled Region holds no
  vaults, so a copy into one is refused as a copy into a missing vault is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import messages

# Enabled by default: the Regions AWS launched before 20 March 2019 (the commercial partition).
DEFAULT_ENABLED_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "ca-central-1",
        "sa-east-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "eu-central-1",
        "eu-north-1",
        "ap-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-southeast-1",
        "ap-southeast-2",
    }
)

# Resource types whose copies cannot be both cross-Region and cross-account in one job where
# SandboxConfig.cross_region_account_copy is "refused" (the feature table's footnote 3).
SINGLE_HOP_TYPES = frozenset({"RDS", "Aurora", "DocumentDB", "Neptune"})

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")


def commercial_regions() -> list[str]:
    """Every Region of the commercial partition that botocore knows, sorted."""
    from botocore.session import get_session

    return sorted(get_session().get_available_regions("ec2"))


def check_regions(regions: Sequence[str]) -> tuple[str, ...]:
    """`regions` as a tuple; ValueError naming the first that is malformed or repeated."""
    seen: list[str] = []
    for name in regions:
        if not isinstance(name, str) or not _REGION.match(name):
            raise ValueError(f"not a Region name: {name!r} (e.g. us-east-1)")
        if name in seen:
            raise ValueError(f"Region {name} is listed twice")
        seen.append(name)
    if not seen:
        raise ValueError("at least one Region is needed")
    return tuple(seen)


def check_known(regions: Sequence[str]) -> None:
    """ValueError when a Region is not one of the commercial partition's (per botocore)."""
    known = set(commercial_regions())
    for name in regions:
        if name not in known:
            raise ValueError(f"unknown Region {name} (not a Region of the aws partition)")


def split_counts(total: int, shares: Sequence[float]) -> list[int]:
    """`total` split in proportion to `shares` (largest remainder; the counts sum to total)."""
    if not shares:
        raise ValueError("no shares to split among")
    if any(not share >= 0 for share in shares) or sum(shares) <= 0:
        raise ValueError("shares must be 0 or more, and not all 0")
    whole = sum(shares)
    exact = [total * share / whole for share in shares]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] - counts[i]), i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


def opt_status(region: str, served: Sequence[str]) -> str:
    """account:ListRegions' RegionOptStatus of `region` for the sandbox's accounts."""
    if region in DEFAULT_ENABLED_REGIONS:
        return "ENABLED_BY_DEFAULT"
    return "ENABLED" if region in served else "DISABLED"


def region_of_arn(arn: str) -> str:
    """The Region field of an ARN ("" when it has none)."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


def cross_region_refusal(
    *,
    resource_type: str,
    copyable_elsewhere: bool,
    source_region: str,
    dest_region: str,
    cross_account: bool,
    single_hop: bool,
) -> tuple[str, str] | None:
    """(status message, message category) a cross-Region copy job fails with, or None.

    `copyable_elsewhere`: the recovery point's type and flavour supports copies out of its
    account and Region at all; `single_hop`: SandboxConfig.cross_region_account_copy is
    "refused".
    """
    if source_region == dest_region:
        return None
    refused = not copyable_elsewhere or (
        cross_account and single_hop and resource_type in SINGLE_HOP_TYPES
    )
    if not refused:
        return None
    text = messages.CROSS_REGION_UNSUPPORTED.format(
        source=source_region, dest=dest_region, type=resource_type
    )
    return text, messages.CATEGORY_INVALID
