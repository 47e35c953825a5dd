"""The engine's mailbox messages: one type per kind, each with its handler in the table."""

from __future__ import annotations

from typing import get_args

import pytest

from shuffle_aws_vaults.application.engine_messages import EngineMessage, PollFailed

from .copy_fakes import independent_items, make_rig


def test_every_kind_of_message_has_a_handler_and_every_handler_a_kind() -> None:
    rig = make_rig(independent_items(1))

    assert set(rig.engine._handlers) == set(get_args(EngineMessage))


def test_a_message_cannot_be_changed_once_posted() -> None:
    message = PollFailed(RuntimeError("gone"))

    with pytest.raises(AttributeError):
        message.error = RuntimeError("other")  # type: ignore[misc]
