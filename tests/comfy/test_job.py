"""run_job over real sockets against the fake ComfyUI, on both recorded server versions."""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from tests.fakes.fake_comfy import FakeComfy, FakeOutput
from vidgen_desktop.comfy.client import ComfyClient
from vidgen_desktop.comfy.errors import (
    ExecutionFailed,
    JobInterrupted,
    JobLost,
    OutOfMemory,
    WorkflowRejected,
)
from vidgen_desktop.comfy.job import JobOptions, run_job
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, ServerUnavailable

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _run_in_thread(fn):
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, box


def _wait_for(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_submit_progress_outputs_on_disk(fake_comfy, client, project, graph, reports, token):
    fake_comfy.steps = 4
    result = run_job(client, graph, reports, token, project, "image")

    assert len(result.files) == 1
    out = result.files[0]
    assert out.kind == "image" and out.path.parent == project.root / "image"
    assert out.path.read_bytes() == fake_comfy.files[("output", "vidgen", out.path.name)].data
    fractions = [p.fraction for p in reports if p.fraction is not None]
    assert fractions == sorted(fractions), "progress must never go backwards"
    assert fractions[-1] == 1.0 and fractions.count(1.0) == 1
    steps = [p.extra["step"] for p in reports if p.kind == "step" and p.extra.get("step")]
    assert steps[:4] == [1.0, 2.0, 3.0, 4.0]
    # the wire: socket first, then the prompt with our ids, then history, then the file
    assert fake_comfy.paths() == ["/ws", "/prompt", f"/history/{result.prompt_id}", "/view"]
    body = fake_comfy.bodies("/prompt")[0]
    assert body["client_id"] == client.client_id
    assert UUID_RE.match(body["prompt_id"]) and body["prompt_id"] == result.prompt_id
    assert body["extra_data"]["preview_method"] == "auto"


def test_progress_reaches_one_only_after_files_exist(fake_comfy, client, project, graph, token):
    fake_comfy.outputs = [FakeOutput("big.png", size=3_000_000)]
    seen_before_file: list[float] = []

    def report(p):
        target = project.root / "image" / "big.png"
        if not target.exists() and p.fraction is not None:
            seen_before_file.append(p.fraction)
        if p.fraction == 1.0:
            assert target.stat().st_size == 3_000_000

    run_job(client, graph, report, token, project, "image")
    assert seen_before_file and max(seen_before_file) < 1.0


def test_preview_frames_arrive_as_previews(fake_comfy, client, project, graph, reports, token):
    fake_comfy.steps = 5
    run_job(client, graph, reports, token, project, "image")
    previews = reports.previews()
    assert len(previews) == 5
    assert all(p.preview == fake_comfy.preview_image for p in previews)
    assert previews[0].preview[:2] == b"\xff\xd8"  # the recorded JPEG
    assert previews[0].extra["mime"] == "image/jpeg"


def test_video_and_audio_outputs_are_classified_by_extension(
    fake_comfy, client, project, graph, token
):
    fake_comfy.outputs = [
        FakeOutput("clip_00001_.mp4", key="images", size=50_000, animated=True),
        FakeOutput("voice_00001_.flac", key="audio", size=20_000),
    ]
    result = run_job(client, graph, lambda p: None, token, project, "video")
    kinds = {f.kind: f for f in result.files}
    assert set(kinds) == {"video", "audio"}
    assert kinds["video"].path.stat().st_size == 50_000
    assert result.first("audio").path.name == "voice_00001_.flac"


def test_validation_error_names_the_missing_model(fake_comfy, client, project, graph, token):
    fake_comfy.reject = "missing_model"
    with pytest.raises(WorkflowRejected) as info:
        run_job(client, graph, lambda p: None, token, project, "image")
    err = info.value
    [problem] = err.problems
    assert problem.missing_model == "does_not_exist_v1-5.safetensors"
    assert problem.model_folder == "checkpoints" and problem.input_name == "ckpt_name"
    assert "is not in ComfyUI/models/checkpoints" in err.message
    assert "{" not in err.message


def test_unknown_node_class_says_custom_node_pack_missing(
    fake_comfy, client, project, graph, token
):
    fake_comfy.reject = "unknown_class"
    with pytest.raises(WorkflowRejected) as info:
        run_job(client, graph, lambda p: None, token, project, "image")
    [problem] = info.value.problems
    assert problem.missing_node_class == "NoSuchNodeXYZ"
    assert "custom node pack" in info.value.message


def test_invalid_values_give_one_message_per_input(fake_comfy, client, project, graph, token):
    fake_comfy.reject = "invalid_value"
    with pytest.raises(WorkflowRejected) as info:
        run_job(client, graph, lambda p: None, token, project, "image")
    by_input = {p.input_name: p for p in info.value.problems}
    assert set(by_input) == {"width", "upscale_method"}
    assert (
        "'nope' is not an allowed value for 'upscale_method'" in by_input["upscale_method"].message
    )
    assert "bilinear" in by_input["upscale_method"].message
    assert "smaller than min of 1" in by_input["width"].message


@pytest.mark.parametrize(
    "kind, text",
    [("missing_input", "missing its required input 'images'"), ("no_outputs", "no output node")],
)
def test_other_rejections_are_readable(fake_comfy, client, project, graph, token, kind, text):
    fake_comfy.reject = kind
    with pytest.raises(WorkflowRejected) as info:
        run_job(client, graph, lambda p: None, token, project, "image")
    assert text in info.value.message


def test_runtime_execution_error_is_readable(fake_comfy, client, project, graph, token):
    fake_comfy.fail = "runtime"
    with pytest.raises(ExecutionFailed) as info:
        run_job(client, graph, lambda p: None, token, project, "image")
    assert not isinstance(info.value, OutOfMemory)
    assert "CheckpointLoaderSimple (node 1)" in info.value.message
    assert "Invalid data found when processing input" in info.value.message
    assert "Traceback" not in info.value.message and "File " in info.value.detail


def test_out_of_memory_has_a_hint(fake_comfy, client, project, graph, token):
    fake_comfy.fail = "oom"
    with pytest.raises(OutOfMemory) as info:
        run_job(client, graph, lambda p: None, token, project, "image")
    assert "ran out of memory in KSampler" in info.value.message
    assert "resolution" in info.value.hint and "VRAM" in info.value.hint


def test_cancel_mid_job_interrupts_our_prompt(fake_comfy, client, project, graph, reports, token):
    fake_comfy.steps, fake_comfy.step_delay = 50, 0.02

    def report(p):
        reports(p)
        if p.kind == "preview" and len(reports.previews()) == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        run_job(client, graph, report, token, project, "image")
    [body] = fake_comfy.bodies("/interrupt")
    assert UUID_RE.match(body["prompt_id"])
    assert "/queue" not in fake_comfy.paths("POST")
    assert not list((project.root / "image").glob("*"))
    assert _wait_for(lambda: fake_comfy.running is None)


def test_cancel_while_queued_deletes_from_queue(fake_comfy, client, project, graph, token):
    fake_comfy.hold.set()
    t, box = _run_in_thread(lambda: run_job(client, graph, lambda p: None, token, project, "image"))
    assert _wait_for(lambda: "/prompt" in fake_comfy.paths("POST"))
    token.cancel()
    t.join(5)
    assert isinstance(box.get("error"), Cancelled)
    pid = fake_comfy.bodies("/prompt")[0]["prompt_id"]
    assert {"delete": [pid]} in fake_comfy.bodies("/queue")
    assert "/interrupt" not in fake_comfy.paths()
    assert fake_comfy.pending == []


def test_interrupt_by_someone_else_is_reported(fake_comfy, client, project, graph, token):
    fake_comfy.steps, fake_comfy.step_delay = 50, 0.02

    def report(p):
        if p.kind == "preview":
            requests.post(f"{fake_comfy.url}/interrupt", timeout=2)  # the ComfyUI web UI's Cancel

    with pytest.raises(JobInterrupted):
        run_job(client, graph, report, token, project, "image")


def test_socket_drop_mid_job_still_downloads(fake_comfy, client, project, graph, token):
    fake_comfy.steps, fake_comfy.step_delay = 6, 0.03
    fake_comfy.drop_socket_after_step = 2
    result = run_job(client, graph, lambda p: None, token, project, "image")
    assert result.files[0].path.is_file()
    assert fake_comfy.ws_connects == 2 and client.events().connects == 2


def test_socket_drop_after_finish_is_found_by_reconciling(
    fake_comfy, client, project, graph, token
):
    """The drop swallows executing-null: the job is found finished in /history after reconnect."""
    fake_comfy.steps = 3
    fake_comfy.drop_socket_after_step = 3
    fake_comfy.refuse_ws_after_drop_s = 0.3  # the job ends while we cannot reconnect
    result = run_job(client, graph, lambda p: None, token, project, "image")
    assert result.files[0].path.is_file()
    done_at = next(t for t, kind, node in fake_comfy.ws_log if kind == "executing" and node is None)
    reconnected_at = [r.t for r in fake_comfy.requests if r.path == "/ws"][-1]
    assert reconnected_at > done_at, "executing null went out while we were disconnected"
    assert fake_comfy.ws_connects == 2


def test_server_restart_loses_job_with_clear_error(fake_comfy, client, project, graph, token):
    fake_comfy.steps, fake_comfy.step_delay = 6, 0.02
    fake_comfy.restart_after_step = 2
    with pytest.raises(JobLost) as info:
        run_job(client, graph, lambda p: None, token, project, "image")
    assert "restarted" in info.value.message and "lost" in info.value.message


def test_server_down_is_server_unavailable(project, graph, token):
    fake = FakeComfy("0.25")
    url = fake.url
    fake.stop()
    client = ComfyClient(url, timeout=1.0)
    with pytest.raises(ServerUnavailable):
        run_job(
            client,
            graph,
            lambda p: None,
            token,
            project,
            "image",
            JobOptions(reconnect_give_up_s=0.5),
        )
    with pytest.raises(ServerUnavailable) as info:
        client.system_stats()
    assert url in info.value.message


def test_server_dies_mid_job_gives_up_after_backoff(fake_comfy, client, project, graph, token):
    fake_comfy.steps, fake_comfy.step_delay = 50, 0.02
    stopped = []

    def report(p):
        if p.kind == "preview" and not stopped:
            stopped.append(1)
            threading.Thread(target=fake_comfy.stop, daemon=True).start()

    t0 = time.monotonic()
    with pytest.raises(ServerUnavailable):
        run_job(client, graph, report, token, project, "image", JobOptions(reconnect_give_up_s=1.0))
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize(
    "filename, subfolder",
    [
        ("../../evil.png", "../.."),
        ("/etc/evil.png", "/tmp"),
        ("..\\..\\evil.png", "C:\\Windows"),
        ("ev\u202eil\u200b.png", "subdir"),
        ("..", ".."),
    ],
)
def test_hostile_output_names_never_escape_the_project(
    fake_comfy, client, project, graph, token, tmp_path, filename, subfolder
):
    fake_comfy.outputs = [FakeOutput(filename, subfolder=subfolder, data=b"\x89PNG fake")]
    result = run_job(client, graph, lambda p: None, token, project, "image")
    path = result.files[0].path
    root = (project.root / "image").resolve()
    assert path.resolve().parent == root
    assert "\u202e" not in path.name and "\u200b" not in path.name
    assert path.read_bytes() == b"\x89PNG fake"
    outside = [
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and root not in p.resolve().parents and p.name != "project.json"
    ]
    assert outside == []


def test_second_job_reuses_the_socket_and_never_overwrites(
    fake_comfy, client, project, graph, token
):
    fake_comfy.outputs = [FakeOutput("same.png", data=b"one")]
    first = run_job(client, graph, lambda p: None, token, project, "image")
    fake_comfy.outputs = [FakeOutput("same.png", data=b"two")]
    second = run_job(client, graph, lambda p: None, token, project, "image")
    assert first.files[0].path != second.files[0].path
    assert (
        first.files[0].path.read_bytes() == b"one" and second.files[0].path.read_bytes() == b"two"
    )
    assert fake_comfy.ws_connects == 1


def test_eta_comes_from_measured_step_rate(fake_comfy, client, project, graph, reports, token):
    fake_comfy.steps, fake_comfy.step_delay = 8, 0.05
    run_job(client, graph, reports, token, project, "image")
    steps = [p for p in reports if p.kind == "step" and p.extra.get("step")]
    assert steps[0].eta_s is None  # nothing measured yet: no invented number
    mid = next(p for p in steps if p.extra["step"] == 4.0)
    assert (
        mid.eta_s is not None and 0.1 < mid.eta_s < 2.0
    )  # 4 steps left × ≥ 0.05 s (slack for load)


def test_cancel_before_start_sends_nothing(fake_comfy, client, project, graph):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_job(client, graph, lambda p: None, token, project, "image")
    assert fake_comfy.paths() == []


def test_fake_emulates_version_specific_prompt_id_rules(fake_comfy: FakeComfy, graph):
    resp = requests.post(
        f"{fake_comfy.url}/prompt", json={"prompt": graph, "prompt_id": "JOB-1"}, timeout=2
    )
    if fake_comfy.version == "0.25":
        assert resp.status_code == 400 and resp.json()["error"]["type"] == "invalid_prompt_id"
    else:
        assert resp.status_code == 200 and resp.json()["prompt_id"] == "JOB-1"


def test_plain_previews_without_metadata_are_accepted(
    fake_comfy, client, project, graph, reports, token
):
    """Servers without preview metadata send type-1 frames (no prompt id): ours while we run."""
    fake_comfy.supports_preview_metadata = False
    fake_comfy.steps = 3
    run_job(client, graph, reports, token, project, "image")
    assert [p.preview for p in reports.previews()] == [fake_comfy.preview_image] * 3


def test_foreign_prompt_events_do_not_finish_our_job(
    fake_comfy, client, project, graph, reports, token
):
    """A prompt queued without client_id ahead of ours is broadcast to every socket; we wait for ours."""
    fake_comfy.hold.set()
    fake_comfy.steps, fake_comfy.step_delay = 3, 0.01
    foreign = requests.post(f"{fake_comfy.url}/prompt", json={"prompt": graph}, timeout=2).json()[
        "prompt_id"
    ]
    t, box = _run_in_thread(lambda: run_job(client, graph, reports, token, project, "image"))
    assert _wait_for(lambda: len(fake_comfy.pending) == 2)
    fake_comfy.hold.clear()
    t.join(10)
    result = box["result"]
    assert result.prompt_id != foreign and result.files[0].path.is_file()
    assert foreign in fake_comfy.history and result.prompt_id in fake_comfy.history
    assert any("1 ahead" in p.message for p in reports if p.kind == "status")
    # the foreign sampler's broadcast progress did not move our bar before our start
    ours_started = next(i for i, p in enumerate(reports) if p.kind == "step")
    assert all(p.fraction == 0.0 for p in reports[:ours_started] if p.fraction is not None)


def test_two_jobs_on_one_client_take_turns(fake_comfy, client, project, graph):
    """Two panels may start jobs at once; each must get its own events and its own file."""
    fake_comfy.steps, fake_comfy.step_delay = 50, 0.02  # job 1 runs ~1 s: job 2 surely waits
    first_reports, second_reports = [], []
    t1, box1 = _run_in_thread(
        lambda: run_job(client, graph, first_reports.append, CancelToken(), project, "image")
    )
    assert _wait_for(lambda: fake_comfy.running is not None)
    t2, box2 = _run_in_thread(
        lambda: run_job(client, graph, second_reports.append, CancelToken(), project, "voice")
    )
    t1.join(10)
    t2.join(10)
    r1, r2 = box1["result"], box2["result"]
    assert r1.prompt_id != r2.prompt_id
    assert r1.files[0].path.parent.name == "image" and r2.files[0].path.parent.name == "voice"
    assert any("other ComfyUI job" in p.message for p in second_reports)
    assert [p.fraction for p in first_reports][-1] == 1.0 and [p.fraction for p in second_reports][
        -1
    ] == 1.0
    assert client.events().connects == 1


def test_cancel_while_waiting_for_another_job(fake_comfy, client, project, graph):
    fake_comfy.steps, fake_comfy.step_delay = 30, 0.02
    t1, box1 = _run_in_thread(
        lambda: run_job(client, graph, lambda p: None, CancelToken(), project, "image")
    )
    assert _wait_for(lambda: fake_comfy.running is not None)
    waiting = CancelToken()
    t2, box2 = _run_in_thread(
        lambda: run_job(client, graph, lambda p: None, waiting, project, "voice")
    )
    time.sleep(0.1)
    waiting.cancel()
    t2.join(2)
    assert isinstance(box2.get("error"), Cancelled)
    t1.join(10)
    assert box1["result"].files and len(fake_comfy.bodies("/prompt")) == 1
