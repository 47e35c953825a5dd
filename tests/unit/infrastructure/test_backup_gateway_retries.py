"""Which ListCopyJobs calls get botocore's full retries: all but the engine's own polls."""

from __future__ import annotations

from typing import Any

from shuffle_aws_vaults.infrastructure.backup_gateway import Boto3BackupGateway


class Recorder(Boto3BackupGateway):
    def __init__(self) -> None:
        self.asked: list[tuple[bool, dict[str, Any]]] = []

    def _pages(self, name: str, method: str, *, quick: bool = False, **kwargs: Any) -> Any:
        self.asked.append((quick, kwargs))
        return iter([])


def test_a_listing_by_state_outside_the_engines_poll_is_retried_in_full() -> None:
    # Adoption lists COMPLETED jobs while planning: a throttled page twice must not end the run
    # (it did, in a demo's --include-new step, with the poll's one-retry client).
    gateway = Recorder()
    list(gateway.list_copy_jobs(dest_vault_arn="arn:vault", state="COMPLETED"))
    list(gateway.list_copy_jobs(state="CREATED", quick=True))
    assert [quick for quick, _ in gateway.asked] == [False, True]
