"""`vidgen batch` over two and three fake ComfyUI servers on real sockets: items spread over the
servers, a failing item does not stop the others, a server that lacks a workflow's model is not
given it, a batch run again continues (finished items are not redone, a failed one keeps its
finished stages), and every item is checked before anything runs."""

from __future__ import annotations

import json
import threading
import time

from tests.fakes.stocked import recorded_object_info
from tests.voice_video.conftest import queued
from vidgen_desktop.cli.main import main
from vidgen_desktop.core.project import Project

TOPICS = [f"topic number {n}" for n in range(1, 7)]


def batch_args(tmp_path, topics, ollama, servers, *extra: str, name="topics.txt") -> list[str]:
    listing = tmp_path / name
    listing.write_text("\n".join(topics) + "\n", encoding="utf-8")
    argv = [
        "batch",
        str(listing),
        "--project-root",
        str(tmp_path / "out"),
        "--ollama",
        ollama.url,
        "--no-handoff",
        "--until",
        "image",
        "--image-size",
        "512x512",
        *extra,
    ]
    for server in servers:
        argv += ["--comfyui", server.url]
    return argv


def record(tmp_path) -> dict:
    return json.loads((tmp_path / "out" / "batch.json").read_text(encoding="utf-8"))


def test_six_topics_over_two_servers_with_one_failing(tmp_path, ollama, servers, capsys):
    a, b = servers(2)
    b.oom_on_prompt = 2  # the second prompt b gets runs out of memory: that one item fails
    code = main(batch_args(tmp_path, TOPICS, ollama, [a, b]))
    err = capsys.readouterr().err
    assert code == 1, err
    items = record(tmp_path)["items"]
    assert [i["status"] for i in items].count("done") == 5
    (failed,) = [i for i in items if i["status"] == "failed"]
    assert failed["failed_stage"] in ("voice", "image") and "memory" in failed["error"]
    assert failed["server"] == b.url
    # both servers worked, and every done item has its still
    assert queued(a) and queued(b)
    for item in items:
        if item["status"] == "done":
            project = Project.open(tmp_path / "out" / item["project"])
            assert project.chosen_take("image") is not None
            assert project.chosen_take("video") is None  # --until image
            assert item["output"].endswith(".png")
    assert "5 of 6 finished" in err
    assert f"failed at {failed['failed_stage']}" in err


def test_a_batch_run_again_continues_and_does_not_redo_finished_work(
    tmp_path, ollama, servers, capsys
):
    (a,) = servers(1)
    a.oom_on_prompt = 4  # item 2's image (prompts: voice 1, image 1, voice 2, image 2)
    assert main(batch_args(tmp_path, TOPICS[:3], ollama, [a])) == 1
    capsys.readouterr()
    items = record(tmp_path)["items"]
    assert [i["status"] for i in items] == ["done", "failed", "done"]
    assert items[1]["failed_stage"] == "image"
    prompts_before, chats_before = a.prompts_seen, _chats(ollama)

    assert main(batch_args(tmp_path, TOPICS[:3], ollama, [a])) == 0
    err = capsys.readouterr().err
    assert [i["status"] for i in record(tmp_path)["items"]] == ["done"] * 3
    # only item 2's image was sent again: no new script, no new voice, nothing for items 1, 3
    assert a.prompts_seen == prompts_before + 1
    assert _chats(ollama) == chats_before
    assert "3 of 3 finished" in err


def test_a_server_without_the_workflows_model_is_not_given_items(tmp_path, ollama, servers, capsys):
    a, b = servers(2)
    b.object_info = recorded_object_info("0.25")  # a server with no model files at all
    code = main(batch_args(tmp_path, TOPICS[:3], ollama, [a, b]))
    assert code == 0, capsys.readouterr().err
    assert b.prompts_seen == 0 and a.prompts_seen == 6
    assert {i["server"] for i in record(tmp_path)["items"]} == {a.url}


def test_items_no_server_can_run_fail_at_the_check_before_anything_runs(
    tmp_path, ollama, servers, capsys
):
    (a,) = servers(1)
    a.object_info = recorded_object_info("0.25")
    code = main(batch_args(tmp_path, TOPICS[:2], ollama, [a]))
    err = capsys.readouterr().err
    assert code == 1
    assert a.prompts_seen == 0 and _chats(ollama) == 0
    assert all(i["failed_stage"] == "check" for i in record(tmp_path)["items"])
    assert "no server can run its workflows" in err


def test_per_item_options_from_jsonl(tmp_path, ollama, servers, capsys):
    (a,) = servers(1)
    lines = [
        json.dumps({"topic": "tall", "image_size": "512x768"}),
        json.dumps({"topic": "wide", "image_size": "768x512"}),
    ]
    argv = batch_args(tmp_path, lines, ollama, [a], name="topics.jsonl")
    argv.remove("--image-size")
    argv.remove("512x512")  # the items say their own sizes
    code = main(argv)
    assert code == 0, capsys.readouterr().err
    sizes = []
    for graph in queued(a):
        latents = [n for n in graph.values() if "width" in n.get("inputs", {})]
        if latents and "height" in latents[0]["inputs"]:
            sizes.append((latents[0]["inputs"]["width"], latents[0]["inputs"]["height"]))
    assert (512, 768) in sizes and (768, 512) in sizes


def _chats(ollama) -> int:
    return sum(1 for method, path, _ in ollama.state.requests if path == "/api/chat")


def test_an_item_whose_server_dies_moves_to_the_other_server(
    tmp_path, ollama, servers, isolated_home, capsys
):
    from tests.voice_video.conftest import write_settings
    from vidgen_desktop.pipeline.ledger import Ledger

    write_settings(isolated_home, reattach_window_s=1)  # wait 1 s for a server that went away
    a, b = servers(2)
    a.node_delay = b.node_delay = 0.3
    killed: list[int] = []

    def kill_a_mid_job() -> None:
        deadline = time.monotonic() + 60
        while not (a.running and a.prompts_seen == 1) and time.monotonic() < deadline:
            time.sleep(0.01)
        killed.append(a.prompts_seen)
        a.stop()

    killer = threading.Thread(target=kill_a_mid_job, daemon=True)
    killer.start()
    code = main(batch_args(tmp_path, TOPICS[:4], ollama, [a, b], "--until", "voice"))
    killer.join(5)
    err = capsys.readouterr().err
    assert code == 0, err
    items = record(tmp_path)["items"]
    assert [i["status"] for i in items] == ["done"] * 4 and killed == [1]
    assert "went away at voice: moved" in err
    # a got one voice job and died with it; b made all four, each sent to it once
    assert a.prompts_seen == 1 and b.prompts_seen == 4
    moved = []
    for item in items:
        ledger = Ledger(tmp_path / "out" / item["project"])
        moved += [j for j in ledger.data.jobs if j.state == "moved"]
        assert item["server"] == b.url
        assert {j.server for j in ledger.data.jobs if j.state == "done"} == {b.url}
    assert [j.server for j in moved] == [a.url]
