"""What AWS leaves unsaid about its listings, behind the sandbox's switches.

AWS documents neither how long a NextToken stays good nor that a page holds MaxResults items
whenever more follow; clients must cope with both. So, when configured, the sandbox's tokens
carry the (simulated) time they were handed out and expire `page_token_ttl_seconds` later,
answering InvalidParameterValueException, the error Backup gives for any bad parameter; and
pages end early at random (drawn from the seed), as small as no item at all, with a NextToken.
Also here: how a listing's MaxResults, NextToken and time filters are read.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeVar

from .config import SandboxConfig
from .errors import invalid_parameter
from .faults import unit_hash
from .pages import InvalidToken, Sequenced, decode_token, encode_token, token_fields

EXPIRED_TOKEN = "The NextToken has expired: {token}"  # noqa: S105 (a message)
SHORT_PAGE_SHARE = 0.5  # of pages, with short_pages on
T = TypeVar("T", bound=Sequenced)
MAX_PAGE = 1000


def parse_time(value: str) -> float:
    """A timestamp from a query string: epoch seconds or ISO 8601."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise invalid_parameter(f"Invalid timestamp: {value}") from exc


def page_size(value: str | int | None) -> int:
    if value is None:
        return MAX_PAGE
    try:
        size = int(value)
    except ValueError as exc:
        raise invalid_parameter(f"MaxResults must be a number, not {value}") from exc
    if not 1 <= size <= MAX_PAGE:
        raise invalid_parameter(f"MaxResults must be between 1 and {MAX_PAGE}, not {size}")
    return size


def start_seq(token: str | None) -> int:
    if not token:
        return 0
    try:
        return decode_token(token)
    except InvalidToken as exc:
        raise invalid_parameter(str(exc)) from exc


class PageRules:
    """Hands out and checks NextTokens, and cuts pages short, as a sandbox's config says."""

    def __init__(self, config: SandboxConfig, now: Callable[[], float]) -> None:
        self._ttl = config.page_token_ttl_seconds
        self._short = config.short_pages
        self._seed = config.seed
        # The clock tokens age by: the world's (a test may wrap it, to play a slow reader).
        self.now = now
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        self.expired = 0  # tokens refused for their age, for tests
        self.short = 0  # pages cut short

    def start(self, token: str | None) -> int | None:
        """The seq a request's NextToken points after (None without a token)."""
        if not token:
            return None
        try:
            seq, issued = token_fields(token)
        except InvalidToken as exc:
            raise invalid_parameter(str(exc)) from exc
        if self._ttl is not None and issued is not None and self.now() - issued > self._ttl:
            with self._lock:
                self.expired += 1
            raise invalid_parameter(EXPIRED_TOKEN.format(token=token))
        return seq

    def paginate(
        self,
        items: Iterator[T],
        keep: Callable[[T], bool],
        max_results: int,
        *,
        descending: bool = False,
    ) -> tuple[list[T], str | None]:
        """Up to `max_results` items that pass `keep` (fewer on a short page), and a token
        if more may follow; the token points past the last item taken (`descending`: items
        come newest first, and the token points below it)."""
        with self._lock:
            serial = next(self._serial)
        size = max_results
        if self._short and unit_hash(self._seed, "short-page", serial) < SHORT_PAGE_SHARE:
            size = int(unit_hash(self._seed, "short-size", serial) * max_results)
            with self._lock:
                self.short += 1
        page: list[T] = []
        for item in items:
            if not keep(item):
                continue
            if len(page) == size:
                if page:
                    return page, self._token(page[-1].seq, serial)
                # An empty page: the token points just before the first item to come.
                return page, self._token(item.seq + 1 if descending else item.seq - 1, serial)
            page.append(item)
        return page, None

    def _token(self, seq: int, serial: int) -> str:
        issued = self.now() if self._ttl is not None or self._short else None
        return encode_token(seq, issued, serial)
