"""Image size presets by aspect ratio, sized for the chosen workflow's model on a 12 GB card.

A workflow's manifest may list tested sizes (`sizes_12gb`); the preset for an aspect is the listed
size closest to it. Without a list (a user's own workflow) we aim at about one megapixel, the size
SDXL and Z-Image were trained around, rounded to the latent grid the model needs.
Shared by the Image panel and `vidgen image --aspect`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vidgen_desktop.workflow import Workflow

#: (label, width part, height part), in the order the panel lists them
ASPECTS: tuple[tuple[str, int, int], ...] = (
    ("9:16", 9, 16),
    ("16:9", 16, 9),
    ("1:1", 1, 1),
    ("4:5", 4, 5),
)
TARGET_PIXELS = 1024 * 1024
#: latent classes that accept any multiple of 16; the SD/SDXL latent is best at multiples of 64
_FINE_GRID = {"EmptySD3LatentImage", "EmptyHunyuanLatentVideo", "EmptyFluxLatentImage"}


@dataclass(frozen=True)
class SizePreset:
    aspect: str
    width: int
    height: int

    @property
    def label(self) -> str:
        return f"{self.aspect} · {self.width} × {self.height} px"

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


def grid_for(workflow: Workflow | None) -> int:
    """Which multiple the size must be: 16 for latents that accept it, else 64 (SD/SDXL)."""
    if workflow is None:
        return 64
    for binding in workflow.bindings.get("width", []):
        if binding.class_type in _FINE_GRID:
            return 16
    return 64


def snap(value: float, grid: int) -> int:
    return max(grid, int(round(value / grid)) * grid)


def computed_size(
    w_part: int, h_part: int, grid: int, pixels: int = TARGET_PIXELS
) -> tuple[int, int]:
    ratio = w_part / h_part
    return snap(math.sqrt(pixels * ratio), grid), snap(math.sqrt(pixels / ratio), grid)


def presets(workflow: Workflow | None) -> list[SizePreset]:
    """One preset per aspect in ASPECTS: the manifest's closest tested size, else ~1 MP."""
    listed = list(workflow.manifest.sizes_12gb) if workflow is not None else []
    grid = grid_for(workflow)
    out: list[SizePreset] = []
    for label, w_part, h_part in ASPECTS:
        wanted = w_part / h_part
        best = min(listed, key=lambda s: abs(math.log((s[0] / s[1]) / wanted)), default=None)
        if best is not None and abs(math.log((best[0] / best[1]) / wanted)) < 0.08:
            out.append(SizePreset(label, int(best[0]), int(best[1])))
        else:
            w, h = computed_size(w_part, h_part, grid)
            out.append(SizePreset(label, w, h))
    return out


def preset_for(workflow: Workflow | None, aspect: str) -> SizePreset:
    """The preset for an aspect label ("9:16"…); ValueError for an unknown label."""
    for preset in presets(workflow):
        if preset.aspect == aspect:
            return preset
    raise ValueError(f"unknown aspect {aspect!r}; use one of {', '.join(a[0] for a in ASPECTS)}")
