"""`preflight`, `verify` and `iam-policy` run as a user runs them, against served sandboxes.

Every expectation is read from the sandbox's own records (its recovery points, copy jobs, vault
locks and call counters) or from AWS-shaped answers through boto3, never from the tool's own
code: the copy rules the preflight applies are written out again below. Each problem is planted
through the API a user would use (boto3 as the source or destination account), or, where AWS has
no such API (a copy whose size or status went wrong), in the sandbox's world directly.

Sandboxes are class-scoped (one per scenario that needs its own setup): only one may run in a
process at a time, and a class's sandbox is stopped before the next class starts.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from harness import (
    ACCOUNT_FLAGS,
    CLEARED_AWS_VARIABLES,
    COPY_FLAGS,
    COPYABLE_STATUSES,
    DAY,
    DEST,
    FULLY_MANAGED_TYPES,
    REGION,
    SOURCE,
    Box,
    box_fixture,
    clean_environ,
    point_at,
    run_cli,
    served,
)

from shuffle_aws_vaults.sandbox import SandboxConfig, SeedSpec
from shuffle_aws_vaults.sandbox.config import FaultConfig
from shuffle_aws_vaults.sandbox.records import StoredRecoveryPoint

pytestmark = pytest.mark.e2e

CLI_TIMEOUT = 120.0
COPY_TIME_SCALE = 10_000.0
DEFAULT_ROLE_ARN = f"arn:aws:iam::{SOURCE}:role/service-role/AWSBackupDefaultServiceRole"
# The checklist as the user guide documents it, in its order.
CHECKS = (
    "identities",
    "cross-account backup",
    "destination not Default",
    "destination vaults exist",
    "destination vault types",
    "destination access policies",
    "copy role",
    "source key policies",
    "recovery points AWS cannot copy",
    "destination capacity",
    "destination quotas",
    "destination vault locks",
    "copies' lifecycles",
    "service opt-in (source)",
    "service opt-in (destination)",
)
ALL_PASS = dict.fromkeys(CHECKS, "PASS")
VERDICTS = ("verified", "missing", "not-completed", "mismatched", "failed", "extra")
REPORT_COLUMNS = [
    "verdict",
    "source_recovery_point_arn",
    "destination_vault",
    "destination_recovery_point_arn",
    "detail",
]
# AWS's copy-job message for a transient failure.
INTERNAL_ERROR = "An internal error occurred."

# No recovery point of a module's seed may move to cold storage this close to a preflight run.
COLD_STABLE_FOR = timedelta(minutes=15)


# Every run of a box is between the two sandbox accounts, and prints no traceback.
BOX = {"accounts": True, "traceback_free": True, "timeout": CLI_TIMEOUT}


# -- reading the checklist --------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    outcome: str
    detail: str
    fix: str


CHECK_LINE = re.compile(r"^  (PASS|WARN|FAIL)  ([^:]+): (.*)$")
FIX_LINE = re.compile(r"^        fix: (.*)$")


def checklist(text: str) -> dict[str, Check]:
    """The `Preflight:` table, by check name."""
    lines = text.splitlines()
    assert "Preflight:" in lines, text
    found: dict[str, Check] = {}
    last: str | None = None
    for line in lines[lines.index("Preflight:") + 1 :]:
        if match := CHECK_LINE.match(line):
            last = match.group(2)
            found[last] = Check(match.group(1), match.group(3), "")
        elif (match := FIX_LINE.match(line)) and last is not None:
            found[last] = Check(found[last].outcome, found[last].detail, match.group(1))
        else:
            break
    assert list(found) == list(CHECKS), text
    return found


def outcomes(found: Mapping[str, Check]) -> dict[str, str]:
    return {name: check.outcome for name, check in found.items()}


def preflight(box: Box, *args: str, status: int) -> dict[str, Check]:
    proc = box.run("preflight", *args)
    assert proc.returncode == status, proc.stdout + proc.stderr
    found = checklist(proc.stdout)
    # The one verdict line every form ends with (the guide's preflight section).
    shown = {check.outcome for check in found.values()}
    verdict = next(o for o in ("FAIL", "WARN", "PASS") if o in shown or o == "PASS")
    last = proc.stdout.splitlines()[-1]
    assert last.startswith(f"Preflight: {verdict} ("), proc.stdout
    assert (verdict == "FAIL") == ("(failed in " in last), last
    return found


# -- the copy rules, restated ----------------------------------------------------------------


def backup_owned(arn: str) -> bool:
    return arn.split(":")[2] == "backup"


def expected_reason(
    rp: StoredRecoveryPoint, now: float, aws_managed_keys: frozenset[str]
) -> str | None:
    """Why AWS would refuse to copy `rp` to another account (the first rule that applies)."""
    if rp.status not in COPYABLE_STATUSES:
        return "status-not-completed"
    if ":recovery-point:continuous:" in rp.arn:
        return "continuous-backup"
    if rp.cold_after_days is not None and rp.creation_date + rp.cold_after_days * DAY <= now:
        return "cold-storage"
    if (
        (rp.resource_type == "DynamoDB" and not backup_owned(rp.arn))
        or (rp.resource_type == "FSx" and ":volume/" in rp.resource_arn)
        or (rp.resource_type == "RDS" and ":cluster:" in rp.resource_arn)
    ):
        return "type-not-copyable"
    if (
        rp.encryption_key_arn in aws_managed_keys
        and rp.resource_type not in FULLY_MANAGED_TYPES
        and not backup_owned(rp.arn)
    ):
        return "aws-managed-kms-key"
    return None


def keys_needing_sharing(box: Box, vaults: Sequence[str]) -> Counter[str]:
    """Copyable recovery points per source key, of the types copied from the key itself."""
    found: Counter[str] = Counter()
    now = box.world.now()
    for vault in vaults:
        for rp in box.points(SOURCE, vault):
            needs_key = rp.resource_type not in FULLY_MANAGED_TYPES and not backup_owned(rp.arn)
            if (
                needs_key
                and rp.encryption_key_arn
                and expected_reason(rp, now, frozenset()) is None
            ):
                found[rp.encryption_key_arn] += 1
    return found


# == preflight on a well-set-up sandbox, one problem planted at a time =========================


# Every prerequisite in place; no edge cases, so no check has anything to warn about.
ready = box_fixture(
    "preflight-ready",
    SandboxConfig(time_scale=1.0),
    SeedSpec(recovery_points=300, vaults=3, edge_case_share=0.0),
    scope="class",
    **BOX,
)


class TestPreflightOnAWellSetUpSandbox:
    def test_every_check_passes_and_the_exit_status_is_zero(self, ready: Box) -> None:
        found = preflight(ready, "--all-vaults", status=0)
        assert outcomes(found) == ALL_PASS
        assert found["identities"].detail == f"source {SOURCE}, destination {DEST}"
        names = ", ".join(sorted(ready.vaults))
        assert found["destination vaults exist"].detail == names
        assert found["copy role"].detail == f"{DEFAULT_ROLE_ARN} trusts backup.amazonaws.com"
        keys = keys_needing_sharing(ready, ready.vaults)
        assert len(keys) == 1  # the seeded customer-managed key, shared with the destination
        assert found["source key policies"].detail == f"every source key (1) lets {DEST} use it"
        assert found["recovery points AWS cannot copy"].detail == "none in the selection"
        assert all(check.fix == "" for check in found.values())

    def test_json_output_lists_every_check_with_its_outcome_detail_and_fix(
        self, ready: Box
    ) -> None:
        proc = ready.run("preflight", "--all-vaults", "--output", "json")
        assert proc.returncode == 0, proc.stderr
        document = json.loads(proc.stdout)
        assert [entry["check"] for entry in document] == list(CHECKS)
        assert all(set(entry) == {"check", "outcome", "detail", "fix"} for entry in document)
        assert {entry["outcome"] for entry in document} == {"PASS"}
        # The document keeps its shape (a list); the verdict line is on standard error.
        assert proc.stderr.splitlines()[-1] == "Preflight: PASS (1 Region checked)"

    def test_the_table_ends_with_the_verdict_line(self, ready: Box) -> None:
        proc = ready.run("preflight", "--all-vaults")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == "Preflight: PASS (1 Region checked)"

    def test_fails_when_cross_account_backup_is_disabled_for_the_organization(
        self, ready: Box
    ) -> None:
        ready.world.update_global_settings({"isCrossAccountBackupEnabled": "false"})
        try:
            found = preflight(ready, "--vault", ready.vaults[0], status=1)
        finally:
            ready.world.update_global_settings({"isCrossAccountBackupEnabled": "true"})
        assert outcomes(found) == ALL_PASS | {"cross-account backup": "FAIL"}
        check = found["cross-account backup"]
        assert "isCrossAccountBackupEnabled is false" in check.detail
        assert "enable cross-account backup" in check.fix
        assert "Organizations management account" in check.fix

    def test_fails_when_the_destination_is_the_default_vault_of_the_other_account(
        self, ready: Box
    ) -> None:
        found = preflight(ready, "--vault", ready.vaults[0], "--dest-vault", "Default", status=1)
        check = found["destination not Default"]
        assert check.outcome == "FAIL"
        assert "cannot copy into another account's Default vault" in check.detail
        assert check.fix == "give --dest-vault NAME"
        # The seeded Default vault exists, but has no access policy for the source account.
        assert outcomes(found) == ALL_PASS | {
            "destination not Default": "FAIL",
            "destination access policies": "FAIL",
        }
        assert found["destination access policies"].detail.startswith("Default do not allow")

    def test_fails_when_the_copy_role_arn_names_a_role_that_does_not_exist(
        self, ready: Box
    ) -> None:
        role = f"arn:aws:iam::{SOURCE}:role/NoSuchCopyRole"
        found = preflight(ready, "--vault", ready.vaults[0], "--copy-role-arn", role, status=1)
        assert outcomes(found) == ALL_PASS | {"copy role": "FAIL"}
        check = found["copy role"]
        assert check.detail.startswith(f"{role}: NoSuchEntity")
        assert check.fix == "create the role, or give --copy-role-arn"

    def test_fails_when_the_copy_role_does_not_trust_aws_backup(self, ready: Box) -> None:
        iam = ready.client("iam", "sandbox-source")

        def role(name: str, service: str) -> str:
            trust = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": service},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
            created = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
            arn: str = created["Role"]["Arn"]
            return arn

        untrusting = role("CopiesForEc2Only", "ec2.amazonaws.com")
        trusting = role("CopiesForBackup", "backup.amazonaws.com")
        vault = ready.vaults[0]
        found = preflight(ready, "--vault", vault, "--copy-role-arn", untrusting, status=1)
        assert outcomes(found) == ALL_PASS | {"copy role": "FAIL"}
        assert found["copy role"].detail == f"{untrusting} does not trust backup.amazonaws.com"
        assert found["copy role"].fix == "add backup.amazonaws.com to the role's trust policy"
        found = preflight(ready, "--vault", vault, "--copy-role-arn", trusting, status=0)
        assert found["copy role"] == Check("PASS", f"{trusting} trusts backup.amazonaws.com", "")

    @pytest.mark.parametrize(
        "role_arn",
        [
            f"arn:aws:iam::{SOURCE}:role/AWSBackupDefaultServiceRole",
            "arn:aws:iam::333333333333:role/service-role/AWSBackupDefaultServiceRole",
        ],
        ids=["without-its-path", "in-another-account"],
    )
    def test_fails_a_copy_role_arn_whose_account_or_path_names_no_role(
        self, ready: Box, role_arn: str
    ) -> None:
        iam = ready.client("iam", "sandbox-source")
        role = iam.get_role(RoleName="AWSBackupDefaultServiceRole")["Role"]
        assert role["Arn"] == DEFAULT_ROLE_ARN != role_arn  # the one role of that name
        found = preflight(ready, "--vault", ready.vaults[0], "--copy-role-arn", role_arn, status=1)
        assert found["copy role"].outcome == "FAIL"

    def test_fails_when_the_source_key_policy_no_longer_allows_the_destination(
        self, ready: Box
    ) -> None:
        vault = ready.vaults[0]
        [key] = keys_needing_sharing(ready, [vault])
        kms = ready.client("kms", "sandbox-source")
        shared = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
        own_only = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(own_only))
        try:
            found = preflight(ready, "--vault", vault, status=1)
        finally:
            kms.put_key_policy(KeyId=key, PolicyName="default", Policy=shared)
        assert outcomes(found) == ALL_PASS | {"source key policies": "FAIL"}
        check = found["source key policies"]
        copies = keys_needing_sharing(ready, [vault])[key]
        assert check.detail.startswith(f"1 of 1 source keys refuse {DEST}: {key} ({copies:,} ")
        assert check.detail.endswith(
            "does not allow kms:Decrypt, kms:DescribeKey, kms:CreateGrant, kms:ReEncryptFrom"
        )
        prefix = "add this statement to each key's policy: "
        assert check.fix.startswith(prefix)
        statement = json.loads(check.fix.removeprefix(prefix))
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{DEST}:root"}
        # The statement the fix gives is enough: with it added, the check passes.
        own_only["Statement"].append(statement)
        kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(own_only))
        try:
            found = preflight(ready, "--vault", vault, status=0)
        finally:
            kms.put_key_policy(KeyId=key, PolicyName="default", Policy=shared)
        assert outcomes(found) == ALL_PASS

    def test_fails_when_a_locked_destination_vault_refuses_the_copies_retention(
        self, ready: Box
    ) -> None:
        vault = ready.vaults[2]
        points = ready.points(SOURCE, vault)
        retention = Counter(rp.delete_after_days for rp in points)
        long_lived = {rp.arn for rp in points if rp.delete_after_days == 365}
        assert set(retention) == {35, 365}, retention  # daily and weekly backups in this vault
        backup = ready.client("backup", "sandbox-dest")
        backup.put_backup_vault_lock_configuration(
            BackupVaultName=vault, MinRetentionDays=30, MaxRetentionDays=100
        )
        try:
            lock = {
                v["BackupVaultName"]: v for v in backup.list_backup_vaults()["BackupVaultList"]
            }[vault]
            assert (lock["Locked"], lock["MinRetentionDays"], lock["MaxRetentionDays"]) == (
                True,
                30,
                100,
            )
            # The source's retention: the weekly backups (365 days) exceed the lock's maximum.
            found = preflight(ready, "--vault", vault, status=1)
            assert outcomes(found) == ALL_PASS | {"destination vault locks": "FAIL"}
            check = found["destination vault locks"]
            match = re.fullmatch(
                rf"{vault}: (\d+) of (\d+) copies outside the lock \((\S+) keeps 365 days, "
                r"lock allows 30-100\)",
                check.detail,
            )
            assert match is not None, check.detail
            assert int(match.group(1)) == len(long_lived)
            assert int(match.group(2)) == len(points)
            assert match.group(3) in long_lived
            assert check.fix == (
                "add --fit-retention (each copy's DeleteAfterDays clamped into its vault's "
                "bounds), or give --delete-after-days within the lock's bounds"
            )

            # --delete-after-days inside the bounds fits every copy (counted from each source's
            # creation: those it would expire already are left out, and named).
            now = time.time()
            expiring = [rp for rp in points if rp.creation_date + 50 * DAY <= now]
            found = preflight(ready, "--vault", vault, "--delete-after-days", "50", status=0)
            lifecycles = "WARN" if expiring else "PASS"
            assert outcomes(found) == ALL_PASS | {"copies' lifecycles": lifecycles}
            if expiring:
                detail = found["copies' lifecycles"].detail
                assert detail.startswith(f"{len(expiring)} copies would arrive already expired")

            # Below the minimum: every copy is outside.
            found = preflight(ready, "--vault", vault, "--delete-after-days", "20", status=1)
            detail = found["destination vault locks"].detail
            young = [rp for rp in points if rp.creation_date + 20 * DAY > time.time()]
            assert detail.startswith(
                f"{vault}: {len(young)} of {len(young)} copies outside the lock ("
            )
            assert detail.endswith(" keeps 20 days, lock allows 30-100)")

            # --fit-retention clamps each copy into the bounds instead; a weekly backup older
            # than the 100 days it is clamped to would arrive expired, and is left out.
            found = preflight(ready, "--vault", vault, "--fit-retention", status=0)
            now = time.time()
            stale = {
                rp.arn
                for rp in points
                if rp.arn in long_lived and rp.creation_date + 100 * DAY <= now
            }
            assert outcomes(found) == ALL_PASS | {"copies' lifecycles": "WARN" if stale else "PASS"}
            clamped = len(long_lived - stale)
            assert found["destination vault locks"].detail.endswith(
                f"{clamped} copies' DeleteAfterDays clamped into it (--fit-retention): "
                f"{vault} (30-100) {clamped}"
            )
        finally:
            backup.delete_backup_vault_lock_configuration(BackupVaultName=vault)


# == the copy role is missing: preflight, and `copy` refusing to start =========================


roleless = box_fixture(
    "preflight-roleless",
    SandboxConfig(time_scale=COPY_TIME_SCALE),
    SeedSpec(recovery_points=200, vaults=2, edge_case_share=0.0, copy_role=False),
    scope="class",
    **BOX,
)


class TestWithoutTheDefaultCopyRole:
    def test_preflight_fails_the_copy_role_check_naming_the_missing_role(
        self, roleless: Box
    ) -> None:
        found = preflight(roleless, "--all-vaults", status=1)
        assert outcomes(found) == ALL_PASS | {"copy role": "FAIL"}
        check = found["copy role"]
        assert check.detail.startswith(f"{DEFAULT_ROLE_ARN}: NoSuchEntity")
        assert "AWSBackupDefaultServiceRole" in check.detail.split(":", 7)[-1]
        assert check.fix == "create the role, or give --copy-role-arn"

    def test_copy_refuses_to_start_and_submits_nothing(self, roleless: Box) -> None:
        state = roleless.workdir / "refused.jsonl"
        before = roleless.start_copy_calls()
        proc = roleless.run(
            "copy", "--vault", roleless.vaults[0], *COPY_FLAGS, "--state-file", str(state)
        )
        assert proc.returncode == 1, proc.stderr
        assert "preflight failed" in proc.stderr
        found = checklist(proc.stderr)
        assert outcomes(found) == ALL_PASS | {"copy role": "FAIL"}
        assert found["copy role"].fix == "create the role, or give --copy-role-arn"
        assert roleless.start_copy_calls() == before
        assert not state.exists()
        # Only the (released, empty) lock the run took: no journal, no snapshot.
        left = [path for path in state.parent.iterdir() if path.name.startswith(state.name)]
        assert [path.name for path in left] == [f"{state.name}.lock"]
        assert left[0].read_bytes() == b""

    def test_copy_with_skip_preflight_submits_and_aws_backup_fails_the_jobs(
        self, roleless: Box
    ) -> None:
        vault = roleless.vaults[1]
        planned = {rp.arn for rp in roleless.points(SOURCE, vault)}
        state = roleless.workdir / "skipped.jsonl"
        before = roleless.start_copy_calls()
        proc = roleless.run(
            "copy",
            "--vault",
            vault,
            *COPY_FLAGS,
            "--skip-preflight",
            "--state-file",
            str(state),
        )
        assert proc.returncode == 1, proc.stderr
        assert "Preflight:" not in proc.stderr
        assert "preflight failed" not in proc.stderr
        assert state.exists()
        submitted = roleless.start_copy_calls() - before
        assert 0 < submitted <= len(planned)
        # The sandbox's own record: every job the run started failed on the role, none copied.
        dest_vault_arn = f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{vault}"
        jobs = [job for job in roleless.world.copy_jobs() if job.dest_vault_arn == dest_vault_arn]
        assert len(jobs) == submitted
        message = f"The provided role {DEFAULT_ROLE_ARN} cannot be assumed by AWS Backup."
        assert {(job.state, job.status_message) for job in jobs} == {("FAILED", message)}
        assert roleless.completed_copies(vault) == {}


# == destination vaults or their policies missing ==============================================


vaultless = box_fixture(
    "preflight-vaultless",
    SandboxConfig(time_scale=1.0),
    SeedSpec(recovery_points=200, vaults=2, edge_case_share=0.0, dest_vaults=False),
    scope="class",
    **BOX,
)


class TestWithoutDestinationVaults:
    def test_preflight_fails_naming_the_missing_vaults(self, vaultless: Box) -> None:
        found = preflight(vaultless, "--all-vaults", status=1)
        check = found["destination vaults exist"]
        assert check.outcome == "FAIL"
        assert check.detail == f"missing: {', '.join(sorted(vaultless.vaults))}"
        assert check.fix == "create them, or add --create-dest-vault"
        del found["destination access policies"]
        expected = ALL_PASS | {"destination vaults exist": "FAIL"}
        del expected["destination access policies"]
        assert outcomes(found) == expected

    def test_preflight_with_create_dest_vault_warns_that_they_will_be_created(
        self, vaultless: Box
    ) -> None:
        found = preflight(vaultless, "--all-vaults", "--create-dest-vault", status=0)
        check = found["destination vaults exist"]
        assert check.outcome == "WARN"
        assert check.detail == f"missing, will be created: {', '.join(sorted(vaultless.vaults))}"
        assert "FAIL" not in outcomes(found).values()

    def test_preflight_with_create_dest_vault_warns_that_the_grant_is_still_to_be_added(
        self, vaultless: Box
    ) -> None:
        found = preflight(vaultless, "--all-vaults", "--create-dest-vault", status=0)
        check = found["destination access policies"]
        assert check.outcome == "WARN", check
        assert all(vault in check.detail for vault in vaultless.vaults)


policyless = box_fixture(
    "preflight-policyless",
    SandboxConfig(time_scale=1.0),
    SeedSpec(recovery_points=200, vaults=3, edge_case_share=0.0, dest_policy=False),
    scope="class",
    **BOX,
)


def iam_policy(*args: str) -> subprocess.CompletedProcess[str]:
    proc = run_cli(
        "iam-policy",
        "--source-account",
        SOURCE,
        "--dest-account",
        DEST,
        "--region",
        REGION,
        *args,
        timeout=CLI_TIMEOUT,
        env=clean_environ(),
    )
    assert proc.returncode == 0, proc.stderr
    return proc


class TestWithoutDestinationAccessPolicies:
    def test_preflight_fails_naming_the_vault_and_pointing_to_iam_policy(
        self, policyless: Box
    ) -> None:
        vault = policyless.vaults[0]
        found = preflight(policyless, "--vault", vault, status=1)
        assert outcomes(found) == ALL_PASS | {"destination access policies": "FAIL"}
        check = found["destination access policies"]
        assert check.detail == f"{vault} do not allow backup:CopyIntoBackupVault from {SOURCE}"
        assert "--create-dest-vault" in check.fix
        assert "iam-policy" in check.fix

    def test_preflight_with_create_dest_vault_warns_that_the_grant_will_be_added(
        self, policyless: Box
    ) -> None:
        vault = policyless.vaults[0]
        found = preflight(policyless, "--vault", vault, "--create-dest-vault", status=0)
        assert outcomes(found) == ALL_PASS | {"destination access policies": "WARN"}
        assert found["destination access policies"].detail == f"the grant will be added to: {vault}"

    def test_the_vault_policy_from_iam_policy_makes_the_access_policy_check_pass(
        self, policyless: Box
    ) -> None:
        vault = policyless.vaults[1]
        backup = policyless.client("backup", "sandbox-dest")
        with pytest.raises(backup.exceptions.ResourceNotFoundException):
            backup.get_backup_vault_access_policy(BackupVaultName=vault)
        preflight(policyless, "--vault", vault, status=1)
        documents = json.loads(iam_policy("--vault", vault, "--output", "json").stdout)
        policy = json.dumps(documents["dest_vault_access_policy"])
        backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=policy)
        found = preflight(policyless, "--vault", vault, status=0)
        assert outcomes(found) == ALL_PASS
        check = found["destination access policies"]
        assert check.detail == f"allow backup:CopyIntoBackupVault from {SOURCE}"

    def test_a_vault_policy_granting_copy_through_an_action_wildcard_passes(
        self, policyless: Box
    ) -> None:
        vault = policyless.vaults[2]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
                    "Action": "backup:Copy*",
                    "Resource": f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{vault}",
                }
            ],
        }
        backup = policyless.client("backup", "sandbox-dest")
        backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=json.dumps(policy))
        # AWS takes the grant: a copy job into the vault is not refused (a refusal fails the
        # job at once, with "Access Denied trying to call AWS Backup service").
        source = policyless.client("backup", "sandbox-source")
        job_id = source.start_copy_job(
            RecoveryPointArn=policyless.points(SOURCE, vault)[0].arn,
            SourceBackupVaultName=vault,
            DestinationBackupVaultArn=f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{vault}",
            IamRoleArn=DEFAULT_ROLE_ARN,
        )["CopyJobId"]
        job = source.describe_copy_job(CopyJobId=job_id)["CopyJob"]
        assert job["State"] in ("CREATED", "RUNNING"), job
        found = preflight(policyless, "--vault", vault, status=0)
        assert found["destination access policies"].outcome == "PASS"


# == recovery points AWS cannot copy ===========================================================


# A seed with many edge cases, on a clock that runs as the wall clock does.
edgy = box_fixture(
    "preflight-edge-cases",
    SandboxConfig(time_scale=1.0),
    SeedSpec(recovery_points=400, vaults=2, edge_case_share=0.5),
    scope="class",
    **BOX,
)


class TestRecoveryPointsAwsCannotCopy:
    def test_are_counted_by_reason_with_an_example_in_a_warning(self, edgy: Box) -> None:
        world = edgy.world
        now = world.now()
        points = [rp for vault in edgy.vaults for rp in edgy.points(SOURCE, vault)]
        soon = [
            rp.arn
            for rp in points
            if rp.cold_after_days is not None
            and abs(rp.creation_date + rp.cold_after_days * DAY - now)
            < COLD_STABLE_FOR.total_seconds()
        ]
        assert not soon, f"recovery points turn cold while the test runs: {soon}"
        keys = frozenset(world.aws_managed_keys)
        by_reason: dict[str, set[str]] = {}
        for rp in points:
            reason = expected_reason(rp, now, keys)
            if reason is not None:
                by_reason.setdefault(reason, set()).add(rp.arn)
        # Every kind of seeded edge case is in the selection.
        assert {
            "aws-managed-kms-key",
            "cold-storage",
            "continuous-backup",
            "type-not-copyable",
        } <= set(by_reason), by_reason

        found = preflight(edgy, "--all-vaults", status=0)
        assert outcomes(found) == ALL_PASS | {"recovery points AWS cannot copy": "WARN"}
        check = found["recovery points AWS cannot copy"]
        assert check.detail.startswith("excluded from the plan: ")
        parts = check.detail.removeprefix("excluded from the plan: ").split("; ")
        reported: dict[str, int] = {}
        for part in parts:
            match = re.fullmatch(r"([\d,]+) ([a-z-]+) \(e\.g\. (\S+)\)", part)
            assert match is not None, part
            count, reason, example = int(match.group(1).replace(",", "")), *match.group(2, 3)
            reported[reason] = count
            assert example in by_reason[reason], (reason, example)
        assert reported == {reason: len(arns) for reason, arns in by_reason.items()}
        assert list(reported.values()) == sorted(reported.values(), reverse=True)
        assert "see `filter`" in check.fix
        assert "AWS-managed keys need a re-encrypted copy first" in check.fix


# == verify after real copies, one planted problem per vault ===================================


@dataclass(frozen=True)
class Copied:
    """A sandbox after one `copy` per vault, each vault kept for one planted problem."""

    box: Box
    vault: dict[str, str]  # scenario -> source (and destination) vault name
    journal: dict[str, Path]  # scenario -> the copy's --state-file
    sources: dict[str, set[str]]  # scenario -> the vault's source recovery point ARNs
    copies: dict[str, dict[str, str]]  # scenario -> source ARN -> destination ARN (sandbox)

    def verify(self, scenario: str, *, journal: bool, extra: Sequence[str] = ()) -> dict[str, Any]:
        """`verify --output json` of a scenario's vault, with its journal or with none."""
        state = self.journal[scenario] if journal else self.box.workdir / "no-such-state.jsonl"
        assert state.exists() is journal
        proc = self.box.run(
            "verify",
            "--vault",
            self.vault[scenario],
            "--state-file",
            str(state),
            "--output",
            "json",
            *extra,
        )
        document: dict[str, Any] = json.loads(proc.stdout)
        clean = not document["problems"]
        assert proc.returncode == (0 if clean else 1), proc.stderr
        expected_mode = (
            f"journal {state}" if journal else "copy-job records and matching (no journal)"
        )
        assert document["summary"]["mode"] == expected_mode
        return document


SCENARIOS = ("clean", "missing", "mismatched", "not-completed", "extra")


def tally(document: Mapping[str, Any]) -> dict[str, int]:
    summary = document["summary"]
    return {verdict: summary[verdict] for verdict in VERDICTS}


def only(total: int, **problems: int) -> dict[str, int]:
    """The verdict counts of `total` planned items with these problems (extra rows added)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for verdict, count in problems.items():
        counts[verdict.replace("_", "-")] = count
    counts["verified"] = total - sum(n for v, n in counts.items() if v != "extra")
    return counts


@pytest.fixture(scope="class")
def copied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copied]:
    workdir = tmp_path_factory.mktemp("verify")
    with served(
        workdir,
        SandboxConfig(time_scale=COPY_TIME_SCALE),
        SeedSpec(recovery_points=500, vaults=len(SCENARIOS), edge_case_share=0.0),
        **BOX,
    ) as box:
        vault = dict(zip(SCENARIOS, box.vaults, strict=True))
        journal = {scenario: workdir / f"{scenario}.jsonl" for scenario in SCENARIOS}
        runs = {
            scenario: box.start(
                "copy",
                "--vault",
                vault[scenario],
                *COPY_FLAGS,
                "--state-file",
                str(journal[scenario]),
            )
            for scenario in SCENARIOS
        }
        for scenario, run in runs.items():
            out, err = run.communicate(timeout=CLI_TIMEOUT)
            assert run.returncode == 0, (scenario, out, err)
        sources = {s: {rp.arn for rp in box.points(SOURCE, vault[s])} for s in SCENARIOS}
        copies = {s: box.completed_copies(vault[s]) for s in SCENARIOS}
        for scenario in SCENARIOS:
            assert set(copies[scenario]) == sources[scenario], scenario
            held = {rp.arn for rp in box.points(DEST, vault[scenario])}
            assert held == set(copies[scenario].values()), scenario
        yield Copied(box, vault, journal, sources, copies)


class TestVerifyAfterACopy:
    def test_a_clean_copy_verifies_every_item_with_the_journal_and_without_it(
        self, copied: Copied
    ) -> None:
        total = len(copied.sources["clean"])
        for journal in (True, False):
            document = copied.verify("clean", journal=journal)
            assert document["summary"]["total"] == total
            assert tally(document) == only(total)
            assert document["summary"]["mismatched_fields"] == {}
            assert document["problems"] == []

    def test_the_table_and_the_report_csv_show_one_verified_row_per_item(
        self, copied: Copied
    ) -> None:
        report = copied.box.workdir / "clean-verify.csv"
        proc = copied.box.run(
            "verify",
            "--vault",
            copied.vault["clean"],
            "--state-file",
            str(copied.journal["clean"]),
            "--report-csv",
            str(report),
        )
        assert proc.returncode == 0, proc.stderr
        total = len(copied.sources["clean"])
        assert f"Verified against the destination account {DEST} using journal " in proc.stdout
        assert re.search(rf"^  verified\s+{total:,}$", proc.stdout, re.MULTILINE), proc.stdout
        for verdict in VERDICTS[1:]:
            assert re.search(rf"^  {verdict}\s+0$", proc.stdout, re.MULTILINE), proc.stdout
        with report.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == REPORT_COLUMNS
            rows = list(reader)
        assert len(rows) == total
        assert {row["verdict"] for row in rows} == {"verified"}
        assert {row["destination_vault"] for row in rows} == {copied.vault["clean"]}
        pairs = {
            row["source_recovery_point_arn"]: row["destination_recovery_point_arn"] for row in rows
        }
        assert pairs == copied.copies["clean"]

    def test_preflight_fails_capacity_when_the_copies_would_pass_the_vault_quota(
        self, copied: Copied, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # In process, to lower the destination's applied "Recovery points per backup vault"
        # quota (what Service Quotas answers) in the running sandbox.
        from shuffle_aws_vaults import cli

        for name in CLEARED_AWS_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        point_at(copied.box.sandbox, monkeypatch)
        world = copied.box.sandbox.world
        vault = copied.vault["clean"]
        held = len(copied.box.points(DEST, vault))
        planned = len(copied.sources["clean"])
        argv = ["preflight", *ACCOUNT_FLAGS, "--vault", vault]

        def quota(value: int) -> None:
            config = replace(world.config, dest_quotas={"vault-recovery-points": value})
            monkeypatch.setattr(world, "config", config)

        quota(held + planned - 1)
        assert cli.main(argv) == 1
        found = checklist(capsys.readouterr().out)
        assert outcomes(found) == ALL_PASS | {"destination capacity": "FAIL"}
        check = found["destination capacity"]
        assert check.detail == f"{vault}: {held:,} + {planned:,} > {held + planned - 1:,}"
        assert '"Recovery points per backup vault" (backup L-514878B6) quota' in check.fix
        assert "--dest-vault" in check.fix

        quota(held + planned)
        assert cli.main(argv) == 0
        found = checklist(capsys.readouterr().out)
        assert found["destination capacity"] == Check(
            "PASS", f"under {held + planned:,} per vault", ""
        )

    def test_a_deleted_copy_is_the_one_missing_item(self, copied: Copied) -> None:
        vault = copied.vault["missing"]
        source_arn, dest_arn = sorted(copied.copies["missing"].items())[0]
        backup = copied.box.client("backup", "sandbox-dest")
        backup.delete_recovery_point(BackupVaultName=vault, RecoveryPointArn=dest_arn)
        assert dest_arn not in {rp.arn for rp in copied.box.points(DEST, vault)}
        total = len(copied.sources["missing"])
        report = copied.box.workdir / "missing-verify.csv"
        for journal in (True, False):
            document = copied.verify(
                "missing", journal=journal, extra=("--report-csv", str(report))
            )
            assert tally(document) == only(total, missing=1)
            [problem] = document["problems"]
            assert problem["verdict"] == "missing"
            assert problem["source_recovery_point_arn"] == source_arn
            assert problem["destination_vault"] == vault
            assert problem["detail"] == "no such recovery point in the destination vault"
            with report.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            assert len(rows) == total
            assert Counter(row["verdict"] for row in rows) == {"verified": total - 1, "missing": 1}
            [row] = [row for row in rows if row["verdict"] == "missing"]
            assert row["source_recovery_point_arn"] == source_arn

    def test_a_copy_of_another_size_is_the_one_mismatched_item_naming_the_size(
        self, copied: Copied
    ) -> None:
        vault = copied.vault["mismatched"]
        source_arn, dest_arn = sorted(copied.copies["mismatched"].items())[0]
        world = copied.box.world
        with world.lock:
            stored = world.contents(DEST, REGION, vault).by_arn[dest_arn]
            source_size = stored.size
            stored.size = source_size + 4096
        total = len(copied.sources["mismatched"])
        for journal in (True, False):
            document = copied.verify("mismatched", journal=journal)
            assert tally(document) == only(total, mismatched=1)
            assert document["summary"]["mismatched_fields"] == {"size": 1}
            [problem] = document["problems"]
            assert problem["verdict"] == "mismatched"
            assert problem["source_recovery_point_arn"] == source_arn
            assert problem["destination_recovery_point_arn"] == dest_arn
            assert problem["detail"] == f"size {source_size + 4096} (source {source_size})"

    def test_a_copy_that_is_not_completed_is_the_one_not_completed_item(
        self, copied: Copied
    ) -> None:
        vault = copied.vault["not-completed"]
        source_arn, dest_arn = sorted(copied.copies["not-completed"].items())[0]
        world = copied.box.world
        with world.lock:
            world.contents(DEST, REGION, vault).by_arn[dest_arn].status = "PARTIAL"
        total = len(copied.sources["not-completed"])
        for journal in (True, False):
            document = copied.verify("not-completed", journal=journal)
            assert tally(document) == only(total, not_completed=1)
            [problem] = document["problems"]
            assert (problem["verdict"], problem["detail"]) == ("not-completed", "status PARTIAL")
            assert problem["source_recovery_point_arn"] == source_arn
            assert problem["destination_recovery_point_arn"] == dest_arn

    def test_a_second_copy_of_a_copied_item_is_the_one_extra(self, copied: Copied) -> None:
        vault = copied.vault["extra"]
        source_arn, first_copy = sorted(copied.copies["extra"].items())[0]
        backup = copied.box.client("backup", "sandbox-source")
        job_id = backup.start_copy_job(
            RecoveryPointArn=source_arn,
            SourceBackupVaultName=vault,
            DestinationBackupVaultArn=f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{vault}",
            IamRoleArn=DEFAULT_ROLE_ARN,
        )["CopyJobId"]
        deadline = time.monotonic() + 60
        while True:
            job = backup.describe_copy_job(CopyJobId=job_id)["CopyJob"]
            if job["State"] == "COMPLETED" or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert job["State"] == "COMPLETED", job
        second_copy = job["DestinationRecoveryPointArn"]
        assert second_copy != first_copy
        total = len(copied.sources["extra"])
        for journal in (True, False):
            document = copied.verify("extra", journal=journal)
            assert document["summary"]["total"] == total + 1
            assert tally(document) == only(total, extra=1)
            [problem] = document["problems"]
            assert problem["verdict"] == "extra"
            assert problem["source_recovery_point_arn"] == ""
            assert problem["destination_vault"] == vault
            assert problem["detail"] == f"copied from {vault}, matches no planned item"
            if journal:  # the journal knows which copy the migration made
                assert problem["destination_recovery_point_arn"] == second_copy
            else:  # both copies are equal: either may be the one matched
                assert problem["destination_recovery_point_arn"] in {first_copy, second_copy}


# == verify after copy jobs that failed ========================================================


@pytest.fixture(scope="class")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Copied]:
    """A copy whose jobs AWS fails transiently a fifth of the time, with no second attempt."""
    workdir = tmp_path_factory.mktemp("verify-failed")
    with served(
        workdir,
        SandboxConfig(time_scale=COPY_TIME_SCALE, faults=FaultConfig(job_failure_rate=0.2)),
        SeedSpec(recovery_points=200, vaults=1, edge_case_share=0.0),
        **BOX,
    ) as box:
        [vault] = box.vaults
        journal = workdir / "failed.jsonl"
        proc = box.run(
            "copy",
            "--vault",
            vault,
            *COPY_FLAGS,
            "--max-job-attempts",
            "1",
            "--state-file",
            str(journal),
        )
        assert proc.returncode == 1, proc.stderr  # some items failed
        sources = {rp.arn for rp in box.points(SOURCE, vault)}
        yield Copied(
            box,
            {"failed": vault},
            {"failed": journal},
            {"failed": sources},
            {"failed": box.completed_copies(vault)},
        )


class TestVerifyAfterFailedCopyJobs:
    def test_the_failed_jobs_are_the_failed_items_with_aws_message(self, failing: Copied) -> None:
        jobs = failing.box.world.copy_jobs()
        failed = {job.source_recovery_point_arn for job in jobs if job.state == "FAILED"}
        assert all(job.state in ("COMPLETED", "FAILED") for job in jobs)
        assert len(jobs) == len(failing.sources["failed"])  # one attempt per item
        assert failed and failed < failing.sources["failed"]
        assert {job.status_message for job in jobs if job.state == "FAILED"} == {INTERNAL_ERROR}
        total = len(failing.sources["failed"])
        for journal in (True, False):
            document = failing.verify("failed", journal=journal)
            assert tally(document) == only(total, failed=len(failed))
            problems = document["problems"]
            assert {p["source_recovery_point_arn"] for p in problems} == failed
            assert {(p["verdict"], p["detail"]) for p in problems} == {("failed", INTERNAL_ERROR)}


# == iam-policy ================================================================================


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def assert_policy_document(document: Any) -> None:
    """The shape IAM accepts: a Version, and a list of statements with Effect/Action/Resource."""
    assert isinstance(document, dict)
    assert document["Version"] == "2012-10-17"
    statements = document["Statement"]
    assert isinstance(statements, list) and statements
    sids = [s.get("Sid") for s in statements if "Sid" in s]
    assert len(sids) == len(set(sids))
    for statement in statements:
        assert statement["Effect"] in ("Allow", "Deny")
        for key in ("Action", "Resource"):
            values = as_list(statement[key])
            assert values and all(isinstance(v, str) and v for v in values), statement
        assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z*]+", a) for a in as_list(statement["Action"]))
        assert all(r == "*" or r.startswith("arn:aws:") for r in as_list(statement["Resource"]))


def test_iam_policy_prints_three_titled_policy_documents() -> None:
    text = iam_policy("--vault", "production-backups").stdout
    blocks = text.split("# ")[1:]
    assert len(blocks) == 3
    titles = [block.split("\n", 1)[0] for block in blocks]
    assert titles[0] == f"Operator identity policy in the source account {SOURCE}"
    assert titles[1] == f"Operator identity policy in the destination account {DEST}"
    assert titles[2].startswith(f"Access policy of the destination vault(s) in {DEST}")
    for block in blocks:
        assert_policy_document(json.loads(block.split("\n", 1)[1]))


def test_iam_policy_json_grants_the_vault_only_copy_into_backup_vault_from_the_source() -> None:
    vaults = ("production-backups", "database-backups")
    text = iam_policy(*(f"--vault={v}" for v in vaults), "--output", "json").stdout
    documents = json.loads(text)
    assert set(documents) == {
        "source_identity_policy",
        "dest_identity_policy",
        "dest_vault_access_policy",
    }
    for document in documents.values():
        assert_policy_document(document)
    statements = documents["dest_vault_access_policy"]["Statement"]
    assert {s["Effect"] for s in statements} == {"Allow"}
    assert {json.dumps(s["Action"]) for s in statements} == {'"backup:CopyIntoBackupVault"'}
    assert {json.dumps(s["Principal"]) for s in statements} == {
        json.dumps({"AWS": f"arn:aws:iam::{SOURCE}:root"})
    }
    assert sorted(s["Resource"] for s in statements) == sorted(
        f"arn:aws:backup:{REGION}:{DEST}:backup-vault:{v}" for v in vaults
    )
    assert all(set(s) <= {"Sid", "Effect", "Principal", "Action", "Resource"} for s in statements)
