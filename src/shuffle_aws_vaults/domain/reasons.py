"""Why a recovery point is left out of a migration."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Each value is stable: it appears in reports and JSON output."""

    # The operator's selection.
    RESOURCE_TYPE = "resource-type-not-selected"
    CREATED_BEFORE_WINDOW = "created-before-window"
    CREATED_AFTER_WINDOW = "created-after-window"
    NO_METADATA = "no-metadata"
    APMID_NOT_ALLOWED = "apmid-not-allowed"
    APMID_EXCLUDED = "apmid-excluded"
    WHERE_MISMATCH = "where-mismatch"
    NO_ROUTE = "no-route"  # --route-csv: no row sends it anywhere
    WOULD_EXPIRE = "would-expire"  # its copy's lifecycle ends before now (--allow-expired)
    # What AWS Backup cannot copy.
    NOT_COMPLETED = "status-not-completed"
    CONTINUOUS = "continuous-backup"
    COLD_STORAGE = "cold-storage"
    UNSUPPORTED_TYPE = "type-not-copyable"
    CROSS_REGION_UNSUPPORTED = "cross-region-unsupported"
    AWS_MANAGED_KEY = "aws-managed-kms-key"

    @property
    def is_ineligible(self) -> bool:
        """True for what AWS cannot copy; False for what the operator chose to leave out."""
        return self in _INELIGIBLE

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_INELIGIBLE = frozenset(
    {
        Reason.NOT_COMPLETED,
        Reason.CONTINUOUS,
        Reason.COLD_STORAGE,
        Reason.UNSUPPORTED_TYPE,
        Reason.CROSS_REGION_UNSUPPORTED,
        Reason.AWS_MANAGED_KEY,
    }
)

_DESCRIPTIONS = {
    Reason.RESOURCE_TYPE: "resource type not selected (--resource-type)",
    Reason.CREATED_BEFORE_WINDOW: "created before --created-after",
    Reason.CREATED_AFTER_WINDOW: "created at or after --created-before",
    Reason.NO_METADATA: "resource not in the metadata CSV",
    Reason.APMID_NOT_ALLOWED: "APMID not in --allowed-apmids",
    Reason.APMID_EXCLUDED: "APMID in --excluded-apmids",
    Reason.WHERE_MISMATCH: "metadata does not match --where",
    Reason.NO_ROUTE: "no --route-csv row routes it (and no default row)",
    Reason.WOULD_EXPIRE: "its copy would arrive already expired (DeleteAfterDays counts from "
    "the source's creation; --allow-expired copies it)",
    Reason.NOT_COMPLETED: "status is not COMPLETED or AVAILABLE",
    Reason.CONTINUOUS: "continuous backup (StartCopyJob does not support them)",
    Reason.COLD_STORAGE: "in cold storage (cannot be copied)",
    Reason.UNSUPPORTED_TYPE: "resource type cannot be copied cross-account",
    Reason.CROSS_REGION_UNSUPPORTED: "resource type cannot be copied to another Region",
    Reason.AWS_MANAGED_KEY: "encrypted with an AWS-managed KMS key (cannot be shared)",
}
