"""The sandbox's listing switches (token expiry, short pages, newest first) and its
settings flags, on in-memory lists: no server, no boto3."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shuffle_aws_vaults.cli.parser import build_parser
from shuffle_aws_vaults.cli.requests import sandbox as sandbox_request
from shuffle_aws_vaults.cli.sandbox_command import config_of
from shuffle_aws_vaults.sandbox.config import SandboxConfig
from shuffle_aws_vaults.sandbox.errors import SandboxError
from shuffle_aws_vaults.sandbox.listing import PageRules
from shuffle_aws_vaults.sandbox.pages import SeqList, decode_token, encode_token


@dataclass
class Item:
    seq: int
    deleted: bool = False


class Clock:
    def __init__(self) -> None:
        self.value = 1000.0

    def now(self) -> float:
        return self.value


def filled(count: int) -> SeqList[Item]:
    items: SeqList[Item] = SeqList()
    for seq in range(1, count + 1):
        items.append(Item(seq))
    return items


def walk(rules: PageRules, items: SeqList[Item], size: int, *, newest: bool) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor: int | None = None
    for _ in range(10_000):
        source = items.before(cursor) if newest else items.after(cursor or 0)
        page, token = rules.paginate(source, lambda item: True, size, descending=newest)
        pages.append([item.seq for item in page])
        if token is None:
            return pages
        cursor = rules.start(token)
    raise AssertionError("the listing never ended")


def test_before_lists_newest_first_and_skips_deleted_items() -> None:
    items = filled(6)
    for item in items:
        item.deleted = item.seq == 4
    assert [item.seq for item in items.before(None)] == [6, 5, 3, 2, 1]
    assert [item.seq for item in items.before(4)] == [3, 2, 1]


@pytest.mark.parametrize("newest", [False, True])
@pytest.mark.parametrize("size", [1, 2, 7, 100])
def test_short_pages_list_every_item_once_in_order(newest: bool, size: int) -> None:
    rules = PageRules(SandboxConfig(short_pages=True, seed=3), Clock().now)
    pages = walk(rules, filled(50), size, newest=newest)
    listed = [seq for page in pages for seq in page]
    assert listed == (list(range(50, 0, -1)) if newest else list(range(1, 51)))
    if size > 1:
        assert any(len(page) < size for page in pages[:-1])  # short, and a token followed


def test_every_token_handed_out_differs_even_where_an_empty_page_stays_put() -> None:
    rules = PageRules(SandboxConfig(short_pages=True, seed=5), Clock().now)
    tokens = set()
    items = filled(30)
    cursor = 0
    for _ in range(40):
        _, token = rules.paginate(items.after(cursor), lambda item: True, 3)
        assert token is not None and token not in tokens  # botocore stops on a repeated one
        tokens.add(token)
        cursor = rules.start(token) or 0
        if cursor >= 27:
            break


def test_tokens_expire_after_their_lifetime_and_old_style_tokens_never_do() -> None:
    clock = Clock()
    rules = PageRules(SandboxConfig(page_token_ttl_seconds=10.0), clock.now)
    _, token = rules.paginate(filled(5).after(0), lambda item: True, 2)
    assert token is not None
    clock.value += 10.0
    assert rules.start(token) == 2
    clock.value += 0.5
    with pytest.raises(SandboxError) as expired:
        rules.start(token)
    assert expired.value.error_type == "InvalidParameterValueException"
    assert rules.start(encode_token(7)) == 7
    assert decode_token(token) == 2


def test_the_sandbox_flags_reach_the_config() -> None:
    args = build_parser().parse_args(
        [
            "sandbox",
            "--management-account",
            "444444444444",
            "--opt-out",
            "RDS",
            "--opt-out",
            "Storage Gateway",
            "--dest-opt-out",
            "EFS",
            "--copy-job-order",
            "newest",
            "--page-token-ttl",
            "90",
            "--short-pages",
        ]
    )
    config, _ = config_of(sandbox_request(args))
    assert config.management_account == "444444444444"
    assert config.source_opted_out == ("RDS", "Storage Gateway")
    assert config.dest_opted_out == ("EFS",)
    assert (config.copy_job_order, config.page_token_ttl_seconds, config.short_pages) == (
        "newest",
        90.0,
        True,
    )
    default, _ = config_of(sandbox_request(build_parser().parse_args(["sandbox"])))
    assert default.management_account not in (default.source_account, default.dest_account)
    assert (default.copy_job_order, default.page_token_ttl_seconds) == ("oldest", None)
    assert (default.short_pages, default.source_opted_out) == (False, ())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source_opted_out": ("Tape",)}, "unknown resource type Tape"),
        ({"management_account": "12"}, "12 digits"),
        ({"page_token_ttl_seconds": 0.0}, "positive"),
        ({"copy_job_order": "random"}, "oldest"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SandboxConfig(**kwargs)  # type: ignore[arg-type]
