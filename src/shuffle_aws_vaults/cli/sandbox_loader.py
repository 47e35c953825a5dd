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
