"""Every model file the shipped workflows load, as sparse files with the real headers of their
families, laid out in a ComfyUI models folder: a machine where everything is installed."""

from __future__ import annotations

from pathlib import Path

from tests.fakes import model_files as mf
from vidgen_desktop.workflow import shipped_workflows


def ace_step_15() -> mf.Spec:
    p = "model.diffusion_model."
    return {
        f"{p}encoder.lyric_encoder.layers.0.input_layernorm.weight": ("BF16", [2048]),
        f"{p}decoder.layers.0.self_attn.q_proj.weight": ("BF16", [2048, 2048]),
        "vae.decoder.layers.1.layers.0.beta": ("F32", [1024]),
    }


BUILDERS = {
    "z_image_turbo_bf16.safetensors": mf.z_image,
    "qwen_3_4b.safetensors": mf.qwen3_4b,
    "ae.safetensors": mf.flux_vae,
    "sd_xl_base_1.0.safetensors": mf.sdxl_checkpoint,
    "ace_step_1.5_turbo_aio.safetensors": ace_step_15,
    "ace_step_v1_3.5b.safetensors": mf.ace_step_v1,
    "wan2.2_s2v_14B_fp8_scaled.safetensors": mf.wan22_s2v_14b_fp8,
    "umt5_xxl_fp8_e4m3fn_scaled.safetensors": mf.umt5_xxl_fp8,
    "wan_2.1_vae.safetensors": mf.wan21_vae,
    "wav2vec2_large_english_fp16.safetensors": mf.wav2vec2_large,
    "wan2.2_t2v_lightx2v_4steps_lora_v1.1_high_noise.safetensors": mf.wan_lora,
}


def install_shipped_models(models: Path, skip: tuple[str, ...] = ()) -> Path:
    """`models` is ComfyUI/models; returns it."""
    for wf in shipped_workflows():
        for model in wf.manifest.models:
            if model.file in skip:
                continue
            mf.write_safetensors(models / model.folder / model.file, BUILDERS[model.file]())
    return models
