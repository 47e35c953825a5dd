"""What the state files' adapters raise when a state cannot be used."""

from __future__ import annotations

from ..application.errors import OperatorError


class StateError(OperatorError):
    """The state cannot be used; the message names the file (and line) and what to do."""
