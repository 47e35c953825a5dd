"""`shuffle-aws-vaults sandbox`: serve a seeded local AWS Backup until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from ..domain.lanes import TypeLimit, TypeLimitError, parse_type_limits
from .environment import Environment
from .exit_status import ExitStatus, UsageError, UserError
from .sandbox_loader import load_sandbox


def type_limits_from_args(values: list[tuple[TypeLimit, ...]] | None) -> dict[str, int]:
    """Every --type-limit given, as one SandboxConfig.type_limits."""
    try:
        limits = parse_type_limits(
            [f"{limit.name}={limit.limit}" for chunk in values or [] for limit in chunk]
        )
    except TypeLimitError as exc:
        raise UsageError(f"--type-limit: {exc}") from None
    return {limit.name: limit.limit for limit in limits}


def regions_from_args(
    sandbox: Any, regions: tuple[str, ...] | None, shares: tuple[float, ...] | None
) -> tuple[str, ...]:
    """--regions checked (well formed, known to botocore, no repeats) against --region-shares."""
    served = regions or ("us-east-1",)
    try:
        sandbox.regions.check_known(sandbox.regions.check_regions(served))
    except ValueError as exc:
        raise UsageError(f"--regions: {exc}") from None
    if shares is not None and len(shares) != len(served):
        raise UsageError(
            f"--region-shares: {len(shares)} shares for {len(served)} Regions "
            f"({', '.join(served)}); give one per Region"
        )
    return served


def config_from_args(args: argparse.Namespace) -> tuple[Any, Any]:
    sandbox = load_sandbox()
    if args.api_burst is not None and args.api_rate is None:
        raise UsageError("--api-burst needs --api-rate")
    faults = sandbox.FaultConfig(
        throttle_rate=args.throttle_rate,
        unavailable_rate=args.unavailable_rate,
        drop_rate=args.drop_rate,
        job_failure_rate=args.job_failure_rate,
        credential_ttl_seconds=args.credential_ttl,
        api_rate=args.api_rate,
        api_burst=args.api_burst,
        system_error_rate=args.system_error_rate,
        system_error_fail_share=args.system_error_fail_share,
    )
    regions = regions_from_args(sandbox, args.regions, args.region_shares)
    config = sandbox.SandboxConfig(
        regions=regions,
        cross_region_account_copy=args.cross_region_account_copy,
        seed=args.seed,
        time_scale=args.time_scale,
        copy_quota=args.copy_quota,
        at_quota=args.at_quota,
        type_limits=type_limits_from_args(args.type_limit),
        dest_refusal=args.dest_refusal,
        malformed_arn=args.malformed_arn,
        other_account_vault=args.other_account_vault,
        role_refusal=args.role_refusal,
        bandwidth_bytes_per_second=args.bandwidth_mib * 1024 * 1024,
        job_overhead_seconds=args.job_overhead,
        changed_share=args.changed_share,
        copy_job_retention_seconds=(
            args.copy_job_retention_days * 86400.0
            if args.copy_job_retention_days is not None
            else None
        ),
        management_account=args.management_account,
        source_opted_out=tuple(args.opt_out),
        dest_opted_out=tuple(args.dest_opt_out),
        copy_job_order=args.copy_job_order,
        page_token_ttl_seconds=args.page_token_ttl,
        short_pages=args.short_pages,
        faults=faults,
    )
    spec = sandbox.SeedSpec(
        recovery_points=args.recovery_points,
        vaults=args.vaults,
        edge_case_share=args.edge_case_share,
        metadata_missing_share=args.metadata_missing_share,
        dest_vaults=not args.no_dest_vaults,
        dest_policy=not args.no_dest_policy,
        cross_account_enabled=not args.cross_account_disabled,
        copy_role=not args.no_copy_role,
        unshared_key_share=args.unshared_key_share,
        region_shares=args.region_shares or (),
    )
    return config, spec


def _regions_note(by_region: dict[str, int]) -> str:
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


def run_sandbox(args: argparse.Namespace, env: Environment) -> int:
    sandbox = load_sandbox()
    if args.job_overhead < 0:
        raise UserError("--job-overhead must be 0 or more")
    env_file = Path(args.env_file) if args.env_file else None
    if env_file is not None and not env_file.parent.is_dir():
        raise UserError(f"--env-file: directory {env_file.parent} does not exist")
    try:
        config, spec = config_from_args(args)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    workdir = Path(args.workdir) if args.workdir else None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"seeding {spec.recovery_points:,} recovery points ...", file=sys.stderr, flush=True)
    started = time.monotonic()
    server = sandbox.Sandbox(config, spec, workdir=workdir, port=args.port, serve=True)
    try:
        server.start()
    except OSError as exc:
        raise UserError(f"cannot serve on 127.0.0.1:{args.port}: {exc.strerror}") from None
    try:
        exports = server.export_lines()
        if env_file is not None:
            write_env_file(env_file, exports)
        sys.stdout.write(exports)
        sys.stdout.flush()
        seeded = server.seeded
        print(
            f"sandbox ready at {server.endpoint_url} in {time.monotonic() - started:.1f}s: "
            f"{seeded.recovery_points:,} recovery points in {len(seeded.vaults)} vaults "
            f"({', '.join(seeded.vaults)}){_regions_note(seeded.by_region)}; "
            f"source account {config.source_account}, "
            f"destination {config.dest_account}; profiles sandbox-source and sandbox-dest "
            f"(sandbox-management: the organization's management account "
            f"{config.management_account}). "
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
    print("sandbox stopped", file=sys.stderr)
    return ExitStatus.SUCCESS
