"""What a file is, from its header: every family the shipped workflows load, renamed files, fp8
copies, LoRAs with the model they are for, a GGUF quantisation, and files that are not models."""

from __future__ import annotations

import os
import struct

import pytest

from tests.fakes import model_files as mf
from vidgen_desktop.modelfiles.catalog import HeaderCache, identify_path
from vidgen_desktop.modelfiles.header import BadModelFile, read_header
from vidgen_desktop.modelfiles.identify import identify

CASES = [
    # (builder, folder, kind, family, variant contains, precision)
    (mf.sd15_checkpoint, "checkpoints", "checkpoint", "SD 1.5", "", "fp16"),
    (mf.sdxl_checkpoint, "checkpoints", "checkpoint", "SDXL", "base", "fp16"),
    (mf.flux_dev, "diffusion_models", "diffusion model", "Flux", "dev", "bf16"),
    (mf.z_image, "diffusion_models", "diffusion model", "Z-Image", "", "bf16"),
    (
        mf.wan22_s2v_14b_fp8,
        "diffusion_models",
        "diffusion model",
        "Wan 2.2",
        "S2V 14B",
        "fp8_e4m3fn scaled",
    ),
    (mf.wan21_i2v_14b, "diffusion_models", "diffusion model", "Wan 2.1", "I2V 14B", "bf16"),
    (lambda: mf.wan(1536, 30), "diffusion_models", "diffusion model", "Wan", "T2V 1.3B", "bf16"),
    (
        lambda: mf.wan(3072, 30, 48),
        "diffusion_models",
        "diffusion model",
        "Wan 2.2",
        "TI2V 5B",
        "bf16",
    ),
    (mf.umt5_xxl_fp8, "text_encoders", "text encoder", "UMT5-XXL", "", "fp8_e4m3fn scaled"),
    (mf.qwen3_4b, "text_encoders", "text encoder", "Qwen3-4B", "", "bf16"),
    (mf.flux_vae, "vae", "VAE", "Flux VAE", "16 channels", "fp32"),
    (mf.sd_vae, "vae", "VAE", "SD VAE", "4 channels", "fp32"),
    (mf.wan21_vae, "vae", "VAE", "Wan 2.1 VAE", "", "bf16"),
    (mf.wav2vec2_large, "audio_encoders", "audio encoder", "wav2vec2", "large", "fp16"),
    (mf.ace_step_v1, "checkpoints", "checkpoint", "ACE-Step", "1.0", "bf16"),
]


@pytest.mark.parametrize(("build", "folder", "kind", "family", "variant", "precision"), CASES)
def test_each_family_is_told_from_its_header(
    tmp_path, build, folder, kind, family, variant, precision
):
    path = mf.write_safetensors(tmp_path / "model.safetensors", build())
    ident = identify(read_header(path), folder, path.name, path.stat().st_size)
    assert (ident.kind, ident.family, ident.precision) == (kind, family, precision)
    assert variant in ident.variant
    assert ident.source == "header"
    assert ident.params and ident.params > 0


def test_a_renamed_checkpoint_is_what_its_header_says(tmp_path):
    path = mf.write_safetensors(tmp_path / "sd_xl_base_1.0.safetensors", mf.sd15_checkpoint())
    ident = identify_path(path, "checkpoints", path.name)
    assert ident.family == "SD 1.5"
    assert ident.describe().startswith("SD 1.5 checkpoint · fp16")


def test_the_s2v_file_reports_its_weights_and_size_not_the_scale_tensors(tmp_path):
    path = mf.write_safetensors(tmp_path / "w.safetensors", mf.wan22_s2v_14b_fp8())
    ident = identify_path(path, "diffusion_models", path.name)
    header = read_header(path)
    with_scales = header.params()
    assert ident.params is not None and ident.params < with_scales
    assert ident.params == with_scales - 40  # one scalar scale per block, not a weight
    assert ident.bytes == path.stat().st_size
    assert "Wan 2.2 S2V 14B diffusion model · fp8_e4m3fn scaled" in ident.describe()


@pytest.mark.parametrize(
    ("build", "family", "variant", "rank"),
    [
        (mf.wan_lora, "Wan", "14B", 64),
        (mf.sdxl_lora, "SDXL", "", 32),
        (mf.sd15_lora, "SD 1.5", "", 16),
    ],
)
def test_a_lora_says_which_model_it_is_for(tmp_path, build, family, variant, rank):
    path = mf.write_safetensors(tmp_path / "my_style.safetensors", build())
    ident = identify_path(path, "loras", path.name)
    assert (ident.kind, ident.family, ident.variant, ident.rank) == ("LoRA", family, variant, rank)
    assert ident.for_family == family


def test_a_gguf_quantisation_is_read_from_its_metadata(tmp_path):
    path = mf.write_gguf_wan(tmp_path / "wan2.1-t2v-1.3b-Q8_0.gguf")
    ident = identify_path(path, "diffusion_models", path.name)
    assert (ident.family, ident.variant, ident.precision) == ("Wan", "T2V 1.3B", "Q8_0")
    assert ident.source == "header"
    assert ident.params == 1 * 2 * 1536 + 1536 * 16 * 4 + 2 * 1536 * 1536


def test_a_gguf_file_renamed_to_safetensors_is_still_read_as_gguf(tmp_path):
    path = mf.write_gguf_wan(tmp_path / "looks_like.safetensors")
    assert read_header(path).format == "gguf"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x01\x02",
        struct.pack("<Q", 10**12) + b"{}",
        struct.pack("<Q", 50) + b"{not json",
        b"<html>an error page</html>" * 10,
    ],
)
def test_a_damaged_or_foreign_file_is_a_typed_error(tmp_path, content):
    path = tmp_path / "broken.safetensors"
    path.write_bytes(content)
    with pytest.raises(BadModelFile):
        read_header(path)
    ident = identify_path(path, "checkpoints", path.name)
    assert not ident.known and ident.source == "name" and ident.note


def test_a_pickle_is_named_but_never_opened(tmp_path):
    path = tmp_path / "v1-5-pruned.ckpt"
    path.write_bytes(b"\x80\x04not to be unpickled")
    ident = identify_path(path, "checkpoints", path.name)
    assert ident.family == "SD 1.5" and ident.source == "name"
    assert "pickle" in ident.note


def test_readings_are_cached_by_path_size_and_time(tmp_path):
    cache_file = tmp_path / "cache.json"
    path = mf.write_safetensors(tmp_path / "a.safetensors", mf.flux_vae())
    cache = HeaderCache(cache_file)
    assert identify_path(path, "vae", path.name, cache).family == "Flux VAE"
    cache.save()
    before = path.stat()
    # other bytes with the same size and time: the cached reading is used, nothing is re-read
    path.write_bytes(b"\0" * before.st_size)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert identify_path(path, "vae", path.name, HeaderCache(cache_file)).family == "Flux VAE"
    # a new modification time: read again (and now it is not a model)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    assert not identify_path(path, "vae", path.name, HeaderCache(cache_file)).known
