"""`vidgen run` takes every stage's options, names workflows as users type them, and talks to the
servers the user named (an explicit --ollama beats OLLAMA_HOST), all over real sockets."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.fake_ollama import FakeOllama
from tests.voice_video.conftest import queued
from vidgen_desktop.cli.main import main
from vidgen_desktop.pipeline.image_sizes import preset_for
from vidgen_desktop.workflow import Stage, named_workflow


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def bound(graph: dict[str, Any], workflow_name: str, stage: Stage, param: str) -> list[Any]:
    """The values a queued graph holds for one `$param` of the workflow."""
    wf = named_workflow(workflow_name, stage)
    return [
        graph[b.node_id]["inputs"][b.input]
        for b in wf.bindings[param]
        if b.input and b.node_id in graph
    ]


def base(tmp_path, fake_comfy, fake_ollama) -> list[str]:
    return [
        "run",
        "--topic",
        "a lighthouse",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
        "--seed",
        "11",
    ]


def test_every_stage_option_reaches_its_graph(capsys, tmp_path, fake_comfy, fake_ollama):
    rc, _out, err = run_cli(
        capsys,
        *base(tmp_path, fake_comfy, fake_ollama),
        "--voice-workflow",
        "voice_ace_step_15_song.json",
        "--voice-seconds",
        "6",
        "--voice-steps",
        "5",
        "--image-workflow",
        "image_sdxl",
        "--image-size",
        "512x768",
        "--image-steps",
        "9",
        "--image-cfg",
        "4.5",
        "--video-workflow",
        "video_wan22_s2v",
        "--video-size",
        "320x320",
        "--video-steps",
        "3",
        "--no-lora",
    )
    assert rc == 0, err
    voice, image, video = queued(fake_comfy)
    assert set(bound(voice, "voice_ace_step_15_song", Stage.VOICE, "seconds")) == {6.0}
    assert set(bound(voice, "voice_ace_step_15_song", Stage.VOICE, "steps")) == {5}
    assert bound(image, "image_sdxl", Stage.IMAGE, "width") == [512]
    assert bound(image, "image_sdxl", Stage.IMAGE, "height") == [768]
    assert bound(image, "image_sdxl", Stage.IMAGE, "steps") == [9]
    assert bound(image, "image_sdxl", Stage.IMAGE, "cfg") == [4.5]
    assert set(bound(video, "video_wan22_s2v", Stage.VIDEO, "width")) == {320}
    assert set(bound(video, "video_wan22_s2v", Stage.VIDEO, "height")) == {320}
    samplers = [n for n in video.values() if n["class_type"] in ("KSampler", "KSamplerAdvanced")]
    assert samplers and {n["inputs"]["steps"] for n in samplers} == {3}
    assert not any(n["class_type"].startswith("LoraLoader") for n in video.values())


def test_stage_defaults_are_the_windows(capsys, tmp_path, fake_comfy, fake_ollama):
    """No stage options: the still is the 9:16 preset the Image stage starts with, the video the
    workflow's first size at its own step count, speech checked against the text's own length."""
    rc, _out, err = run_cli(
        capsys,
        *base(tmp_path, fake_comfy, fake_ollama),
        "--image-workflow",
        "image_sdxl",
        "--video-workflow",
        "video_wan22_s2v",
    )
    assert rc == 0, err
    _voice, image, video = queued(fake_comfy)
    sdxl = named_workflow("image_sdxl", Stage.IMAGE)
    preset = preset_for(sdxl, "9:16")
    assert bound(image, "image_sdxl", Stage.IMAGE, "width") == [preset.width]
    assert bound(image, "image_sdxl", Stage.IMAGE, "height") == [preset.height]
    assert bound(image, "image_sdxl", Stage.IMAGE, "steps") == [sdxl.default("steps")]
    s2v = named_workflow("video_wan22_s2v", Stage.VIDEO)
    first = s2v.manifest.sizes_12gb[0]
    assert set(bound(video, "video_wan22_s2v", Stage.VIDEO, "width")) == {first[0]}
    samplers = [n for n in video.values() if n["class_type"] in ("KSampler", "KSamplerAdvanced")]
    assert {n["inputs"]["steps"] for n in samplers} == {s2v.default("steps")}
    assert "warning" not in err  # the text fits the default target (its own spoken length)


def test_lora_flag_means_four_steps(capsys, tmp_path, fake_comfy, fake_ollama):
    rc, _out, err = run_cli(
        capsys,
        *base(tmp_path, fake_comfy, fake_ollama),
        "--lora",
        "--video-workflow",
        "video_wan22_s2v",
    )
    assert rc == 0, err
    video = queued(fake_comfy)[-1]
    samplers = [n for n in video.values() if n["class_type"] in ("KSampler", "KSamplerAdvanced")]
    assert {n["inputs"]["steps"] for n in samplers} == {4}
    assert {n["inputs"]["cfg"] for n in samplers} == {1.0}
    assert any(n["class_type"].startswith("LoraLoader") for n in video.values())


@pytest.mark.parametrize(
    "option, value, message",
    [
        (
            "--video-size",
            "500x800",
            "--video-size 500x800: width and height must be positive multiples of 16",
        ),
        ("--image-size", "big", "--image-size 'big' is not WIDTHxHEIGHT"),
        ("--voice-seconds", "0", "--voice-seconds must be more than 0"),
        ("--video-steps", "-1", "--video-steps must be more than 0"),
    ],
)
def test_bad_options_stop_before_any_stage(
    capsys, tmp_path, fake_comfy, fake_ollama, option, value, message
):
    rc, _out, err = run_cli(capsys, *base(tmp_path, fake_comfy, fake_ollama), option, value)
    assert rc == 2 and message in err
    assert fake_ollama.chat_requests() == [] and queued(fake_comfy) == []


@pytest.mark.parametrize(
    "spec", ["image_sdxl", "image_sdxl.json", "IMAGE_SDXL.JSON", "SDXL (checkpoint)"]
)
def test_a_shipped_workflow_by_any_of_its_names(spec):
    assert named_workflow(spec, Stage.IMAGE).path.name == "image_sdxl.json"


def test_a_workflow_by_path(tmp_path):
    from vidgen_desktop.resources import workflows_dir

    own = tmp_path / "mine.json"
    own.write_bytes((workflows_dir() / "image_sdxl.json").read_bytes())
    assert named_workflow(str(own), Stage.IMAGE).path == own


def test_an_unknown_workflow_lists_the_shipped_names(capsys, tmp_path, fake_comfy, fake_ollama):
    rc, _out, err = run_cli(
        capsys, *base(tmp_path, fake_comfy, fake_ollama), "--image-workflow", "image_sdlx"
    )
    assert rc == 2, err  # refused before any stage ran: a typo must not cost a script and a voice
    assert fake_ollama.chat_requests() == [] and queued(fake_comfy) == []
    assert "No image workflow called “image_sdlx”" in err
    hint = err[err.index("Give a workflow") :]
    assert "image_z_image_turbo" in hint and "image_sdxl" in hint and "voice_" not in hint
    rc, _out, err = run_cli(
        capsys,
        "image",
        "--scene",
        str(tmp_path / "none.json"),
        "--project",
        str(tmp_path / "q"),
        "--workflow",
        "./missing/flow.json",
    )
    assert rc == 2


@pytest.fixture
def other_ollama():
    """An Ollama that OLLAMA_HOST points at, holding a model: it must never be asked anything when
    the command names another server with --ollama."""
    fake = FakeOllama()
    fake.state.loaded = [dict(fake.state.models[0])]
    yield fake
    fake.stop()


def ollama_hits(fake: FakeOllama) -> list[str]:
    return [p for _m, p, _b in fake.state.requests]


@pytest.mark.parametrize("command", ["voice", "image", "video", "run"])
def test_explicit_ollama_beats_ollama_host(
    command, capsys, monkeypatch, tmp_path, fake_comfy, fake_ollama, other_ollama, scene
):
    from tests.fakes.fake_comfy_data import PNG_1PX
    from tests.voice_video.conftest import SCENE, add_take, wav_bytes
    from vidgen_desktop.core.project import Project

    monkeypatch.setenv("OLLAMA_HOST", other_ollama.url)
    fake_ollama.state.loaded = [dict(fake_ollama.state.models[0])]
    project = Project.create(tmp_path / "p")
    project.set_scene(scene, topic="a lighthouse")
    add_take(project, "image", "image", PNG_1PX, "face.png")
    add_take(project, "voice", "audio", wav_bytes(2.0), "speech.wav", duration_s=2.0)
    scene_file = tmp_path / "scene.json"
    scene_file.write_text(scene.model_dump_json(), encoding="utf-8")
    argv = {
        "voice": ["voice", "--project", str(project.root)],
        "image": ["image", "--project", str(project.root), "--scene", str(scene_file)],
        "video": ["video", "--project", str(project.root)],
        "run": ["run", "--project", str(project.root), "--topic", SCENE["audio"]["lyrics"][:20]],
    }[command]
    rc, _out, err = run_cli(capsys, *argv, "--comfyui", fake_comfy.url, "--ollama", fake_ollama.url)
    assert rc == 0, err
    assert ollama_hits(other_ollama) == [], "OLLAMA_HOST's server was used despite --ollama"
    unloads = [
        b
        for _m, p, b in fake_ollama.state.requests
        if p == "/api/generate" and b.get("keep_alive") == 0
    ]
    assert unloads, "the hand-off did not reach the --ollama server"


def test_ollama_host_beats_the_settings_file(
    capsys, monkeypatch, tmp_path, fake_comfy, fake_ollama, other_ollama, isolated_home
):
    from tests.voice_video.conftest import write_settings

    write_settings(isolated_home, ollama_url=other_ollama.url, comfyui_url=fake_comfy.url)
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url)
    rc, _out, err = run_cli(capsys, "script", "--topic", "t", "--model", "llama3.2", "-q")
    assert rc == 0, err
    assert fake_ollama.chat_requests() and ollama_hits(other_ollama) == []


def test_errors_name_cli_flags_not_the_settings_dialog(capsys, tmp_path, dead_url, fake_ollama):
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--topic",
        "t",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        dead_url,
        "--ollama",
        fake_ollama.url,
        "--no-handoff",
    )
    assert rc == 23, err  # the voice stage could not reach ComfyUI
    assert "check --comfyui or the settings file" in err
    assert "Settings" not in err


def test_until_stops_after_that_stage_and_prints_its_file(
    capsys, tmp_path, fake_comfy, fake_ollama
):
    rc, out, err = run_cli(capsys, *base(tmp_path, fake_comfy, fake_ollama), "--until", "image")
    assert rc == 0, err
    assert len(queued(fake_comfy)) == 2  # voice and image, no video
    printed = out.strip()
    assert printed.startswith(str(tmp_path / "p")) and printed.endswith(".png")
    rc, out, err = run_cli(
        capsys, *base(tmp_path, fake_comfy, fake_ollama)[:-2], "--until", "script"
    )
    assert rc == 0, err
    assert out.strip() == str(tmp_path / "p" / "project.json")
    assert len(queued(fake_comfy)) == 2  # nothing more was queued


def test_until_before_from_is_refused(capsys, tmp_path, fake_comfy, fake_ollama):
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--from",
        "video",
        "--until",
        "voice",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        fake_comfy.url,
    )
    assert rc == 2
    assert "--until voice comes before --from video" in err
