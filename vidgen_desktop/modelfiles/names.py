"""The best guess when the file itself cannot be read (a remote ComfyUI): its name, its folder,
and what the server tells from the header's `__metadata__` (`/view_metadata`: `modelspec.*`,
kohya's `ss_*`). Every answer made here is marked "guessed from the name"."""

from __future__ import annotations

import re
from typing import Any

from vidgen_desktop.modelfiles import identity as ids
from vidgen_desktop.modelfiles.identity import ModelIdentity

FOLDER_KINDS = {
    "checkpoints": ids.CHECKPOINT,
    "diffusion_models": ids.DIFFUSION_MODEL,
    "unet": ids.DIFFUSION_MODEL,
    "text_encoders": ids.TEXT_ENCODER,
    "clip": ids.TEXT_ENCODER,
    "vae": ids.VAE,
    "audio_encoders": ids.AUDIO_ENCODER,
    "loras": ids.LORA,
}

# (pattern on the lower-cased name, family); first match wins, so specific before general
_FAMILIES: list[tuple[str, str]] = [
    (r"wan[_\-. ]?2[._]?2", "Wan 2.2"),
    (r"wan[_\-. ]?2[._]?1", "Wan 2.1"),
    (r"umt5", "UMT5-XXL"),
    (r"t5[_\-]?xxl", "T5-XXL"),
    (r"z[_\-]?image", "Z-Image"),
    (r"qwen[_\-]?3[_\-]?4b", "Qwen3-4B"),
    (r"qwen[_\-]?2[._]?5[_\-]?vl", "Qwen2.5-VL"),
    (r"flux", "Flux"),
    (r"sd[_\-]?xl|sdxl|xl[_\-]base|pony|illustrious", "SDXL"),
    (r"sd[_\-]?3", "SD 3"),
    (r"v1[_\-]5|sd[_\-]?1[._]?5|sd15", "SD 1.5"),
    (r"v2[_\-]1|sd[_\-]?2", "SD 2.x"),
    (r"ace[_\-]?step", "ACE-Step"),
    (r"wav2vec", "wav2vec2"),
    (r"clip[_\-]?l\b|clip_l", "CLIP-L"),
    (r"clip[_\-]?g\b|clip_g", "CLIP-G"),
]

_TASKS = [(r"s2v", "S2V"), (r"ti2v", "TI2V"), (r"i2v", "I2V"), (r"t2v", "T2V"), (r"vace", "VACE")]
_SIZES = r"(?<![\d.])(\d+(?:\.\d+)?)b(?![a-z0-9])"
_ACE_VERSION = r"ace[_\-]?step[_\-]?v?(\d(?:\.\d)?)(?![\d.]*b)"
_PRECISIONS = [
    (r"fp8[_\-]?e4m3fn[_\-]?scaled|fp8[_\-]?scaled", "fp8_e4m3fn scaled"),
    (r"fp8[_\-]?e4m3fn|fp8", "fp8_e4m3fn"),
    (r"fp8[_\-]?e5m2", "fp8_e5m2"),
    (r"bf16", "bf16"),
    (r"fp16|f16|half", "fp16"),
    (r"fp32|f32", "fp32"),
    (r"\b(q\d_k(?:_[sml])?|q\d_\d|iq\d_\w+)\b", "GGUF"),
]

# modelspec.architecture values (the Stability model-spec) and kohya's ss_base_model_version
_SPEC_FAMILIES = [
    ("stable-diffusion-xl", "SDXL"),
    ("sdxl", "SDXL"),
    ("stable-diffusion-v1", "SD 1.5"),
    ("sd_v1", "SD 1.5"),
    ("stable-diffusion-v2", "SD 2.x"),
    ("sd_v2", "SD 2.x"),
    ("stable-diffusion-3", "SD 3"),
    ("flux", "Flux"),
    ("wan", "Wan"),
]


def _family_in(text: str) -> str:
    for pattern, family in _FAMILIES:
        if re.search(pattern, text):
            return family
    return ""


def _kind(folder: str, name: str) -> str:
    if "lora" in name or "lightx2v" in name and "lora" in name:
        return ids.LORA
    top = folder.split("/")[0]
    if top in FOLDER_KINDS:
        return FOLDER_KINDS[top]
    if name.endswith("vae.safetensors") or name == "ae.safetensors":
        return ids.VAE
    return ids.UNKNOWN


def guess(
    folder: str, file: str, size: int | None = None, metadata: dict[str, Any] | None = None
) -> ModelIdentity:
    name = file.replace("\\", "/").lower()
    base = name.rsplit("/", 1)[-1]
    kind = _kind(folder, base)
    family = _family_in(base) or _family_in(name)
    metadata = metadata or {}
    spec = str(metadata.get("modelspec.architecture") or metadata.get("ss_base_model_version", ""))
    for marker, spec_family in _SPEC_FAMILIES:
        if marker in spec.lower():
            family = family if family.startswith(spec_family) else spec_family
            break
    variant = ""
    for pattern, task in _TASKS:
        if re.search(pattern, base):
            variant = task
            break
    ace = re.search(_ACE_VERSION, base) if family == "ACE-Step" else None
    if ace:
        version = ace.group(1)
        variant = f"{version}.0" if "." not in version else version
    size_match = re.search(_SIZES, base)
    if size_match and family.startswith(("Wan", "ACE", "Z-Image")):
        variant = f"{variant} {size_match.group(1)}B".strip()
    if "turbo" in base:
        variant = f"{variant} turbo".strip()
    if kind == ids.VAE and not family and base in ("ae.safetensors", "ae.sft"):
        family = "Flux"  # the name Black Forest Labs gave the Flux (and Z-Image) VAE
    if kind == ids.VAE and family and "VAE" not in family:
        family = f"{family} VAE"
    precision = ""
    for pattern, label in _PRECISIONS:
        found = re.search(pattern, base)
        if found:
            precision = found.group(1).upper() if label == "GGUF" else label
            break
    lora = kind == ids.LORA
    return ModelIdentity(
        folder=folder,
        file=file,
        kind=kind,
        family=family,
        variant=variant,
        for_family=family if lora else "",
        precision=precision,
        bytes=size,
        source="name",
        rank=_int(metadata.get("ss_network_dim")) if lora else None,
        note=""
        if family
        else "the name does not say which model it is for"
        if lora
        else "the name says nothing about the model",
    )


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


__all__ = ["FOLDER_KINDS", "guess"]
