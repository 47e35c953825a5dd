"""The copy use case: open a migration (resume it, or plan it), run it, report on it.

The command line turns its flags into a CopyRequest, hands in the ports, prints what this
returns and maps the outcome to an exit status. The state's life (lock, load or create,
compact, close, unlock) is this module's, from start to end.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from ..domain.errors import AwsError
from ..domain.iam_policies import copy_role_arn
from ..domain.identity import identity_difference, migration_identity
from ..domain.lanes import TypeLimit, air_gapped_limits
from ..domain.migration import MigrationState, Status
from ..domain.plan import PlanItem, plan_hash
from ..domain.recovery_point import Vault
from ..domain.selection import SelectionTally
from ..domain.summary import MigrationCounts, by_destination
from ..domain.units import human_size
from .adoption import adopt_existing_copies
from .copy_engine import CopyEngine, EngineSettings, RunOutcome
from .copy_report import run_summary
from .copy_request import (
    CopyOutcome,
    CopyPorts,
    CopyRequest,
    OpenedMigration,
    PlanPreview,
    PreflightFailed,
)
from .destination import any_air_gapped, dest_arn_of, prepare_destination
from .destinations import place_of
from .errors import RequestRefused
from .lifecycles import VaultLocks, legacy_lifecycle, locks_for
from .migration_report import migration_sections
from .plan_growth import include_new, retry_failed
from .planning import build_plan
from .ports import Notices, ProgressSink, StateStore
from .preflight import PlanFacts, RoutedFacts, failed, named_for, run_preflight
from .run_control import Mailbox, StopSignal
from .run_records import record_end, record_start
from .selection_stage import NothingSelected, SelectionSources, select
from .state_notes import describe_discard, resume_line


class CopyMigration:
    """One copy command's migration; a context manager that holds the state's lock."""

    def __init__(
        self,
        request: CopyRequest,
        store: StateStore,
        notices: Notices,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.request = request
        self.store = store
        self.say = notices.say  # a line for the operator (standard error)
        self.now = now
        self.recorded = False  # this run's start is in the journal

    def __enter__(self) -> CopyMigration:
        if not self.request.dry_run:
            self.store.lock("shuffle-aws-vaults copy")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.store.unlock()

    @property
    def _existing(self) -> bool:
        return self.store.exists() and not self.request.dry_run

    def check_state(self) -> None:
        """A state that is there is resumed or reset, never silently replaced."""
        if self._existing and not self.request.resume and not self.request.reset:
            raise RequestRefused(
                f"a migration state already exists at {self.store.journal_path}: add --resume "
                "to continue it, or --reset to discard it and plan afresh"
            )

    def open(self, ports: CopyPorts) -> OpenedMigration | PlanPreview:
        request, source, dest = self.request, ports.source, ports.dest
        names = request.selection.vault_names
        routing = request.selection.routing
        same_place = source.account_id == dest.account_id and source.region == dest.region
        if routing is None and same_place and (request.dest_vault in (None, *names)):
            raise RequestRefused(
                "source and destination are the same account and region: give a --dest-vault "
                "other than the source vaults"
            )
        for rule in routing.rules if routing is not None else ():
            to = rule.destination
            if (to.account, to.region or dest.region) == (source.account_id, source.region) and (
                request.selection.all_vaults or to.vault in names
            ):
                raise RequestRefused(
                    f"--route-csv line {rule.line}: {to.vault} in account {to.account}, "
                    f"{source.region} is a source vault: route copies into another vault"
                )
        # The metadata file was checked once for the whole run, before any Region was opened.
        sources = SelectionSources(source, ports.keys, ports.metadata)
        identity = migration_identity(
            source_account=source.account_id,
            dest_account=dest.account_id,
            source_region=source.region,
            dest_region=dest.region,
            vaults=names,
            all_vaults=request.selection.all_vaults,
            dest_vault=request.dest_vault,
            selection=request.selection.selection.describe(),
            routes=routing.describe() if routing is not None else None,
            lifecycle=request.selection.lifecycle.describe(),
        )
        if self._existing and request.reset:
            self.say(describe_discard(self.store))
        if self._existing and request.resume:
            recorded, state, journal = self.store.load()
            difference = identity_difference(recorded, identity)
            if difference:
                journal.close()
                raise RequestRefused(
                    f"state file {self.store.journal_path} belongs to another migration "
                    f"({difference}); use another --state-file, or --reset to discard it"
                )
            self.say(f"Resuming from {self.store.journal_path}: {resume_line(state)}")
            opened = OpenedMigration(recorded, state, journal)
            try:
                if request.retry_failed:
                    retried = retry_failed(state, journal, self.now())
                    self.say(f"--retry-failed: {retried:,} failed item(s) will be copied again")
                if request.include_new:
                    self._include_new(opened, ports, sources)
            except BaseException:
                journal.close()
                raise
            return opened
        if request.resume and not request.dry_run:
            how = (
                "adopting what the destination already holds"
                if request.adopt
                else "--no-adopt: copies already in the destination are made again"
            )
            self.say(f"no state at {self.store.journal_path}: planning a new migration ({how})")
        return self._plan(ports, sources, identity)

    def _include_new(
        self, opened: OpenedMigration, ports: CopyPorts, sources: SelectionSources
    ) -> None:
        request = self.request
        scanned = select(
            request.selection,
            sources,
            cross_account=ports.source.account_id != ports.dest.account_id,
            cross_region=ports.source.region != ports.dest.region,
            now=self.now(),
            tally=SelectionTally(),
            dest_region=ports.dest.region,
            locks=self._locks(ports),
        )
        vaults = {vault.name: vault for vault in scanned.vaults}

        def adopt(state: MigrationState, added: range) -> int:
            return adopt_existing_copies(state, ports.source, ports.every_dest, added).adopted

        opened.identity, added, adopted = include_new(
            opened.state,
            opened.identity,
            opened.journal,
            scanned.candidates,
            dest_arn_of(self.request.dest_vault, ports.dest),
            prepare=lambda items: self._prepare(ports, items, vaults),
            adopt=adopt if request.adopt else None,
            now=self.now(),
        )
        self.say(
            f"--include-new: {added:,} recovery point(s) created since the plan added"
            + (f" ({adopted:,} already in the destination)" if adopted else "")
        )

    def _locks(self, ports: CopyPorts) -> VaultLocks | None:  # for --fit-retention
        request, new = self.request, self.request.new_vault
        create = request.create_dest_vault
        lifecycle = request.selection.lifecycle
        return locks_for(
            lifecycle, ports.every_dest, request.dest_vault, create=create, new_vault=new
        )

    def _prepare(self, ports: CopyPorts, items: list[PlanItem], vaults: dict[str, Vault]) -> None:
        """The destination vaults `items` go to: created (if asked), and open to the source
        (each destination account's in that account)."""
        request, source = self.request, ports.source
        destinations = ports.every_dest
        for place, indexes in destinations.split(enumerate(items)).items():
            dest = destinations.of(*place)
            needed = {items[i].dest_vault_name: items[i].source_vault for i in indexes}
            prepared = prepare_destination(
                dest,
                [(name, vaults.get(vault)) for name, vault in sorted(needed.items())],
                source.account_id,
                create=request.create_dest_vault,
                new=request.new_vault,
            )
            for name in prepared.created:
                self.say(f"Created destination vault {name} in account {dest.account_id}")
            for name in prepared.policies_updated:
                self.say(
                    f"Granted account {source.account_id} CopyIntoBackupVault on {name} "
                    f"in account {dest.account_id}"
                )

    def _plan(
        self, ports: CopyPorts, sources: SelectionSources, identity: dict[str, Any]
    ) -> OpenedMigration | PlanPreview:
        request, source, dest = self.request, ports.source, ports.dest
        tally = SelectionTally()
        scanned = select(
            request.selection,
            sources,
            cross_account=source.account_id != dest.account_id,
            cross_region=source.region != dest.region,
            now=self.now(),
            tally=tally,
            dest_region=dest.region,
            locks=self._locks(ports),
        )
        if request.dest_vault == "Default":
            raise RequestRefused(
                "--dest-vault Default: AWS Backup cannot copy into another account's Default vault"
            )
        facts = PlanFacts(
            {vault.name: request.dest_vault or vault.name for vault in scanned.vaults}
        )
        routed = RoutedFacts(dest.region) if request.selection.routing is not None else None
        items, summary = build_plan(
            (routed or facts).watch(scanned.candidates),
            dest_arn_of(self.request.dest_vault, dest),
            tally,
            newest_first=request.newest_first,
        )
        if not items:
            raise NothingSelected("copy", source.account_id, source.region, scanned.vaults, tally)
        state = MigrationState(items)
        destinations = ports.every_dest
        adopted = adopt_existing_copies(state, source, destinations).adopted if request.adopt else 0
        to_copy = [item for i, item in enumerate(items) if state.status[i] == Status.PENDING]
        if request.dry_run:
            return PlanPreview(items, summary, to_copy)
        if not request.skip_preflight:
            places = routed.places() if routed is not None else [((dest.account_id, ""), facts)]
            results = []
            for place, place_facts in places:
                to = destinations.of(*place) if routed is not None else dest
                if adopted:  # what the destination holds already is not planned again
                    place_facts.recount(
                        i for i in to_copy if routed is None or place_of(i.dest_vault_arn) == place
                    )
                checked = run_preflight(
                    source_account=source.account_id,
                    source=ports.source_checks,
                    dest=to,
                    facts=place_facts,
                    role_arn=copy_role_arn(source.account_id, request.copy_role_arn),
                    create=request.create_dest_vault,
                    new_vault=request.new_vault,
                    lifecycle=request.selection.lifecycle,
                    opt_ins=(source, to),
                    limits=to.limits(),
                )
                results += named_for(to, checked) if len(places) > 1 else checked
            if failed(results):
                raise PreflightFailed(results)
        self._prepare(ports, to_copy, {vault.name: vault for vault in scanned.vaults})
        if self._existing and request.reset:
            self.say(f"Previous state moved to {self.store.discard()}")
        identity = {
            **identity,
            "plan_hash": plan_hash(items),
            "skipped_by_reason": {r.value: n for r, n in tally.excluded.items()},
            "created": self.now().isoformat(),
        }
        journal = self.store.create(identity, state)
        into = sorted({place_of(arn)[0] for arn in {item.dest_vault_arn for item in items}})
        self.say(
            f"Planned {len(items):,} copies ({human_size(summary.bytes)}) into "
            f"account{'s' if len(into) > 1 else ''} {', '.join(into)}; "
            f"state in {self.store.journal_path}"
            + (f"; {adopted:,} already in the destination (not copied again)" if adopted else "")
        )
        return OpenedMigration(identity, state, journal)

    def engine(
        self,
        opened: OpenedMigration,
        ports: CopyPorts,
        stop: StopSignal,
        progress: ProgressSink,
        mailbox: Mailbox | None = None,
    ) -> CopyEngine:
        """The engine for this run, with its executor and progress display (and `mailbox`,
        when several engines share one thread and its wake-up); the run's start is recorded."""
        self.recorded = record_start(opened.state, opened.journal, self.now(), self.request)
        return CopyEngine(
            state=opened.state,
            gateway=ports.source,
            journal=opened.journal,
            settings=self.settings(
                ports.source.account_id, self._type_limits(opened, ports), opened.identity
            ),
            executor=ports.executor(self.request.workers),
            mailbox=mailbox,
            progress=progress,
            stop=stop,
        )

    def _type_limits(self, opened: OpenedMigration, ports: CopyPorts) -> tuple[TypeLimit, ...]:
        """--type-limit, over AWS's limits into logically air-gapped vaults when a destination
        vault of the plan is one; asked at every run, so a resumed run knows too."""
        arns = {item.dest_vault_arn for item in opened.state.items}
        try:
            if any_air_gapped(arns, ports.every_dest):
                return air_gapped_limits(self.request.type_limits)
        except AwsError as exc:
            self.say(f"could not read the destination vaults' types ({exc}): --type-limit only")
        return self.request.type_limits

    def settings(
        self,
        source_account: str,
        type_limits: tuple[TypeLimit, ...] | None = None,
        identity: dict[str, Any] | None = None,
    ) -> EngineSettings:
        """`identity`: the opened migration's (see legacy_lifecycle)."""
        request = self.request
        runtime = request.max_runtime_minutes
        return EngineSettings(
            workers=request.workers,
            type_limits=request.type_limits if type_limits is None else type_limits,
            iam_role_arn=copy_role_arn(source_account, request.copy_role_arn),
            lifecycle=legacy_lifecycle(request.selection.lifecycle, identity),
            poll_interval=request.poll_interval,
            max_job_attempts=request.max_job_attempts,
            max_runtime=runtime * 60 if runtime else None,
            drain=request.drain_minutes * 60,
            retry_delay=min(300.0, request.poll_interval * 10),
            compact_every=request.compact_every,
            failure_threshold=request.failure_threshold,
        )

    def finish(
        self,
        opened: OpenedMigration,
        engine: CopyEngine,
        outcome: RunOutcome,
        ports: CopyPorts,
        started: datetime,
    ) -> CopyOutcome:
        """After the engine's run: its end recorded, compaction (unless stopped hard), reports."""
        state, journal = opened.state, opened.journal
        if engine.progress is not None:
            engine.progress.close(engine.snapshot())
        if self.recorded:  # (a run with nothing to do records nothing)
            record_end(state, journal, self.now(), outcome, self.say)
        if outcome.reason not in ("interrupted", "fatal"):
            try:
                journal.compact(state)
            except OSError as exc:
                where = exc.filename or self.store.journal_path
                self.say(
                    f"warning: could not compact the state ({where}: {exc.strerror or exc}); "
                    "the journal still holds every event"
                )
        journal.close()
        report = run_summary(state, outcome, opened.identity, started, self.now(), ports.statistics)
        report.update(migration_sections(state, opened.identity, self.store.journal_path))
        routed = self.request.selection.routing is not None
        if routed:  # a section per destination account
            report["destinations"] = by_destination([state])
        if self.request.summary_output:
            ports.reports.write_summary(self.request.summary_output, report)
        if self.request.report_csv:
            parts = [(ports.source.region, state)]
            ports.reports.write_report_csv(
                self.request.report_csv,
                parts,
                ports.metadata,
                region_column=False,
                dest_columns=routed,
            )
        return CopyOutcome(outcome, report, MigrationCounts.of(state), state.done)
