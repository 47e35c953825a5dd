"""The commands' requests: typed, immutable, plain values (made from the flags by requests.py,
the one module that reads the argparse Namespace)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..application.checklist import PreflightRequest
from ..application.copy_request import CopyRequest
from ..application.routes import RouteRequest
from ..application.selection_stage import SelectionRequest
from ..application.state_location import StateLocation
from ..bootstrap import Connections, ProgressSettings
from ..domain.routing import RouteTable


@dataclass(frozen=True)
class Output:
    """--output (its default from AWS_DEFAULT_OUTPUT, as the AWS CLI takes it) and --query."""

    format: str = "table"
    query: str | None = None

    @property
    def document(self) -> bool:
        """Printed as a document (JSON or text), not as a table for people."""
        return self.format != "table" or self.query is not None


@dataclass(frozen=True)
class Discovery:
    """`list` and `filter`."""

    connections: Connections
    routes: RouteRequest
    selection: SelectionRequest
    output: Output
    verbose: bool


@dataclass(frozen=True)
class Copy:
    connections: Connections
    routes: RouteRequest
    copy: CopyRequest
    state: StateLocation
    progress: ProgressSettings
    verbose: bool
    log_file: str | None


@dataclass(frozen=True)
class Verify:
    connections: Connections
    routes: RouteRequest
    selection: SelectionRequest
    dest_account: str
    dest_vault: str | None
    state: StateLocation
    report_csv: Path | None
    output: Output
    verbose: bool


@dataclass(frozen=True)
class Preflight:
    connections: Connections
    routes: RouteRequest
    checks: PreflightRequest
    output: Output
    verbose: bool


@dataclass(frozen=True)
class Status:
    state: StateLocation
    sectioned: bool
    regions: tuple[str, ...]
    accounts: tuple[str, ...]
    output: Output
    verbose: bool


@dataclass(frozen=True)
class IamPolicy:
    source_account: str
    dest_account: str
    routes: RouteRequest
    region: str | None  # the one source Region (--region, else the environment's)
    vaults: tuple[str, ...]
    dest_vault: str | None
    copy_role_arn: str | None
    output: Output
    verbose: bool
    routing: RouteTable | None = None  # --route-csv: a document pair per destination account


@dataclass(frozen=True)
class Sandbox:
    """`sandbox`: SandboxConfig's, FaultConfig's and SeedSpec's values by their field names."""

    config: Mapping[str, Any]
    faults: Mapping[str, Any]
    spec: Mapping[str, Any]
    regions: tuple[str, ...] | None
    region_shares: tuple[float, ...] | None
    type_limits: list[Any] | None  # each --type-limit's TypeLimits
    port: int
    env_file: Path | None
    workdir: Path | None
    api_burst_without_rate: bool
    verbose: bool


@dataclass(frozen=True)
class Demo:
    seed: int
    recovery_points: int
    verbose: bool


Request = Discovery | Copy | Verify | Preflight | Status | IamPolicy | Sandbox | Demo


# The sandbox's flags as SandboxConfig's, FaultConfig's and SeedSpec's fields, space-separated.
SANDBOX_CONFIG = (
    "cross_region_account_copy seed time_scale copy_quota at_quota dest_refusal malformed_arn"
    " other_account_vault role_refusal changed_share management_account source_account_count"
    " dest_account_count suspended_accounts copy_job_order short_pages lag_aws_managed_key"
    " dest_quotas dest_held dest_quotas_denied"
)
SANDBOX_FAULTS = (
    "throttle_rate unavailable_rate drop_rate job_failure_rate api_rate api_burst"
    " system_error_rate system_error_fail_share"
)
SANDBOX_SPEC = "recovery_points vaults edge_case_share metadata_missing_share unshared_key_share"
