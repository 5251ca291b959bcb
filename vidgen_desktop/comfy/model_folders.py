"""What a ComfyUI server says about its model files, as recorded from 0.25.0
(tests/data/transcripts/v0.25/comfyui_model_endpoints.json):

- `GET /internal/folder_paths`: folder name -> absolute paths on the server's machine (no
  `/api/` form; the frontend's own route, there on every 0.2x server).
- `GET /experiment/models/{folder}`: `[{name, pathIndex, modified, created, size}]`, names
  relative with "/"; 404 for an unknown folder and for the legacy names (`unet`, `clip`).
- `GET /view_metadata/{folder}?filename=`: only the header's `__metadata__`; a bare 404 when
  the file is missing, is not .safetensors, or has no metadata.
- `GET /models/{folder}`: names only (older servers without /experiment).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter

from vidgen_desktop.core.errors import ServerError

if TYPE_CHECKING:
    from vidgen_desktop.comfy.client import ComfyClient

#: the names ComfyUI maps onto today's folders
LEGACY = {"unet": "diffusion_models", "clip": "text_encoders"}


class RemoteModel(BaseModel):
    name: str
    pathIndex: int = 0
    modified: float | None = None
    created: float | None = None
    size: int | None = None


_FILES = TypeAdapter(list[RemoteModel])
_NAMES = TypeAdapter(list[str])
_PATHS = TypeAdapter(dict[str, list[str]])
_META = TypeAdapter(dict[str, object])


def folder_paths(client: ComfyClient) -> dict[str, list[str]] | None:
    """The server's folders on its own disk, or None when it does not say."""
    resp = client._request("GET", "/internal/folder_paths")
    if resp.status_code == 404:
        return None
    if resp.status_code >= 400:
        raise ServerError(f"ComfyUI answered {resp.status_code} to GET /internal/folder_paths.")
    return _PATHS.validate_python(resp.json())


def list_folder(client: ComfyClient, folder: str) -> list[RemoteModel]:
    """Every model file in one folder, with sizes where the server gives them."""
    folder = LEGACY.get(folder, folder)
    resp = client._request("GET", f"/experiment/models/{quote(folder)}")
    if resp.status_code == 200:
        return _FILES.validate_python(resp.json())
    names = client._request("GET", f"/models/{quote(folder)}")
    if names.status_code == 404:
        return []
    if names.status_code >= 400:
        raise ServerError(f"ComfyUI answered {names.status_code} to GET /models/{folder}.")
    return [RemoteModel(name=n) for n in _NAMES.validate_python(names.json())]


def view_metadata(client: ComfyClient, folder: str, file: str) -> dict[str, object]:
    """The header's `__metadata__` strings; {} when the file has none (or is not safetensors)."""
    resp = client._request("GET", f"/view_metadata/{quote(folder)}", params={"filename": file})
    if resp.status_code == 404 or not resp.content:
        return {}
    if resp.status_code >= 400:
        raise ServerError(f"ComfyUI answered {resp.status_code} to GET /view_metadata/{folder}.")
    return _META.validate_python(resp.json())


__all__ = ["LEGACY", "RemoteModel", "folder_paths", "list_folder", "view_metadata"]
