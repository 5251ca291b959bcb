"""Benchmark: what a draft costs next to the render it previews, for the shipped Wan 2.2 S2V
workflow and a 40 s video, in estimated sampler seconds (target: at most 1/15 of the full
render's). The model is fitted on the real H200 run recorded in
tests/data/transcripts/v0.25/comfyui_s2v_gpu_h200.json, so the seconds are that machine's; the
ratio is what matters and holds for any card.

Run: .venv/bin/python bench/bench_estimate.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.targets import verdict
from tests.workflow.test_estimate import h200_run
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.pipeline.draft import draft_request
from vidgen_desktop.pipeline.estimate import estimate, shape_of
from vidgen_desktop.pipeline.inputs import VideoInputs, video_request
from vidgen_desktop.workflow import Stage, named_workflow

GB = 1024**3


def main() -> int:
    wf = named_workflow("video_wan22_s2v", Stage.VIDEO)
    run = h200_run()
    for label, card in (
        ("12 GB card (4-step LoRA default)", 12 * GB),
        ("80 GB card (20 steps)", 80 * GB),
    ):
        inputs = VideoInputs(
            image=Path("i.png"),
            audio=Path("a.wav"),
            positive="talks",
            seconds=40.0,
            card_bytes=card,
        )
        full, _plan = video_request(wf, inputs)
        draft, _notes = draft_request(wf, inputs)
        whole, preview = estimate([run], shape_of(full)), estimate([run], shape_of(draft))
        ratio = preview.parts["sample"] / whole.parts["sample"]
        print(
            f"{label}: render {format_duration(whole.seconds or 0)} "
            f"(sampling {format_duration(whole.parts['sample'])}), draft "
            f"{format_duration(preview.seconds or 0)} (sampling "
            f"{format_duration(preview.parts['sample'])}) on the recorded H200"
        )
        print(
            verdict(
                f"draft / render sampler work, {label}",
                ratio,
                1 / 15,
                "×",
                detail=f"1/{1 / ratio:.0f}",
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
