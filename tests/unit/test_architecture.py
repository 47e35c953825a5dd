"""The layers' dependency rules, checked on the source itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "shuffle_aws_vaults"
# Standard-library modules that still do I/O, concurrency or parsing: adapters' business.
NOT_IN_DOMAIN = {"argparse", "csv", "json", "concurrent", "threading", "socket", "subprocess"}


def imported_modules(path: Path, package_root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) of every import; relative imports resolved against the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package_parts = path.relative_to(package_root.parent).with_suffix("").parts[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                found.append((node.lineno, ".".join([*base, *(node.module or "").split(".")])))
            else:
                found.append((node.lineno, node.module or ""))
    return found


def domain_violations(path: Path, package_root: Path = PACKAGE) -> list[str]:
    bad = []
    for line, module in imported_modules(path, package_root):
        top = module.split(".")[0]
        inside = module.startswith(f"{package_root.name}.domain")
        if not inside and (top not in sys.stdlib_module_names or top in NOT_IN_DOMAIN):
            bad.append(f"{path.name}:{line} imports {module}")
    return bad


def modules_under(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", modules_under("domain"), ids=lambda p: p.name)
def test_the_domain_imports_only_the_standard_library_and_itself(path: Path) -> None:
    assert domain_violations(path) == []


def test_the_domain_check_catches_an_outward_import(tmp_path: Path) -> None:
    domain = tmp_path / "pkg" / "domain"
    domain.mkdir(parents=True)
    sample = domain / "model.py"
    sample.write_text(
        "import boto3\nimport csv\nfrom datetime import datetime\nfrom . import rules\n"
    )
    assert domain_violations(sample, tmp_path / "pkg") == [
        "model.py:1 imports boto3",
        "model.py:2 imports csv",
    ]


@pytest.mark.parametrize("path", modules_under("application"), ids=lambda p: p.name)
def test_services_depend_on_the_domain_and_ports_not_on_adapters(path: Path) -> None:
    for line, module in imported_modules(path):
        top = module.split(".")[0]
        inward = module.startswith(("shuffle_aws_vaults.domain", "shuffle_aws_vaults.application"))
        assert top in sys.stdlib_module_names or inward, f"{path.name}:{line} imports {module}"


def test_the_tool_imports_the_sandbox_only_in_its_own_commands() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "sandbox" in path.parts or path.name in ("sandbox_command.py", "demo_command.py"):
            continue
        for line, module in imported_modules(path):
            where = f"{path.relative_to(PACKAGE)}:{line} imports {module}"
            assert not module.startswith(("shuffle_aws_vaults.sandbox", "moto")), where


def test_the_command_line_reaches_adapters_only_through_bootstrap() -> None:
    for path in modules_under("cli"):
        for line, module in imported_modules(path):
            where = f"{path.name}:{line} imports {module}"
            assert not module.startswith("shuffle_aws_vaults.infrastructure"), where


def test_command_modules_do_not_import_each_other() -> None:
    commands = {path.stem for path in modules_under("cli") if path.stem.endswith("_command")}
    commands |= {"discovery_commands"}
    for path in modules_under("cli"):
        if path.stem == "__init__":
            continue  # the dispatcher imports each command on demand
        for line, module in imported_modules(path):
            name = module.rsplit(".", 1)[-1]
            assert name not in commands, f"{path.name}:{line} imports {module}"


def test_every_port_is_declared_in_ports_py() -> None:
    for path in modules_under("application"):
        if path.name == "ports.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(base) for base in node.bases}
                assert "Protocol" not in bases, f"{path.name}: {node.name} is a port"


def test_services_read_no_adapter_attributes_by_name() -> None:
    for path in [*modules_under("application"), PACKAGE / "bootstrap.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in ("getattr", "hasattr"), f"{path.name}:{node.lineno}"


def test_few_type_ignores_and_no_module_needs_a_table_of_contents() -> None:
    ignores = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        ignores += [path.name for line in text.splitlines() if "type: ignore" in line]
        if "sandbox" not in path.parts:
            assert text.count("\n") <= 400, f"{path.relative_to(PACKAGE)} is over 400 lines"
    assert len(ignores) <= 3, ignores


# Modules that make the argparse Namespace (the parser) and the two that read it (requests.py
# and its accounts half).
NAMESPACE_MODULES = {"parser.py", "parser_types.py", "requests.py", "account_requests.py"}


def test_only_the_request_module_reads_the_argparse_namespace() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "cli" and path.name in NAMESPACE_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = isinstance(node, ast.Name) and node.id == "Namespace"
            attribute = isinstance(node, ast.Attribute) and node.attr == "Namespace"
            where = f"{path.relative_to(PACKAGE)}:{getattr(node, 'lineno', '?')}"
            assert not (named or attribute), f"{where} takes an argparse Namespace"


def test_the_use_cases_never_import_the_command_line() -> None:
    for path in [*modules_under("application"), *modules_under("domain")]:
        for line, module in imported_modules(path):
            assert not module.startswith("shuffle_aws_vaults.cli"), f"{path.name}:{line}"


ONE_OR_SEVERAL = ("regional_", "region_", "regions_", "several_", "multi_")


def test_no_module_pair_differs_only_by_a_one_or_several_region_prefix() -> None:
    """One function serves one Region and many: a `regional_x` beside an `x` is the sign that
    a list of routes is missing (the sandbox, which serves Regions, is not the tool)."""
    modules = [path for path in PACKAGE.rglob("*.py") if "sandbox" not in path.parts]
    stems = {path.stem for path in modules}
    for path in modules:
        for prefix in ONE_OR_SEVERAL:
            stripped = path.stem.removeprefix(prefix)
            if stripped != path.stem:
                assert stripped not in stems, f"{path.relative_to(PACKAGE)} twins {stripped}.py"
        assert "regional" not in path.stem, f"{path.relative_to(PACKAGE)}"


def test_each_command_calls_bootstrap_once_and_views_never() -> None:
    """bootstrap is the one wiring point: a command asks it once for all its adapters."""
    for path in modules_under("cli"):
        if path.name == "__init__.py":
            continue  # the dispatcher: the Region names botocore knows, and logging's close
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            calls = [
                node
                for node in ast.walk(function)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "bootstrap"
            ]
            command = function.name.startswith("run_") and path.stem.endswith(
                ("_command", "_commands")
            )
            assert len(calls) <= (1 if command else 0), f"{path.name}:{function.name}"
