"""Hand-written fakes of the ports (no disk, threads or network)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from shuffle_aws_vaults.domain.recovery_point import RecoveryPoint, Vault


class FakeGateway:
    def __init__(self, items: list[RecoveryPoint], account_id: str = "111111111111") -> None:
        self.items = items
        self._account_id = account_id
        self.listed: list[str] = []

    @property
    def account_id(self) -> str:
        return self._account_id

    @property
    def region(self) -> str:
        return "us-east-1"

    def list_vaults(self) -> list[Vault]:
        names = sorted({rp.vault_name for rp in self.items} | {"Default"})
        return [
            Vault(
                name=name,
                arn=f"arn:aws:backup:us-east-1:{self._account_id}:backup-vault:{name}",
                recovery_points=sum(1 for rp in self.items if rp.vault_name == name),
            )
            for name in names
        ]

    def iter_recovery_points(
        self, vault_name: str, *, resource_arn: str | None = None
    ) -> Iterator[RecoveryPoint]:
        self.listed.append(vault_name)
        for rp in self.items:
            if rp.vault_name == vault_name and resource_arn in (None, rp.resource_arn):
                yield rp


class FakeKeys:
    def __init__(self, aws_managed: set[str]) -> None:
        self.aws_managed = aws_managed
        self.asked: list[str] = []

    def is_aws_managed(self, key_arn: str) -> bool | None:
        self.asked.append(key_arn)
        return key_arn in self.aws_managed


class FakeMetadata:
    def __init__(self, rows: dict[str, dict[str, str]]) -> None:
        self.rows = rows

    @property
    def columns(self) -> tuple[str, ...]:
        return ("APMID", "Environment")

    def get(self, resource_arn: str) -> Mapping[str, str] | None:
        return self.rows.get(resource_arn)
