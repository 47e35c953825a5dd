"""What the `sandbox` command starts: its config from the flags' values (each error a
ValueError naming the flag), and the environment file a script waits for."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..domain.lanes import TypeLimit, TypeLimitError, parse_type_limits
from . import regions as served_regions
from .config import FaultConfig, SandboxConfig
from .seed import SeedSpec


def type_limits_of(values: Sequence[tuple[TypeLimit, ...]] | None) -> dict[str, int]:
    """Every --type-limit given, as one SandboxConfig.type_limits."""
    try:
        limits = parse_type_limits(
            [f"{limit.name}={limit.limit}" for chunk in values or [] for limit in chunk]
        )
    except TypeLimitError as exc:
        raise ValueError(f"--type-limit: {exc}") from None
    return {limit.name: limit.limit for limit in limits}


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


def configured(
    config: Mapping[str, Any],
    faults: Mapping[str, Any],
    spec: Mapping[str, Any],
    *,
    regions: tuple[str, ...] | None,
    shares: tuple[float, ...] | None,
    type_limits: Sequence[tuple[TypeLimit, ...]] | None,
) -> tuple[SandboxConfig, SeedSpec]:
    sandbox_config = SandboxConfig(
        regions=regions_of(regions, shares),
        type_limits=type_limits_of(type_limits),
        faults=FaultConfig(**faults),
        **config,
    )
    return sandbox_config, SeedSpec(**spec)


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
