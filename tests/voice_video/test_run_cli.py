"""`vidgen run` end to end against the fake Ollama and the fake ComfyUI, over real sockets."""

from __future__ import annotations

import json

from tests.voice_video.conftest import queued
from vidgen_desktop.cli.main import main
from vidgen_desktop.core.project import Project


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_run_makes_every_stage_and_reports_our_overhead(capsys, tmp_path, fake_comfy, fake_ollama):
    fake_ollama.state.loaded = []
    project_dir = tmp_path / "lighthouse"
    rc, out, err = run_cli(
        capsys,
        "run",
        "--topic",
        "a lighthouse keeper's last night",
        "--project",
        str(project_dir),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
        "--seed",
        "7",
    )
    assert rc == 0, err
    project = Project.open(project_dir)
    video = project.chosen_take("video")
    assert out.strip() == str(project.path_of(video))
    assert project.path_of(video).read_bytes() == fake_comfy.video_file.read_bytes()
    assert (
        project.data.scene is not None and project.data.topic == "a lighthouse keeper's last night"
    )
    voice = project.chosen_take("voice")
    assert voice.duration_s == 2.5 and project.chosen_take("image") is not None
    assert video.info["has_audio"] is True and video.duration_s == 2.0
    # one header per stage, in order, then the timing table with a row per stage
    headers = [line for line in err.splitlines() if line.startswith("== stage")]
    assert headers == [
        "== stage 1/4: script ==",
        "== stage 2/4: voice ==",
        "== stage 3/4: image ==",
        "== stage 4/4: video ==",
    ]
    table = err[err.index("our overhead") :].splitlines()
    assert [row.split()[0] for row in table[1:6]] == ["script", "voice", "image", "video", "all"]
    assert "Estimated time: unknown: no run of this workflow on this machine yet" in err
    # the voice text is the scene's, the video got both uploads
    prompts = queued(fake_comfy)
    assert len(prompts) == 3
    voice_graph = prompts[0]
    assert any(
        n["inputs"].get("text") == project.data.scene.audio.lyrics for n in voice_graph.values()
    )
    assert len(fake_comfy.uploads) == 2


def test_run_hands_the_gpu_over_in_both_directions(capsys, tmp_path, fake_comfy, fake_ollama):
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--topic",
        "t",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
    )
    assert rc == 0, err
    # ComfyUI was asked to free its memory before Ollama generated the scene
    assert fake_ollama.free_seen_at_chat == [True]
    assert fake_comfy.bodies("/free")[0] == {"unload_models": True, "free_memory": True}
    # the scene's model was loaded by the chat; every prompt was queued after Ollama let go of it
    unloads = [
        b
        for m, p, b in fake_ollama.state.requests
        if p == "/api/generate" and b.get("keep_alive") == 0
    ]
    assert unloads, "Ollama was never asked to unload"
    assert fake_comfy.queued_while_ollama_held == [[], [], []]


def test_run_without_handoff_touches_neither(capsys, tmp_path, fake_comfy, fake_ollama):
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--topic",
        "t",
        "--project",
        str(tmp_path / "p"),
        "--no-handoff",
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
    )
    assert rc == 0, err
    assert "/free" not in fake_comfy.paths("POST")
    assert fake_comfy.queued_while_ollama_held[0] != []  # the model stayed loaded, as asked


def test_failing_voice_stage_exit_code_names_the_stage_and_reason(
    capsys, tmp_path, fake_comfy, fake_ollama
):
    fake_comfy.fail = "runtime"  # the server's execution_error, as recorded
    rc, out, err = run_cli(
        capsys,
        "run",
        "--topic",
        "t",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
    )
    assert rc == 29  # stage 2 (voice), reason 9 (the job failed on the server)
    assert "error: the voice stage failed:" in err
    assert out == ""
    assert "== stage 3/4" not in err


def test_unreachable_ollama_fails_the_script_stage(capsys, tmp_path, fake_comfy, dead_url):
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--topic",
        "t",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        dead_url,
    )
    assert rc == 13  # stage 1 (script), reason 3 (unreachable)
    assert "error: the script stage failed: Ollama is not reachable" in err


def test_missing_model_file_fails_before_queueing(capsys, tmp_path, fake_comfy, fake_ollama):
    from tests.fakes.stocked import recorded_object_info

    fake_comfy.object_info = recorded_object_info("0.25")  # packs present, no model files
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--topic",
        "t",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
        "--image-workflow",
        "image_z_image_turbo",
    )
    # Qwen3-TTS needs no listed model file, so voice runs; the image stage stops at preflight
    assert rc == 38, err
    assert "error: the image stage failed: ComfyUI cannot run" in err
    assert len(queued(fake_comfy)) == 1


def test_scene_json_from_run_is_valid(tmp_path, capsys, fake_comfy, fake_ollama):
    run_cli(
        capsys,
        "run",
        "--topic",
        "t",
        "--project",
        str(tmp_path / "p"),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
    )
    data = json.loads((tmp_path / "p" / "project.json").read_text())
    assert data["scene"]["audio"]["tags"] == ["calm", "warm", "male voice"]
