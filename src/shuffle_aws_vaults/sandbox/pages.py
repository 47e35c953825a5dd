"""Sequence-ordered collections with stable NextToken pagination.

Items are kept in the order they were added (a monotonically increasing `seq`), so a token is
just the last `seq` returned: pages neither skip nor repeat items when others are added or
deleted between calls, as AWS's own tokens behave.
"""

from __future__ import annotations

import base64
import bisect
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar


class Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


T = TypeVar("T", bound=Sequenced)


class InvalidToken(ValueError):
    """A NextToken that this sandbox did not hand out."""


def encode_token(seq: int, issued: float | None = None, serial: int = 0) -> str:
    """A token for the items after `seq`; `issued` (a time) lets it expire, `serial` makes
    each token handed out differ even when it points where the last one did."""
    text = f"sbx:{seq}" if issued is None else f"sbx:{seq}:{issued!r}:{serial}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def token_fields(token: str) -> tuple[int, float | None]:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, *values = text.split(":")
        if prefix != "sbx" or len(values) not in (1, 3):
            raise ValueError(prefix)
        return int(values[0]), (float(values[1]) if len(values) == 3 else None)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken(f"Invalid NextToken: {token}") from exc


def decode_token(token: str) -> int:
    return token_fields(token)[0]


def token_issued(token: str) -> float | None:
    """When the token was handed out, if it was given a time."""
    return token_fields(token)[1]


class SeqList(Generic[T]):
    """An append-only list ordered by seq, with tombstones compacted lazily."""

    def __init__(self) -> None:
        self._items: list[T] = []
        self._seqs: list[int] = []
        self._dead = 0

    def append(self, item: T) -> None:
        if self._seqs and item.seq <= self._seqs[-1]:
            raise ValueError("items must be appended in seq order")
        self._items.append(item)
        self._seqs.append(item.seq)

    def note_removed(self, count: int = 1) -> None:
        """Record that items were marked dead; compact when they are a large share."""
        self._dead += count
        if self._dead > 1024 and self._dead * 4 > len(self._items):
            self.compact()

    def compact(self) -> None:
        alive = [item for item in self._items if not getattr(item, "deleted", False)]
        self._items = alive
        self._seqs = [item.seq for item in alive]
        self._dead = 0

    def __iter__(self) -> Iterator[T]:
        return (item for item in self._items if not getattr(item, "deleted", False))

    def before(self, seq: int | None) -> Iterator[T]:
        """Items with a lower seq than `seq` (all, if None), newest first."""
        end = len(self._items) if seq is None else bisect.bisect_left(self._seqs, seq)
        for index in range(end - 1, -1, -1):
            item = self._items[index]
            if not getattr(item, "deleted", False):
                yield item

    def after(self, seq: int) -> Iterator[T]:
        start = bisect.bisect_right(self._seqs, seq)
        for index in range(start, len(self._items)):
            item = self._items[index]
            if not getattr(item, "deleted", False):
                yield item


def paginate(
    items: Iterator[T] | list[T],
    keep: Callable[[T], bool],
    max_results: int,
) -> tuple[list[T], str | None]:
    """Take up to `max_results` items that pass `keep`; a token if more may follow."""
    page: list[T] = []
    for item in items:
        if not keep(item):
            continue
        if len(page) == max_results:
            return page, encode_token(page[-1].seq)
        page.append(item)
    return page, None
