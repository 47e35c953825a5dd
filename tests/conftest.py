"""Fixtures shared by every tier. Nothing here can reach a real AWS endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture(autouse=True)
def isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's AWS configuration or credentials."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def make_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Start a sandbox (served over HTTP unless serve=False) and point the environment at it."""
    from shuffle_aws_vaults.sandbox import Sandbox, SandboxConfig, SeedSpec

    started: list[Any] = []

    def start(
        *,
        serve: bool = True,
        recovery_points: int = 300,
        vaults: int = 3,
        spec: SeedSpec | None = None,
        **config: Any,
    ) -> Any:
        assert not started, "one sandbox per test: moto's state is process-wide"
        config.setdefault("time_scale", 3600.0)
        box = Sandbox(
            SandboxConfig(**config),
            spec or SeedSpec(recovery_points=recovery_points, vaults=vaults),
            workdir=tmp_path / "sandbox",
            serve=serve,
        ).start()
        started.append(box)
        for key, value in box.env().items():
            monkeypatch.setenv(key, value)
        return box

    yield start
    for box in started:
        box.stop()


@pytest.fixture
def served_sandbox(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox()


@pytest.fixture
def inprocess_sandbox(make_sandbox: Callable[..., Any]) -> Any:
    return make_sandbox(serve=False)


# The tiers in the order they start: the slowest first, so that under pytest-xdist (make test
# runs two workers, each module on one of them) the long module fixtures overlap and the many
# quick unit tests fill in around them instead of trailing behind the last one.
TIER_ORDER = ("reliability", "e2e", "integration", "unit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def tier(item: pytest.Item) -> int:
        parts = Path(str(item.path)).parts
        for rank, name in enumerate(TIER_ORDER):
            if "tests" in parts and name in parts[parts.index("tests") :]:
                return rank
        return len(TIER_ORDER)

    items.sort(key=tier)
