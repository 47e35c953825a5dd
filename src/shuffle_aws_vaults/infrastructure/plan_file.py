"""`PATH.plan`: the migration's plan, written when it is planned and again only when
`--include-new` appends to it. An extended plan names the plans it extends (their ids and item
counts) and starts with their items, so a snapshot of an earlier plan loads from it too."""

from __future__ import annotations

import os
from pathlib import Path

from ..domain.plan import PlanItem
from .durable_files import write_atomically
from .state_codec import CodecError, decode_plan, decode_plan_header, encode_plan, plan_lineage
from .state_errors import StateError


class PlanFile:
    def __init__(self, path: Path, snapshot_path: Path) -> None:
        self.path = path
        self._snapshot_path = snapshot_path  # for messages
        self.plan_id: str | None = None  # the plan id snapshots written now refer to
        self._lineage: dict[str, int] = {}  # the plans the file extends (id: item count)
        self._count = 0

    def write(self, items: list[PlanItem]) -> str:
        """A new migration's plan; its id."""
        plan_id = os.urandom(8).hex()
        write_atomically(self.path, encode_plan(items, plan_id))
        self.plan_id, self._lineage, self._count = plan_id, {}, len(items)
        return plan_id

    def write_extended(self, items: list[PlanItem]) -> None:
        """`items`, which start with the current plan's; the current plan's snapshot still
        loads from the new file."""
        if self.plan_id is None:
            raise StateError(f"{self.path}: no plan was read to extend")
        lineage = {**self._lineage, self.plan_id: self._count}
        plan_id = os.urandom(8).hex()
        write_atomically(self.path, encode_plan(items, plan_id, lineage))
        self.plan_id, self._lineage, self._count = plan_id, lineage, len(items)

    def read(self, plan_id: str, count: int) -> list[PlanItem]:
        """The items of plan `plan_id` (of `count` items), as a snapshot names them."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise StateError(
                f"{self.path} is missing, so {self._snapshot_path} cannot be used; "
                "restore it, or start over with --reset"
            ) from None
        except OSError as exc:
            raise StateError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            items = decode_plan(data, plan_id, count)
            header = decode_plan_header(data.partition(b"\n")[0])
        except CodecError as exc:
            raise StateError(f"{self.path}: {exc}") from None
        lineage = plan_lineage(header)
        # The snapshot's plan, or one the file extends (a crash between an extension's plan and
        # its snapshot): later snapshots refer to the file's own plan id only when it is whole.
        self.plan_id = str(header["plan"]) if len(items) == header["count"] else plan_id
        self._lineage = {k: v for k, v in lineage.items() if k != self.plan_id}
        self._count = len(items)
        return items
