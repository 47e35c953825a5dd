"""`copy --resource-order`: hidden, for benchmarks that measure what oldest first is worth."""

from __future__ import annotations

import argparse

import pytest

from shuffle_aws_vaults.cli.copy_command import copy_request
from shuffle_aws_vaults.cli.parser import build_parser

COPY = ["copy", "--source-account", "111111111111", "--dest-account", "222222222222"]
COPY += ["--vault", "production"]


@pytest.mark.parametrize(
    ("extra", "newest_first"),
    [
        ([], False),
        (["--resource-order", "oldest-first"], False),
        (["--resource-order", "newest-first"], True),
    ],
)
def test_the_order_reaches_the_request(extra: list[str], newest_first: bool) -> None:
    request = copy_request(build_parser().parse_args([*COPY, *extra]))
    assert request.newest_first is newest_first


def test_it_is_not_shown_in_help() -> None:
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    assert "--resource-order" not in commands.choices["copy"].format_help()
