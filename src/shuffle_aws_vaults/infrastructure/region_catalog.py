"""The RegionCatalog port over boto3: the Regions enabled for the source account.

account:ListRegions first (ENABLED and ENABLED_BY_DEFAULT); where that is denied,
ec2:DescribeRegions (without AllRegions it lists the enabled Regions only); where that is denied
too, the Regions the AWS config file's profiles name.
"""

from __future__ import annotations

import logging

from ..domain.errors import AwsError, ErrorCategory
from ..domain.regions import REGION_NAME, RegionsUnknown
from .aws_errors import call
from .aws_sessions import AccountAccess

log = logging.getLogger(__name__)

ENABLED_STATUSES = ["ENABLED", "ENABLED_BY_DEFAULT"]


class Boto3RegionCatalog:
    def __init__(self, access: AccountAccess) -> None:
        self._access = access

    def enabled_regions(self) -> list[str]:
        refusals: list[str] = []
        for source, ask in (
            ("account:ListRegions", self._list_regions),
            ("ec2:DescribeRegions", self._describe_regions),
        ):
            try:
                return sorted(set(ask()))
            except AwsError as exc:
                if exc.category is not ErrorCategory.ACCESS_DENIED:
                    raise
                log.info("%s refused (%s); trying the next source of Regions", source, exc.code)
                refusals.append(f"{source} refused ({exc.code})")
        named = [name for name in self._access.config_regions() if REGION_NAME.fullmatch(name)]
        if named:
            return named
        raise RegionsUnknown(
            f"cannot tell which Regions are enabled for the {self._access.spec.label} account: "
            f"{', '.join(refusals)}, and the AWS config file names no Region; "
            "give --regions R1,R2,... instead of --all-regions"
        )

    def _list_regions(self) -> list[str]:
        def pages() -> list[str]:
            client = self._access.client("account")
            paginator = client.get_paginator("list_regions")
            return [
                str(region["RegionName"])
                for page in paginator.paginate(RegionOptStatusContains=ENABLED_STATUSES)
                for region in page.get("Regions", [])
            ]

        return call(self._access, "ListRegions", pages, patient=True)

    def _describe_regions(self) -> list[str]:
        answer = call(
            self._access,
            "DescribeRegions",
            lambda: self._access.client("ec2").describe_regions(),
            patient=True,
        )
        return [str(region["RegionName"]) for region in answer.get("Regions", [])]


def known_regions() -> frozenset[str]:
    """Every Region botocore's endpoint data offers AWS Backup in, in every partition (read
    from the installed botocore: no call is made)."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("backup", partition_name=partition)
    )
