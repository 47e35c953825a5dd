"""A local AWS Backup for tests, demos and users' CI: moto plus what moto lacks.

Needs the `sandbox` extra (moto). The tool imports this package only for `sandbox` and `demo`.
"""

from . import launch, regions
from .config import FaultConfig, SandboxConfig
from .seed import SeedSpec, add_new_backups
from .server import Sandbox, stats
from .world import SandboxWorld

__all__ = [
    "FaultConfig",
    "Sandbox",
    "SandboxConfig",
    "SandboxWorld",
    "SeedSpec",
    "add_new_backups",
    "launch",
    "regions",
    "stats",
]
