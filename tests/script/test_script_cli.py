"""`vidgen script`: the headless path, in-process and once as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.fakes.fake_ollama import GOOD_SCENE, Reply, scene_text
from vidgen_desktop.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def test_cli_happy_path_prints_scene_and_writes_out(fake_ollama, tmp_path, capsys):
    fake_ollama.script_reply("```json\n" + scene_text() + "\n```")
    out = tmp_path / "scene.json"
    rc = main(
        [
            "script",
            "--topic",
            "lighthouse",
            "--model",
            "llama3.2",
            "--out",
            str(out),
            "--ollama",
            fake_ollama.url,
            "--num-ctx",
            "8192",
            "--temperature",
            "0.2",
            "--max-tokens",
            "600",
            "--seed",
            "7",
        ]
    )
    captured = capsys.readouterr()
    assert rc == 0
    assert json.loads(captured.out) == GOOD_SCENE
    assert json.loads(out.read_text()) == GOOD_SCENE
    assert "tokens" in captured.err and "{" not in captured.err
    request = fake_ollama.chat_requests()[-1]
    assert request["options"] == {
        "num_ctx": 8192,
        "temperature": 0.2,
        "num_predict": 600,
        "seed": 7,
    }
    assert "Topic: lighthouse" in request["messages"][0]["content"]


def test_cli_picks_the_first_installed_model_when_none_is_set(fake_ollama, capsys):
    fake_ollama.script_reply(scene_text())
    assert main(["script", "--topic", "x", "--ollama", fake_ollama.url, "--no-handoff", "-q"]) == 0
    assert fake_ollama.chat_requests()[-1]["model"] == "llama3.2:latest"
    assert capsys.readouterr().err == ""


def test_cli_warns_when_comfyui_could_not_be_asked_to_free_memory(fake_ollama, capsys):
    """No ComfyUI at the address: the hand-off is not confirmed, said once on stderr (even with -q),
    and the scene is still written."""
    from tests.fakes.media_files import dead_loopback_url

    fake_ollama.script_reply(scene_text())
    dead = dead_loopback_url()
    assert (
        main(["script", "--topic", "x", "--ollama", fake_ollama.url, "--comfyui", dead, "-q"]) == 0
    )
    err = capsys.readouterr().err
    assert err.count("warning:") == 1
    assert f"warning: Could not reach ComfyUI at {dead}" in err and "GPU memory may be short" in err


def test_cli_uses_ollama_host_env(fake_ollama, monkeypatch, capsys):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{fake_ollama.port}")
    fake_ollama.script_reply(scene_text())
    assert main(["script", "--topic", "x", "--model", "llama3.2", "-q"]) == 0


def test_cli_exit_code_server_unreachable(fake_ollama, capsys):
    fake_ollama.stop()
    assert main(["script", "--topic", "x", "--ollama", fake_ollama.url]) == 3
    err = capsys.readouterr().err
    assert "not reachable" in err and "ollama serve" in err


def test_cli_exit_code_model_missing(fake_ollama, capsys):
    assert main(["script", "--topic", "x", "--model", "nope:1b", "--ollama", fake_ollama.url]) == 5
    assert "ollama pull nope:1b" in capsys.readouterr().err


def test_cli_exit_code_unusable_reply_prints_raw_and_errors(fake_ollama, capsys):
    fake_ollama.script_reply("nothing useful", json.dumps({"audio": {"lyrics": "x"}}))
    assert main(["script", "--topic", "x", "--model", "llama3.2", "--ollama", fake_ollama.url]) == 6
    captured = capsys.readouterr()
    assert captured.out == ""
    assert '{"audio": {"lyrics": "x"}}' in captured.err and "audio.tags: missing" in captured.err


def test_cli_exit_code_server_error_mid_stream(fake_ollama, capsys):
    fake_ollama.script_reply(Reply(content=scene_text(), error_after=3))
    assert main(["script", "--topic", "x", "--model", "llama3.2", "--ollama", fake_ollama.url]) == 4


def test_cli_exit_code_template_without_topic(fake_ollama, tmp_path, capsys):
    bad = tmp_path / "t.txt"
    bad.write_text("Write JSON.")
    rc = main(["script", "--topic", "x", "--template", str(bad), "--ollama", fake_ollama.url])
    assert rc == 2
    assert "{topic}" in capsys.readouterr().err
    assert fake_ollama.chat_requests() == []


def test_cli_exit_code_no_models(fake_ollama, capsys):
    fake_ollama.set_models([])
    assert main(["script", "--topic", "x", "--ollama", fake_ollama.url]) == 2
    assert "ollama pull qwen3:4b" in capsys.readouterr().err


def test_cli_as_a_real_process(fake_ollama, isolated_home):
    fake_ollama.script_reply(scene_text())
    env = {**os.environ, "VIDGEN_HOME": str(isolated_home), "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vidgen_desktop.cli.main",
            "script",
            "--topic",
            "lighthouse",
            "--model",
            "llama3.2",
            "--ollama",
            fake_ollama.url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == GOOD_SCENE
    fake_ollama.stop()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vidgen_desktop.cli.main",
            "script",
            "--topic",
            "x",
            "--ollama",
            fake_ollama.url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=REPO,
    )
    assert proc.returncode == 3 and "not reachable" in proc.stderr
