"""The fake ComfyUI's model-folder routes, as recorded from 0.25.0
(tests/data/transcripts/v0.25/comfyui_model_endpoints.json): `/internal/folder_paths` (no
`/api/` form), `/experiment/models[/{folder}]`, `/view_metadata/{folder}?filename=` and
`/models[/{folder}]`, answered from a real folder on disk the way ComfyUI walks it.

`fake.model_root` is that folder (None: the server has no model files); with
`fake.paths_seen_as` set, `/internal/folder_paths` names another machine's paths, as a remote
server does, while the listings still come from `model_root`.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any

from tests.fakes.fake_comfy_data import load_recorded

_EXTS = (".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft")
_LEGACY = {"unet": "diffusion_models", "clip": "text_encoders"}


def recorded(path: str) -> dict[str, Any]:
    return load_recorded("v0.25", "model_endpoints")["exchanges"][path]


def folder_layout(base: str) -> dict[str, list[str]]:
    """The recorded folder_paths with the server's ComfyUI folder replaced by `base`."""
    body = recorded("/internal/folder_paths")["body"]
    text = json.dumps(body).replace("/home/user/ComfyUI", base.rstrip("/"))
    return json.loads(text)


def _dirs(fake: Any) -> dict[str, list[Path]]:
    if fake.model_root is None:
        return {}
    base = Path(fake.model_root).parent  # model_root is ComfyUI/models
    return {k: [Path(p) for p in v] for k, v in folder_layout(str(base)).items()}


def _walk(folder_dirs: list[Path]) -> list[dict[str, Any]]:
    items, seen = [], set()
    for index, root in enumerate(folder_dirs):
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != ".git"]
            for name in filenames:
                if name.startswith(".") or not name.lower().endswith(_EXTS):
                    continue
                full = Path(dirpath) / name
                rel = full.relative_to(root).as_posix()
                if rel in seen:
                    continue
                seen.add(rel)
                st = full.stat()
                items.append(
                    {
                        "name": rel,
                        "pathIndex": index,
                        "modified": st.st_mtime,
                        "created": st.st_ctime,
                        "size": st.st_size,
                    }
                )
    return items


def _metadata(path: Path) -> dict[str, Any] | None:
    with path.open("rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            return None
        (length,) = struct.unpack("<Q", head)
        if length > 1024 * 1024:  # ComfyUI refuses headers over 1 MiB here
            return None
        try:
            doc = json.loads(fh.read(length))
        except ValueError:
            return None
    meta = doc.get("__metadata__") if isinstance(doc, dict) else None
    return meta if isinstance(meta, dict) else None


def handle(handler: Any, fake: Any, raw_path: str, path: str, query: dict[str, list[str]]) -> bool:
    """Answer a model route; False when `path` is not one."""
    not_found = lambda: handler._reply(404)  # noqa: E731 - a bare 404, as aiohttp sends it
    if path == "/internal/folder_paths":
        if raw_path.startswith("/api/"):
            handler._reply(404, b"", ctype="application/octet-stream")
            return True
        base = fake.paths_seen_as or (str(Path(fake.model_root).parent) if fake.model_root else "")
        handler._reply(200, folder_layout(base or "/home/user/ComfyUI"))
        return True
    dirs = (
        _dirs(fake)
        if fake.model_root is not None
        else {k: [Path("/nonexistent") / k] for k in folder_layout("/x")}
    )
    if path == "/experiment/models":
        listing = [
            {"name": k, "folders": [str(p) for p in v]}
            for k, v in dirs.items()
            if k not in ("configs", "custom_nodes")
        ]
        handler._reply(200, listing)
        return True
    if path.startswith("/experiment/models/"):
        folder = path.split("/", 3)[3]
        if folder not in dirs or folder in ("configs", "custom_nodes"):
            not_found()
        else:
            handler._reply(200, _walk(dirs[folder]))
        return True
    if path == "/models":
        handler._reply(200, list(dirs))
        return True
    if path.startswith("/models/"):
        folder = path.split("/", 2)[2]
        if folder not in dirs:
            not_found()
        else:
            handler._reply(200, sorted(i["name"] for i in _walk(dirs[folder])))
        return True
    if path.startswith("/view_metadata/"):
        folder = _LEGACY.get(path.split("/", 2)[2], path.split("/", 2)[2])
        name = query.get("filename", [""])[0]
        if folder not in dirs or not name.endswith(".safetensors"):
            not_found()
            return True
        rel = os.path.relpath(os.path.join("/", name), "/")
        for root in dirs[folder]:
            full = root / rel
            if full.is_file():
                meta = _metadata(full)
                if meta is None:
                    break
                handler._reply(200, meta)
                return True
        not_found()
        return True
    return False


def object_info_from_disk(info: dict[str, Any], model_root: Path) -> dict[str, Any]:
    """`info` whose loader lists name exactly the files under `model_root`, as a real server's
    do (ComfyUI fills each loader's combo from its folder)."""
    from tests.fakes.stocked import stock
    from vidgen_desktop.workflow.packs import LOADER_FOLDERS

    dirs = {k: [Path(p) for p in v] for k, v in folder_layout(str(model_root.parent)).items()}
    files = {
        (ctype, name): sorted(i["name"] for i in _walk(dirs.get(folder, [])))
        for (ctype, name), folder in LOADER_FOLDERS.items()
        if ctype in info
    }
    return stock(info, files)


def object_info_on_disk(fake: Any) -> dict[str, Any]:
    """What a server with the TTS packs and `fake.model_root`'s files answers, read anew on every
    request as ComfyUI re-lists its folders."""
    from tests.fakes.stocked import recorded_object_info

    return object_info_from_disk(recorded_object_info(fake.version), Path(fake.model_root))
