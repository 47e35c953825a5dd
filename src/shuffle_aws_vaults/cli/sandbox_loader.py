"""The sandbox, loaded on demand (moto is an optional extra), and its flags' parsing."""

from __future__ import annotations

import argparse
from typing import Any

from ..domain.lanes import TypeLimit, TypeLimitError, parse_type_limits
from .exit_status import UserError


def load_sandbox() -> Any:
    """The sandbox package, or a UserError that says how to install it."""
    try:
        from .. import sandbox
    except ImportError as exc:  # moto is an optional extra
        raise UserError(
            f"the sandbox needs moto ({exc.name} is missing): "
            "pip install 'shuffle-aws-vaults[sandbox]'"
        ) from None
    return sandbox


def type_limit(text: str) -> tuple[TypeLimit, ...]:
    """--type-limit's value, TYPE=N[,TYPE=N...]: AWS resource types (or several joined by +)."""
    try:
        return parse_type_limits(text)
    except TypeLimitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def region_list(text: str) -> tuple[str, ...]:
    """--regions' value: Region names separated by commas (checked against botocore later)."""
    names = tuple(name.strip() for name in text.split(","))
    if not all(names):
        raise argparse.ArgumentTypeError(f"an empty Region name in {text!r}")
    return names


def region_shares(text: str) -> tuple[float, ...]:
    """--region-shares' value: a weight per Region, e.g. 3,1; 0 or more, not all 0."""
    try:
        shares = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not numbers separated by commas: {text!r}") from None
    if any(not 0 <= share < float("inf") for share in shares) or not sum(shares) > 0:
        raise argparse.ArgumentTypeError(f"shares must be 0 or more, and not all 0: {text!r}")
    return shares


def lag_vault(text: str) -> str:
    """--dest-lag-vault's value, NAME:MIN:MAX[:aws-owned|cmk] (MIN and MAX in days): its form
    checked here, AWS's rules on the name and the days by the sandbox (SeedSpec)."""
    parts = [part.strip() for part in text.split(":")]
    well_formed = (
        len(parts) in (3, 4)
        and bool(parts[0])
        and parts[1].isdigit()
        and parts[2].isdigit()
        and (len(parts) == 3 or parts[3] in ("aws-owned", "cmk"))
    )
    if not well_formed:
        raise argparse.ArgumentTypeError(
            f"expected NAME:MIN:MAX[:aws-owned|cmk] (MIN and MAX in days), got {text!r}"
        )
    return text


def quota_setting(text: str) -> tuple[str, int]:
    """--dest-quota's and --dest-held's value, QUOTA=N (the quota's name checked by the
    sandbox): a pair of the name and a whole number of 0 or more."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected QUOTA=N, got {text!r}")
    try:
        count = int(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number after {name.strip()}=, got {value.strip()!r}"
        ) from None
    if count < 0:
        raise argparse.ArgumentTypeError(f"{name.strip()} must be 0 or more, got {count}")
    return name.strip(), count
