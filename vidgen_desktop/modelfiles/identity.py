"""What a model file is, in words a user choosing between downloads recognises, and the JSON
shape `vidgen models --json` prints (one object per file)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: kinds, named after the ComfyUI folder they normally live in
CHECKPOINT = "checkpoint"
DIFFUSION_MODEL = "diffusion model"
TEXT_ENCODER = "text encoder"
VAE = "VAE"
AUDIO_ENCODER = "audio encoder"
LORA = "LoRA"
UNKNOWN = "unknown"


class ModelIdentity(BaseModel):
    folder: str = Field(description="ComfyUI model folder, e.g. diffusion_models")
    file: str = Field(description="name as ComfyUI lists it (may hold a subfolder)")
    kind: str = UNKNOWN
    family: str = Field(default="", description="SD 1.5, SDXL, Flux, Z-Image, Wan 2.2, UMT5-XXL…")
    variant: str = Field(default="", description="task and size: S2V 14B, base, dev, turbo…")
    precision: str = Field(default="", description="fp16, bf16, fp32, fp8_e4m3fn (scaled), Q4_K…")
    params: int | None = Field(default=None, description="number of weights in the file")
    bytes: int | None = None
    source: Literal["header", "name"] = "name"
    for_family: str = Field(default="", description="a LoRA's base model")
    rank: int | None = Field(default=None, description="a LoRA's rank")
    note: str = ""

    @property
    def known(self) -> bool:
        return bool(self.family)

    def params_text(self) -> str:
        if not self.params:
            return ""
        n = float(self.params)
        for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
            if n >= scale:
                value = n / scale
                return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
        return str(self.params)

    def describe(self) -> str:
        """One line: "Wan 2.2 S2V 14B diffusion model · fp8_e4m3fn scaled · 16.4B · 16.4 GB"."""
        if not self.known:
            what = f"not recognised ({self.note})" if self.note else "not recognised"
        else:
            kind = "" if self.family.endswith(self.kind) else self.kind
            what = " ".join(p for p in (self.family, self.variant, kind) if p)
            if self.rank:
                what += f" (rank {self.rank})"
        parts = [what]
        if self.precision:
            parts.append(self.precision)
        if self.params_text():
            parts.append(f"{self.params_text()} weights")
        if self.bytes:
            parts.append(
                f"{self.bytes / 1e9:.1f} GB" if self.bytes >= 1e8 else f"{self.bytes / 1e6:.0f} MB"
            )
        if self.source == "name":
            parts.append("guessed from the name")
        return " · ".join(parts)


__all__ = [
    "AUDIO_ENCODER",
    "CHECKPOINT",
    "DIFFUSION_MODEL",
    "LORA",
    "TEXT_ENCODER",
    "UNKNOWN",
    "VAE",
    "ModelIdentity",
]
