"""Several source and destination accounts in one sandbox: their IDs, the seed split among them,
what each holds of its own, a copy quota per account, and the organization's ListAccounts, on an
in-process world (moto's backends, no HTTP)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from shuffle_aws_vaults.sandbox import messages
from shuffle_aws_vaults.sandbox.access_policy import allows
from shuffle_aws_vaults.sandbox.arns import vault_arn
from shuffle_aws_vaults.sandbox.clock import ManualClock
from shuffle_aws_vaults.sandbox.config import SandboxConfig, account_ids
from shuffle_aws_vaults.sandbox.copy_permissions import SHARED_KEY_ACTIONS
from shuffle_aws_vaults.sandbox.errors import SandboxError
from shuffle_aws_vaults.sandbox.moto_bridge import (
    create_organization,
    key_policy_text,
    moto_vaults,
    reset_moto,
    role_trust_text,
)
from shuffle_aws_vaults.sandbox.organizations_api import (
    ACCESS_DENIED,
    NOT_IN_USE,
    OrganizationsError,
    list_accounts,
)
from shuffle_aws_vaults.sandbox.records import DAY, StoredRecoveryPoint
from shuffle_aws_vaults.sandbox.regions import split_counts
from shuffle_aws_vaults.sandbox.seed import (
    OPERATOR_ROLE,
    SeedResult,
    SeedSpec,
    seed,
    write_metadata_csv,
)
from shuffle_aws_vaults.sandbox.settings import RegionSettings
from shuffle_aws_vaults.sandbox.world import CopyRequest, SandboxWorld

A, B, C = "111111111111", "111111111112", "111111111113"
D1, D2 = "222222222222", "222222222223"
MANAGEMENT, OUTSIDER = "333333333333", "123456789012"
REGION = "us-east-1"


# -- account IDs and their settings ------------------------------------------------------------


def test_the_first_accounts_keep_their_ids_and_the_others_count_up_from_them() -> None:
    default = SandboxConfig()
    assert default.source_accounts == (A,)
    assert default.dest_accounts == (D1,)
    config = SandboxConfig(source_account_count=3, dest_account_count=2)
    assert config.source_accounts == (A, B, C)
    assert config.dest_accounts == (D1, D2)
    assert config.member_accounts == (A, B, C, D1, D2)
    assert (config.source_account, config.dest_account) == (A, D1)
    assert account_ids("000000000009", 2) == ("000000000009", "000000000010")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"source_account_count": 0}, "source_account_count must be at least 1"),
        ({"dest_account_count": 0}, "dest_account_count must be at least 1"),
        (
            {"source_account": "222222222221", "source_account_count": 2},
            "account 222222222222 is both a source and a destination account",
        ),
        ({"suspended_accounts": (C,)}, "suspended account 111111111113 is not a source"),
        ({"suspended_accounts": (MANAGEMENT,)}, "suspended account 333333333333 is not"),
        (
            {"management_account": A, "suspended_accounts": (A,)},
            "the management account cannot be suspended",
        ),
        ({"source_account": "999999999999", "source_account_count": 2}, "past 999999999999"),
    ],
)
def test_account_settings_that_make_no_sense_are_refused(
    given: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig(**given)


def test_opt_outs_hold_in_every_source_or_every_destination_account() -> None:
    config = SandboxConfig(
        source_account_count=2,
        dest_account_count=2,
        source_opted_out=("EFS",),
        dest_opted_out=("S3",),
    )
    settings = RegionSettings(config)

    def opted_in(account: str) -> dict[str, bool]:
        return dict(settings.describe(account, REGION)["ResourceTypeOptInPreference"])

    for account in (A, B):
        assert opted_in(account)["EFS"] is False and opted_in(account)["S3"] is True
    for account in (D1, D2):
        assert opted_in(account)["S3"] is False and opted_in(account)["EFS"] is True
    assert all(opted_in(MANAGEMENT).values())


# -- the seed split ----------------------------------------------------------------------------


def test_recovery_points_are_the_total_over_accounts_equal_unless_shares_say() -> None:
    assert SeedSpec(recovery_points=10).points_per_account((A, B, C)) == {A: 4, B: 3, C: 3}
    unequal = SeedSpec(recovery_points=600, account_shares=(3, 2, 1))
    assert unequal.points_per_account((A, B, C)) == {A: 300, B: 200, C: 100}
    assert SeedSpec(recovery_points=7).points_per_account((A,)) == {A: 7}
    with pytest.raises(ValueError, match="2 account shares given for 3 source accounts"):
        SeedSpec(account_shares=(1, 1)).points_per_account((A, B, C))
    with pytest.raises(ValueError, match="not all 0"):
        SeedSpec(account_shares=(0, 0))


@pytest.fixture
def seeded() -> Iterator[Callable[..., tuple[SandboxWorld, SeedResult]]]:
    reset_moto()

    def build(spec: SeedSpec, **config: Any) -> tuple[SandboxWorld, SeedResult]:
        world = SandboxWorld(SandboxConfig(jitter=0.0, **config), clock=ManualClock())
        return world, seed(world, spec)

    yield build
    reset_moto()


def points_in(world: SandboxWorld, account: str, region: str = REGION) -> int:
    return sum(
        len(contents.by_arn)
        for (owner, where, _), contents in world.vaults.items()
        if (owner, where) == (account, region)
    )


def test_each_source_account_holds_its_share_in_its_own_vaults_and_regions(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    world, result = seeded(
        SeedSpec(recovery_points=600, vaults=2, account_shares=(3, 2, 1), region_shares=(2, 1)),
        source_account_count=3,
        regions=(REGION, "eu-west-1"),
    )
    assert result.by_account == {A: 300, B: 200, C: 100}
    assert result.by_region == {REGION: 400, "eu-west-1": 200}
    assert result.recovery_points == 600
    for account, share in result.by_account.items():
        east, west = split_counts(share, (2, 1))
        assert (points_in(world, account, REGION), points_in(world, account, "eu-west-1")) == (
            east,
            west,
        )
        vaults = {v.backup_vault_name: v for v in moto_vaults(account, REGION)}
        assert set(vaults) == {*result.vaults, "Default"}
        assert sum(v.num_of_recovery_points for v in vaults.values()) == east
    for resource in result.resources:
        assert f":{resource.account}:" in resource.arn or resource.resource_type == "S3"
        contents = world.contents(resource.account, resource.region, resource.vault)
        assert contents.by_resource[resource.arn], resource
    names = [resource.arn for resource in result.resources]
    assert len(names) == len(set(names))  # S3 bucket names too: no two accounts share one


def test_each_source_account_has_its_own_keys_and_copy_role_and_every_destination_its_vaults(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    world, result = seeded(
        SeedSpec(recovery_points=90, vaults=2), source_account_count=3, dest_account_count=2
    )
    keys = set()
    for account in (A, B, C):
        role = f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole"
        assert "backup.amazonaws.com" in str(role_trust_text(account, role))
        vault = {v.backup_vault_name: v for v in moto_vaults(account, REGION)}[result.vaults[0]]
        key = vault.encryption_key_arn
        assert key.startswith(f"arn:aws:kms:{REGION}:{account}:key/")
        policy = key_policy_text(key)
        for dest in (D1, D2):  # the source key is shared with every destination account
            assert all(allows(policy, dest, action) for action in SHARED_KEY_ACTIONS)
        keys.add(key)
        points = [
            rp for c in world.vaults.values() for rp in c.items if f":{account}:" in rp.vault_arn
        ]
        assert {rp.iam_role_arn for rp in points} == {role}
    assert len(keys) == 3
    for dest in (D1, D2):
        assert {v.backup_vault_name for v in moto_vaults(dest, REGION)} == {
            *result.vaults,
            "Default",
        }
        for name in result.vaults:
            policy = world.policies[(dest, REGION, name)]
            assert all(allows(policy, source) for source in (A, B, C))
            assert not allows(policy, MANAGEMENT)
            assert json.loads(policy)["Statement"][0]["Resource"] == vault_arn(REGION, dest, name)


def test_one_source_account_keeps_the_single_principal_policy_it_always_had(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    world, result = seeded(SeedSpec(recovery_points=10, vaults=1))
    statement = json.loads(world.policies[(D1, REGION, result.vaults[0])])["Statement"][0]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{A}:root"}
    assert result.by_account == {A: 10}


def test_the_operator_role_is_in_every_account_and_trusts_the_base_and_management_accounts(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    seeded(SeedSpec(recovery_points=10, vaults=1), source_account_count=2, dest_account_count=2)
    for account in (A, B, D1, D2, MANAGEMENT):
        role = f"arn:aws:iam::{account}:role/{OPERATOR_ROLE}"
        trust = json.loads(str(role_trust_text(account, role)))
        principals = trust["Statement"][0]["Principal"]["AWS"]
        assert principals == [f"arn:aws:iam::{OUTSIDER}:root", f"arn:aws:iam::{MANAGEMENT}:root"]


def test_the_metadata_csv_covers_every_source_account_and_three_apmid_groups_split_it(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]], tmp_path: Path
) -> None:
    _, result = seeded(SeedSpec(recovery_points=2000, vaults=3), source_account_count=3)
    path = tmp_path / "metadata.csv"
    write_metadata_csv(path, result)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_account = {
        account: [r for r in rows if f":{account}:" in r["resourceArn"]] for account in (A, B, C)
    }
    assert all(by_account.values())
    apmids = {row["APMID"] for row in rows}
    assert apmids <= {f"APM{n:04d}" for n in range(1, 61)}
    assert {"APM0001", "APM0002", "APM0003"} <= apmids
    # APM0001-0020, APM0021-0040 and APM0041-0060 split the CSV in three, in each account.

    def group(row: dict[str, str]) -> int:
        return (int(row["APMID"].removeprefix("APM")) - 1) // 20

    thirds = [sum(1 for row in rows if group(row) == n) for n in range(3)]
    assert sum(thirds) == len(rows)
    assert all(len(rows) / 4 < third < len(rows) / 2 for third in thirds), thirds
    for account_rows in by_account.values():
        assert {group(row) for row in account_rows} == {0, 1, 2}


# -- a copy quota per account --------------------------------------------------------------------


def add_point(world: SandboxWorld, account: str, n: int) -> StoredRecoveryPoint:
    created = world.now() - DAY
    rp = StoredRecoveryPoint(
        seq=world.next_seq(),
        arn=f"arn:aws:backup:{REGION}:{account}:recovery-point:{n:08d}-0000-4000-a000-0",
        vault_name="v",
        vault_arn=vault_arn(REGION, account, "v"),
        resource_arn=f"arn:aws:elasticfilesystem:{REGION}:{account}:file-system/fs-{n:08x}",
        resource_type="EFS",
        resource_name=f"fs-{n}",
        creation_date=created,
        completion_date=created + 600,
        size=1024**3,
        status="COMPLETED",
        encryption_key_arn=None,
        iam_role_arn=f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole",
        delete_after_days=35,
    )
    world.add_recovery_point(account, REGION, rp)
    return rp


@pytest.mark.parametrize("at_quota", ["reject", "queue"])
@pytest.mark.parametrize(
    ("limits", "refusal"),
    [
        ({"copy_quota": 1}, messages.LIMIT_EXCEEDED.format(quota=1)),
        ({"type_limits": {"EFS": 1}}, "Concurrent copy job limit exceeded for resource type EFS"),
    ],
)
def test_each_source_account_has_its_own_copy_quota_and_type_limits(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
    at_quota: str,
    limits: dict[str, Any],
    refusal: str,
) -> None:
    from shuffle_aws_vaults.sandbox.moto_bridge import create_vault

    world, result = seeded(
        SeedSpec(recovery_points=0, vaults=1),
        source_account_count=2,
        dest_account_count=2,
        at_quota=at_quota,
        **limits,
    )
    for account in (A, B):
        create_vault(account, REGION, "v")
    dest = vault_arn(REGION, D2, result.vaults[0])  # seeded: its policy allows A and B

    def start(account: str, n: int) -> str:
        rp = add_point(world, account, n)
        role = f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole"
        return world.start_copy_job(account, REGION, CopyRequest(rp.arn, "v", dest, role)).state

    assert start(A, 1) == "RUNNING"
    if at_quota == "reject":
        with pytest.raises(SandboxError) as refused:
            start(A, 2)  # A has no room left
        assert refused.value.error_type == "LimitExceededException"
        assert refused.value.message.startswith(refusal)
    else:
        assert start(A, 2) == "CREATED"
    assert start(B, 3) == "RUNNING"  # B's quota and limits are its own
    assert (world.book(A, REGION).queue.running, world.book(B, REGION).queue.running) == (1, 1)
    assert isinstance(world.clock, ManualClock)
    world.clock.advance(DAY)
    jobs = world.copy_jobs()
    assert {(job.account_id, job.state) for job in jobs} >= {(A, "COMPLETED"), (B, "COMPLETED")}
    assert {rp.source_vault_arn for rp in world.recovery_points(D2, REGION, result.vaults[0])} == {
        vault_arn(REGION, A, "v"),
        vault_arn(REGION, B, "v"),
    }


# -- the organization's ListAccounts -----------------------------------------------------------


def every_page(caller: str, size: int | None = None) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        body: dict[str, Any] = {} if size is None else {"MaxResults": size}
        if token:
            body["NextToken"] = token
        answer = list_accounts(caller, body)
        pages.append(answer["Accounts"])
        token = answer.get("NextToken")
        if not token:
            return pages


def test_list_accounts_lists_the_management_account_then_every_member_active_or_suspended(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    seeded(
        SeedSpec(recovery_points=10, vaults=1),
        source_account_count=3,
        dest_account_count=2,
        suspended_accounts=(C, D2),
    )
    (accounts,) = every_page(MANAGEMENT)
    assert [a["Id"] for a in accounts] == [MANAGEMENT, A, B, C, D1, D2]
    status = {a["Id"]: (a["Status"], a["State"]) for a in accounts}
    assert status[C] == status[D2] == ("SUSPENDED", "SUSPENDED")
    assert {status[x] for x in (MANAGEMENT, A, B, D1)} == {("ACTIVE", "ACTIVE")}
    names = {a["Id"]: a["Name"] for a in accounts}
    assert [names[x] for x in (MANAGEMENT, A, C, D2)] == [
        "management",
        "source-1",
        "source-3",
        "dest-2",
    ]
    for account in accounts:
        assert account["Arn"].endswith(f"/{account['Id']}")
        assert account["Arn"].startswith(f"arn:aws:organizations::{MANAGEMENT}:account/o-")
        assert account["JoinedMethod"] == "CREATED"


def test_list_accounts_pages_twenty_at_most_and_as_max_results_says(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    members = SandboxConfig(source_account_count=15, dest_account_count=10).member_accounts
    # Only the organization: seeding 25 accounts' keys would take seconds (moto makes RSA keys).
    create_organization(MANAGEMENT, REGION, {a: f"member-{a}" for a in members}, ())
    default = every_page(MANAGEMENT)
    assert [len(page) for page in default] == [20, 6]
    ids = [a["Id"] for page in default for a in page]
    assert len(ids) == len(set(ids)) == 26
    assert [len(page) for page in every_page(MANAGEMENT, 7)] == [7, 7, 7, 5]
    assert [a["Id"] for page in every_page(MANAGEMENT, 7) for a in page] == ids
    assert [len(page) for page in every_page(MANAGEMENT, 20)] == [20, 6]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"MaxResults": 21}, "MAX_VALUE_EXCEEDED"),
        ({"MaxResults": 0}, "MIN_VALUE_EXCEEDED"),
        ({"NextToken": "not-a-token"}, "INVALID_NEXT_TOKEN"),
    ],
)
def test_list_accounts_refuses_bad_paging_with_invalid_input(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]], body: dict[str, Any], reason: str
) -> None:
    seeded(SeedSpec(recovery_points=0, vaults=1))
    with pytest.raises(OrganizationsError) as refused:
        list_accounts(MANAGEMENT, body)
    assert refused.value.error_type == "InvalidInputException"
    assert json.loads(refused.value.description)["Reason"] == reason


def test_list_accounts_is_refused_to_members_and_to_accounts_in_no_organization(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    seeded(SeedSpec(recovery_points=0, vaults=1), source_account_count=2, suspended_accounts=(B,))
    for member in (A, B, D1):
        with pytest.raises(OrganizationsError) as denied:
            list_accounts(member, {})
        assert (denied.value.error_type, denied.value.message) == (
            "AccessDeniedException",
            ACCESS_DENIED,
        )
        assert ACCESS_DENIED == "You don't have permissions to access this resource."
    with pytest.raises(OrganizationsError) as outside:
        list_accounts(OUTSIDER, {})
    assert outside.value.error_type == "AWSOrganizationsNotInUseException"
    assert outside.value.message == NOT_IN_USE


def test_the_management_account_may_be_a_source_account_and_is_listed_once(
    seeded: Callable[..., tuple[SandboxWorld, SeedResult]],
) -> None:
    seeded(SeedSpec(recovery_points=0, vaults=1), management_account=A, source_account_count=2)
    (accounts,) = every_page(A)
    assert [a["Id"] for a in accounts] == [A, B, D1]
    with pytest.raises(OrganizationsError):
        list_accounts(B, {})


# -- the sandbox command's flags ---------------------------------------------------------------


def sandbox_config(*flags: str) -> tuple[Any, Any]:
    from shuffle_aws_vaults.cli.parser import build_parser
    from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
    from shuffle_aws_vaults.cli.sandbox_command import config_of

    return config_of(sandbox_request(build_parser().parse_args(["sandbox", *flags])))


def test_the_account_flags_reach_the_config_and_the_seed() -> None:
    config, spec = sandbox_config(
        "--source-accounts", "3", "--dest-accounts", "2", "--account-shares", "3,2,1",
        "--suspended-accounts", "111111111113, 222222222223",
    )  # fmt: skip
    assert config.source_accounts == (A, B, C)
    assert config.dest_accounts == (D1, D2)
    assert config.suspended_accounts == (C, D2)
    assert spec.account_shares == (3.0, 2.0, 1.0)
    default_config, default_spec = sandbox_config()
    assert (default_config.source_accounts, default_config.dest_accounts) == ((A,), (D1,))
    assert default_config.suspended_accounts == ()
    assert default_spec.account_shares == ()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--account-shares", "1,1"), "--account-shares: 2 shares for 1 source accounts"),
        (("--source-accounts", "2", "--account-shares", "0,0"), "not all 0"),
        (("--suspended-accounts", "111111111112"), "--suspended-accounts: 111111111112 is not"),
        (("--suspended-accounts", "1111"), "--suspended-accounts: an account ID is 12 digits"),
        (("--source-accounts", "0"), "--source-accounts"),
    ],
)
def test_bad_account_flags_are_refused_naming_the_flag(
    flags: tuple[str, ...], message: str
) -> None:
    from shuffle_aws_vaults.cli.exit_status import UsageError

    with pytest.raises(UsageError) as refused:
        sandbox_config(*flags)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
