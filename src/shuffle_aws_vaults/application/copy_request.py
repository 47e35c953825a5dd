"""The copy use case's request, ports and answers: plain values in, plain values out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.lanes import TypeLimit
from ..domain.migration import MigrationState
from ..domain.plan import PlanItem
from ..domain.recovery_point import NewVault
from ..domain.summary import MigrationCounts
from .destinations import Destinations
from .engine_context import EngineSettings, RunOutcome
from .errors import RequestRefused
from .planning import PlanSummary
from .ports import (
    ApiStatistics,
    BackupGateway,
    DestinationAccount,
    Executor,
    KeyInspector,
    MetadataIndex,
    Reports,
    SourceChecks,
    StateJournal,
)
from .selection_stage import SelectionRequest


@dataclass(frozen=True)
class CopyRequest:
    """What the operator asked for, as plain values (flags already checked for range)."""

    selection: SelectionRequest
    dest_vault: str | None = None
    dry_run: bool = False
    resume: bool = False
    reset: bool = False
    skip_preflight: bool = False
    create_dest_vault: bool = False
    dest_kms_key_arn: str | None = None
    dest_vault_type: str = "standard"  # what --create-dest-vault creates
    min_retention_days: int | None = None  # a logically air-gapped vault's bounds
    max_retention_days: int | None = None
    copy_role_arn: str | None = None
    workers: int = 80
    type_limits: tuple[TypeLimit, ...] = ()
    poll_interval: float = 30.0
    max_job_attempts: int = 3
    max_runtime_minutes: float | None = None
    drain_minutes: float = 5.0
    compact_every: int = EngineSettings.compact_every
    summary_output: Path | None = None
    report_csv: Path | None = None
    adopt: bool = True  # items whose copy the destination holds are recorded, not copied
    include_new: bool = False  # --resume: add recovery points created since the plan
    retry_failed: bool = False  # --resume: FAILED items go back to PENDING
    failure_threshold: int = 25
    newest_first: bool = False  # each resource's newest copy first: for benchmarks only
    command_line: str = ""  # as the operator typed it, secrets removed: recorded with each run
    tool_version: str = ""  # the tool's, recorded with each run

    @property
    def new_vault(self) -> NewVault:
        """What --create-dest-vault creates."""
        return NewVault(
            air_gapped=self.dest_vault_type == "logically-air-gapped",
            kms_key_arn=self.dest_kms_key_arn,
            min_retention_days=self.min_retention_days,
            max_retention_days=self.max_retention_days,
        )


@dataclass
class CopyPorts:
    source: BackupGateway
    dest: DestinationAccount
    keys: KeyInspector | None
    metadata: MetadataIndex | None
    source_checks: SourceChecks
    statistics: ApiStatistics
    reports: Reports
    executor: Callable[[int], Executor]
    # --route-csv: every destination the route's rows name (None: `dest` alone)
    destinations: Destinations | None = None

    @property
    def every_dest(self) -> Destinations:
        return self.destinations if self.destinations is not None else Destinations(self.dest)


class PreflightFailed(RequestRefused):
    def __init__(self, results: list[Any]) -> None:
        super().__init__("preflight failed; nothing was copied (see the checklist above)")
        self.results = results


@dataclass
class PlanPreview:
    """A --dry-run's answer: the plan, nothing recorded."""

    items: list[PlanItem]
    summary: PlanSummary
    to_copy: list[PlanItem]  # the items whose copy the destination does not hold yet

    @property
    def already_copied(self) -> int:
        return len(self.items) - len(self.to_copy)


@dataclass
class OpenedMigration:
    identity: dict[str, Any]
    state: MigrationState
    journal: StateJournal


@dataclass
class CopyOutcome:
    run: RunOutcome
    report: dict[str, Any]
    counts: MigrationCounts
    done: bool
    notes: list[str] = field(default_factory=list)
