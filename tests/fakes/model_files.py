"""Model files for tests: real safetensors headers (the tensor names and shapes the published
files carry, as ComfyUI's model detection reads them) over sparse data, so a "16 GB" Wan file
costs a few hundred kilobytes of disk; and GGUF files written with the `gguf` package.

Each family lists its distinguishing tensors plus enough repeated blocks that the header is as
big as the real one's (hundreds of tensors), which keeps the header-reading benchmark honest.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1}

Spec = dict[str, tuple[str, list[int]]]


def write_safetensors(
    path: Path, tensors: Spec, metadata: dict[str, str] | None = None, *, sparse: bool = True
) -> Path:
    header: dict[str, object] = {}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        size = math.prod(shape) * _BYTES[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)))
        fh.write(raw)
        if sparse and offset:
            fh.seek(offset - 1, 1)
            fh.write(b"\0")
        else:
            fh.write(b"\0" * offset)
    return path


def _blocks(n: int, pattern: dict[str, tuple[str, list[int]]]) -> Spec:
    return {name.format(i=i): spec for i in range(n) for name, spec in pattern.items()}


def sd15_checkpoint() -> Spec:
    p = "model.diffusion_model."
    spec: Spec = {
        f"{p}input_blocks.0.0.weight": ("F16", [320, 4, 3, 3]),
        f"{p}input_blocks.1.1.proj_in.weight": ("F16", [320, 320, 1, 1]),
        f"{p}input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight": ("F16", [320, 768]),
        "first_stage_model.decoder.conv_in.weight": ("F16", [512, 4, 3, 3]),
    }
    spec |= _blocks(
        12,
        {
            "cond_stage_model.transformer.text_model.encoder.layers.{i}.self_attn.k_proj.weight": (
                "F16",
                [768, 768],
            ),
        },
    )
    spec |= _blocks(11, {f"{p}output_blocks.{{i}}.0.in_layers.2.weight": ("F16", [320, 640, 3, 3])})
    return spec


def sdxl_checkpoint() -> Spec:
    p = "model.diffusion_model."
    spec: Spec = {
        f"{p}input_blocks.0.0.weight": ("F16", [320, 4, 3, 3]),
        f"{p}input_blocks.4.1.proj_in.weight": ("F16", [640, 640]),
        f"{p}input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight": ("F16", [640, 2048]),
        f"{p}label_emb.0.0.weight": ("F16", [1280, 2816]),
        "first_stage_model.decoder.conv_in.weight": ("F16", [512, 4, 3, 3]),
    }
    spec |= _blocks(
        10,
        {
            f"{p}input_blocks.7.1.transformer_blocks.{{i}}.attn1.to_q.weight": (
                "F16",
                [1280, 1280],
            ),
            "conditioner.embedders.1.model.transformer.resblocks.{i}.attn.in_proj_weight": (
                "F16",
                [3840, 1280],
            ),
        },
    )
    return spec


def flux_dev() -> Spec:
    spec: Spec = {
        "img_in.weight": ("BF16", [3072, 64]),
        "guidance_in.in_layer.weight": ("BF16", [3072, 256]),
        "txt_in.weight": ("BF16", [3072, 4096]),
    }
    spec |= _blocks(
        19,
        {
            "double_blocks.{i}.img_attn.qkv.weight": ("BF16", [9216, 3072]),
            "double_blocks.{i}.img_attn.norm.key_norm.scale": ("BF16", [128]),
        },
    )
    spec |= _blocks(38, {"single_blocks.{i}.linear1.weight": ("BF16", [21504, 3072])})
    return spec


def z_image() -> Spec:
    spec: Spec = {
        "cap_embedder.1.weight": ("BF16", [3840, 2560]),
        "noise_refiner.0.attention.k_norm.weight": ("BF16", [128]),
        "context_refiner.0.attention.qkv.weight": ("BF16", [11520, 3840]),
    }
    spec |= _blocks(
        30,
        {
            "layers.{i}.attention.qkv.weight": ("BF16", [11520, 3840]),
            "layers.{i}.feed_forward.w1.weight": ("BF16", [10240, 3840]),
        },
    )
    return spec


def wan(
    dim: int, layers: int, in_dim: int = 16, *, extra: Spec | None = None, fp8: bool = False
) -> Spec:
    dtype = "F8_E4M3" if fp8 else "BF16"
    spec: Spec = {
        "head.modulation": ("F32", [1, 2, dim]),
        "head.head.weight": ("BF16", [64, dim]),
        "patch_embedding.weight": ("BF16", [dim, in_dim, 1, 2, 2]),
        "text_embedding.2.weight": ("BF16", [dim, dim]),
    }
    spec |= _blocks(
        layers,
        {
            "blocks.{i}.self_attn.q.weight": (dtype, [dim, dim]),
            "blocks.{i}.self_attn.k.weight": (dtype, [dim, dim]),
            "blocks.{i}.cross_attn.k.weight": (dtype, [dim, dim]),
            "blocks.{i}.ffn.0.weight": (dtype, [dim * 27 // 10, dim]),
        },
    )
    if fp8:
        spec["scaled_fp8"] = ("F8_E4M3", [0])
        spec |= _blocks(layers, {"blocks.{i}.self_attn.q.scale_weight": ("F32", [])})
    return spec | (extra or {})


def wan22_s2v_14b_fp8() -> Spec:
    return wan(
        5120,
        40,
        extra={
            "casual_audio_encoder.encoder.final_linear.weight": ("BF16", [5120, 1024]),
        },
        fp8=True,
    )


def wan21_i2v_14b() -> Spec:
    return wan(5120, 40, 36, extra={"img_emb.proj.0.bias": ("BF16", [1280])})


def umt5_xxl_fp8() -> Spec:
    spec: Spec = {"shared.weight": ("F8_E4M3", [256384, 4096])}
    spec |= _blocks(
        24,
        {
            "encoder.block.{i}.layer.0.SelfAttention.k.weight": ("F8_E4M3", [4096, 4096]),
            "encoder.block.{i}.layer.0.SelfAttention.relative_attention_bias.weight": (
                "F16",
                [32, 64],
            ),
            "encoder.block.{i}.layer.0.SelfAttention.k.scale_weight": ("F32", []),
        },
    )
    spec["scaled_fp8"] = ("F8_E4M3", [0])
    return spec


def qwen3_4b() -> Spec:
    spec: Spec = {"model.embed_tokens.weight": ("BF16", [151936, 2560])}
    spec |= _blocks(
        36,
        {
            "model.layers.{i}.self_attn.q_proj.weight": ("BF16", [4096, 2560]),
            "model.layers.{i}.self_attn.q_norm.weight": ("BF16", [128]),
            "model.layers.{i}.post_attention_layernorm.weight": ("BF16", [2560]),
        },
    )
    return spec


def flux_vae() -> Spec:
    return {
        "decoder.conv_in.weight": ("F32", [512, 16, 3, 3]),
        "encoder.conv_out.weight": ("F32", [32, 512, 3, 3]),
    }


def sd_vae() -> Spec:
    return {"decoder.conv_in.weight": ("F32", [512, 4, 3, 3])}


def wan21_vae() -> Spec:
    return {
        "decoder.middle.0.residual.0.gamma": ("BF16", [384, 1, 1, 1]),
        "decoder.conv1.weight": ("BF16", [384, 16, 3, 3, 3]),
        "encoder.conv1.weight": ("BF16", [96, 3, 3, 3, 3]),
    }


def wav2vec2_large() -> Spec:
    spec: Spec = {
        "feature_extractor.conv_layers.0.conv.weight": ("F16", [512, 1, 10]),
        "encoder.layer_norm.bias": ("F16", [1024]),
    }
    spec |= _blocks(24, {"encoder.layers.{i}.attention.k_proj.weight": ("F16", [1024, 1024])})
    return spec


def ace_step_v1() -> Spec:
    p = "model.diffusion_model."
    spec: Spec = {
        f"{p}genre_embedder.weight": ("BF16", [2560, 2560]),
        "vae.vocoder.backbone.channel_layers.0.0.bias": ("F32", [512]),
    }
    spec |= _blocks(24, {f"{p}transformer_blocks.{{i}}.attn.to_q.weight": ("BF16", [2560, 2560])})
    return spec


def wan_lora(rank: int = 64, dim: int = 5120, layers: int = 40) -> Spec:
    return _blocks(
        layers,
        {
            "diffusion_model.blocks.{i}.self_attn.q.lora_down.weight": ("BF16", [rank, dim]),
            "diffusion_model.blocks.{i}.self_attn.q.lora_up.weight": ("BF16", [dim, rank]),
            "diffusion_model.blocks.{i}.self_attn.q.alpha": ("F32", []),
        },
    )


def sdxl_lora(rank: int = 32) -> Spec:
    return {
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_down.weight": (
            "F16",
            [rank, 2048],
        ),
        "lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k.lora_up.weight": (
            "F16",
            [640, rank],
        ),
        "lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight": ("F16", [rank, 1280]),
        "lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_up.weight": ("F16", [5120, rank]),
    }


def sd15_lora(rank: int = 16) -> Spec:
    return {
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight": (
            "F16",
            [rank, 768],
        ),
        "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight": (
            "F16",
            [320, rank],
        ),
        "lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight": ("F16", [rank, 768]),
    }


def write_gguf_wan(path: Path, dim: int = 1536, layers: int = 2) -> Path:
    """A Wan diffusion model quantised to Q8_0, the way city96's converter writes one."""
    import gguf
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    w = gguf.GGUFWriter(str(path), arch="wan")
    w.add_name("wan2.1-t2v-test")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tensor("head.modulation", np.zeros((1, 2, dim), np.float32))
    w.add_tensor("patch_embedding.weight", np.zeros((dim, 16, 1, 2, 2), np.float16))
    for i in range(layers):
        q = gguf.quants.quantize(np.zeros((dim, dim), np.float32), gguf.GGMLQuantizationType.Q8_0)
        w.add_tensor(f"blocks.{i}.self_attn.q.weight", q, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
