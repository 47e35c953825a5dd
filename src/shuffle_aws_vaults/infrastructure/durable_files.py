"""Files that survive a crash at any byte: written whole or not at all, fsynced with their
directory, and private to their user (0600 files, 0700 directories)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def naming(exc: OSError, path: Path) -> OSError:
    """`exc` with the file it concerns (os.write and os.fsync errors name none)."""
    if exc.filename is not None:
        return exc
    return type(exc)(exc.errno, exc.strerror, str(path))


def write_atomically(path: Path, data: bytes | list[bytes]) -> None:
    """`data` (or its pieces, so large documents are not copied into one) as `path`, atomically."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for piece in [data] if isinstance(data, bytes) else data:
                view = memoryview(piece)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        sync_dir(path.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise naming(exc, path) from None
        raise


def make_private_directories(directory: Path) -> None:
    """`directory` and any missing parent, each created 0700 (XDG Base Directory: what an
    application creates under ~/.local/state is its user's alone)."""
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
