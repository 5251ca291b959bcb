"""Atomic writes (temp file in the same folder, fsync, rename): a crash never leaves half a file.

The temp file is made 0600 by mkstemp; before the rename it gets the mode a plain `open()` would
have given (0666 less the umask), or the mode of the file it replaces, so takes and project.json
are as readable as the user's other files.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from vidgen_desktop.core.errors import StorageError


def _read_umask() -> int:
    # os.umask can only be read by setting it: done once, at import (the main thread, before any
    # worker exists), so no other thread ever creates a file under a zero mask.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _final_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777  # keep what the user set on the file we replace
    except OSError:
        return 0o666 & ~_UMASK


def _storage_error(path: Path, exc: OSError) -> StorageError:
    if exc.errno == errno.ENOSPC:
        return StorageError(
            f"The disk is full: could not write {path.name}.",
            detail=str(exc),
            hint="Free some space on that drive, then try again. Nothing was overwritten.",
        )
    return StorageError(f"Could not write {path}.", detail=str(exc))


def write_bytes_atomic(path: Path, chunks: Iterable[bytes] | bytes) -> int:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _storage_error(path, exc) from exc
    written = 0
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(chunks, bytes | bytearray):
                chunks = [bytes(chunks)]
            for chunk in chunks:
                fh.write(chunk)
                written += len(chunk)
            fh.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), _final_mode(path))
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        _cleanup(tmp)
        raise _storage_error(path, exc) from exc
    except BaseException:
        _cleanup(tmp)
        raise
    return written


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def _cleanup(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


class BackgroundWriter:
    """Serialised atomic writes off the caller's thread (the GUI thread must not touch disk).

    Writes run in submission order on one thread; a later write of the same path wins.
    Failures are logged and handed to `on_error` (the GUI shows them in a banner).
    """

    def __init__(self, on_error=None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidgen-writer")
        self._on_error = on_error

    def write_text(self, path: Path, text: str) -> None:
        try:
            self._pool.submit(self._write, Path(path), text)
        except RuntimeError:  # closed (app shutting down): write now rather than lose the data
            self._write(Path(path), text)

    def _write(self, path: Path, text: str) -> None:
        import logging

        try:
            write_text_atomic(path, text)
        except StorageError as exc:
            logging.getLogger(__name__).error("background write failed: %s", exc)
            if self._on_error is not None:
                self._on_error(path, exc)

    def flush(self) -> None:
        """Block until every queued write is on disk (used at exit and in tests)."""
        self._pool.submit(lambda: None).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
