"""GPU work that survives: the ledger, `vidgen resume`, `--detach`, chunk-by-chunk video.

Every test runs the real CLI against the fake ComfyUI over real sockets; the fake counts each
POST /prompt and numbers them, so "only the missing chunk was rendered again" is a count.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.voice_video.conftest import SCENE, queued
from tests.voice_video.test_stage_cli import project_with_takes, run_cli
from vidgen_desktop.core.project import Project
from vidgen_desktop.pipeline.ledger import Ledger, forget_ledger


def chunk_of(graph: dict) -> str:
    """What a queued graph was: "chunk" (saves a latent), "assembly" (decodes them) or "job"."""
    classes = {n["class_type"] for n in graph.values()}
    if "SaveLatent" in classes:
        return "chunk"
    if "LoadLatent" in classes:
        return "assembly"
    return "job"


def kinds(fake) -> list[str]:
    return [chunk_of(g) for g in queued(fake)]


def video(capsys, project, fake, *extra: str) -> tuple[int, str, str]:
    return run_cli(
        capsys,
        "video",
        "--project",
        str(project.root),
        "--comfyui",
        fake.url,
        "--no-handoff",
        *extra,
    )


def resume(capsys, root: Path, fake, *extra: str) -> tuple[int, str, str]:
    forget_ledger(root)  # another process wrote it
    return run_cli(
        capsys, "resume", "--project", str(root), "--comfyui", fake.url, "--no-handoff", *extra
    )


def render_runs(root: Path) -> list:
    return [r for r in Ledger(root).data.runs if r.kind == "chunked-video"]


def test_every_job_is_in_the_ledger_before_it_is_sent(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    seen_on_submit: list[list[str]] = []
    original = fake_comfy.submit

    def submit(body):
        # what the project's ledger says at the moment the prompt reaches the server
        ledger = json.loads((project.root / "jobs.json").read_text(encoding="utf-8"))
        seen_on_submit.append([j["prompt_id"] for j in ledger["jobs"]])
        return original(body)

    fake_comfy.submit = submit
    rc, _out, err = video(capsys, project, fake_comfy)
    assert rc == 0, err
    ids = [b["prompt_id"] for b in fake_comfy.bodies("/prompt")]
    assert len(ids) == 4
    for pid, known in zip(ids, seen_on_submit, strict=True):
        assert pid in known
    rc, out, _err = run_cli(capsys, "project", "show", str(project.root), "--json")
    jobs = json.loads(out)["jobs"]
    assert [(j["stage"], j["state"], j["chunk"]) for j in jobs] == [
        ("video", "done", 1),
        ("video", "done", 2),
        ("video", "done", 3),
        ("video", "done", 0),
    ]
    assert [j["prompt_id"] for j in jobs] == ids
    assert {j["server"] for j in jobs} == {fake_comfy.url}
    # the latents we put into the server's input folder are gone again
    assert all(not data for name, data in fake_comfy.uploads.items() if name.endswith(".latent"))
    assert len([n for n in fake_comfy.uploads if n.endswith(".latent")]) == 3  # one per chunk


CHILD = "import sys; from vidgen_desktop.cli.main import main; sys.exit(main(sys.argv[1:]))"


def test_killed_during_chunk_2_resume_renders_only_chunk_3(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    fake_comfy.step_delay = 0.25  # a chunk takes about a second
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            "video",
            "--project",
            str(project.root),
            "--comfyui",
            fake_comfy.url,
            "--no-handoff",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (fake_comfy.prompts_seen == 2 and fake_comfy.running):
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "chunk 2 never started"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # the app dies; chunk 2 goes on in ComfyUI
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert kinds(fake_comfy) == ["chunk", "chunk"]
    (run,) = render_runs(project.root)
    assert list(run.chunk_files) == [1] and run.state == "running"

    rc, out, err = resume(capsys, project.root, fake_comfy)
    assert rc == 0, err
    # chunk 2 was followed again, not sent again: one new chunk prompt, then the assembly
    assert kinds(fake_comfy) == ["chunk", "chunk", "chunk", "assembly"]
    take = Project.open(project.root).chosen_take("video")
    assert take is not None and take.settings["chunks"] == 3
    assert out.strip().endswith(take.file)
    (run,) = render_runs(project.root)
    assert run.state == "done" and sorted(run.chunk_files) == [1, 2, 3]


def test_server_restart_in_chunk_2_sends_chunk_2_again_and_keeps_chunk_1(
    capsys, tmp_path, fake_comfy
):
    project = project_with_takes(tmp_path)
    fake_comfy.restart_on_prompt = 2
    rc, _out, err = video(capsys, project, fake_comfy)
    assert rc == 0, err
    assert "no longer knows chunk 2 (it restarted): sending it again" in err
    graphs = queued(fake_comfy)
    assert [chunk_of(g) for g in graphs] == ["chunk", "chunk", "chunk", "chunk", "assembly"]
    # chunk 1 once; the lost chunk 2 sent again with the very same graph
    assert graphs[1] == graphs[2]
    states = [(j.chunk, j.state) for j in Ledger(project.root).data.jobs]
    assert states == [(1, "done"), (2, "lost"), (2, "done"), (3, "done"), (0, "done")]
    assert Project.open(project.root).chosen_take("video") is not None


def test_out_of_memory_in_chunk_3_keeps_chunks_1_and_2(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    fake_comfy.oom_on_prompt = 3
    rc, _out, err = video(capsys, project, fake_comfy)
    assert rc == 9, err
    assert "out of GPU memory" in err.lower() or "out of memory" in err.lower()
    (run,) = render_runs(project.root)
    kept = [project.root / run.chunk_files[k] for k in (1, 2)]
    assert all(p.is_file() and p.stat().st_size == fake_comfy.latent_bytes for p in kept)
    assert Project.open(project.root).chosen_take("video") is None

    # the user closed what else was on the GPU; resume renders chunk 3 and assembles
    rc, _out, err = resume(capsys, project.root, fake_comfy)
    assert rc == 0, err
    assert kinds(fake_comfy) == ["chunk", "chunk", "chunk", "chunk", "assembly"]
    assert Project.open(project.root).chosen_take("video") is not None


def test_changed_inputs_after_chunk_1_start_over_and_say_why(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    fake_comfy.oom_on_prompt = 2
    rc, _out, _err = video(capsys, project, fake_comfy)
    assert rc == 9
    (old,) = render_runs(project.root)
    chunk_1 = project.root / old.chunk_files[1]

    rc, _out, err = video(capsys, project, fake_comfy, "--positive", "she smiles and nods")
    assert rc == 0, err
    assert "note: this project has unfinished GPU work (0 job(s), 1 render(s))" in err
    assert "Not mixing with the unfinished render: the prompt changed" in err
    assert kinds(fake_comfy) == ["chunk", "chunk"] + ["chunk"] * 3 + ["assembly"]
    runs = {r.id: r for r in render_runs(project.root)}
    assert runs[old.id].state == "stale" and "the prompt" in runs[old.id].error
    assert chunk_1.is_file()  # the old chunk stays in the project


def test_detached_job_that_finished_while_away_lands_as_a_take(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    fake_comfy.hold.set()
    rc, _out, err = run_cli(
        capsys,
        "voice",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--detach",
    )
    assert rc == 0, err
    assert f"`vidgen resume --project {project.root}` collects the result" in err
    (job,) = Ledger(project.root).data.jobs
    assert job.state == "queued"
    fake_comfy.hold.clear()  # ComfyUI works on it while nobody watches
    deadline = time.monotonic() + 20
    while job.prompt_id not in fake_comfy.history:
        assert time.monotonic() < deadline
        time.sleep(0.02)

    sent = fake_comfy.prompts_seen
    rc, out, err = resume(capsys, project.root, fake_comfy)
    assert rc == 0, err
    assert fake_comfy.prompts_seen == sent  # collected, not sent again
    reopened = Project.open(project.root)
    take = reopened.chosen_take("voice")
    assert take.info["prompt_id"] == job.prompt_id and reopened.path_of(take).is_file()
    assert out.strip() == str(reopened.path_of(take))
    rc, _out, err = resume(capsys, project.root, fake_comfy)
    assert rc == 0 and "Nothing to resume" in err


def test_a_job_lost_in_a_server_restart_is_sent_again_by_resume(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    fake_comfy.hold.set()
    rc, _out, err = run_cli(
        capsys,
        "voice",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--detach",
    )
    assert rc == 0, err
    fake_comfy.restart()  # the queue is gone
    fake_comfy.hold.clear()
    rc, _out, err = resume(capsys, project.root, fake_comfy)
    assert rc == 0, err
    first, again = queued(fake_comfy)
    assert first == again
    jobs = Ledger(project.root).data.jobs
    assert [j.state for j in jobs] == ["failed", "done"]
    assert "lost" in jobs[0].error
    assert Project.open(project.root).chosen_take("voice").info["prompt_id"] == jobs[1].prompt_id


def test_detached_chunked_video_sends_one_chunk_and_resume_finishes(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    rc, _out, err = video(capsys, project, fake_comfy, "--detach")
    assert rc == 0, err
    assert kinds(fake_comfy) == ["chunk"]
    rc, _out, err = resume(capsys, project.root, fake_comfy)
    assert rc == 0, err
    assert kinds(fake_comfy) == ["chunk", "chunk", "chunk", "assembly"]
    assert Project.open(project.root).chosen_take("video").settings["chunks"] == 3


def test_run_from_image_is_recorded_and_resume_continues_it(capsys, tmp_path, fake_comfy):
    project = project_with_takes(tmp_path)
    project.data.stage_inputs["image"] = {"workflow": "", "style": "oil painting", "steps": 7}
    project.data.stage_inputs["video"] = {"seconds": 2.0}
    project.save()
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--from",
        "image",
        "--project",
        str(project.root),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
        "--detach",
    )
    assert rc == 0, err
    assert "== stage 3/4: image ==" in err and "stage 1/4" not in err
    image_graph = queued(fake_comfy)[0]
    texts = [str(n["inputs"].get("text", "")) for n in image_graph.values()]
    assert any("oil painting" in t for t in texts)  # the project's saved style
    assert {n["inputs"]["steps"] for n in image_graph.values() if "steps" in n["inputs"]} == {7}

    rc, out, err = resume(capsys, project.root, fake_comfy)
    assert rc == 0, err
    assert "Continuing the interrupted run from video" in err
    # the image was collected (not sent again), then the video ran: 2 s is one chunk
    assert [chunk_of(g) for g in queued(fake_comfy)] == ["job", "job"]
    reopened = Project.open(project.root)
    assert reopened.chosen_take("video") is not None
    assert reopened.chosen_take("video").made_from["take:image"] == reopened.chosen_take("image").id
    (pipeline,) = [r for r in Ledger(project.root).data.runs if r.kind == "pipeline"]
    assert pipeline.state == "done" and pipeline.spec["done"] == ["image", "video"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--from", "video", "--topic", "x"], "drop --topic"),
        (["--from", "video", "--video-steps", "3"], "--video-steps would not apply"),
        ([], "--topic TEXT"),
    ],
)
def test_run_from_refuses_what_would_not_apply(capsys, tmp_path, fake_comfy, argv, says):
    rc, _out, err = run_cli(
        capsys, "run", "--project", str(tmp_path / "p"), "--comfyui", fake_comfy.url, *argv
    )
    assert rc == 2 and says in err
    assert fake_comfy.prompts_seen == 0


def test_scene_is_needed_for_run_from(capsys, tmp_path, fake_comfy):
    rc, _out, err = run_cli(
        capsys,
        "run",
        "--from",
        "voice",
        "--project",
        str(tmp_path / "empty"),
        "--comfyui",
        fake_comfy.url,
        "--no-handoff",
    )
    assert rc == 22, err
    assert "no script yet" in err
    assert SCENE["audio"]["lyrics"] not in err
