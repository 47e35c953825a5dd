"""What the `sandbox` command starts: its config from the flags' values (each error a
ValueError naming the flag), the environment file a script waits for, and the serving itself.
Like the rest of the sandbox, it imports nothing of the tool's."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import regions as served_regions
from .config import FaultConfig, SandboxConfig, account_ids
from .lag_vaults import LagVaultError
from .seed import SeedResult, SeedSpec
from .server import Sandbox
from .world import SandboxWorld


def regions_of(
    regions: tuple[str, ...] | None, shares: tuple[float, ...] | None
) -> tuple[str, ...]:
    """--regions checked (well formed, known to botocore, no repeats) against --region-shares."""
    served = regions or ("us-east-1",)
    try:
        served_regions.check_known(served_regions.check_regions(served))
    except ValueError as exc:
        raise ValueError(f"--regions: {exc}") from None
    if shares is not None and len(shares) != len(served):
        raise ValueError(
            f"--region-shares: {len(shares)} shares for {len(served)} Regions "
            f"({', '.join(served)}); give one per Region"
        )
    return served


def account_list(given: str | Sequence[str] | None, flag: str) -> tuple[str, ...]:
    """A comma list (or a sequence) of account IDs, 12 digits each; ValueError naming `flag`."""
    text = given if isinstance(given, str) else ",".join(given or ())
    ids = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [account for account in ids if not (len(account) == 12 and account.isdigit())]
    if bad:
        raise ValueError(f"{flag}: an account ID is 12 digits, not {bad[0]!r}")
    return ids


def accounts_of(config: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """`config` with --suspended-accounts as IDs, checked (as --account-shares) against the
    accounts served; ValueError naming the flag."""
    given = dict(config)
    suspended = account_list(given.get("suspended_accounts"), "--suspended-accounts")
    first_source = given.get("source_account", SandboxConfig.source_account)
    first_dest = given.get("dest_account", SandboxConfig.dest_account)
    sources = account_ids(first_source, given.get("source_account_count", 1))
    dests = account_ids(first_dest, given.get("dest_account_count", 1))
    unknown = [account for account in suspended if account not in (*sources, *dests)]
    if unknown:
        raise ValueError(
            f"--suspended-accounts: {unknown[0]} is not one of the sandbox's source or "
            f"destination accounts ({', '.join((*sources, *dests))})"
        )
    shares = spec.get("account_shares") or ()
    if shares and len(shares) != len(sources):
        raise ValueError(
            f"--account-shares: {len(shares)} shares for {len(sources)} source accounts "
            f"({', '.join(sources)}); give one per source account"
        )
    given["suspended_accounts"] = suspended
    return given


def configured(
    config: Mapping[str, Any],
    faults: Mapping[str, Any],
    spec: Mapping[str, Any],
    *,
    regions: tuple[str, ...] | None,
    shares: tuple[float, ...] | None,
    type_limits: Mapping[str, int],
) -> tuple[SandboxConfig, SeedSpec]:
    sandbox_config = SandboxConfig(
        regions=regions_of(regions, shares),
        type_limits=dict(type_limits),
        faults=FaultConfig(**faults),
        **accounts_of(config, spec),
    )
    try:
        return sandbox_config, SeedSpec(**spec)
    except LagVaultError as exc:
        raise ValueError(f"--dest-lag-vault: {exc}") from None


def accounts_note(config: SandboxConfig) -> str:
    """Who is served: the source and destination accounts and their profiles."""
    sources, dests = config.source_accounts, config.dest_accounts
    if len(sources) == len(dests) == 1:
        return (
            f"source account {sources[0]}, destination {dests[0]}; profiles sandbox-source "
            "and sandbox-dest"
        )
    return (
        f"source accounts {', '.join(sources)}, destinations {', '.join(dests)}; profiles "
        f"sandbox-source and sandbox-dest (the first of each) and sandbox-ACCOUNTID for each"
    )


def lag_note(seeded: SeedResult) -> str:
    """ ", logically air-gapped vaults lag-1 in the destination" when some are seeded."""
    if not seeded.lag_vaults:
        return ""
    return f", logically air-gapped vaults {', '.join(seeded.lag_vaults)} in the destination"


def regions_note(by_region: dict[str, int]) -> str:
    """ " in Regions us-east-1 (1,500), eu-west-1 (500)" when several are served, else ""."""
    if len(by_region) < 2:
        return ""
    return " in Regions " + ", ".join(f"{name} ({count:,})" for name, count in by_region.items())


def write_env_file(path: Path, text: str) -> None:
    """Written whole and renamed into place, so a script polling for it never reads half."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def serve(
    config: SandboxConfig,
    spec: SeedSpec,
    stop: threading.Event,
    *,
    workdir: Path | None,
    port: int,
    env_file: Path | None,
) -> None:
    """Seed and serve until `stop` is set: the exports on standard output (and in `env_file`,
    removed at the end), what is served on standard error. ValueError: the port cannot be
    had."""
    print(f"seeding {spec.recovery_points:,} recovery points ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    server = Sandbox(config, spec, workdir=workdir, port=port, serve=True)
    try:
        server.start()
    except OSError as exc:
        raise ValueError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None
    try:
        exports = server.export_lines()
        if env_file is not None:
            write_env_file(env_file, exports)
        sys.stdout.write(exports)
        sys.stdout.flush()
        seeded = server.seeded
        assert seeded is not None
        print(
            f"sandbox ready at {server.endpoint_url} in {time.monotonic() - started:.1f}s: "
            f"{seeded.recovery_points:,} recovery points in {len(seeded.vaults)} vaults "
            f"({', '.join(seeded.vaults)}){regions_note(seeded.by_region)}{lag_note(seeded)}; "
            f"{accounts_note(config)} (sandbox-management: the organization's management "
            f"account {config.management_account}). "
            "Ctrl-C stops it.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        if env_file is not None:
            env_file.unlink(missing_ok=True)


def copies_made(world: SandboxWorld) -> tuple[int, int, int]:
    """The sandbox's own record: copy jobs, recovery points copied, and those copied twice."""
    jobs = world.copy_jobs()
    completed: dict[str, int] = {}
    for job in jobs:
        if job.state == "COMPLETED":
            arn = job.source_recovery_point_arn
            completed[arn] = completed.get(arn, 0) + 1
    return len(jobs), len(completed), sum(1 for n in completed.values() if n > 1)


def copies_by_source(world: SandboxWorld, dest_account: str) -> dict[str, int]:
    """The recovery points copied into `dest_account` (each counted once), by the source
    account that started their copy jobs."""
    marker = f":{dest_account}:"
    seen: dict[str, set[str]] = {}
    for job in world.copy_jobs():
        if job.state == "COMPLETED" and marker in job.dest_vault_arn:
            seen.setdefault(job.account_id, set()).add(job.source_recovery_point_arn)
    return {account: len(arns) for account, arns in seen.items()}
