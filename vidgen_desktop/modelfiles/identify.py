"""Tell a model file's family, task, size and precision from its tensor names and shapes, the way
ComfyUI itself tells them apart when it loads a file (comfy/model_detection.py): a renamed
checkpoint, a fine-tune or an fp8 copy is still recognised for what it is.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from vidgen_desktop.modelfiles import identity as ids
from vidgen_desktop.modelfiles.header import Header, Tensor
from vidgen_desktop.modelfiles.identity import ModelIdentity

_DTYPES = {
    "F32": "fp32",
    "F16": "fp16",
    "BF16": "bf16",
    "F8_E4M3": "fp8_e4m3fn",
    "F8_E5M2": "fp8_e5m2",
    "F64": "fp64",
}
_LORA_MARKS = ("lora_down", "lora_up", "lora_A", "lora_B", "lora.down", "lora.up")
_WAN_SIZES = {1536: "1.3B", 3072: "5B", 5120: "14B"}
#: quantisation side tensors (ComfyUI's scaled fp8, nvfp4): not weights of the model
_SCALE_KEYS = (
    "scaled_fp8",
    ".scale_weight",
    ".scale_input",
    ".weight_scale",
    ".weight_scale_2",
    ".input_scale",
    ".comfy_quant",
)


def params_of(header: Header) -> int:
    """Weights as ComfyUI counts them: a checkpoint's diffusion model only, no scale tensors."""
    names = [n for n in header.tensors if not n.endswith(_SCALE_KEYS)]
    inner = [n for n in names if n.startswith("model.diffusion_model.")]
    return sum(header.tensors[n].count for n in (inner or names))


class _Keys:
    """Tensor lookups that ignore the wrapper prefix a file happens to use."""

    def __init__(self, header: Header) -> None:
        self.t = header.tensors
        # every dotted tail of every name, so a lookup is one dict access whatever the prefix
        self._tails: dict[str, str] = {}
        for name in self.t:
            parts = name.split(".")
            for i in range(len(parts)):
                self._tails.setdefault(".".join(parts[i:]), name)

    def find(self, suffix: str) -> tuple[str, Tensor] | None:
        name = self._tails.get(suffix)
        return (name, self.t[name]) if name is not None else None

    def has(self, suffix: str) -> bool:
        return self.find(suffix) is not None

    def shape(self, suffix: str) -> tuple[int, ...] | None:
        found = self.find(suffix)
        return found[1].shape if found else None

    def count(self, pattern: str) -> int:
        rx = re.compile(pattern)
        return len({m.group(1) for n in self.t if (m := rx.search(n))})


def precision_of(header: Header) -> str:
    by_weight: Counter[str] = Counter()
    for tensor in header.tensors.values():
        by_weight[tensor.dtype] += tensor.count
    if not by_weight:
        return ""
    dtype = by_weight.most_common(1)[0][0]
    label = _DTYPES.get(dtype, dtype)
    if dtype.startswith("F8") and (
        "_quantization_metadata" in header.metadata
        or any(n.endswith(_SCALE_KEYS) or n == "scaled_fp8" for n in header.tensors)
    ):
        label += " scaled"
    if header.format == "gguf" and dtype not in _DTYPES:
        label = dtype  # Q4_K, Q8_0…: the quantisation is the precision
    return label


def _sd_unet(k: _Keys) -> tuple[str, str] | None:
    found = k.find("input_blocks.0.0.weight")
    if found is None:
        return None
    in_ch = found[1].shape[1] if len(found[1].shape) > 1 else 4
    context = next(
        (t.shape[1] for n, t in k.t.items() if "attn2.to_k.weight" in n and len(t.shape) == 2),
        None,
    )
    adm = k.shape("label_emb.0.0.weight")
    inpaint = " inpainting" if in_ch == 9 else ""
    if context == 2048:
        return "SDXL", f"base{inpaint}"
    if context == 1280 or (adm and adm[1] == 2560):
        return "SDXL", "refiner"
    if context == 1024:
        return "SD 2.x", inpaint.strip()
    if context == 768:
        return "SD 1.5", inpaint.strip()
    return None


def _wan(k: _Keys) -> tuple[str, str] | None:
    mod = k.shape("head.modulation")
    patch = k.shape("patch_embedding.weight")
    if mod is None or patch is None:
        return None
    dim, in_dim = mod[-1], patch[1]
    size = _WAN_SIZES.get(dim, f"dim {dim}")
    if k.has("casual_audio_encoder.encoder.final_linear.weight"):
        return "Wan 2.2", f"S2V {size}"
    if k.has("vace_patch_embedding.weight"):
        return "Wan 2.1", f"VACE {size}"
    if k.has("audio_proj.audio_proj_glob_1.layer.bias") or k.has(
        "audio_proj.audio_proj_glob_1.layer.weight"
    ):
        return "Wan 2.2", f"HuMo {size}"
    if k.has("face_adapter.fuser_blocks.0.k_norm.weight"):
        return "Wan 2.2", f"Animate {size}"
    if in_dim == 48:
        return "Wan 2.2", f"TI2V {size}"
    if k.has("img_emb.proj.0.weight") or k.has("img_emb.proj.0.bias"):
        return "Wan 2.1", f"I2V {size}"
    if in_dim == 36:
        return "Wan 2.2", f"I2V {size}"
    return "Wan", f"T2V {size}"  # 2.1 and 2.2's T2V experts share every shape


def _diffusion(k: _Keys) -> tuple[str, str] | None:
    if k.has("double_stream_modulation_img.lin.weight"):
        return "Flux 2", ""
    if k.has("double_blocks.0.img_attn.norm.key_norm.scale") or k.has(
        "double_blocks.0.img_attn.qkv.weight"
    ):
        img_in = k.shape("img_in.weight")
        if img_in is not None and img_in[-1] == 384:
            return "Flux", "Fill"
        return "Flux", "dev" if k.has("guidance_in.in_layer.weight") else "schnell"
    if k.has("txt_norm.weight") and k.has("img_in.weight"):
        return "Qwen-Image", ""
    if k.has("joint_blocks.0.context_block.attn.qkv.weight"):
        return "SD 3", ""
    cap = k.shape("cap_embedder.1.weight")
    if cap is not None:
        if cap[0] == 3840 and cap[1] == 2560:
            return "Z-Image", ""
        return "Lumina 2", ""
    if k.has("genre_embedder.weight"):
        return "ACE-Step", "1.0"
    if k.has("encoder.lyric_encoder.layers.0.input_layernorm.weight"):
        return "ACE-Step", "1.5"
    return _wan(k) or _sd_unet(k)


def _text_encoder(k: _Keys) -> tuple[str, str] | None:
    shared = k.shape("shared.weight")
    if k.has("encoder.block.0.layer.0.SelfAttention.k.weight"):
        d_model = k.shape("encoder.block.0.layer.0.SelfAttention.k.weight")
        vocab = shared[0] if shared else None
        size = "XXL" if d_model and d_model[1] == 4096 else ""
        size = size or ("base" if d_model and d_model[1] == 768 else "")
        umt5 = "encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"
        if vocab == 256384 or k.has(umt5):
            return f"UMT5-{size}".rstrip("-"), ""
        return f"T5-{size}".rstrip("-"), ""
    clip = k.shape("text_model.encoder.layers.0.self_attn.k_proj.weight")
    if clip is not None:
        return {768: ("CLIP-L", ""), 1280: ("CLIP-G", ""), 1024: ("OpenCLIP-H", "")}.get(
            clip[0], ("CLIP", f"width {clip[0]}")
        )
    embed = k.shape("model.embed_tokens.weight") or k.shape("embed_tokens.weight")
    if embed is not None and k.count(r"layers\.(\d+)\.") > 0:
        vocab, hidden = embed
        norm = k.shape("layers.0.post_attention_layernorm.weight")
        hidden = norm[0] if norm else hidden
        if k.has("self_attn.q_norm.weight"):
            size = {2560: "4B", 4096: "8B", 2048: "1.7B", 1024: "0.6B"}.get(hidden, "")
            return f"Qwen3-{size}".rstrip("-"), ""
        if vocab in (151936, 152064):
            vl = "-VL" if k.has("visual.blocks.0.attn.qkv.weight") else ""
            size = {3584: "7B", 2048: "3B", 1536: "1.5B"}.get(hidden, "")
            return f"Qwen2.5{vl}-{size}".rstrip("-"), ""
        if vocab in (256000, 262144, 262208):
            return "Gemma", ""
        return "LLM", f"hidden {hidden}"
    return None


def _vae(k: _Keys) -> tuple[str, str] | None:
    if k.has("decoder.middle.0.residual.0.gamma"):
        if k.has("decoder.upsamples.0.upsamples.0.residual.2.weight"):
            return "Wan 2.2 VAE", "48 channels"
        return "Wan 2.1 VAE", "16 channels"
    conv = k.shape("decoder.conv_in.weight")
    if conv is not None and len(conv) == 4:
        z = conv[1]
        if z == 4:
            return "SD VAE", "SD 1.5 / SDXL, 4 channels"
        if z == 16:
            return "Flux VAE", "16 channels (Flux, SD 3, Z-Image)"
        return "VAE", f"{z} channels"
    if k.has("vocoder.backbone.channel_layers.0.0.bias"):
        return "ACE-Step audio VAE", "1.0 (music DCAE)"
    if k.has("decoder.layers.1.layers.0.beta"):
        return "Oobleck audio VAE", "ACE-Step 1.5 / Stable Audio"
    return None


def _audio_encoder(k: _Keys) -> tuple[str, str] | None:
    if k.has("feature_extractor.conv_layers.0.conv.weight"):
        norm = k.shape("encoder.layer_norm.bias")
        return "wav2vec2", "large" if norm and norm[0] == 1024 else "base"
    return None


def _lora(k: _Keys, header: Header) -> ModelIdentity | None:
    names = [n for n in k.t if any(m in n for m in _LORA_MARKS)]
    if len(names) < 2:
        return None
    downs = [k.t[n] for n in names if "lora_down" in n or "lora_A" in n or "lora.down" in n]
    rank = downs[0].shape[0] if downs and downs[0].shape else None
    joined = " ".join(names[:400])
    family, variant = "", ""
    if (
        "double_blocks" in joined
        or "single_transformer_blocks" in joined
        or "single_blocks" in joined
    ):
        family = "Flux"
    elif re.search(r"blocks[._]\d+[._](self_attn|cross_attn|ffn)", joined):
        family = "Wan"
        dim = next((t.shape[1] for n, t in k.t.items() if "self_attn" in n and t in downs), None)
        variant = _WAN_SIZES.get(dim or 0, "")
    elif re.search(r"layers[._]\d+[._]attention", joined):
        family = "Z-Image / Lumina 2"
    else:
        context = next(
            (t.shape[1] for n, t in k.t.items() if "attn2" in n and "to_k" in n and t in downs),
            None,
        )
        if context == 2048 or "lora_te2_" in joined:
            family = "SDXL"
        elif context == 768 or "lora_te_" in joined:
            family = "SD 1.5"
        elif context == 1024:
            family = "SD 2.x"
    base = str(header.metadata.get("ss_base_model_version", "")).lower()
    if not family and base:
        family = "SDXL" if "xl" in base else "SD 1.5" if "v1" in base else ""
    return ModelIdentity(
        folder="",
        file="",
        kind=ids.LORA,
        family=family,
        variant=variant,
        for_family=family,
        rank=rank,
        note="" if family else "a LoRA for a model this app does not know",
    )


def identify(header: Header, folder: str, file: str, size: int | None = None) -> ModelIdentity:
    """What the header says this file is; never raises (an unknown file says so)."""
    k = _Keys(header)
    base: dict[str, Any] = {
        "folder": folder,
        "file": file,
        "bytes": size,
        "source": "header",
        "precision": precision_of(header),
        "params": params_of(header) or None,
    }
    lora = _lora(k, header)
    if lora is not None:
        return lora.model_copy(update=base)
    if header.format == "gguf":
        arch = str(header.metadata.get("general.architecture", ""))
        gguf_family = {
            "wan": _wan(k),
            "flux": ("Flux", ""),
            "sdxl": ("SDXL", ""),
            "sd1": ("SD 1.5", ""),
        }.get(arch)
        if arch in ("qwen3", "qwen2", "t5", "t5encoder"):
            gguf_family = _text_encoder(k) or (arch, "")
        if gguf_family:
            kind = ids.TEXT_ENCODER if arch.startswith(("qwen", "t5")) else ids.DIFFUSION_MODEL
            return ModelIdentity(kind=kind, family=gguf_family[0], variant=gguf_family[1], **base)
    is_checkpoint = any(n.startswith("model.diffusion_model.") for n in header.tensors)
    for kind, probe in (
        (ids.DIFFUSION_MODEL, _diffusion),
        (ids.TEXT_ENCODER, _text_encoder),
        (ids.VAE, _vae),
        (ids.AUDIO_ENCODER, _audio_encoder),
    ):
        found = probe(k)
        if found is not None:
            if (
                kind == ids.DIFFUSION_MODEL
                and is_checkpoint
                and (
                    any(n.startswith(("first_stage_model.", "vae.")) for n in header.tensors)
                    or found[0] in ("SD 1.5", "SD 2.x", "SDXL", "ACE-Step")
                )
            ):
                kind = ids.CHECKPOINT
            return ModelIdentity(kind=kind, family=found[0], variant=found[1], **base)
    return ModelIdentity(note="no tensor names this app knows", **base)


__all__ = ["identify", "params_of", "precision_of"]
