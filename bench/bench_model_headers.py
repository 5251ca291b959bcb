"""Benchmark: read and identify the headers of 200 model files (target: ≤ 1 s median, cold —
no cache — as the first `vidgen models` or Set-up check on a full models folder does), and
the same folder again through the header cache.

The files are sparse, with the tensor tables of the real families (a Wan 14B file's ~330
tensors, UMT5's, a LoRA's…), in the mix a models folder holds: mostly diffusion models, text
encoders and LoRAs, a few VAEs, checkpoints and GGUF files.

Run: .venv/bin/python bench/bench_model_headers.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.targets import verdict
from tests.fakes import model_files as mf
from vidgen_desktop.modelfiles.catalog import HeaderCache, scan_local

MIX = [
    ("diffusion_models", mf.wan22_s2v_14b_fp8, 40),
    ("diffusion_models", mf.flux_dev, 20),
    ("diffusion_models", mf.z_image, 15),
    ("text_encoders", mf.umt5_xxl_fp8, 25),
    ("text_encoders", mf.qwen3_4b, 20),
    ("loras", mf.wan_lora, 30),
    ("loras", mf.sdxl_lora, 20),
    ("vae", mf.wan21_vae, 8),
    ("vae", mf.flux_vae, 6),
    ("checkpoints", mf.sdxl_checkpoint, 8),
    ("checkpoints", mf.sd15_checkpoint, 4),
    ("audio_encoders", mf.wav2vec2_large, 2),
]


def build(root: Path) -> int:
    count = 0
    for folder, builder, n in MIX:
        spec = builder()
        for i in range(n):
            mf.write_safetensors(root / folder / f"{builder.__name__}_{i}.safetensors", spec)
            count += 1
    mf.write_gguf_wan(root / "diffusion_models" / "wan_q8_0.gguf")
    mf.write_gguf_wan(root / "diffusion_models" / "wan_q8_1.gguf")
    return count + 2


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "models"
        n = build(root)
        dirs = {f: [root / f] for f, _, _ in MIX}
        cold, warm = [], []
        for _ in range(7):
            started = time.perf_counter()
            catalog = scan_local(dirs, None)
            cold.append(time.perf_counter() - started)
        cache = HeaderCache(Path(tmp) / "cache.json")
        scan_local(dirs, cache)
        for _ in range(7):
            again = HeaderCache(Path(tmp) / "cache.json")
            started = time.perf_counter()
            scan_local(dirs, again)
            warm.append(time.perf_counter() - started)
        known = sum(1 for f in catalog.files if f.known)
        print(f"files: {len(catalog.files)} ({known} recognised) of {n} written")
        print(
            verdict(
                "headers of 200 files read and identified, no cache (median of 7)",
                statistics.median(cold),
                1.0,
                "s",
                detail=f"fastest {min(cold):.3f} s, slowest {max(cold):.3f} s",
            )
        )
        print(
            verdict(
                "the same folder through the header cache (median of 7)",
                statistics.median(warm),
                1.0,
                "s",
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
