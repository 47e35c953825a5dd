"""Several Regions in one run: Region names, the `--regions` list, the `--dest-region` mapping,
and the plan they make (each source Region and the destination Region its copies go to)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# AWS's Region names, as botocore's partitions describe them (their regionRegex): two letters
# (eusc-de for the European Sovereign Cloud), an optional partition part (gov, iso, isob, isof,
# isoe), a direction and a number, e.g. us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1.
REGION_NAME = re.compile(r"(?:[a-z]{2}|eusc-de)(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")

# Answers of an AWS service in a Region the account has not enabled (an opt-in Region left
# disabled): the Region does not know the caller's credentials.
REGION_NOT_ENABLED_CODES = frozenset(
    {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "OptInRequired"}
)


class RegionError(ValueError):
    """A Region flag is wrong; the message names the flag and the Region."""


class RegionsUnknown(Exception):
    """The account's enabled Regions could not be found out; the message says from where it
    tried and what to do instead."""


def check_region(flag: str, name: str) -> str:
    if not REGION_NAME.fullmatch(name):
        raise RegionError(f"{flag}: {name!r} is not a Region name (e.g. us-east-1, eu-west-1)")
    return name


def parse_regions(values: Iterable[str], flag: str = "--regions") -> tuple[str, ...]:
    """Comma lists (the flag repeated too), blanks dropped, repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            name = part.strip()
            if name:
                seen[check_region(flag, name)] = None
    if not seen:
        raise RegionError(f"{flag}: no Region given")
    return tuple(seen)


@dataclass(frozen=True)
class RegionPlan:
    """The source Regions in order, each with the destination Region its copies go to."""

    pairs: tuple[tuple[str, str], ...]

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(source for source, _ in self.pairs)

    def dest_of(self, source: str) -> str:
        for name, dest in self.pairs:
            if name == source:
                return dest
        raise KeyError(source)

    def only(self, sources: Iterable[str]) -> RegionPlan:
        """The plan for some of its source Regions (in the plan's order)."""
        kept = set(sources)
        return RegionPlan(tuple(pair for pair in self.pairs if pair[0] in kept))


def plan_regions(
    sources: Sequence[str], dest_region: str | None, flag: str = "--dest-region"
) -> RegionPlan:
    """Each source Region to the same Region, unless `dest_region` says otherwise: a single
    Region (only with one source Region) or a mapping `SRC=DST,...` whose every SRC is a
    source Region (unmapped ones keep their own Region)."""
    mapping: dict[str, str] = {}
    text = (dest_region or "").strip()
    if text and "=" not in text:
        dest = check_region(flag, text)
        if len(sources) != 1:
            raise RegionError(
                f"{flag} {dest}: with several source Regions give a mapping "
                f"SRC=DST,... (e.g. {sources[0]}={dest})"
            )
        mapping[sources[0]] = dest
    elif text:
        for part in text.split(","):
            if not part.strip():
                continue
            source, sep, dest = (piece.strip() for piece in part.partition("="))
            if not sep or not source or not dest:
                raise RegionError(f"{flag}: expected SRC=DST, got {part.strip()!r}")
            check_region(flag, source)
            check_region(flag, dest)
            if source not in sources:
                raise RegionError(
                    f"{flag}: {source} is not a source Region (source Regions: "
                    f"{', '.join(sources)})"
                )
            if source in mapping and mapping[source] != dest:
                raise RegionError(f"{flag}: {source} is mapped twice")
            mapping[source] = dest
    return RegionPlan(tuple((source, mapping.get(source, source)) for source in sources))


def unknown_regions(named: Sequence[tuple[str, str]], known: frozenset[str]) -> list[str]:
    """Regions (with the flag that named them) that botocore does not know AWS Backup in:
    refused when a known one is close (most likely a typo); else a warning each (perhaps a
    Region newer than this botocore). A malformed name is refused elsewhere, by its flag."""
    warnings = []
    for flag, name in named:
        if name in known or not REGION_NAME.fullmatch(name):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
        if close:
            raise RegionError(
                f"{flag}: {name} is not a Region AWS Backup is in (did you mean {close[0]}?)"
            )
        warnings.append(
            f"{flag}: {name} is not a Region this botocore knows AWS Backup in; going on (a "
            "Region newer than botocore would be)"
        )
    return warnings
