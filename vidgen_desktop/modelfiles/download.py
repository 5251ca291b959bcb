"""Download one model file into a ComfyUI folder on this machine, the way a 20 GB file needs:
into `<name>.partial` (renamed only when complete and checked), continued with an HTTP Range
request after a pause, a dropped connection or a restart of the app, after checking the disk
has room for what is left. The SHA-256 is checked against the manifest's, else against the one
the model hub publishes for the file (Hugging Face's `X-Linked-Etag` is the LFS object's
SHA-256); a file that fails it is deleted, never kept under the real name.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, ServerError, ServerUnavailable, StorageError
from vidgen_desktop.core.safe_names import sanitize_filename

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
#: room kept free beyond the file itself, so the download never fills the disk to the last byte
DISK_MARGIN = 256 * 1024 * 1024
#: a dropped connection is continued from where it stopped this many times before giving up
RETRIES = 3
HF_BASE = "https://huggingface.co"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class ChecksumMismatch(StorageError):
    """The finished file is not the one published: it was deleted."""


class DiskFull(StorageError):
    """Not enough room for the rest of the file (checked first, or hit while writing)."""


@dataclass
class Transfer:
    """Where a download stands, for a progress bar: bytes, speed and time left."""

    done: int
    total: int | None
    speed_bps: float = 0.0
    phase: str = "downloading"  # checking | downloading | verifying

    @property
    def fraction(self) -> float | None:
        return self.done / self.total if self.total else None

    @property
    def eta_s(self) -> float | None:
        if not self.total or self.speed_bps <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.speed_bps)


def mirrored(url: str, mirror: str) -> str:
    """The same file through a mirror of the model hub (e.g. https://hf-mirror.com)."""
    mirror = mirror.strip().rstrip("/")
    if mirror and url.startswith(HF_BASE + "/"):
        return mirror + url[len(HF_BASE) :]
    return url


def partial_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".partial")


def target_in(folder: Path, file: str) -> Path:
    """`file` (which may hold a subfolder, as ComfyUI names allow) kept inside `folder`."""
    raw = [p for p in file.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    parts = [sanitize_filename(p) for p in raw] or ["model.safetensors"]
    return folder.joinpath(*parts)


def published_sha256(response: requests.Response) -> str | None:
    for header in ("X-Linked-Etag", "ETag"):
        value = response.headers.get(header, "").strip().strip('"').lower()
        if value.startswith("w/"):
            continue
        if _HEX64.match(value):
            return value
    return None


def _hash_of(path: Path, token: CancelToken) -> hashlib._Hash:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK * 8):
            token.raise_if_cancelled()
            digest.update(block)
    return digest


def check_room(folder: Path, needed: int) -> None:
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed + DISK_MARGIN:
        raise DiskFull(
            f"Not enough disk space in {folder}: the download needs {needed / 1e9:.1f} GB more "
            f"and {free / 1e9:.1f} GB is free.",
            hint="Free some space (or choose another drive for ComfyUI's models), then resume.",
        )


class Downloader:
    """One file. `run()` may be called again after a pause, a failure or a restart: it continues
    from the partial file."""

    def __init__(
        self,
        url: str,
        dest: Path,
        *,
        sha256: str | None = None,
        size: int | None = None,
        session: requests.Session | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.url, self.dest = url, dest
        self.sha256 = sha256.lower() if sha256 else None
        self.size = size
        self.session = session or requests.Session()
        self.timeout_s = timeout_s
        self.partial = partial_path(dest)

    def _open(self, offset: int) -> requests.Response:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            response = self.session.get(
                self.url, headers=headers, stream=True, timeout=self.timeout_s
            )
        except requests.ConnectionError as exc:
            raise ServerUnavailable(f"Cannot reach {self.url}.", detail=str(exc)) from exc
        except requests.Timeout as exc:
            raise ServerUnavailable(f"{self.url} did not answer.", detail=str(exc)) from exc
        if response.status_code == 416 and offset:
            response.close()
            raise _RangeNotSatisfiable
        if response.status_code not in (200, 206):
            response.close()
            raise ServerError(
                f"The download of {self.dest.name} was refused: HTTP {response.status_code}.",
                hint="Check the address, or set a mirror in Settings if the model hub is not "
                "reachable from here.",
            )
        if response.headers.get("Content-Type", "").lower().startswith("text/html"):
            response.close()
            raise ServerError(
                f"{self.url} is a web page, not the file {self.dest.name}.",
                hint="Open it in a browser to download the file by hand, then put it into "
                f"{self.dest.parent}.",
            )
        return response

    def run(self, token: CancelToken, on_progress: Callable[[Transfer], None]) -> Path:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        attempts = 0
        while True:
            try:
                return self._attempt(token, on_progress)
            except _ConnectionCut as cut:
                attempts += 1
                if attempts > RETRIES:
                    raise ServerUnavailable(
                        f"The connection kept dropping while downloading {self.dest.name}.",
                        detail=str(cut),
                        hint="What arrived is kept; resume later to continue from there.",
                    ) from None
                log.info("download of %s cut (%s); continuing", self.dest.name, cut)
                token.wait(min(2.0, 0.25 * attempts))
                token.raise_if_cancelled()

    def _attempt(self, token: CancelToken, on_progress: Callable[[Transfer], None]) -> Path:
        offset = self.partial.stat().st_size if self.partial.exists() else 0
        digest = hashlib.sha256()
        if offset:
            on_progress(Transfer(offset, self.size, phase="checking"))
            digest = _hash_of(self.partial, token)
        try:
            response = self._open(offset)
        except _RangeNotSatisfiable:
            # the partial file already holds everything (or is longer than the file): verify
            return self._finish(digest, offset, None, token, on_progress)
        with response:
            resumed = response.status_code == 206 and offset > 0
            if not resumed and offset:
                log.info("%s ignores Range: starting %s again", self.url, self.dest.name)
                offset, digest = 0, hashlib.sha256()
            total = _total_of(response, offset) or self.size
            self.size = total
            expected = self.sha256 or published_sha256(response)
            if total:
                check_room(self.dest.parent, total - offset)
            self._write(response, offset, total, digest, token, on_progress, resumed)
        return self._finish(digest, self.partial.stat().st_size, expected, token, on_progress)

    def _write(self, response, offset, total, digest, token, on_progress, resumed) -> None:
        done = offset
        started, last = time.monotonic(), 0.0
        mode = "ab" if resumed else "wb"
        try:
            with self.partial.open(mode) as out:
                for block in response.iter_content(CHUNK):
                    if token.cancelled:
                        out.flush()
                        raise Cancelled(f"Download of {self.dest.name} paused.")
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    now = time.monotonic()
                    if now - last >= 0.2:
                        last = now
                        speed = (done - offset) / max(now - started, 1e-6)
                        on_progress(Transfer(done, total, speed))
                out.flush()
                os.fsync(out.fileno())
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:  # before OSError: requests' errors are OSErrors too
            raise _ConnectionCut(str(exc)) from exc
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFull(
                    f"The disk filled up while downloading {self.dest.name}.",
                    hint="Free some space, then resume: what arrived is kept.",
                ) from exc
            raise StorageError(f"Cannot write {self.partial}: {exc.strerror or exc}") from exc
        if total and done < total:
            raise _ConnectionCut(f"got {done} of {total} bytes")

    def _finish(self, digest, size, expected, token, on_progress) -> Path:
        if self.size and size != self.size:
            self.partial.unlink(missing_ok=True)
            raise ChecksumMismatch(
                f"{self.dest.name} arrived with {size} bytes, not {self.size}; it was deleted."
            )
        if expected:
            on_progress(Transfer(size, self.size or size, phase="verifying"))
            actual = digest.hexdigest()
            if actual != expected:
                self.partial.unlink(missing_ok=True)
                raise ChecksumMismatch(
                    f"{self.dest.name} is not the published file (SHA-256 {actual[:12]}…, "
                    f"expected {expected[:12]}…); it was deleted.",
                    hint="Download it again; if it fails again, the source or mirror is wrong.",
                )
        token.raise_if_cancelled()
        os.replace(self.partial, self.dest)
        on_progress(Transfer(size, size, phase="done"))
        log.info("downloaded %s (%d bytes)", self.dest, size)
        return self.dest


class _RangeNotSatisfiable(Exception):
    pass


class _ConnectionCut(Exception):
    pass


def _total_of(response: requests.Response, offset: int) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    if response.status_code == 206 and "/" in content_range:
        tail = content_range.rsplit("/", 1)[1]
        return int(tail) if tail.isdigit() else None
    length = response.headers.get("Content-Length")
    if length and length.isdigit():
        return int(length) + (offset if response.status_code == 206 else 0)
    return None


__all__ = [
    "ChecksumMismatch",
    "DiskFull",
    "Downloader",
    "Transfer",
    "check_room",
    "mirrored",
    "partial_path",
    "published_sha256",
    "target_in",
]
