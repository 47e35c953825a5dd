"""NextToken pagination over sequence-ordered lists."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from shuffle_aws_vaults.sandbox.pages import (
    InvalidToken,
    SeqList,
    decode_token,
    encode_token,
    paginate,
)


@dataclass
class Item:
    seq: int
    deleted: bool = False


def filled(count: int) -> SeqList[Item]:
    items: SeqList[Item] = SeqList()
    for seq in range(1, count + 1):
        items.append(Item(seq))
    return items


def walk(items: SeqList[Item], size: int) -> list[list[int]]:
    pages: list[list[int]] = []
    after = 0
    while True:
        page, token = paginate(items.after(after), lambda item: True, size)
        pages.append([item.seq for item in page])
        if token is None:
            return pages
        after = decode_token(token)


def test_a_token_decodes_to_the_seq_it_encodes() -> None:
    for seq in (0, 1, 999, 10**12):
        assert decode_token(encode_token(seq)) == seq


@pytest.mark.parametrize("token", ["", "garbage", encode_token(5)[:-2] + "!!", "c2J4Ong="])
def test_a_token_the_sandbox_did_not_hand_out_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        decode_token(token)


def test_pages_cover_every_item_once_in_order_and_the_last_page_has_no_token() -> None:
    pages = walk(filled(2500), 1000)
    assert [len(page) for page in pages] == [1000, 1000, 500]
    assert [seq for page in pages for seq in page] == list(range(1, 2501))


def test_an_exact_multiple_of_the_page_size_ends_without_an_empty_page() -> None:
    pages = walk(filled(20), 10)
    assert [len(page) for page in pages] == [10, 10]


def test_paginate_hands_out_a_token_only_when_a_kept_item_follows() -> None:
    items = filled(10)
    page, token = paginate(items.after(0), lambda item: item.seq <= 5, 5)
    assert [item.seq for item in page] == [1, 2, 3, 4, 5]
    assert token is None


def test_items_added_between_pages_appear_later_and_nothing_repeats() -> None:
    items = filled(10)
    page, token = paginate(items.after(0), lambda item: True, 4)
    assert token is not None
    for seq in range(11, 14):
        items.append(Item(seq))
    rest, _ = paginate(items.after(decode_token(token)), lambda item: True, 100)
    assert [i.seq for i in page] + [i.seq for i in rest] == list(range(1, 14))


def test_deleted_items_are_skipped_and_the_others_are_neither_skipped_nor_repeated() -> None:
    items = filled(10)
    page, token = paginate(items.after(0), lambda item: True, 4)
    assert token is not None
    for item in list(items):
        if item.seq in (2, 6, 7):
            item.deleted = True
            items.note_removed()
    rest, _ = paginate(items.after(decode_token(token)), lambda item: True, 100)
    assert [i.seq for i in page] == [1, 2, 3, 4]
    assert [i.seq for i in rest] == [5, 8, 9, 10]


def test_compaction_keeps_order_and_tokens_working() -> None:
    items = filled(5000)
    for item in list(items):
        if item.seq % 2 == 0:
            item.deleted = True
            items.note_removed()
    items.compact()
    assert [i.seq for i in items.after(4990)] == [4991, 4993, 4995, 4997, 4999]
    assert sum(1 for _ in items) == 2500


def test_items_must_be_appended_in_seq_order() -> None:
    items = filled(3)
    with pytest.raises(ValueError, match="seq order"):
        items.append(Item(2))
