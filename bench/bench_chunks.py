"""Benchmark: what rendering a video chunk by chunk adds, and what the job ledger costs.

1. The chunk boundary for a 480×832 chunk: from ComfyUI's `execution_success` of chunk k to
   its POST /prompt of chunk k+1, i.e. our download of the chunk's latent (16 × 20 × 104 × 60
   float32 ≈ 8 MB) and its silent preview MP4, the ledger entries, the upload of the latent
   back into the input folder and the next graph (target ≤ 1 s on this machine). Measured on
   a 4-chunk render against the fake ComfyUI (in this process: its threads compete with ours
   for the GIL, so the number is pessimistic).
2. One ledger write per job state change, in a project that already holds 200 jobs
   (target ≤ 5 ms median; the maximum is reported too). The window never writes it on its GUI
   thread (tests/projects/test_jobs_survive_quit.py checks that).

Run: .venv/bin/python bench/bench_chunks.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.targets import verdict
from tests.fakes.fake_comfy_data import PNG_1PX
from tests.fakes.media_files import tone_wav_bytes
from tests.voice_video.conftest import SCENE, StockedComfy
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.project import Project, Take
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.pipeline.inputs import VideoInputs, video_request
from vidgen_desktop.pipeline.ledger import JobRecord, Ledger
from vidgen_desktop.workflow import Stage, named_workflow

LATENT_BYTES = 16 * 20 * 104 * 60 * 4  # 480×832, 77 frames → 20 latent frames, float32
PREVIEW_BYTES = 600_000  # a silent 77-frame 480×832 MP4 preview is about this size


def boundary_seconds(tmp: Path) -> list[float]:
    from vidgen_desktop.comfy import ComfyClient
    from vidgen_desktop.pipeline.stage_job import run_stage

    fake = StockedComfy("0.25")
    fake.steps = 1
    fake.latent_bytes = LATENT_BYTES
    preview = tmp / "preview.mp4"
    preview.write_bytes(os.urandom(PREVIEW_BYTES))
    fake.video_file = preview
    project = Project.create(tmp / "p")
    project.set_scene(Scene.model_validate(SCENE))
    image = project.unique_path("image", "portrait.png")
    image.write_bytes(PNG_1PX)
    audio = project.unique_path("voice", "speech.wav")
    audio.write_bytes(tone_wav_bytes(19.0, 16000, peak=20000, floor=0.3))
    for path, stage, kind in ((image, "image", "image"), (audio, "voice", "audio")):
        project.add_take(Take(stage=stage, file=project.relative(path), kind=kind))
    wf = named_workflow("video_wan22_s2v", Stage.VIDEO)
    request, plan = video_request(
        wf,
        VideoInputs(
            image=image, audio=audio, positive="he talks", seconds=19.0, width=480, height=832
        ),
    )
    client = ComfyClient(fake.url)
    try:
        run_stage(
            client,
            project,
            request,
            lambda _p: None,
            CancelToken(),
            settings=Settings(gpu_handoff=False),
        )
    finally:
        client.close()
        fake.stop()
    successes = [t for t, kind, _node in fake.ws_log if kind == "execution_success"]
    posts = [r.t for r in fake.requests if r.method == "POST" and r.path == "/prompt"]
    assert len(posts) == plan.chunks + 1, (len(posts), plan.chunks)
    # chunk k's success → the next prompt (chunk k+1, or the assembly after the last chunk)
    return [posts[k + 1] - successes[k] for k in range(plan.chunks)]


def ledger_write_ms(tmp: Path) -> list[float]:
    ledger = Ledger(tmp / "ledger")
    ledger.root.mkdir(parents=True, exist_ok=True)
    for i in range(200):
        ledger.data.jobs.append(
            JobRecord(
                prompt_id=f"{i:08d}-0000-0000-0000-000000000000",
                stage="video",
                workflow="S2V",
                server="http://127.0.0.1:8188",
                inputs_hash=f"{i:020d}",
                state="done",
                outputs=[f"video/chunks/r/chunk{i:02d}.latent"],
                chunk=i % 8,
                take={"settings": {"prompt": "he talks calmly " * 8}},
            )
        )
    ledger.save()
    record = ledger.add(
        JobRecord(prompt_id="job", stage="video", workflow="S2V", server="s", inputs_hash="h")
    )
    times = []
    for state in ("queued", "running", "finished", "done") * 50:
        started = time.perf_counter()
        ledger.update(record.prompt_id, state)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        gaps = boundary_seconds(Path(d))
        writes = ledger_write_ms(Path(d))
    print(
        verdict(
            "chunk boundary (8 MB latent down + up, preview, ledger, next graph)",
            max(gaps),
            1.0,
            "s",
            detail=f"{len(gaps)} boundaries, median {statistics.median(gaps):.3f} s",
        )
    )
    print(
        verdict(
            "ledger write per state change (200 jobs recorded)",
            statistics.median(writes),
            5.0,
            "ms",
            detail=f"max {max(writes):.2f} ms over {len(writes)} writes",
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
