"""Atomic writes (temp file in the same folder, fsync, rename): a crash never leaves half a file.

The temp file is made 0600 by mkstemp; before the rename it gets the mode a plain `open()` would
have given (0666 less the umask), or the mode of the file it replaces, so takes and project.json
are as readable as the user's other files.
"""

from __future__ import annotations

import errno
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
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

    Writes of one path coalesce: while a write of a path waits its turn, a newer one replaces
    its text, so a burst of autosaves costs one write, not one per keystroke. Different paths are
    written in the order they were first asked for. Failures are logged and handed to
    `on_error` (the GUI shows them in a banner).
    """

    def __init__(self, on_error: Callable[[Path, StorageError], None] | None = None) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vidgen-writer")
        self._on_error = on_error
        self._lock = threading.Lock()
        self._pending: dict[Path, tuple[Writer, str]] = {}
        #: written paths and when (monotonic): what tests and benchmarks wait on
        self.writes = 0

    def write(self, path: Path, text: str, how: Writer | None = None) -> None:
        path = Path(path)
        with self._lock:
            queued = path in self._pending
            self._pending[path] = (how or _write_text, text)
        if queued:
            return
        try:
            self._pool.submit(self._drain, path)
        except RuntimeError:  # closed (app shutting down): write now rather than lose the data
            self._drain(path)

    def write_text(self, path: Path, text: str) -> None:
        self.write(path, text)

    def call(self, fn: Callable[[], object]) -> None:
        """Run `fn` on the writer thread after everything already queued (renames, copies)."""
        try:
            self._pool.submit(self._guarded, fn)
        except RuntimeError:
            self._guarded(fn)

    def _guarded(self, fn: Callable[[], object]) -> None:
        import logging

        try:
            fn()
        except Exception as exc:
            logging.getLogger(__name__).exception("background task failed")
            if self._on_error is not None:
                error = exc if isinstance(exc, StorageError) else StorageError(str(exc))
                self._on_error(Path(), error)

    def _drain(self, path: Path) -> None:
        import logging

        with self._lock:
            entry = self._pending.pop(path, None)
        if entry is None:
            return
        how, text = entry
        try:
            how(path, text)
            self.writes += 1
        except StorageError as exc:
            logging.getLogger(__name__).error("background write failed: %s", exc)
            if self._on_error is not None:
                self._on_error(path, exc)

    def flush(self) -> None:
        """Block until every queued write is on disk (used at exit and in tests)."""
        self._pool.submit(lambda: None).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


Writer = Callable[[Path, str], None]


def _write_text(path: Path, text: str) -> None:
    write_text_atomic(path, text)
