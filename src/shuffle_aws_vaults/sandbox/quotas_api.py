"""What an account can hold, as the pre-flight reads it: Service Quotas' GetServiceQuota and
GetAWSDefaultServiceQuota, and the counts EC2 (DescribeImages, DescribeSnapshots,
ListImagesInRecycleBin) and RDS (DescribeAccountAttributes) answer.

moto knows none of this: its Service Quotas holds only VPC quotas, its DescribeImages and
DescribeSnapshots ignore paging (and DescribeSnapshots ignores OwnerIds, answering the 1,300
snapshots behind moto's own public AMIs), and ListImagesInRecycleBin and
DescribeAccountAttributes are not implemented. With a sandbox world active, the sandbox
answers them from its settings (SandboxConfig.dest_quotas, dest_held, dest_quotas_denied) and
from what its vaults hold:

- an account holds, in each Region, what dest_held says (destination accounts only) plus a
  resource per recovery point its vaults hold there: an EC2 one is an AMI with one EBS
  snapshot (AWS: a snapshot per volume), an EBS one a snapshot, an RDS one a DB instance
  snapshot, an Aurora one a DB cluster snapshot. So copies landing in the destination count
  toward its quotas, as AWS documents for AMIs and snapshots (whether RDS's own quotas count
  AWS Backup's snapshots AWS does not say; the sandbox counts them).
- The Recycle Bin is always empty.
- Paging: MaxResults 5 to 1000 (a page of everything when absent), NextToken an offset.

Calls for other services, quota codes or owners go to moto as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses import EC2Response
from moto.rds.responses import RDSResponse
from moto.servicequotas.responses import ServiceQuotasResponse

from .backup_api import active_world
from .quota_table import BY_CODE, HELD_KEYS, QUOTAS, SandboxQuota
from .world import SandboxWorld

_ORIGINAL: dict[str, Callable[[Any], Any]] = {
    "get_service_quota": ServiceQuotasResponse.get_service_quota,
    "describe_images": EC2Response.describe_images,
    "describe_snapshots": EC2Response.describe_snapshots,
}
MIN_PAGE, MAX_PAGE = 5, 1000
PREFIXES = {
    "amis": "ami",
    "ebs-snapshots": "snap",
    "rds-snapshots": "rds",
    "rds-cluster-snapshots": "cluster",
}
# What one recovery point of each type adds to its account's counts.
HOLDS = {
    "EC2": ("amis", "ebs-snapshots"),
    "EBS": ("ebs-snapshots",),
    "RDS": ("rds-snapshots",),
    "Aurora": ("rds-cluster-snapshots",),
}


def install() -> None:
    """Serve the calls the sandbox's way; idempotent. With no sandbox world active, moto's
    (or, for what moto lacks, AWS's answer for an account that holds nothing)."""
    setattr(ServiceQuotasResponse, "get_service_quota", _get_service_quota)  # noqa: B010
    setattr(ServiceQuotasResponse, "get_aws_default_service_quota", _get_default)  # noqa: B010
    setattr(EC2Response, "describe_images", _describe_images)  # noqa: B010
    setattr(EC2Response, "describe_snapshots", _describe_snapshots)  # noqa: B010
    setattr(EC2Response, "list_images_in_recycle_bin", _list_recycle_bin)  # noqa: B010
    setattr(RDSResponse, "describe_account_attributes", _describe_account_attributes)  # noqa: B010


def _world() -> SandboxWorld | None:
    try:
        return active_world()
    except RuntimeError:
        return None


def applied(world: SandboxWorld | None, account: str, quota: SandboxQuota) -> int:
    """The quota's applied value for `account` (the settings' for a destination account)."""
    if world is not None and account in world.config.dest_accounts:
        return world.config.dest_quotas.get(quota.key, quota.default)
    return quota.default


def holdings(world: SandboxWorld, account: str, region: str) -> dict[str, list[str]]:
    """The IDs of what `account` holds in `region`, by quota key (amis, ebs-snapshots,
    rds-snapshots, rds-cluster-snapshots): the held ones (dest_held) first, then one per
    recovery point its vaults there hold."""
    found: dict[str, list[str]] = {key: [] for key in HELD_KEYS}
    if account in world.config.dest_accounts:
        for key, count in world.config.dest_held.items():
            found[key] += [f"{PREFIXES[key]}-{index:017x}" for index in range(count)]
    with world.lock:
        world.tick()  # copies due by now have landed
        for (owner, where, _), contents in world.vaults.items():
            if (owner, where) != (account, region):
                continue
            for rp in contents.by_arn.values():
                if rp.deleted:
                    continue
                # ami-..., snap-..., awsbackup:job-... (the ARN's last part)
                tail = rp.arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                for key in HOLDS.get(rp.resource_type, ()):
                    prefix = PREFIXES[key]
                    found[key].append(tail if tail.startswith(prefix) else f"{prefix}-{tail}")
    return found


# -- Service Quotas ------------------------------------------------------------------------


def _quota_body(self: Any) -> tuple[str, str]:
    body = json.loads(self.body) if self.body else {}
    return str(body.get("ServiceCode")), str(body.get("QuotaCode"))


def _denied(world: SandboxWorld | None, self: Any, operation: str) -> None:
    config = world.config if world is not None else None
    if (
        config is not None
        and config.dest_quotas_denied
        and self.current_account in (config.dest_accounts)
    ):
        raise JsonRESTError(
            "AccessDeniedException",
            f"User: arn:aws:sts::{self.current_account}:assumed-role/sandbox is not "
            f"authorized to perform: servicequotas:{operation}",
        )


def _quota_wire(quota: SandboxQuota, value: int, region: str, account: str) -> dict[str, Any]:
    return {
        "ServiceCode": quota.service,
        "ServiceName": quota.service_name,
        "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:{quota.service}/{quota.code}",
        "QuotaCode": quota.code,
        "QuotaName": quota.name,
        "Value": float(value),
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def _get_service_quota(self: Any) -> str:
    world = _world()
    service, code = _quota_body(self)
    quota = BY_CODE.get((service, code))
    if quota is None:
        return str(_ORIGINAL["get_service_quota"](self))
    _denied(world, self, "GetServiceQuota")
    value = applied(world, self.current_account, quota)
    return json.dumps({"Quota": _quota_wire(quota, value, self.region, self.current_account)})


def _get_default(self: Any) -> str:
    world = _world()
    service, code = _quota_body(self)
    quota = BY_CODE.get((service, code))
    if quota is None:
        raise JsonRESTError(
            "NoSuchResourceException",
            "This service is not available in the current Region. Choose a different Region "
            "or a different service.",
        )
    _denied(world, self, "GetAWSDefaultServiceQuota")
    return json.dumps(
        {"Quota": _quota_wire(quota, quota.default, self.region, self.current_account)}
    )


# -- EC2 and RDS counts ---------------------------------------------------------------------


def _owned_by_caller(self: Any, owners: list[str]) -> bool:
    return bool(owners) and all(owner in ("self", self.current_account) for owner in owners)


def _page(self: Any, items: list[dict[str, Any]], key: str) -> ActionResult:
    size = self._get_param("MaxResults")
    token = self._get_param("NextToken") or "0"
    if size is not None and not MIN_PAGE <= int(size) <= MAX_PAGE:
        raise EC2ClientError(
            "InvalidParameterValue",
            f"Value ( {size} ) for parameter maxResults is invalid. Expecting a value between "
            f"{MIN_PAGE} and {MAX_PAGE}.",
        )
    if not str(token).isdigit():
        raise EC2ClientError("InvalidParameterValue", f"Invalid value '{token}' for nextToken")
    start = int(token)
    end = len(items) if size is None else start + int(size)
    result: dict[str, Any] = {key: items[start:end]}
    if end < len(items):
        result["NextToken"] = str(end)
    return ActionResult(result)


def _describe_images(self: Any) -> Any:
    world = _world()
    owners = self._get_param("Owners", [])
    if world is None or not _owned_by_caller(self, owners) or self._get_param("ImageIds"):
        return _ORIGINAL["describe_images"](self)
    self.error_on_dryrun()
    created = datetime.fromtimestamp(world.calendar(), UTC)
    images = [
        {
            "ImageId": image,
            "CreationDate": created,
            "OwnerId": self.current_account,
            "State": "available",
            "Name": f"sandbox-{image}",
            "ImageType": "machine",
        }
        for image in holdings(world, self.current_account, self.region)["amis"]
    ]
    return _page(self, images, "Images")


def _describe_snapshots(self: Any) -> Any:
    world = _world()
    owners = self._get_param("OwnerIds", [])
    if world is None or not _owned_by_caller(self, owners) or self._get_param("SnapshotIds"):
        return _ORIGINAL["describe_snapshots"](self)
    self.error_on_dryrun()
    snapshots = [
        {
            "SnapshotId": snapshot,
            "OwnerId": self.current_account,
            "State": "completed",
            "VolumeSize": 8,
        }
        for snapshot in holdings(world, self.current_account, self.region)["ebs-snapshots"]
    ]
    return _page(self, snapshots, "Snapshots")


def _list_recycle_bin(self: Any) -> Any:
    self.error_on_dryrun()
    return ActionResult({"Images": []})


def _describe_account_attributes(self: Any) -> Any:
    world = _world()
    held = holdings(world, self.current_account, self.region) if world is not None else {}
    quotas = [
        {
            "AccountQuotaName": quota.rds_name,
            "Used": len(held.get(quota.key, [])),
            "Max": applied(world, self.current_account, quota),
        }
        for quota in QUOTAS
        if quota.rds_name is not None
    ]
    return ActionResult({"AccountQuotas": quotas})
