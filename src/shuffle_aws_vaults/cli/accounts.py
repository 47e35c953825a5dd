"""From the account flags to the wiring: who the source and destination are, and how to reach
them (through bootstrap, the one place that builds adapters)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from datetime import datetime

from .. import bootstrap
from ..application.copy_request import CopyPorts
from ..application.ports import DestinationAccount, ProgressSink
from ..application.regions import RegionRequest, RegionScope, region_scopes
from ..application.selection_stage import (
    SelectionRequest,
    SelectionScan,
    SelectionSources,
    check_metadata,
    select,
)
from ..bootstrap import AccountSettings, Regional, Wiring
from ..domain.errors import AwsError
from ..domain.selection import SelectionTally
from .exit_status import UsageError
from .options import account_id, role_arn, selection_from_args, vault_names


def source_settings(args: argparse.Namespace) -> AccountSettings:
    source = account_id("--source-account", args.source_account)
    role = role_arn("--source-role-arn", args.source_role_arn)
    if args.role_name:
        if role:
            raise UsageError("give --role-name or --source-role-arn, not both")
        role = f"arn:aws:iam::{source}:role/{args.role_name}"
    return AccountSettings(
        "source", "--source-account", source, args.source_profile, role, args.region
    )


def dest_settings(args: argparse.Namespace) -> AccountSettings | None:
    dest = account_id("--dest-account", getattr(args, "dest_account", None))
    if dest is None:
        return None
    role = role_arn("--dest-role-arn", args.dest_role_arn)
    if args.role_name:
        if role:
            raise UsageError("give --role-name or --dest-role-arn, not both")
        role = f"arn:aws:iam::{dest}:role/{args.role_name}"
    region = args.dest_region or args.region
    return AccountSettings("destination", "--dest-account", dest, args.dest_profile, role, region)


def check_retry(args: argparse.Namespace) -> None:
    if not 1 <= args.max_attempts <= 20:
        raise UsageError(f"--max-attempts must be from 1 to 20, got {args.max_attempts}")


def wire(args: argparse.Namespace, *, with_dest: bool) -> Wiring:
    check_retry(args)
    return bootstrap.discovery(
        source_settings(args),
        retry_mode=args.retry_mode,
        max_attempts=args.max_attempts,
        metadata_csv=args.metadata_csv,
        dest=dest_settings(args) if with_dest else None,
    )


def wire_regional(args: argparse.Namespace, *, with_dest: bool) -> Regional:
    """As wire(), for several source Regions: each Region's destination comes from the
    RegionPlan, so the destination's session keeps its profile's own Region."""
    check_retry(args)
    dest = dest_settings(args) if with_dest else None
    return bootstrap.regional(
        source_settings(args),
        retry_mode=args.retry_mode,
        max_attempts=args.max_attempts,
        metadata_csv=args.metadata_csv,
        dest=dataclasses.replace(dest, region=None) if dest is not None else None,
    )


def copy_ports(wiring: Wiring, progress: Callable[[int, int], ProgressSink]) -> CopyPorts:
    """The copy use case's ports over a wiring (source and destination wired)."""
    assert wiring.dest is not None
    return CopyPorts(
        source=wiring.source,
        dest=wiring.dest,
        keys=wiring.keys,
        metadata=wiring.metadata,
        source_checks=wiring.source_checks,
        statistics=wiring.statistics,
        reports=bootstrap.reports(),
        executor=bootstrap.executor,
        progress=progress,
    )


def regional_scopes(
    args: argparse.Namespace,
    regions: RegionRequest,
    request: SelectionRequest,
    *,
    dest: bool,
    failed: Callable[[str, str, AwsError], None] | None = None,
    keep_refused: bool = False,
) -> tuple[Regional, list[RegionScope], Wiring]:
    """The accounts wired for several Regions, each source Region's scope, and the first
    Region's wiring (the metadata checked against it); `failed` and `keep_refused` as in
    region_scopes (a Region whose vaults cannot be listed stops alone)."""
    regional = wire_regional(args, with_dest=dest)
    first = regional.wiring(regions.regions[0] if regions.regions else regional.home)
    check_metadata(request.selection, sources(first), warn)
    scopes = region_scopes(
        regions,
        request,
        account=first.source.account_id,
        catalog=regional.catalog,
        gateway_for=regional.gateway,
        warn=warn,
        failed=failed,
        keep_refused=keep_refused,
    )
    return regional, scopes, first


def selection_request(args: argparse.Namespace) -> SelectionRequest:
    return SelectionRequest(tuple(vault_names(args)), args.all_vaults, selection_from_args(args))


def sources(wiring: Wiring) -> SelectionSources:
    return SelectionSources(wiring.source, wiring.keys, wiring.metadata)


def warn(line: str) -> None:
    print(f"warning: {line}", file=sys.stderr)


def select_for_destination(
    args: argparse.Namespace,
    request: SelectionRequest,
    now: datetime,
    tally: SelectionTally | None = None,
    *,
    cross_region: bool = False,
) -> tuple[Wiring, DestinationAccount, SelectionScan]:
    """Source and destination wired, the metadata checked, and the selection's scan started.

    `cross_region`: exclude what AWS cannot copy across Regions when the destination's Region
    (--dest-region) is not the source's."""
    wiring = wire(args, with_dest=True)
    assert wiring.dest is not None
    check_metadata(request.selection, sources(wiring), warn)
    scanned = select(
        request,
        sources(wiring),
        cross_account=wiring.source.account_id != wiring.dest.account_id,
        now=now,
        tally=tally,
        cross_region=cross_region and wiring.source.region != wiring.dest.region,
    )
    return wiring, wiring.dest, scanned
