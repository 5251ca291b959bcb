"""Pydantic shapes for the two files that cross our boundary: an API graph and its manifest.

The API graph is what ComfyUI's "Export (API)" writes: `{node_id: {class_type, inputs, _meta}}`.
A link is `[source_node_id, output_index]`. The manifest is ours; every field is optional so a
user-exported workflow with only titles still loads.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vidgen_desktop.workflow.conventions import Stage


class NodeMeta(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str | None = None


class ApiNode(BaseModel):
    """One node of an API-format graph. Unknown keys are kept so nothing the user wrote is lost."""

    model_config = ConfigDict(extra="allow")
    class_type: str = Field(min_length=1)
    inputs: dict[str, Any] = Field(default_factory=dict)
    meta: NodeMeta = Field(default_factory=NodeMeta, alias="_meta")


def is_link(value: Any) -> bool:
    """A link is `[node_id, output_index]`; a plain list of two numbers is not (ids are strings)."""
    return (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    )


class ModelFile(BaseModel):
    """A weight file the workflow loads, and where the user gets it."""

    node: str = Field(description="id of the loader node in the graph")
    input: str = Field(description="loader input that names the file, e.g. ckpt_name")
    file: str
    folder: str = Field(description="subfolder of ComfyUI/models/")
    url: str = ""
    size_gb: float | None = None
    optional: bool = False
    #: what the file is (as vidgen_desktop.modelfiles reads it): a file of another family or
    #: task in this slot is flagged before anything is queued
    family: str = ""
    variant: str = ""
    sha256: str = ""


class NodePack(BaseModel):
    """A custom node pack the workflow needs, with what a user does to install it."""

    name: str
    repo: str
    classes: list[str]
    install: str
    models_note: str = ""


class VideoInfo(BaseModel):
    chunk_frames: int = 77
    max_chunks: int = 12
    lora_node: str | None = None
    lora_steps: int | None = None
    lora_cfg: float | None = None


class Manifest(BaseModel):
    """What the titles cannot say: display text, files, packs, sizes and defaults."""

    model_config = ConfigDict(extra="forbid")
    stage: Stage
    name: str
    description: str = ""
    required: list[str] = Field(default_factory=list)
    models: list[ModelFile] = Field(default_factory=list)
    node_packs: list[NodePack] = Field(default_factory=list)
    server_versions: list[str] = Field(default_factory=list)
    sizes_12gb: list[tuple[int, int]] = Field(default_factory=list)
    defaults: dict[str, Any] = Field(default_factory=dict)
    fps: float | None = None
    video: VideoInfo | None = None
    notes: str = ""

    @field_validator("sizes_12gb")
    @classmethod
    def _positive_sizes(cls, value: list[tuple[int, int]]) -> list[tuple[int, int]]:
        for w, h in value:
            if w <= 0 or h <= 0:
                raise ValueError(f"size {w}x{h} is not positive")
        return value


class ManifestFile(BaseModel):
    """`workflows/manifest.json`: file name -> manifest."""

    model_config = ConfigDict(extra="forbid")
    workflows: dict[str, Manifest]
