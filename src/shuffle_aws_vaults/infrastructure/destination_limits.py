"""The DestinationLimits port over boto3: a destination account's quotas in one Region and what
counts toward them, by the cheapest calls that tell each.

- A quota's applied value: Service Quotas GetServiceQuota. AWS: "For some quotas, only the
  default values are available. If the applied quota value is not available for a quota, the
  quota is not retrieved" (NoSuchResourceException): then GetAWSDefaultServiceQuota, whose
  value is what applies. Service Quotas tells no current count (a quota's UsageMetric names a
  CloudWatch metric, where AWS publishes one at all), so each count comes from its service:
- AMIs: EC2 DescribeImages(Owners=self, IncludeDisabled) pages of 1,000, plus
  ListImagesInRecycleBin (the quota counts disabled AMIs and those in the Recycle Bin).
- EBS snapshots: EC2 DescribeSnapshots(OwnerIds=self) pages of 1,000. Whether snapshots in
  the Recycle Bin count toward "Snapshots per Region" AWS does not say: they are not counted.
- RDS manual DB instance and cluster snapshots: RDS DescribeAccountAttributes, one call that
  answers each RDS account quota's Used and Max (the applied value) together, so no Service
  Quotas call is made for them.

Each reading is made once per adapter (one pre-flight), each call (each listing page) patient as
the pre-flight's other reads are. A refused call is a reading that names the error: the check
that reads it WARNs, it does not stop the pre-flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from ..domain.destination_limits import (
    AMIS,
    EBS_SNAPSHOTS,
    RDS_CLUSTER_SNAPSHOTS,
    RDS_SNAPSHOTS,
    Quota,
    QuotaReading,
)
from ..domain.errors import AwsError
from .aws_errors import call
from .aws_sessions import AccountAccess

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
NO_SUCH_QUOTA = "NoSuchResourceException"
# RDS DescribeAccountAttributes' AccountQuotaName for each quota.
RDS_QUOTA_NAMES = {
    RDS_SNAPSHOTS: "ManualSnapshots",
    RDS_CLUSTER_SNAPSHOTS: "ManualClusterSnapshots",
}
RDS_SOURCE = "RDS DescribeAccountAttributes"


def _error(exc: AwsError) -> str:
    return f"{exc.code}: {exc.message}"


class Boto3DestinationLimits:
    """One destination account's limits in one Region."""

    def __init__(self, access: AccountAccess, account_id: str, region: str) -> None:
        self._access = access
        self._account_id = account_id
        self._region = region
        self._read: dict[Quota, QuotaReading] = {}
        self._rds: dict[str, dict[str, Any]] | str | None = None

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def region(self) -> str:
        return self._region

    def read(self, quota: Quota) -> QuotaReading:
        if quota not in self._read:
            self._read[quota] = self._reading(quota)
        return self._read[quota]

    def _reading(self, quota: Quota) -> QuotaReading:
        if quota in RDS_QUOTA_NAMES:
            return self._rds_reading(quota)
        value, source, error = self._applied(quota)
        counter = self._counters().get(quota)
        if error is not None or counter is None:
            return QuotaReading(value, None, source, error)
        try:
            used = counter()
        except AwsError as exc:
            log.warning(
                "counting %s in %s %s: %s", quota.counts, self._account_id, self._region, exc
            )
            return QuotaReading(value, None, source, _error(exc))
        return QuotaReading(value, used, source)

    def _counters(self) -> dict[Quota, Callable[[], int]]:
        return {AMIS: self._count_amis, EBS_SNAPSHOTS: self._count_snapshots}

    def _applied(self, quota: Quota) -> tuple[int | None, str, str | None]:
        """(the quota's value, where it came from, the error) from Service Quotas."""
        client = self._access.client("service-quotas", self._region)
        codes = {"ServiceCode": quota.service, "QuotaCode": quota.code}
        try:
            answer = call(
                self._access,
                "GetServiceQuota",
                lambda: client.get_service_quota(**codes),
                patient=True,
            )
            source = "Service Quotas"
        except AwsError as exc:
            if exc.code != NO_SUCH_QUOTA:
                return None, "Service Quotas", _error(exc)
            try:
                answer = call(
                    self._access,
                    "GetAWSDefaultServiceQuota",
                    lambda: client.get_aws_default_service_quota(**codes),
                    patient=True,
                )
            except AwsError as default:
                return None, "Service Quotas", _error(default)
            source = "Service Quotas (AWS default)"
        value = (answer.get("Quota") or {}).get("Value")
        if value is None:
            return None, source, f"no value for {quota.service} {quota.code}"
        return int(value), source, None

    def _count(self, operation: str, result: str, **kwargs: Any) -> int:
        """The items of every page of an EC2 listing, each page one patient call (a throttled
        page is asked again, not the listing from its start)."""
        ask = partial(
            getattr(self._access.client("ec2", self._region), operation), MaxResults=PAGE_SIZE
        )
        name = "".join(part.capitalize() for part in operation.split("_"))
        count, token = 0, None
        while True:
            more: dict[str, str] = {"NextToken": token} if token else {}
            page = call(self._access, name, partial(ask, **kwargs, **more), patient=True)
            count += len(page.get(result, []))
            token = page.get("NextToken")
            if not token:
                return count

    def _count_amis(self) -> int:
        owned = self._count("describe_images", "Images", Owners=["self"], IncludeDisabled=True)
        return owned + self._count("list_images_in_recycle_bin", "Images")

    def _count_snapshots(self) -> int:
        return self._count("describe_snapshots", "Snapshots", OwnerIds=["self"])

    def _rds_reading(self, quota: Quota) -> QuotaReading:
        if self._rds is None:
            client = self._access.client("rds", self._region)
            try:
                answer = call(
                    self._access,
                    "DescribeAccountAttributes",
                    client.describe_account_attributes,
                    patient=True,
                )
                self._rds = {
                    str(entry.get("AccountQuotaName")): entry
                    for entry in answer.get("AccountQuotas", [])
                }
            except AwsError as exc:
                self._rds = _error(exc)
        if isinstance(self._rds, str):
            return QuotaReading(None, None, RDS_SOURCE, self._rds)
        entry = self._rds.get(RDS_QUOTA_NAMES[quota])
        if entry is None or entry.get("Max") is None or entry.get("Used") is None:
            return QuotaReading(
                None, None, RDS_SOURCE, f"no {RDS_QUOTA_NAMES[quota]} among the account quotas"
            )
        return QuotaReading(int(entry["Max"]), int(entry["Used"]), RDS_SOURCE)
