"""Summary and report files: private, whole or absent, and never renamed over a device or pipe."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from shuffle_aws_vaults.infrastructure.reports import OutputError, write_summary


def test_a_summary_is_written_whole_and_private(tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    write_summary(target, {"completed": 3})

    assert json.loads(target.read_text()) == {"completed": 3}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_named_pipe_is_written_through_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "summary.fifo"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()

    write_summary(pipe, {"completed": 3})
    reader.join(10)

    assert json.loads(received[0]) == {"completed": 3}
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_an_unwritable_target_is_one_error_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "missing-directory" / "summary.json"

    with pytest.raises(OutputError) as raised:
        write_summary(target, {"completed": 3})

    assert str(raised.value) == f"cannot write {target}: No such file or directory"


def test_a_directory_as_target_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=f"cannot write {tmp_path}: "):
        write_summary(tmp_path, {"completed": 3})

    assert tmp_path.is_dir()
    assert list(tmp_path.iterdir()) == []


def test_several_regions_report_is_one_csv_with_a_region_column_first(tmp_path: Path) -> None:
    import csv

    from shuffle_aws_vaults.domain.migration import MigrationState
    from shuffle_aws_vaults.domain.plan import PlanItem
    from shuffle_aws_vaults.infrastructure.reports import REPORT_COLUMNS, write_report_csv

    def state(region: str, count: int) -> MigrationState:
        return MigrationState(
            [
                PlanItem(
                    source_arn=f"arn:aws:ec2:{region}::snapshot/snap-{n}",
                    source_vault="v",
                    dest_vault_arn=f"arn:aws:backup:{region}:222222222222:backup-vault:v",
                    resource_arn=f"arn:aws:ec2:{region}:111111111111:volume/vol-{n}",
                    resource_type="EBS",
                    size_bytes=1,
                    created=0.0,
                )
                for n in range(count)
            ]
        )

    target = tmp_path / "report.csv"
    parts = [("us-east-1", state("us-east-1", 3)), ("eu-west-1", state("eu-west-1", 2))]
    write_report_csv(target, parts, None, region_column=True)
    rows = list(csv.reader(target.open()))
    assert rows[0] == ["region", *REPORT_COLUMNS]
    assert [row[0] for row in rows[1:]] == ["us-east-1"] * 3 + ["eu-west-1"] * 2
    assert all(f":{row[0]}::" in row[1] and row[5] == "PENDING" for row in rows[1:])
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_several_accounts_report_has_account_and_region_first_and_the_destination_last(
    tmp_path: Path,
) -> None:
    import csv

    from shuffle_aws_vaults.domain.migration import MigrationState
    from shuffle_aws_vaults.domain.plan import PlanItem
    from shuffle_aws_vaults.infrastructure.reports import REPORT_COLUMNS, write_report_csv

    def state(dest: str) -> MigrationState:
        return MigrationState(
            [
                PlanItem(
                    source_arn="arn:aws:ec2:us-east-1::snapshot/snap-1",
                    source_vault="v",
                    dest_vault_arn=f"arn:aws:backup:us-east-1:{dest}:backup-vault:v",
                    resource_arn="arn:aws:ec2:us-east-1:111111111112:volume/vol-1",
                    resource_type="EBS",
                    size_bytes=1,
                    created=0.0,
                )
            ]
        )

    target = tmp_path / "report.csv"
    parts = [
        ("111111111112/us-east-1", state("222222222222")),
        ("111111111113/eu-west-1", state("222222222223")),
    ]
    write_report_csv(target, parts, None, region_column=True, account_columns=True)
    rows = list(csv.reader(target.open()))
    assert rows[0] == ["account", "region", *REPORT_COLUMNS, "dest_account"]
    assert [(row[0], row[1], row[-1]) for row in rows[1:]] == [
        ("111111111112", "us-east-1", "222222222222"),
        ("111111111113", "eu-west-1", "222222222223"),
    ]


def test_each_row_shows_the_lifecycle_its_copy_is_sent_with_and_what_fitting_changed(
    tmp_path: Path,
) -> None:
    import csv

    from shuffle_aws_vaults.domain.copy_job import FOREVER, Lifecycle
    from shuffle_aws_vaults.domain.migration import MigrationState
    from shuffle_aws_vaults.domain.plan import PlanItem
    from shuffle_aws_vaults.infrastructure.reports import write_report_csv

    sent = [None, Lifecycle(365, 30, archive=True), Lifecycle(365, clamped_from=FOREVER)]
    items = [
        PlanItem(
            source_arn=f"arn:aws:ec2:us-east-1::snapshot/snap-{n}",
            source_vault="v",
            dest_vault_arn="arn:aws:backup:us-east-1:222222222222:backup-vault:v",
            resource_arn=f"arn:aws:ec2:us-east-1:111111111111:volume/vol-{n}",
            resource_type="EBS",
            size_bytes=1,
            created=0.0,
            lifecycle=lifecycle,
        )
        for n, lifecycle in enumerate(sent)
    ]
    target = tmp_path / "report.csv"
    write_report_csv(target, [("us-east-1", MigrationState(items))], None)
    rows = list(csv.DictReader(target.open()))
    assert [(row["lifecycle"], row["lifecycle_clamped"]) for row in rows] == [
        ("", ""),  # no Lifecycle sent: the copy keeps its source's
        (
            "DeleteAfterDays=365 MoveToColdStorageAfterDays=30 "
            "OptInToArchiveForSupportedResources=true",
            "",
        ),
        ("DeleteAfterDays=365", "never->365"),
    ]
