"""Drafts and estimates through the CLI against the fake ComfyUI: the draft's settings for every
shipped video workflow and a user's own, `--dry-run` queueing nothing, a draft that is a take
but never the chosen one, and estimates learnt from runs (the fake's steps cost time in
proportion to the latent, as a GPU's do) checked against the run that follows."""

from __future__ import annotations

import json

import pytest

from tests.voice_video.conftest import queued
from tests.voice_video.test_stage_cli import project_with_takes, run_cli
from vidgen_desktop.core.project import Project
from vidgen_desktop.pipeline.draft import draft_request, draft_size, first_sentences
from vidgen_desktop.pipeline.inputs import ImageInputs, VideoInputs, VoiceInputs, video_sizes
from vidgen_desktop.workflow import Stage, load_workflow, named_workflow, shipped_workflows


@pytest.mark.parametrize("wf", shipped_workflows(stage=Stage.VIDEO), ids=lambda w: w.name)
def test_draft_settings_for_every_shipped_video_workflow(wf):
    for width, height in video_sizes(wf):
        inputs = VideoInputs(
            image="i.png",
            audio="a.wav",
            positive="talks",
            seconds=40.0,
            width=width,
            height=height,
            steps=20,
            lora=False,
            seed=3,
        )
        request, notes = draft_request(wf, inputs)
        p = request.params
        assert request.draft and request.take_settings["draft"] == "; ".join(notes)
        assert p["width"] % 16 == 0 and p["height"] % 16 == 0
        assert 256 <= min(p["width"], p["height"]) <= 320
        assert p["width"] / p["height"] == pytest.approx(width / height, rel=0.05)
        assert p["seconds"] <= 77 / 16 and p["seed"] == 3
        assert p["lora"] is True and p["steps"] == 4  # the LoRA's own steps, at cfg 1
        assert {k: str(v) for k, v in request.uploads.items()} == {
            "image": "i.png",
            "audio": "a.wav",
        }


def test_a_workflow_without_a_lora_slot_gets_no_lora_and_says_so(tmp_path):
    shipped = named_workflow("video_wan22_s2v", Stage.VIDEO)
    graph = json.loads(shipped.path.read_text(encoding="utf-8"))
    for node in graph.values():
        if node.get("_meta", {}).get("title") == "$lora":
            node["_meta"]["title"] = "speed-up LoRA (not bound)"
    own = tmp_path / "my_s2v.json"
    own.write_text(json.dumps(graph), encoding="utf-8")
    wf = load_workflow(own, stage=Stage.VIDEO)
    assert "lora" not in wf.params
    inputs = VideoInputs(image="i.png", audio="a.wav", positive="talks", seconds=12.0, seed=1)
    request, notes = draft_request(wf, inputs)
    assert "lora" not in request.params
    assert any("has no LoRA slot, so the draft keeps its" in n for n in notes)
    assert request.params["seconds"] <= 77 / 16


def test_image_and_voice_drafts_are_cheaper_with_the_same_seed():
    image = named_workflow("image_sdxl", Stage.IMAGE)
    request, notes = draft_request(image, ImageInputs(positive="a lighthouse", seed=9))
    full_steps = int(image.default("steps"))
    assert request.params["steps"] == max(2, -(-full_steps // 2)) and request.params["seed"] == 9
    assert request.params["width"] * request.params["height"] < 1024 * 1024
    speech = named_workflow("voice_qwen3_tts", Stage.VOICE)
    text = "The lamp is lit. One more night, and the sea is calm. " * 6
    voice, notes = draft_request(speech, VoiceInputs(text=text, seed=4))
    assert voice.params["text"] == first_sentences(text) and len(voice.params["text"]) < len(text)
    assert voice.params["seed"] == 4 and any("first" in n for n in notes)
    assert draft_size(480, 832) == (288, 496) and draft_size(256, 256) == (256, 256)


def dry_run(capsys, project, fake, *extra):
    rc, out, err = run_cli(
        capsys,
        "video",
        "--project",
        str(project.root),
        "--comfyui",
        fake.url,
        "--no-handoff",
        "--dry-run",
        "--json",
        *extra,
    )
    assert rc == 0, err
    return json.loads(out)


def test_dry_run_queues_nothing_and_says_what_a_render_would_be(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    plan = dry_run(capsys, project, fake_comfy)
    assert fake_comfy.prompts_seen == 0 and "/prompt" not in fake_comfy.paths("POST")
    assert {
        "chunks",
        "frames",
        "steps",
        "width",
        "height",
        "lora",
        "estimate_s",
        "estimate_basis",
    } <= set(plan)
    assert (plan["chunks"], plan["frames"], plan["width"], plan["height"]) == (3, 155, 480, 832)
    assert plan["estimate_s"] is None
    assert plan["estimate_basis"] == "no run of this workflow on this machine yet"
    draft = dry_run(capsys, project, fake_comfy, "--draft")
    assert (draft["chunks"], draft["width"], draft["height"], draft["lora"]) == (1, 288, 496, True)
    assert draft["draft"] is True and fake_comfy.prompts_seen == 0
    rc, _out, err = run_cli(
        capsys, "video", "--project", str(project.root), "--comfyui", fake_comfy.url, "--json"
    )
    assert rc == 2 and "--json goes with --dry-run" in err


def test_a_draft_is_a_take_never_chosen_and_it_feeds_the_estimate(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    rc, out, err = run_cli(
        capsys,
        "video",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--draft",
    )
    assert rc == 0, err
    assert "Draft: the first 4.81 s (one chunk) of 9.63 s; 288×496 px" in err
    assert "the full render matches this draft with --seed" in err
    (graph,) = queued(fake_comfy)  # one prompt: the first chunk, decoded directly
    base = next(n["inputs"] for n in graph.values() if n["class_type"] == "WanSoundImageToVideo")
    assert (base["width"], base["height"]) == (288, 496)
    reopened = Project.open(project.root)
    (take,) = reopened.takes_for("video")
    assert take.draft and reopened.chosen_take("video") is None
    assert reopened.path_of(take).name.startswith("draft-") and out.strip().endswith(take.file)
    plan = dry_run(capsys, project, fake_comfy)
    assert plan["estimate_s"] is not None and plan["estimate_basis"] == "a draft on this machine"


def render(capsys, project, fake_comfy, size: str):
    """A 3 s render at `size` with the 4-step LoRA: (exit code, stdout, stderr)."""
    return run_cli(
        capsys,
        "video",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--seconds",
        "3",
        "--size",
        size,
        "--lora",
    )


def test_estimates_learnt_from_runs_match_the_next_run(capsys, tmp_path, fake_comfy):
    """The fake's steps cost 6 µs per latent unit: a 480×832 step about 0.19 s, like a GPU
    that is slower on bigger latents. Two runs at two sizes, then a third size predicted."""
    fake_comfy.step_seconds_per_unit = 6e-6
    project = project_with_takes(tmp_path)
    for size in ("320x320", "512x512"):
        rc, _out, err = render(capsys, project, fake_comfy, size)
        assert rc == 0, err
    plan = dry_run(capsys, project, fake_comfy, "--seconds", "3", "--size", "480x832", "--lora")
    assert plan["estimate_basis"] == "2 runs on this machine"
    predicted = plan["estimate_s"]
    rc, _out, err = render(capsys, project, fake_comfy, "480x832")
    assert rc == 0, err
    from vidgen_desktop.cli.stage_common import timings

    last = timings().runs(plan["workflow"], fake_comfy.url)[-1]
    assert last.estimate_s == pytest.approx(predicted, abs=0.1)  # what it was told, kept
    assert last.total_s == pytest.approx(predicted, rel=0.35)
    assert plan["estimate_low_s"] <= predicted <= plan["estimate_high_s"]
    rc, out, _err = run_cli(
        capsys,
        "video",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--dry-run",
        "--seconds",
        "3",
        "--size",
        "480x832",
        "--lora",
    )
    # both runs that had an estimate are compared with what happened
    assert "Past estimates here: the real time was" in out and "(2 renders)" in out
