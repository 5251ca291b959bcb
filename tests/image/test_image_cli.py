"""`vidgen image` as a user runs it (a child process): path on stdout, progress on stderr,
exit codes that say what failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.image.conftest import free_port, make_scene
from tests.shared_data import REPO_ROOT


@pytest.fixture
def scene_file(tmp_path) -> Path:
    path = tmp_path / "scene.json"
    path.write_text(make_scene().model_dump_json(indent=2), encoding="utf-8")
    return path


def vidgen(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, VIDGEN_HOME=str(home), PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "vidgen_desktop.cli.main", "image", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO_ROOT,
    )


def _posted(fake) -> list[dict]:
    return [b for b in fake.bodies("/prompt") if isinstance(b, dict)]


def test_happy_path_prints_the_image_path(comfy, scene_file, tmp_path, isolated_home):
    comfy.steps = 4
    project = tmp_path / "proj"
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(project),
        "--comfyui",
        comfy.url,
        "--no-handoff",
        home=isolated_home,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 1
    out = Path(lines[0])
    assert out.is_file() and out.read_bytes() == PNG_1PX
    assert out.resolve().parent == (project / "image").resolve()
    assert "Workflow: Z-Image Turbo" in run.stderr
    assert "KSampler: step" in run.stderr and "done in" in run.stderr
    data = json.loads((project / "project.json").read_text("utf-8"))
    assert (
        data["scene"]["image"]["positive_prompt"]
        == "a lighthouse at dusk, warm light in the window"
    )
    (take,) = data["takes"]
    assert take["file"] == f"image/{out.name}" and data["chosen"]["image"] == take["id"]
    assert f"seed {take['seed']}" in run.stderr


def test_options_reach_the_workflow(comfy, scene_file, tmp_path, isolated_home):
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        comfy.url,
        "--workflow",
        "SDXL (checkpoint)",
        "--aspect",
        "4:5",
        "--steps",
        "5",
        "--cfg",
        "4.5",
        "--seed",
        "7",
        "--style",
        "ink drawing",
        "--no-handoff",
        "-q",
        home=isolated_home,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # -q: nothing but the path
    graph = _posted(comfy)[-1]["prompt"]
    sampler = next(n for n in graph.values() if n["class_type"] == "KSampler")["inputs"]
    assert (sampler["steps"], sampler["cfg"], sampler["seed"]) == (5, 4.5, 7)
    latent = next(n for n in graph.values() if n["class_type"] == "EmptyLatentImage")["inputs"]
    assert (latent["width"], latent["height"]) == (896, 1152)
    texts = [n["inputs"]["text"] for n in graph.values() if n["class_type"] == "CLIPTextEncode"]
    assert "a lighthouse at dusk, warm light in the window, ink drawing" in texts
    assert "blurry, text, watermark" in texts


def test_width_and_height_override_the_preset(comfy, scene_file, tmp_path, isolated_home):
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        comfy.url,
        "--width",
        "512",
        "--height",
        "640",
        "--no-handoff",
        home=isolated_home,
    )
    assert run.returncode == 0, run.stderr
    latent = next(
        n for n in _posted(comfy)[-1]["prompt"].values() if n["class_type"] == "EmptySD3LatentImage"
    )["inputs"]
    assert (latent["width"], latent["height"]) == (512, 640)


@pytest.mark.parametrize(
    "content,expected",
    [
        (None, "Cannot read the scene file"),
        ("{not json", "is not a usable scene JSON"),
        ('{"audio": {"lyrics": "x", "tags": ["a"]}}', "image"),
    ],
)
def test_bad_scene_exits_2(scene_file, tmp_path, isolated_home, content, expected):
    path = tmp_path / "missing.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    run = vidgen(
        "--scene",
        str(path),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        f"http://127.0.0.1:{free_port()}",
        home=isolated_home,
    )
    assert run.returncode == 2
    assert expected in run.stderr and run.stdout == ""


def test_unreachable_comfyui_exits_3(scene_file, tmp_path, isolated_home):
    url = f"http://127.0.0.1:{free_port()}"
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        url,
        home=isolated_home,
    )
    assert run.returncode == 3
    assert f"ComfyUI is not reachable at {url}" in run.stderr and run.stdout == ""


def test_missing_model_exits_8_and_queues_nothing(
    unstocked_comfy, scene_file, tmp_path, isolated_home
):
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        unstocked_comfy.url,
        "--no-handoff",
        home=isolated_home,
    )
    assert run.returncode == 8
    assert "Put z_image_turbo_bf16.safetensors into ComfyUI/models/diffusion_models" in run.stderr
    assert "/prompt" not in unstocked_comfy.paths("POST")


def test_rejected_workflow_exits_8_with_per_input_lines(comfy, scene_file, tmp_path, isolated_home):
    comfy.reject = "invalid_value"
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        comfy.url,
        "--no-handoff",
        home=isolated_home,
    )
    assert run.returncode == 8
    assert "• 'nope' is not an allowed value for 'upscale_method'" in run.stderr


def test_out_of_memory_exits_9(comfy, scene_file, tmp_path, isolated_home):
    comfy.fail = "oom"
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        comfy.url,
        "--no-handoff",
        home=isolated_home,
    )
    assert run.returncode == 9
    assert "The GPU ran out of memory in KSampler" in run.stderr and run.stdout == ""
    assert not any((tmp_path / "p").rglob("*.png"))


def test_bad_workflow_choices_exit_2(comfy, scene_file, tmp_path, isolated_home):
    graph = json.loads((REPO_ROOT / "workflows" / "image_sdxl.json").read_text("utf-8"))
    graph["5"]["_meta"]["title"] = "KSampler"
    own = tmp_path / "own.json"
    own.write_text(json.dumps(graph), encoding="utf-8")
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        comfy.url,
        "--workflow",
        str(own),
        home=isolated_home,
    )
    assert run.returncode == 2 and "no node is titled $seed" in run.stderr
    run = vidgen(
        "--scene",
        str(scene_file),
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        comfy.url,
        "--workflow",
        "Flux Dev",
        home=isolated_home,
    )
    assert run.returncode == 2 and "No image workflow called “Flux Dev”" in run.stderr
    assert _posted(comfy) == []


def test_ctrl_c_interrupts_the_job_on_the_server_and_exits_130(
    comfy, scene_file, tmp_path, isolated_home
):
    import signal

    comfy.steps, comfy.step_delay = 300, 0.05
    env = dict(os.environ, VIDGEN_HOME=str(isolated_home), PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vidgen_desktop.cli.main",
            "image",
            "--scene",
            str(scene_file),
            "--project",
            str(tmp_path / "p"),
            "--comfyui",
            comfy.url,
            "--no-handoff",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        for line in proc.stderr:  # wait until sampling has started
            if "KSampler: step" in line:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "cancelling" in err and out == ""
    pid = _posted(comfy)[-1]["prompt_id"]
    assert {"prompt_id": pid} in comfy.bodies("/interrupt")
