"""`list` and `filter` run as a user runs them, against a served sandbox of 10,000 recovery points.

Every expected number here is counted independently: recovery points come from boto3's own
ListRecoveryPointsByBackupVault paginator, metadata from the csv module, and the selection and
copy rules are written out again below (nothing is imported from the product's selection code).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import harness
import pytest
from botocore.exceptions import BotoCoreError, ClientError
from harness import (
    COPYABLE_STATUSES,
    CREDENTIAL_VARIABLES,
    FULLY_MANAGED_TYPES,
    environment_of,
    point_at,
    started,
)

from shuffle_aws_vaults.sandbox import Sandbox, SandboxConfig, SeedSpec

pytestmark = pytest.mark.e2e

RECOVERY_POINTS = 10_000
VAULTS = 3
CLI_TIMEOUT = 120.0
# The seed is deterministic: no recovery point of it moves to cold storage this soon after
# seeding, so the cold-storage count cannot change while the module runs.
COLD_STABLE_FOR = timedelta(minutes=15)

INELIGIBLE_REASONS = frozenset(
    {
        "status-not-completed",
        "continuous-backup",
        "cold-storage",
        "type-not-copyable",
        "aws-managed-kms-key",
    }
)
RP_COLUMNS = (
    "recovery_point_arn",
    "vault",
    "resource_type",
    "resource_arn",
    "created",
    "size",
    "status",
)

RecoveryPointItem = dict[str, Any]


# -- the sandbox and what boto3 and the csv module say about it --------------------------------


@dataclass(frozen=True)
class World:
    """The running sandbox and an independent picture of its contents."""

    sandbox: Sandbox
    seeded_at: datetime
    listing: dict[str, list[RecoveryPointItem]]  # vault name -> its recovery points (boto3)
    metadata: dict[str, dict[str, str]]  # resourceArn -> row (first row of an ARN wins)
    metadata_columns: tuple[str, ...]
    key_is_aws_managed: dict[str, bool | None]  # KMS key ARN -> KMS DescribeKey's answer

    @property
    def csv_path(self) -> str:
        return str(self.sandbox.csv_path)

    @property
    def seeded_vaults(self) -> list[str]:
        assert self.sandbox.seeded is not None
        return list(self.sandbox.seeded.vaults)

    def source_flags(self) -> list[str]:
        account = self.sandbox.config.source_account
        return ["--source-account", account, "--source-profile", "sandbox-source"]

    def dest_flags(self) -> list[str]:
        account = self.sandbox.config.dest_account
        return ["--dest-account", account, "--dest-profile", "sandbox-dest"]

    def items(self, vaults: Sequence[str] | None = None) -> list[RecoveryPointItem]:
        names = sorted(self.listing) if vaults is None else list(dict.fromkeys(vaults))
        return [rp for name in names for rp in self.listing[name]]


def aws_managed(kms: Any, key_arn: str) -> bool | None:
    """What KMS says about a key: True for AWS-managed, None when it cannot be described."""
    try:
        metadata = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    except (ClientError, BotoCoreError):
        return None
    return bool(metadata.get("KeyManager") == "AWS")


def read_metadata_csv(path: Path) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames is not None
        columns = tuple(name for name in reader.fieldnames if name != "resourceArn")
        rows: dict[str, dict[str, str]] = {}
        for row in reader:
            rows.setdefault(row["resourceArn"], {column: row[column] for column in columns})
    return columns, rows


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with started(
        SandboxConfig(time_scale=3600),
        SeedSpec(recovery_points=RECOVERY_POINTS, vaults=VAULTS),
        tmp_path_factory.mktemp("list-filter-sandbox"),
    ) as box:
        seeded_at = datetime.now(UTC)
        with environment_of(box, CREDENTIAL_VARIABLES):
            session = boto3.Session(profile_name="sandbox-source")
            backup = session.client("backup")
            names = [
                vault["BackupVaultName"]
                for page in backup.get_paginator("list_backup_vaults").paginate()
                for vault in page["BackupVaultList"]
            ]
            paginator = backup.get_paginator("list_recovery_points_by_backup_vault")
            listing = {
                name: [
                    rp
                    for page in paginator.paginate(BackupVaultName=name)
                    for rp in page["RecoveryPoints"]
                ]
                for name in names
            }
            kms = session.client("kms")
            keys = {rp["EncryptionKeyArn"] for rps in listing.values() for rp in rps}
            verdicts = {key: aws_managed(kms, key) for key in sorted(keys)}
        columns, metadata = read_metadata_csv(box.csv_path)
        built = World(box, seeded_at, listing, metadata, columns, verdicts)
        assert sum(len(rps) for rps in listing.values()) == RECOVERY_POINTS
        soon = [
            rp["RecoveryPointArn"]
            for rp in built.items()
            if (at := cold_at(rp)) is not None and seeded_at <= at <= seeded_at + COLD_STABLE_FOR
        ]
        assert not soon, f"recovery points turn cold while the tests run: {soon}"
        yield built


@pytest.fixture(autouse=True)
def sandbox_environment(isolated_aws: None, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point this test's environment (and so the CLI's) at the module's sandbox."""
    point_at(world.sandbox, monkeypatch)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return harness.run_cli(*args, timeout=CLI_TIMEOUT)


def succeeded(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


# -- the rules, written out again --------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The operator's selection, as the test understands the flags."""

    allowed_apmids: frozenset[str] | None = None
    excluded_apmids: frozenset[str] = frozenset()
    resource_types: frozenset[str] | None = None
    created_after: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    where: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def needs_metadata(self) -> bool:
        return self.allowed_apmids is not None or bool(self.excluded_apmids) or bool(self.where)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def cold_at(rp: RecoveryPointItem) -> datetime | None:
    at = (rp.get("CalculatedLifecycle") or {}).get("MoveToColdStorageAt")
    return None if at is None else utc(at)


def is_backup_arn(recovery_point_arn: str) -> bool:
    return recovery_point_arn.startswith("arn:aws:backup:")


def not_selected_reason(
    rp: RecoveryPointItem, meta: Mapping[str, str] | None, filters: Filters
) -> str | None:
    created = utc(rp["CreationDate"])
    if filters.resource_types is not None and rp["ResourceType"] not in filters.resource_types:
        return "resource-type-not-selected"
    if filters.created_after is not None and created < filters.created_after:
        return "created-before-window"
    if filters.created_before is not None and created >= filters.created_before:
        return "created-after-window"
    if not filters.needs_metadata:
        return None
    if meta is None:
        return "no-metadata"
    apmid = meta.get("APMID", "")
    if filters.allowed_apmids is not None and apmid not in filters.allowed_apmids:
        return "apmid-not-allowed"
    if apmid in filters.excluded_apmids:
        return "apmid-excluded"
    for column, values in filters.where.items():
        if meta.get(column) not in values:
            return "where-mismatch"
    return None


def ineligible_reason(
    rp: RecoveryPointItem,
    *,
    now: datetime,
    cross_account: bool,
    key_is_aws_managed: Mapping[str, bool | None],
) -> str | None:
    arn = rp["RecoveryPointArn"]
    rtype = rp["ResourceType"]
    resource_arn = rp["ResourceArn"]
    cold = cold_at(rp)
    if rp["Status"] not in COPYABLE_STATUSES:
        return "status-not-completed"
    if ":recovery-point:continuous:" in arn:
        return "continuous-backup"
    if cold is not None and cold <= now:
        return "cold-storage"
    if rtype == "DynamoDB" and cross_account and not is_backup_arn(arn):
        return "type-not-copyable"
    if rtype == "FSx" and ":volume/" in resource_arn:
        return "type-not-copyable"
    if rtype == "RDS" and ":cluster:" in resource_arn:
        return "type-not-copyable"
    if (
        cross_account
        and key_is_aws_managed.get(rp.get("EncryptionKeyArn") or "") is True
        and rtype not in FULLY_MANAGED_TYPES
        and not is_backup_arn(arn)
    ):
        return "aws-managed-kms-key"
    return None


@dataclass(frozen=True)
class Verdict:
    rp: RecoveryPointItem
    meta: dict[str, str] | None
    not_selected: str | None
    ineligible: str | None

    @property
    def reason(self) -> str | None:
        return self.not_selected or self.ineligible

    @property
    def arn(self) -> str:
        return str(self.rp["RecoveryPointArn"])

    @property
    def copyable(self) -> str:
        return "yes" if self.ineligible is None else f"no: {self.ineligible}"


def judge(
    world: World,
    filters: Filters,
    *,
    vaults: Sequence[str] | None = None,
    cross_account: bool = True,
    now: datetime | None = None,
) -> list[Verdict]:
    when = now or datetime.now(UTC)
    verdicts = []
    for rp in world.items(vaults):
        meta = world.metadata.get(rp["ResourceArn"])
        verdicts.append(
            Verdict(
                rp,
                meta,
                not_selected_reason(rp, meta, filters),
                ineligible_reason(
                    rp,
                    now=when,
                    cross_account=cross_account,
                    key_is_aws_managed=world.key_is_aws_managed,
                ),
            )
        )
    return verdicts


def expected_summary(verdicts: Sequence[Verdict], *, with_apmid: bool) -> dict[str, Any]:
    included = [v for v in verdicts if v.reason is None]
    reasons = Counter(v.reason for v in verdicts if v.reason is not None)
    ineligible = sum(n for reason, n in reasons.items() if reason in INELIGIBLE_REASONS)
    summary: dict[str, Any] = {
        "total": len(verdicts),
        "included": len(included),
        "included_bytes": sum(int(v.rp["BackupSizeInBytes"]) for v in included),
        "already_copied": 0,  # these sandboxes' destination vaults hold no copies
        "excluded": sum(reasons.values()),
        "not_selected": sum(reasons.values()) - ineligible,
        "ineligible": ineligible,
        "excluded_by_reason": dict(reasons),
        "included_by_vault": dict(Counter(v.rp["BackupVaultName"] for v in included)),
        "included_by_resource_type": dict(Counter(v.rp["ResourceType"] for v in included)),
    }
    if with_apmid:
        summary["included_by_apmid"] = dict(
            Counter((v.meta or {}).get("APMID", "") for v in included)
        )
    return summary


# -- reading the CLI's output ------------------------------------------------------------------

SELECTED = re.compile(
    r"^Selected ([\d,]+) of ([\d,]+) recovery points \(([^)]+)\) in (\d+) vault\(s\)\.$"
)
EXCLUDED = re.compile(r"^Excluded ([\d,]+):$")
GROUP = re.compile(r"^  (not selected|cannot be copied): ([\d,]+)$")
REASON_LINE = re.compile(r"^ {4,}([\d,]+)  \S.*$")
INCLUDED_BY = re.compile(r"^Included by (vault|resource type|apmid): (.*?)(, and ([\d,]+) more)?$")
LISTED_AT_MOST = 10  # the text summary's lists: the largest 10, then "and K more"
COPYABLE = re.compile(r"(yes|no: [a-z-]+)$")


def number(text: str) -> int:
    return int(text.replace(",", ""))


@dataclass
class TextSummary:
    included: int = -1
    total: int = -1
    vault_count: int = -1
    excluded: int = 0
    groups: dict[str, int] = field(default_factory=dict)
    reason_counts: list[int] = field(default_factory=list)
    included_by: dict[str, dict[str, int]] = field(default_factory=dict)
    more: dict[str, int] = field(default_factory=dict)


def parse_summary(text: str) -> TextSummary:
    found = TextSummary()
    for line in text.splitlines():
        if match := SELECTED.match(line):
            found.included, found.total = number(match[1]), number(match[2])
            found.vault_count = int(match[4])
        elif match := EXCLUDED.match(line):
            found.excluded = number(match[1])
        elif match := GROUP.match(line):
            found.groups[match[1]] = number(match[2])
        elif match := REASON_LINE.match(line):
            found.reason_counts.append(number(match[1]))
        elif match := INCLUDED_BY.match(line):
            counts: dict[str, int] = {}
            for part in match[2].split(", "):
                name, count = part.rsplit(" ", 1)
                counts["" if name == "(none)" else name] = number(count)
            found.included_by[match[1].replace(" ", "_")] = counts
            found.more[match[1].replace(" ", "_")] = number(match[4] or "0")
    assert found.included >= 0, f"no 'Selected N of M' line in:\n{text[:2000]}"
    return found


def table_rows(text: str, header_start: str) -> list[str]:
    """The rows of the table whose header line starts with `header_start`."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(header_start)]
    if not starts:
        assert "(none)" in lines, f"no table and no '(none)' in:\n{text[:2000]}"
        return []
    rows = []
    for line in lines[starts[0] + 1 :]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def check_text_summary(text: str, expected: Mapping[str, Any], *, with_apmid: bool) -> None:
    found = parse_summary(text)
    assert (found.included, found.total) == (expected["included"], expected["total"])
    # "in N vault(s)": the vaults that hold selected items, not every vault listed.
    assert found.vault_count == len(expected["included_by_vault"])
    assert found.excluded == expected["excluded"]
    groups = {"not selected": expected["not_selected"], "cannot be copied": expected["ineligible"]}
    assert found.groups == {title: n for title, n in groups.items() if n}
    assert sorted(found.reason_counts) == sorted(expected["excluded_by_reason"].values())
    keys = ("vault", "resource_type", *(("apmid",) if with_apmid else ()))
    wanted = {key: expected[f"included_by_{key}"] for key in keys}
    assert found.included_by == {key: largest(counts) for key, counts in wanted.items() if counts}
    assert found.more == {
        key: max(0, len(counts) - LISTED_AT_MOST) for key, counts in wanted.items() if counts
    }


def largest(counts: Mapping[str, int]) -> dict[str, int]:
    """What a text summary's list shows: all, or the largest ten (ties by name)."""
    if len(counts) <= LISTED_AT_MOST:
        return dict(counts)
    return dict(sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:LISTED_AT_MOST])


def check_metadata_values(world: World, rows: Sequence[Mapping[str, Any]]) -> None:
    """Every row carries its resource's metadata from the CSV (empty when it has none)."""
    for row in rows:
        meta = world.metadata.get(row["resource_arn"], {})
        for column in world.metadata_columns:
            assert row[column] == meta.get(column, ""), (row["recovery_point_arn"], column)


def check_filter_output(
    world: World,
    proc: subprocess.CompletedProcess[str],
    output: str,
    verdicts: Sequence[Verdict],
    *,
    with_csv: bool,
) -> dict[str, Any]:
    """The CLI's summary and items agree exactly with `verdicts`; returns the expected summary."""
    succeeded(proc)
    expected = expected_summary(verdicts, with_apmid=with_csv)
    included = Counter(v.arn for v in verdicts if v.reason is None)
    columns = [*RP_COLUMNS, *(world.metadata_columns if with_csv else ())]
    if output == "json":
        data = json.loads(proc.stdout)
        assert set(data) == {"summary", "items"}
        assert data["summary"] == expected
        items = data["items"]
        assert all(list(item) == columns for item in items)
        assert Counter(item["recovery_point_arn"] for item in items) == included
        if with_csv:
            check_metadata_values(world, items)
    elif output == "csv":
        reader = csv.DictReader(io.StringIO(proc.stdout))
        rows = list(reader)
        assert reader.fieldnames == columns
        assert Counter(row["recovery_point_arn"] for row in rows) == included
        if with_csv:
            check_metadata_values(world, rows)
        check_text_summary(proc.stderr, expected, with_apmid=with_csv)
        assert "Selected" not in proc.stdout
    else:
        rows_text = table_rows(proc.stdout, "RECOVERY POINT ARN")
        assert Counter(line.split()[0] for line in rows_text) == included
        head = proc.stdout.split("RECOVERY POINT ARN", 1)[0]
        check_text_summary(head, expected, with_apmid=with_csv)
    return expected


def check_list_rows(
    proc: subprocess.CompletedProcess[str], output: str, verdicts: Sequence[Verdict]
) -> list[tuple[str, str]]:
    """`list` shows every selected item, copyable or not, with the right `copyable` verdict."""
    succeeded(proc)
    shown: list[tuple[str, str]]
    if output == "json":
        items = json.loads(proc.stdout)
        shown = [(item["recovery_point_arn"], item["copyable"]) for item in items]
    elif output == "csv":
        rows = list(csv.DictReader(io.StringIO(proc.stdout)))
        shown = [(row["recovery_point_arn"], row["copyable"]) for row in rows]
    else:
        lines = table_rows(proc.stdout, "RECOVERY POINT ARN")
        shown = []
        for line in lines:
            match = COPYABLE.search(line)
            assert match, line
            shown.append((line.split()[0], match[1]))
    expected = [(v.arn, v.copyable) for v in verdicts if v.not_selected is None]
    assert len(shown) == len(expected)
    assert Counter(shown) == Counter(expected)
    return shown


# -- list --------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["table", "json", "csv"])
def test_list_without_a_vault_shows_every_vault_with_the_count_boto3_lists(
    world: World, output: str
) -> None:
    proc = succeeded(run_cli("list", *world.source_flags(), "--output", output))
    if output == "json":
        counts = {item["vault"]: item["recovery_points"] for item in json.loads(proc.stdout)}
    elif output == "csv":
        rows = csv.DictReader(io.StringIO(proc.stdout))
        counts = {row["vault"]: int(row["recovery_points"]) for row in rows}
    else:
        lines = table_rows(proc.stdout, "VAULT ")
        counts = {line.split()[0]: int(line.split()[1]) for line in lines}
    assert counts == {name: len(rps) for name, rps in world.listing.items()}
    assert sum(counts.values()) == RECOVERY_POINTS


def test_list_of_every_vault_shows_all_ten_thousand_recovery_points_and_whether_each_copies(
    world: World,
) -> None:
    proc = run_cli("list", *world.source_flags(), "--all-vaults")
    shown = check_list_rows(proc, "table", judge(world, Filters()))
    assert len(shown) == RECOVERY_POINTS
    verdicts = Counter(copyable for _, copyable in shown)
    assert verdicts["yes"] > 0
    assert {"no: status-not-completed", "no: cold-storage", "no: type-not-copyable"} <= set(
        verdicts
    )


def test_list_takes_vaults_repeated_and_as_a_comma_list_and_lists_each_vault_once(
    world: World,
) -> None:
    first, second, _ = world.seeded_vaults
    proc = run_cli(
        "list",
        *world.source_flags(),
        "--vault",
        first,
        "--vault",
        f"{second},{first}",
        "--metadata-csv",
        world.csv_path,
        "--output",
        "csv",
    )
    shown = check_list_rows(proc, "csv", judge(world, Filters(), vaults=[first, second]))
    assert len(shown) == len(world.listing[first]) + len(world.listing[second])
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert {row["vault"] for row in rows} == {first, second}
    check_metadata_values(world, rows)


def test_list_with_filters_shows_the_selected_items_including_those_that_cannot_be_copied(
    world: World,
) -> None:
    after = (world.seeded_at - timedelta(days=20)).date()
    filters = Filters(
        excluded_apmids=frozenset({"APM0007", "APM0008"}),
        resource_types=frozenset({"EBS", "RDS", "DynamoDB", "FSx"}),
        created_after=datetime.combine(after, time(), UTC),
    )
    proc = run_cli(
        "list",
        *world.source_flags(),
        "--all-vaults",
        "--metadata-csv",
        world.csv_path,
        "--excluded-apmids",
        "APM0007,APM0008",
        "--resource-type",
        "EBS,RDS,DynamoDB,FSx",
        "--created-after",
        after.isoformat(),
        "--output",
        "json",
    )
    verdicts = judge(world, filters)
    shown = check_list_rows(proc, "json", verdicts)
    assert 0 < len(shown) < RECOVERY_POINTS
    assert any(copyable.startswith("no: ") for _, copyable in shown)
    assert any(copyable == "yes" for _, copyable in shown)


def test_list_with_where_filters_in_a_table_shows_only_matching_resources(world: World) -> None:
    vault = world.seeded_vaults[2]
    filters = Filters(where={"Environment": frozenset({"Staging", "Development"})})
    proc = run_cli(
        "list",
        *world.source_flags(),
        "--vault",
        vault,
        "--metadata-csv",
        world.csv_path,
        "--where",
        "Environment=Staging",
        "--where",
        "Environment=Development",
    )
    shown = check_list_rows(proc, "table", judge(world, filters, vaults=[vault]))
    assert 0 < len(shown) < len(world.listing[vault])


def test_list_of_an_empty_vault_says_none(world: World) -> None:
    empty = [name for name, rps in world.listing.items() if not rps]
    assert empty, "the sandbox seeds an empty Default vault"
    proc = succeeded(run_cli("list", *world.source_flags(), "--vault", empty[0]))
    assert table_rows(proc.stdout, "RECOVERY POINT ARN") == []
    proc = succeeded(
        run_cli("list", *world.source_flags(), "--vault", empty[0], "--output", "json")
    )
    assert json.loads(proc.stdout) == []


# -- filter ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Selection flags as a user types them, and what they mean."""

    flags: tuple[str, ...]
    filters: Filters
    vaults: tuple[str, ...] | None = None  # None: --all-vaults
    with_csv: bool = True


def day(world: World, days_ago: int) -> datetime:
    """Midnight UTC `days_ago` days before the sandbox was seeded."""
    return datetime.combine((world.seeded_at - timedelta(days=days_ago)).date(), time(), UTC)


def filter_case(name: str, world: World) -> Case:
    vaults = world.seeded_vaults
    if name == "allowed-apmids":
        apmids = frozenset({"APM0001", "APM0002", "APM0003", "APM0010"})
        return Case(
            ("--allowed-apmids", "APM0001,APM0002, APM0003,APM0010"),
            Filters(allowed_apmids=apmids),
        )
    if name == "excluded-apmids":
        return Case(
            ("--excluded-apmids", "APM0004,APM0005,APM0006"),
            Filters(excluded_apmids=frozenset({"APM0004", "APM0005", "APM0006"})),
            vaults=(vaults[1],),
        )
    if name == "resource-type":
        return Case(
            ("--resource-type", "EBS,RDS,DynamoDB"),
            Filters(resource_types=frozenset({"EBS", "RDS", "DynamoDB"})),
        )
    if name == "created-after-date":
        after = day(world, 10)
        return Case(("--created-after", after.date().isoformat()), Filters(created_after=after))
    if name == "created-before-datetime-z":
        before = day(world, 5) + timedelta(hours=13, minutes=30)
        return Case(
            ("--created-before", before.strftime("%Y-%m-%dT%H:%M:%SZ")),
            Filters(created_before=before),
            vaults=(vaults[0],),
        )
    if name == "created-window-with-offsets":
        after = day(world, 40) + timedelta(hours=6)  # 08:00+02:00 is 06:00 UTC
        before = day(world, 3) + timedelta(hours=12)  # no zone: UTC
        return Case(
            (
                "--created-after",
                after.astimezone(timezone(timedelta(hours=2))).isoformat(),
                "--created-before",
                before.replace(tzinfo=None).isoformat(),
            ),
            Filters(created_after=after, created_before=before),
        )
    if name == "where":
        return Case(
            ("--where", "Environment=Production"),
            Filters(where={"Environment": frozenset({"Production"})}),
            vaults=(vaults[2],),
        )
    if name == "where-repeated-column-is-any-of":
        return Case(
            (
                "--where",
                "Owner=Platform-Team",
                "--where",
                "Owner=Data-Team",
                "--where",
                "Environment=Staging",
            ),
            Filters(
                where={
                    "Owner": frozenset({"Platform-Team", "Data-Team"}),
                    "Environment": frozenset({"Staging"}),
                }
            ),
            vaults=(vaults[1], vaults[2]),
        )
    if name == "every-filter-combined":
        allowed = frozenset(f"APM{index:04d}" for index in range(1, 31))
        after = day(world, 30)
        return Case(
            (
                "--allowed-apmids",
                ",".join(sorted(allowed)),
                "--excluded-apmids",
                "APM0002",
                "--resource-type",
                "EBS,EC2,RDS,DynamoDB",
                "--created-after",
                after.date().isoformat(),
                "--where",
                "Environment=Production",
                "--where",
                "Owner=Platform-Team",
                "--where",
                "Owner=Web-Team",
            ),
            Filters(
                allowed_apmids=allowed,
                excluded_apmids=frozenset({"APM0002"}),
                resource_types=frozenset({"EBS", "EC2", "RDS", "DynamoDB"}),
                created_after=after,
                where={
                    "Environment": frozenset({"Production"}),
                    "Owner": frozenset({"Platform-Team", "Web-Team"}),
                },
            ),
        )
    if name == "no-metadata-csv":
        return Case((), Filters(), vaults=(vaults[0], vaults[2]), with_csv=False)
    raise AssertionError(name)


# Which filter reason each case must actually exercise, so no case passes vacuously.
CASE_REASONS = {
    "allowed-apmids": {"apmid-not-allowed", "no-metadata"},
    "excluded-apmids": {"apmid-excluded", "no-metadata"},
    "resource-type": {"resource-type-not-selected"},
    "created-after-date": {"created-before-window"},
    "created-before-datetime-z": {"created-after-window"},
    "created-window-with-offsets": {"created-before-window", "created-after-window"},
    "where": {"where-mismatch", "no-metadata"},
    "where-repeated-column-is-any-of": {"where-mismatch", "no-metadata"},
    "every-filter-combined": {
        "resource-type-not-selected",
        "created-before-window",
        "no-metadata",
        "apmid-not-allowed",
        "apmid-excluded",
        "where-mismatch",
    },
    "no-metadata-csv": set(),
}
FILTER_RUNS = [
    ("allowed-apmids", "json"),
    ("excluded-apmids", "csv"),
    ("resource-type", "table"),
    ("created-after-date", "json"),
    ("created-before-datetime-z", "csv"),
    ("created-window-with-offsets", "table"),
    ("where", "json"),
    ("where-repeated-column-is-any-of", "csv"),
    ("every-filter-combined", "table"),
    ("no-metadata-csv", "json"),
]


def run_filter(world: World, case: Case, output: str) -> subprocess.CompletedProcess[str]:
    vault_flags = ["--all-vaults"] if case.vaults is None else ["--vault", ",".join(case.vaults)]
    csv_flags = ["--metadata-csv", world.csv_path] if case.with_csv else []
    return run_cli(
        "filter",
        *world.source_flags(),
        *world.dest_flags(),
        *vault_flags,
        *csv_flags,
        *case.flags,
        "--output",
        output,
    )


@pytest.mark.parametrize("output", ["table", "json", "csv"])
def test_filter_without_selection_flags_takes_exactly_the_copyable_recovery_points(
    world: World, output: str
) -> None:
    case = Case((), Filters())
    proc = run_filter(world, case, output)
    verdicts = judge(world, case.filters)
    expected = check_filter_output(world, proc, output, verdicts, with_csv=True)
    assert expected["total"] == RECOVERY_POINTS
    assert expected["not_selected"] == 0
    # The sandbox serves no KMS keys, so DescribeKey calls no key AWS-managed and nothing is
    # excluded for one (the seed's "aws-managed-key" edge cases stay copyable). Should the
    # sandbox start to serve KMS metadata, the expected count follows boto3's DescribeKey.
    if not any(world.key_is_aws_managed.values()):
        assert "aws-managed-kms-key" not in expected["excluded_by_reason"]
    assert {"status-not-completed", "continuous-backup", "cold-storage", "type-not-copyable"} <= (
        set(expected["excluded_by_reason"])
    )


@pytest.mark.parametrize(("name", "output"), FILTER_RUNS, ids=[f"{n}-{o}" for n, o in FILTER_RUNS])
def test_filter_counts_agree_exactly_with_an_independent_count_of_the_sandbox(
    world: World, name: str, output: str
) -> None:
    case = filter_case(name, world)
    proc = run_filter(world, case, output)
    verdicts = judge(world, case.filters, vaults=case.vaults)
    expected = check_filter_output(world, proc, output, verdicts, with_csv=case.with_csv)
    assert expected["included"] > 0
    assert CASE_REASONS[name] <= set(expected["excluded_by_reason"])


def test_filter_window_takes_created_after_inclusively_and_created_before_exclusively(
    world: World,
) -> None:
    vault = world.seeded_vaults[0]
    copyable = sorted(
        (v.rp for v in judge(world, Filters(), vaults=[vault]) if v.reason is None),
        key=lambda rp: rp["CreationDate"],
    )
    first, last = copyable[len(copyable) // 3], copyable[2 * len(copyable) // 3]
    after, before = utc(first["CreationDate"]), utc(last["CreationDate"])
    case = Case(
        ("--created-after", after.isoformat(), "--created-before", before.isoformat()),
        Filters(created_after=after, created_before=before),
        vaults=(vault,),
    )
    proc = run_filter(world, case, "json")
    verdicts = judge(world, case.filters, vaults=case.vaults)
    check_filter_output(world, proc, "json", verdicts, with_csv=True)
    taken = {item["recovery_point_arn"] for item in json.loads(proc.stdout)["items"]}
    assert first["RecoveryPointArn"] in taken
    assert last["RecoveryPointArn"] not in taken


def test_filter_into_the_same_account_keeps_native_dynamodb_backups(world: World) -> None:
    native = [
        rp["BackupVaultName"]
        for rp in world.items()
        if rp["ResourceType"] == "DynamoDB" and not is_backup_arn(rp["RecoveryPointArn"])
    ]
    assert native, "the seed has native (not advanced) DynamoDB backups"
    vault = native[0]
    proc = run_cli(
        "filter",
        *world.source_flags(),
        "--dest-account",
        world.sandbox.config.source_account,
        "--dest-profile",
        "sandbox-source",
        "--vault",
        vault,
        "--output",
        "json",
    )
    verdicts = judge(world, Filters(), vaults=[vault], cross_account=False)
    check_filter_output(world, proc, "json", verdicts, with_csv=False)
    taken = {item["recovery_point_arn"] for item in json.loads(proc.stdout)["items"]}
    native_dynamodb = {
        v.arn
        for v in verdicts
        if v.rp["ResourceType"] == "DynamoDB" and not is_backup_arn(v.arn) and v.reason is None
    }
    assert native_dynamodb
    assert native_dynamodb <= taken
