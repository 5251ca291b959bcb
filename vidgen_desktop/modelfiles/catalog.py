"""Every model file a ComfyUI server can load, each with what it is.

Where the server's model folders are readable from this machine (`/internal/folder_paths` of a
local server, or a folder set in Settings) each file's own header is read; for a remote server
the name, the size and the header's `__metadata__` (`/view_metadata`) are all there is, and the
answer says "guessed from the name". Header readings are cached by path, size and modification
time, so a folder of 200 files is read once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vidgen_desktop.core.atomic import write_text_atomic
from vidgen_desktop.modelfiles.header import BadModelFile, read_header
from vidgen_desktop.modelfiles.identify import identify
from vidgen_desktop.modelfiles.identity import ModelIdentity
from vidgen_desktop.modelfiles.names import guess

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient

log = logging.getLogger(__name__)

#: the folders our workflows load from (others can be asked for by name)
MODEL_FOLDERS = (
    "checkpoints",
    "diffusion_models",
    "text_encoders",
    "vae",
    "audio_encoders",
    "loras",
)
READABLE = (".safetensors", ".sft", ".gguf")
PICKLES = (".ckpt", ".pt", ".pt2", ".pth", ".bin", ".pkl")


class HeaderCache:
    """path -> (size, mtime_ns, identity) in one JSON file of the per-user cache folder."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, dict] = {}
        self._dirty = False
        if path is not None and path.exists():
            try:
                self._entries = json.loads(path.read_text(encoding="utf-8")).get("files", {})
            except (OSError, ValueError, AttributeError):
                log.info("model header cache %s unreadable: starting afresh", path)

    def get(self, path: Path, stat: os.stat_result) -> ModelIdentity | None:
        with self._lock:
            entry = self._entries.get(str(path))
        if not entry or entry.get("size") != stat.st_size or entry.get("mtime") != stat.st_mtime_ns:
            return None
        try:
            return ModelIdentity.model_validate(entry["identity"])
        except Exception:
            return None

    def put(self, path: Path, stat: os.stat_result, ident: ModelIdentity) -> None:
        with self._lock:
            self._entries[str(path)] = {
                "size": stat.st_size,
                "mtime": stat.st_mtime_ns,
                "identity": ident.model_dump(),
            }
            self._dirty = True

    def save(self) -> None:
        if self.path is None or not self._dirty:
            return
        with self._lock:
            text = json.dumps({"version": 1, "files": self._entries})
            self._dirty = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path, text)


def user_header_cache() -> HeaderCache:
    """The per-user cache every part of the app shares (window, CLI, pre-queue checks)."""
    from vidgen_desktop.paths import user_paths

    return HeaderCache(user_paths().cache_dir / "model_headers.json")


def identify_path(
    path: Path, folder: str, file: str, cache: HeaderCache | None = None
) -> ModelIdentity:
    """One local file, from its header (or its name, for pickles and unreadable files)."""
    try:
        stat = path.stat()
    except OSError as exc:
        return guess(folder, file).model_copy(update={"note": f"cannot be read: {exc.strerror}"})
    if cache is not None:
        found = cache.get(path, stat)
        if found is not None:
            return found.model_copy(update={"folder": folder, "file": file})
    suffix = path.suffix.lower()
    if suffix in READABLE:
        try:
            ident = identify(read_header(path), folder, file, stat.st_size)
        except BadModelFile as exc:
            ident = guess(folder, file, stat.st_size).model_copy(update={"note": str(exc)})
    else:
        ident = guess(folder, file, stat.st_size)
        if suffix in PICKLES:
            ident = ident.model_copy(
                update={"note": "a pickle file: not opened (it could run code); named only"}
            )
    if cache is not None:
        cache.put(path, stat, ident)
    return ident


def _files_in(root: Path) -> Iterable[tuple[Path, str]]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(".partial"):
                continue
            if not name.lower().endswith(READABLE + PICKLES):
                continue
            path = Path(dirpath) / name
            yield path, path.relative_to(root).as_posix()


@dataclass
class Catalog:
    """The files of each folder, and how they were read."""

    files: list[ModelIdentity] = field(default_factory=list)
    #: folder -> the directory on this machine we read it from (empty: remote, names only)
    local_dirs: dict[str, list[Path]] = field(default_factory=dict)

    def in_folder(self, folder: str) -> list[ModelIdentity]:
        return [f for f in self.files if f.folder == folder]

    def find(self, folder: str, file: str) -> ModelIdentity | None:
        return next((f for f in self.files if f.folder == folder and f.file == file), None)


def scan_local(
    dirs: dict[str, list[Path]], cache: HeaderCache | None = None, folders: Iterable[str] = ()
) -> Catalog:
    wanted = list(folders) or list(MODEL_FOLDERS)
    catalog = Catalog(local_dirs={k: v for k, v in dirs.items() if k in wanted})
    seen: set[tuple[str, str]] = set()
    for folder in wanted:
        for root in dirs.get(folder, []):
            if not root.is_dir():
                continue
            for path, rel in _files_in(root):
                if (folder, rel) in seen:  # ComfyUI lists the first path's file
                    continue
                seen.add((folder, rel))
                catalog.files.append(identify_path(path, folder, rel, cache))
    if cache is not None:
        cache.save()
    return catalog


def scan_remote(client: ComfyClient, folders: Iterable[str] = ()) -> Catalog:
    from vidgen_desktop.comfy.model_folders import list_folder, view_metadata

    catalog = Catalog()
    for folder in list(folders) or list(MODEL_FOLDERS):
        for item in list_folder(client, folder):
            meta = (
                view_metadata(client, folder, item.name)
                if item.name.endswith(".safetensors")
                else {}
            )
            catalog.files.append(guess(folder, item.name, item.size, meta))
    return catalog


def local_dirs_of(client: ComfyClient, override: Path | None = None) -> dict[str, list[Path]]:
    """The server's folders that exist on this machine: from Settings' models folder (a
    ComfyUI `models/` folder, e.g. a mounted share), else `/internal/folder_paths` when those
    paths are here. {} means: read remotely."""
    if override is not None:
        base = override / "models" if (override / "models").is_dir() else override
        return {f: [base / f] for f in (*MODEL_FOLDERS, "unet", "clip")} | {
            "diffusion_models": [base / "diffusion_models", base / "unet"],
            "text_encoders": [base / "text_encoders", base / "clip"],
        }
    from vidgen_desktop.comfy.model_folders import folder_paths
    from vidgen_desktop.gpu.readings import is_local

    if not is_local(client.base_url):
        return {}  # its paths name another machine's disk
    paths = folder_paths(client)
    if not paths:
        return {}
    dirs = {k: [Path(p) for p in v] for k, v in paths.items()}
    if not any(p.is_dir() for f in MODEL_FOLDERS for p in dirs.get(f, [])):
        return {}  # the paths are on the server's machine, not this one
    return dirs


def catalog_for(
    client: ComfyClient,
    *,
    models_dir: Path | None = None,
    cache: HeaderCache | None = None,
    folders: Iterable[str] = (),
) -> Catalog:
    dirs = local_dirs_of(client, models_dir)
    if dirs:
        return scan_local(dirs, cache, folders)
    return scan_remote(client, folders)


__all__ = [
    "MODEL_FOLDERS",
    "Catalog",
    "HeaderCache",
    "catalog_for",
    "identify_path",
    "local_dirs_of",
    "scan_local",
    "scan_remote",
    "user_header_cache",
]
