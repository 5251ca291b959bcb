"""pipeline.run_stage itself (no GUI): preflight before anything else, the GPU hand-off before the
job is queued, the take it describes, the measured step rate, and refusals that queue nothing."""

from __future__ import annotations

import time

import pytest

from tests.fakes.fake_ollama import FakeOllama
from tests.image.conftest import make_scene
from vidgen_desktop.comfy import ComfyClient
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.settings import Settings
from vidgen_desktop.pipeline import PreflightFailed, StageRequest, TimingStore, run_stage
from vidgen_desktop.pipeline.image_sizes import preset_for, presets
from vidgen_desktop.pipeline.stage_job import readable_titles
from vidgen_desktop.workflow import Stage, shipped_workflows


class TimedList(list):
    """Stamps every request a fake records, so the order across two servers can be compared."""

    def append(self, item) -> None:
        super().append((time.monotonic(), item))


@pytest.fixture
def ollama():
    fake = FakeOllama()
    fake._mark_loaded("qwen3:8b", 4096)  # Ollama holds a model in VRAM
    fake.state.requests = TimedList()
    yield fake
    fake.stop()


def _z_image():
    return next(wf for wf in shipped_workflows(stage=Stage.IMAGE) if wf.name == "Z-Image Turbo")


def _request(wf, **params) -> StageRequest:
    scene = make_scene()
    values = {"positive": scene.image.positive_prompt, "seed": 1234, "width": 768, "height": 1344}
    values.update(params)
    return StageRequest("image", wf, values, take_settings={"prompt": values["positive"]})


def test_handoff_unloads_ollama_before_the_prompt_is_queued(comfy, ollama, tmp_path):
    comfy.steps = 4
    settings = Settings(ollama_url=ollama.url, comfyui_url=comfy.url, gpu_handoff=True)
    project = Project.create(tmp_path / "proj")
    timings = TimingStore(tmp_path / "timings.json")
    client = ComfyClient(comfy.url, timeout=5)
    reports = []
    try:
        outcome = run_stage(
            client,
            project,
            _request(_z_image()),
            reports.append,
            CancelToken(),
            settings=settings,
            timings=timings,
        )
    finally:
        client.close()
    unloads = [
        (t, body)
        for t, (method, path, body) in ollama.state.requests
        if path == "/api/generate" and body.get("keep_alive") == 0
    ]
    assert [body["model"] for _t, body in unloads] == ["qwen3:8b"]
    queued = [r.t for r in comfy.requests if r.method == "POST" and r.path == "/prompt"]
    assert len(queued) == 1 and unloads[0][0] < queued[0]
    assert ollama.state.loaded == []
    assert outcome.handoff.performed and outcome.handoff.confirmed
    # preflight (GET /object_info) came before the hand-off as well
    info_at = min(r.t for r in comfy.requests if r.path == "/object_info")
    assert info_at < unloads[0][0]
    # the take, the seed and the measured rate
    assert outcome.seed == 1234 and outcome.take.seed == 1234
    assert (outcome.take.width, outcome.take.height) == (768, 1344)
    assert project.path_of(outcome.take).is_file()
    assert project.chosen_take("image").id == outcome.take.id
    # what each part took is kept for the next estimate: 4 steps measured, one per step gap
    assert outcome.step_rate is not None and 0 < outcome.step_rate < outcome.job.elapsed_s
    (timing,) = timings.runs("Z-Image Turbo", comfy.url)
    assert timing.step_s == pytest.approx(outcome.step_rate)
    assert timing.shape.steps == 8 and (timing.shape.width, timing.shape.height) == (768, 1344)
    assert timing.shape.evals == 1  # Z-Image Turbo runs at cfg 1
    assert timing.parts["sample"] > 0 and timing.total_s == pytest.approx(
        outcome.job.elapsed_s, abs=0.01
    )
    assert any("GPU hand-off" in p.message for p in reports)


def test_handoff_off_leaves_ollama_alone(comfy, ollama, tmp_path):
    settings = Settings(ollama_url=ollama.url, comfyui_url=comfy.url, gpu_handoff=False)
    client = ComfyClient(comfy.url, timeout=5)
    try:
        outcome = run_stage(
            client,
            Project.create(tmp_path / "p"),
            _request(_z_image()),
            lambda p: None,
            CancelToken(),
            settings=settings,
        )
    finally:
        client.close()
    assert list(ollama.state.requests) == []
    assert not outcome.handoff.performed


def test_preflight_failure_queues_nothing_and_leaves_ollama_loaded(
    unstocked_comfy, ollama, tmp_path
):
    settings = Settings(ollama_url=ollama.url, comfyui_url=unstocked_comfy.url, gpu_handoff=True)
    client = ComfyClient(unstocked_comfy.url, timeout=5)
    try:
        with pytest.raises(PreflightFailed) as caught:
            run_stage(
                client,
                Project.create(tmp_path / "p"),
                _request(_z_image()),
                lambda p: None,
                CancelToken(),
                settings=settings,
            )
    finally:
        client.close()
    err = caught.value
    assert "Put z_image_turbo_bf16.safetensors into ComfyUI/models/diffusion_models" in err.message
    assert "(and 2 more)" in err.message and err.exit_code == 8
    assert "/prompt" not in unstocked_comfy.paths("POST")
    assert list(ollama.state.requests) == [] and ollama.state.loaded  # nothing unloaded for nothing


def test_progress_names_nodes_by_class_not_by_binding_title():
    graph = _z_image().api_graph()
    readable = readable_titles(graph)
    assert readable["8"]["_meta"]["title"] == "KSampler"
    assert readable["1"]["_meta"]["title"] == "Load Diffusion Model"  # real titles are kept
    assert graph["8"]["_meta"]["title"] == "$seed $steps $cfg"  # the input graph is not mutated
    assert readable["8"]["inputs"] is graph["8"]["inputs"]


def test_size_presets_use_the_manifest_or_one_megapixel():
    wfs = {wf.name: wf for wf in shipped_workflows(stage=Stage.IMAGE)}
    z, sdxl = wfs["Z-Image Turbo"], wfs["SDXL (checkpoint)"]
    assert [(p.aspect, p.width, p.height) for p in presets(z)] == [
        ("9:16", 768, 1344),
        ("16:9", 1344, 768),
        ("1:1", 1024, 1024),
        ("4:5", 896, 1120),
    ]
    for p in presets(sdxl):
        assert p.width % 64 == 0 and p.height % 64 == 0
        assert 0.85 < p.megapixels < 1.15
    assert preset_for(sdxl, "4:5").height == 1152
    for p in presets(None):  # a workflow we know nothing about: ~1 MP on the 64 px grid
        assert p.width % 64 == 0 and 0.85 < p.megapixels < 1.15
    with pytest.raises(ValueError, match="unknown aspect"):
        preset_for(z, "2:1")
