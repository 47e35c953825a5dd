"""A copy's defaults that the environment may set: the sandbox's env file sets the poll interval
to its time scale, so the guide's examples run at the sandbox's pace without a flag."""

from __future__ import annotations

import math
from collections.abc import Mapping

from .exit_status import UsageError

POLL_INTERVAL_VARIABLE = "SHUFFLE_AWS_VAULTS_POLL_INTERVAL"
DEFAULT_POLL_INTERVAL = 30.0  # seconds, against AWS


def poll_interval(given: float | None, environ: Mapping[str, str]) -> float:
    """--poll-interval, else $SHUFFLE_AWS_VAULTS_POLL_INTERVAL, else 30 seconds."""
    if given is not None:
        return given
    raw = environ.get(POLL_INTERVAL_VARIABLE, "")
    if not raw:
        return DEFAULT_POLL_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        raise UsageError(f"{POLL_INTERVAL_VARIABLE}={raw!r}: expected a number of seconds above 0")
    return value
