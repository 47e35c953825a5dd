"""Static checks on the source and the lock file: no shell, no code from strings, no unpickling,
and every dependency pinned by version and hash."""

from __future__ import annotations

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "shuffle_aws_vaults"
LOCK_FILE = ROOT / "Pipfile.lock"
# Modules that turn bytes into objects that run code when loaded.
UNSAFE_MODULES = frozenset({"pickle", "_pickle", "cPickle", "marshal", "shelve", "dill"})
UNSAFE_CALLS = {
    "eval": "eval()",
    "exec": "exec()",
    "builtins.eval": "eval()",
    "builtins.exec": "exec()",
    "os.system": "os.system()",
    "os.popen": "os.popen()",
    "asyncio.create_subprocess_shell": "a shell",
    "yaml.load": "yaml.load() (use yaml.safe_load)",
    "yaml.load_all": "yaml.load_all() (use yaml.safe_load_all)",
    "yaml.unsafe_load": "yaml.unsafe_load()",
    "yaml.full_load": "yaml.full_load()",
}


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def violations(source: str, name: str) -> list[str]:
    """Every unsafe construct in `source`, as "name:line what"."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> what it was imported as
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
                if alias.name.split(".")[0] in UNSAFE_MODULES:
                    found.append(f"{name}:{node.lineno} imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] in UNSAFE_MODULES:
                found.append(f"{name}:{node.lineno} imports from {node.module}")
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        dotted = _dotted(node.func)
        if dotted is None:
            continue
        head, _, rest = dotted.partition(".")
        qualified = aliases.get(head, head) + (f".{rest}" if rest else "")
        if qualified in UNSAFE_CALLS:
            found.append(f"{name}:{node.lineno} calls {UNSAFE_CALLS[qualified]}")
        if qualified.startswith("subprocess."):
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    found.append(f"{name}:{node.lineno} runs {qualified} with shell=")
    return found


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_shell_no_code_from_strings_no_unpickling_in_the_package() -> None:
    found = [
        problem
        for path in sources()
        for problem in violations(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE)))
    ]
    assert found == []


def test_the_scan_catches_each_unsafe_construct() -> None:
    sample = "\n".join(
        [
            "import pickle",  # 1
            "import subprocess as sp",  # 2
            "from os import system",  # 3
            "import yaml, os",  # 4
            "from marshal import loads",  # 5
            "sp.run('ls', shell=True)",  # 6
            "sp.run(['ls'], shell=False)",  # 7: fine
            "system('ls')",  # 8
            "os.popen('ls')",  # 9
            "eval('1')",  # 10
            "exec('x = 1')",  # 11
            "yaml.load('a: 1')",  # 12
            "yaml.safe_load('a: 1')",  # 13: fine
            "import shelve.x as s",  # 14
            "from subprocess import Popen",  # 15
            "Popen('ls', shell=flag)",  # 16
        ]
    )
    assert violations(sample, "m.py") == [
        "m.py:1 imports pickle",
        "m.py:5 imports from marshal",
        "m.py:14 imports shelve.x",
        "m.py:6 runs subprocess.run with shell=",
        "m.py:8 calls os.system()",
        "m.py:9 calls os.popen()",
        "m.py:10 calls eval()",
        "m.py:11 calls exec()",
        "m.py:12 calls yaml.load() (use yaml.safe_load)",
        "m.py:16 runs subprocess.Popen with shell=",
    ]


def test_the_scan_covers_the_whole_package() -> None:
    names = {p.relative_to(PACKAGE).parts[0] for p in sources()}
    assert {"cli", "domain", "application", "infrastructure", "sandbox"} <= names


def lock_problems(lock: dict[str, object]) -> list[str]:
    problems: list[str] = []
    for section in ("default", "develop"):
        packages = lock.get(section)
        if not isinstance(packages, dict):
            problems.append(f"no [{section}] section")
            continue
        for name, entry in sorted(packages.items()):
            if not isinstance(entry, dict):
                problems.append(f"{section}/{name}: not an object")
                continue
            if entry.get("path") == "." and entry.get("editable") is True and len(entry) == 2:
                continue  # the project itself, installed from this checkout
            version = entry.get("version")
            if not (isinstance(version, str) and version.startswith("==") and len(version) > 2):
                problems.append(f"{section}/{name}: version {version!r} is not pinned with ==")
            hashes = entry.get("hashes")
            if not (isinstance(hashes, list) and any(str(h).startswith("sha256:") for h in hashes)):
                problems.append(f"{section}/{name}: no sha256 hash")
            for key in ("git", "file", "path", "ref", "editable"):
                if key in entry:
                    problems.append(f"{section}/{name}: installed from {key}")
    return problems


def test_pipfile_lock_pins_every_package_by_version_and_sha256() -> None:
    lock = json.loads(LOCK_FILE.read_text(encoding="utf-8"))
    assert lock_problems(lock) == []
    assert len(lock["default"]) > 3 and len(lock["develop"]) > 3


def test_the_lock_check_catches_a_loose_or_unhashed_package() -> None:
    lock = {
        "default": {
            "shuffle-aws-vaults": {"editable": True, "path": "."},
            "good": {"version": "==1.0", "hashes": ["sha256:ab"]},
            "loose": {"version": ">=1.0", "hashes": ["sha256:ab"]},
            "unhashed": {"version": "==1.0", "hashes": []},
            "md5": {"version": "==1.0", "hashes": ["md5:ab"]},
        },
        "develop": {"from-git": {"git": "https://example.invalid/x.git", "ref": "abc"}},
    }
    assert lock_problems(lock) == [
        "default/loose: version '>=1.0' is not pinned with ==",
        "default/md5: no sha256 hash",
        "default/unhashed: no sha256 hash",
        "develop/from-git: version None is not pinned with ==",
        "develop/from-git: no sha256 hash",
        "develop/from-git: installed from git",
        "develop/from-git: installed from ref",
    ]
