"""`vidgen voice` and `vidgen video`: every panel setting as an option, against the fakes."""

from __future__ import annotations

import json

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.voice_video.conftest import SCENE, queued, wav_bytes
from vidgen_desktop.cli.main import main
from vidgen_desktop.core.project import Project


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def scene_file(tmp_path):
    path = tmp_path / "scene.json"
    path.write_text(json.dumps(SCENE), encoding="utf-8")
    return path


def test_voice_options_reach_the_graph(capsys, tmp_path, fake_comfy, fake_ollama):
    project = tmp_path / "p"
    rc, out, err = run_cli(
        capsys,
        "voice",
        "--project",
        str(project),
        "--scene",
        str(scene_file(tmp_path)),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
        "--speaker",
        "Serena",
        "--voice-instructions",
        "slow and low",
        "--seconds",
        "60",
        "--seed",
        "42",
    )
    assert rc == 0, err
    assert "warning: 12 words would take only about" in err  # the length check, before queueing
    (graph,) = queued(fake_comfy)
    tts = next(n["inputs"] for n in graph.values() if n["class_type"] == "FB_Qwen3TTSCustomVoice")
    assert (tts["speaker"], tts["instruct"], tts["seed"]) == ("Serena", "slow and low", 42)
    take = Project.open(project).chosen_take("voice")
    assert out.strip().endswith(take.file) and take.duration_s == 2.5


def test_voice_clone_needs_and_uploads_the_reference(capsys, tmp_path, fake_comfy, fake_ollama):
    base = [
        "voice",
        "--project",
        str(tmp_path / "p"),
        "--scene",
        str(scene_file(tmp_path)),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
        "--workflow",
        "voice_qwen3_tts_clone",
    ]
    rc, _out, err = run_cli(capsys, *base)
    assert rc == 2 and "pass --reference-audio" in err
    clip = tmp_path / "me.wav"
    clip.write_bytes(wav_bytes(1.0))
    rc, _out, err = run_cli(
        capsys, *base, "--reference-audio", str(clip), "--reference-text", "hi there"
    )
    assert rc == 0, err
    assert fake_comfy.uploads["me.wav"] == clip.read_bytes()


def test_voice_without_a_scene_says_how_to_get_one(capsys, tmp_path, fake_comfy):
    rc, _out, err = run_cli(
        capsys, "voice", "--project", str(tmp_path / "p"), "--comfyui", fake_comfy.url
    )
    assert rc == 2 and "has no scene yet" in err


def project_with_takes(tmp_path, voice_seconds: float = 9.63):
    project = Project.create(tmp_path / "p")
    from tests.voice_video.conftest import add_take
    from vidgen_desktop.core.scene import Scene

    project.set_scene(Scene.model_validate(SCENE))
    add_take(project, "image", "image", PNG_1PX, "portrait.png")
    add_take(
        project, "voice", "audio", wav_bytes(voice_seconds), "speech.wav", duration_s=voice_seconds
    )
    return project


def test_video_options_and_cost(capsys, tmp_path, fake_comfy, fake_ollama):
    project = project_with_takes(tmp_path)
    rc, out, err = run_cli(
        capsys,
        "video",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--ollama",
        fake_ollama.url,
        "--size",
        "512x512",
        "--lora",
        "--seed",
        "5",
    )
    assert rc == 0, err
    assert "Cost: 3 chunks × 77 frames, 155 frames at 16 fps (9.63 s), 12 sampler steps" in err
    assert "Estimated time: unknown: no run of this workflow on this machine yet" in err
    # one prompt per chunk, then the assembly
    first, second, third, assembly = queued(fake_comfy)
    base = next(n["inputs"] for n in first.values() if n["class_type"] == "WanSoundImageToVideo")
    assert (base["width"], base["height"]) == (512, 512)
    for graph in (second, third):
        assert sum(n["class_type"] == "WanSoundImageToVideoExtend" for n in graph.values()) == 1
    for graph in (first, second, third):
        assert any(n["class_type"] == "LoraLoaderModelOnly" for n in graph.values())
        assert {n["inputs"]["steps"] for n in graph.values() if n["class_type"] == "KSampler"} == {
            4
        }
    assert sum(n["class_type"] == "LoadLatent" for n in assembly.values()) == 3
    take = Project.open(project.root).chosen_take("video")
    assert out.strip().endswith(take.file) and take.info["has_audio"] is True
    # the second run knows this machine's step rate
    rc, _out, err = run_cli(
        capsys,
        "video",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--seconds",
        "3",
        "--steps",
        "6",
        "--fps",
        "24",
    )
    assert rc == 0, err
    assert "Cost: 1 chunk × 77 frames, 72 frames at 24 fps (3 s), 6 sampler steps" in err
    assert "Estimated time: about" in err


def test_video_mute_output_is_kept_with_a_warning(capsys, tmp_path, fake_comfy, mp4_mute):
    fake_comfy.video_file = mp4_mute
    project = project_with_takes(tmp_path, 2.0)
    rc, _out, err = run_cli(
        capsys, "video", "--project", str(project.root), "--comfyui", fake_comfy.url, "--no-handoff"
    )
    assert rc == 0
    assert "warning: this workflow's video has no sound" in err
    assert Project.open(project.root).chosen_take("video").info["has_audio"] is False


def test_video_refuses_bad_input_before_queueing(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    base = ["video", "--project", str(project.root), "--comfyui", fake_comfy.url, "--no-handoff"]
    for extra, message in (
        (["--size", "500x800"], "multiples of 16"),
        (["--seconds", "0"], "--seconds must be more than 0"),
        (["--seconds", "120"], "at most 12"),
        (["--image", str(tmp_path / "missing.png")], "is not a file"),
    ):
        rc, _out, err = run_cli(capsys, *base, *extra)
        assert rc == 2, (extra, err)
        assert message in err
    assert queued(fake_comfy) == []
    empty = Project.create(tmp_path / "empty")
    rc, _out, err = run_cli(
        capsys, "video", "--project", str(empty.root), "--comfyui", fake_comfy.url
    )
    assert rc == 2 and "no chosen image take" in err
