"""pydantic models of every JSON shape ComfyUI sends us (0.25.0 and 0.3.64, see shared/transcripts).

Models ignore unknown keys so a newer server's extra fields never break us; fields a version lacks
have defaults. Nothing here does I/O.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- POST /prompt ---------------------------------------------------------------------------
class PromptResponse(_Loose):
    prompt_id: str
    number: float = 0
    #: non-empty on 200 means some outputs were dropped (warning, not failure)
    node_errors: dict[str, Any] = Field(default_factory=dict)


class ErrorItem(_Loose):
    type: str = ""
    message: str = ""
    details: str = ""
    extra_info: dict[str, Any] = Field(default_factory=dict)


class NodeError(_Loose):
    errors: list[ErrorItem] = Field(default_factory=list)
    dependent_outputs: list[str] = Field(default_factory=list)
    class_type: str = ""


class PromptRejection(_Loose):
    """The HTTP 400 body of POST /prompt."""

    error: ErrorItem = Field(default_factory=ErrorItem)
    node_errors: dict[str, NodeError] = Field(default_factory=dict)


# -- outputs / history ----------------------------------------------------------------------
class FileRef(_Loose):
    """One file a node produced, as named by the server (untrusted: sanitise before use)."""

    filename: str
    subfolder: str = ""
    type: str = "output"


class HistoryStatus(_Loose):
    status_str: str = ""
    completed: bool = False
    messages: list[list[Any]] = Field(default_factory=list)


class HistoryEntry(_Loose):
    prompt: list[Any] = Field(default_factory=list)
    #: node id -> UI dict ({"images": [...], "animated": [true]}, {"audio": [...]}, ...)
    outputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    status: HistoryStatus = Field(default_factory=HistoryStatus)

    def file_refs(self) -> list[tuple[str, str, FileRef]]:
        """(node_id, key, ref) for every file-like entry, whatever key the node used."""
        return file_refs_of(self.outputs)


def file_refs_of(outputs: dict[str, dict[str, Any]]) -> list[tuple[str, str, FileRef]]:
    refs: list[tuple[str, str, FileRef]] = []
    for node_id, ui in outputs.items():
        if not isinstance(ui, dict):
            continue
        for key, items in ui.items():
            if not isinstance(items, list):
                continue
            for item in items:
                if isinstance(item, dict) and isinstance(item.get("filename"), str):
                    refs.append((node_id, key, FileRef.model_validate(item)))
    return refs


# -- system / queue / jobs / features -------------------------------------------------------
class Device(_Loose):
    name: str = ""
    type: str = ""
    index: int | None = None
    vram_total: int = 0
    vram_free: int = 0
    torch_vram_total: int = 0
    torch_vram_free: int = 0

    @property
    def is_gpu(self) -> bool:
        """type "cpu" (or no VRAM) means ComfyUI runs without a GPU."""
        return self.type.lower() != "cpu" and self.vram_total > 0


class SystemInfo(_Loose):
    os: str = ""
    ram_total: int = 0
    ram_free: int = 0
    comfyui_version: str = ""
    python_version: str = ""
    pytorch_version: str = ""


class SystemStats(_Loose):
    system: SystemInfo = Field(default_factory=SystemInfo)
    devices: list[Device] = Field(default_factory=list)

    @property
    def primary(self) -> Device | None:
        return self.devices[0] if self.devices else None

    def primary_gpu(self) -> Device | None:
        """ComfyUI lists the primary device first; a CPU-only server has no GPU to report."""
        return next((dev for dev in self.devices if dev.is_gpu), None)


class QueueState(_Loose):
    """GET /queue: items are [number, prompt_id, prompt, extra_data, outputs_to_execute]."""

    queue_running: list[list[Any]] = Field(default_factory=list)
    queue_pending: list[list[Any]] = Field(default_factory=list)

    def running_ids(self) -> list[str]:
        return [str(item[1]) for item in self.queue_running if len(item) > 1]

    def pending_ids(self) -> list[str]:
        return [str(item[1]) for item in self.queue_pending if len(item) > 1]


class Job(_Loose):
    """GET /api/jobs/{id} (0.25+ only)."""

    id: str
    status: str  # pending | in_progress | completed | failed | cancelled
    outputs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    execution_error: dict[str, Any] | None = None
    outputs_count: int | None = None


class Features(_Loose):
    supports_preview_metadata: bool = False
    max_upload_size: int | None = None
    node_replacements: bool = False
    assets: bool = False


class UploadResult(_Loose):
    name: str
    subfolder: str = ""
    type: str = "input"
    #: present when the server runs with --enable-assets: {"id": ...} (deletable later)
    asset: dict[str, Any] | None = None

    @property
    def node_value(self) -> str:
        """What LoadImage / LoadAudio expect as their file input."""
        return f"{self.subfolder}/{self.name}" if self.subfolder else self.name
