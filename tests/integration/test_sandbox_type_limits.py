"""Per-service copy limits through boto3: jobs over a type's limit wait, or are refused.

In-process under moto's mock with the world's clock stopped (ManualClock), so timings are exact;
the last test reads the stats over the served sandbox's control path.
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from shuffle_aws_vaults.sandbox import SeedSpec, messages, stats
from shuffle_aws_vaults.sandbox.clock import ManualClock

from . import (
    DEST,
    NO_RETRIES,
    REGION,
    ROLE,
    backup_client,
    error_code,
    http_status,
    list_copy_jobs,
    list_recovery_points,
    vault_arn,
)

pytestmark = pytest.mark.integration


class Env:
    """A started sandbox with a stopped clock and the source account's Backup client."""

    def __init__(self, box: Any) -> None:
        self.box = box
        self.clock = ManualClock(start=math.ceil(box.world.now()))
        box.world.clock = self.clock
        self.source = backup_client("sandbox-source", NO_RETRIES)
        self.vault = str(box.seeded.vaults[0])

    def resources_of(self, resource_type: str, count: int) -> list[dict[str, Any]]:
        """`count` recovery points of `resource_type`, each of a different resource."""
        chosen: dict[str, dict[str, Any]] = {}
        for rp in list_recovery_points(self.source, self.vault, ByResourceType=resource_type):
            chosen.setdefault(rp["ResourceArn"], rp)
        assert len(chosen) >= count, "seed more recovery points"
        return list(chosen.values())[:count]

    def start(self, rp: dict[str, Any]) -> str:
        answer = self.source.start_copy_job(
            RecoveryPointArn=rp["RecoveryPointArn"],
            SourceBackupVaultName=self.vault,
            DestinationBackupVaultArn=vault_arn(DEST, self.vault),
            IamRoleArn=ROLE,
        )
        return str(answer["CopyJobId"])

    def count(self, **filters: Any) -> int:
        return len(list_copy_jobs(self.source, **filters))


@pytest.fixture
def make_env(make_sandbox: Callable[..., Any]) -> Callable[..., Env]:
    def build(serve: bool = False, **config: Any) -> Env:
        spec = SeedSpec(recovery_points=200, vaults=1, edge_case_share=0.0)
        return Env(make_sandbox(serve=serve, spec=spec, jitter=0.0, **config))

    return build


def test_in_queue_mode_ebs_copies_over_the_limit_wait_while_other_types_run(
    make_env: Callable[..., Env],
) -> None:
    env = make_env(type_limits={"EBS": 2})
    ebs = env.resources_of("EBS", 5)
    others = env.resources_of("EFS", 2) + env.resources_of("S3", 2)
    for rp in ebs + others:
        env.start(rp)
    assert env.count(ByResourceType="EBS", ByState="RUNNING") == 2
    assert env.count(ByResourceType="EBS", ByState="CREATED") == 3
    assert env.count(ByState="RUNNING") == 2 + len(others)
    while env.count(ByState="COMPLETED") < len(ebs) + len(others):
        env.clock.advance(600.0)
        assert env.count(ByResourceType="EBS", ByState="RUNNING") <= 2
    report = stats(env.box.world)
    assert report["peak_running_by_type"] == {"EBS": 2}
    assert report["jobs_by_state"] == {"COMPLETED": len(ebs) + len(others)}


def test_in_reject_mode_start_copy_job_answers_limit_exceeded_for_a_full_type(
    make_env: Callable[..., Env],
) -> None:
    env = make_env(at_quota="reject", type_limits={"RDS+Aurora": 2})
    rds, aurora = env.resources_of("RDS", 2), env.resources_of("Aurora", 1)
    env.start(rds[0])
    env.start(aurora[0])
    with pytest.raises(ClientError) as refused:
        env.start(rds[1])
    assert error_code(refused) == "LimitExceededException"
    assert http_status(refused) == 400
    assert refused.value.response["Error"]["Message"] == messages.TYPE_LIMIT_EXCEEDED.format(
        group="RDS+Aurora", active=2, region=REGION, limit=2
    )
    assert env.start(env.resources_of("EBS", 1)[0])  # another type still has room
    assert env.count() == 3


def test_the_served_stats_report_the_peak_per_type_limit(make_env: Callable[..., Env]) -> None:
    env = make_env(serve=True, type_limits={"EBS": 1, "EFS+S3": 2})
    for rp in env.resources_of("EBS", 2) + env.resources_of("S3", 3):
        env.start(rp)
    url = f"{env.box.endpoint_url}/_sandbox/stats"
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310
        report = json.loads(answer.read())
    assert report["peak_running_by_type"] == {"EBS": 1, "EFS+S3": 2}
    assert report["jobs_by_state"] == {"RUNNING": 3, "CREATED": 2}
