"""ComfyUI installed, started, stopped and extended through comfy-cli (a stand-in `comfy` on
PATH with comfy-cli's flags and words, whose `launch --background` starts a real fake ComfyUI
server): from the core, from the Set-up page with its output live, and at the app's start."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from tests.fakes.fake_comfy_cli import write_wrapper
from tests.modelfiles.test_setup_page import open_setup, scroll_to
from tests.projects.conftest import app_window as app_window
from vidgen_desktop.core.cancel import CancelToken
from vidgen_desktop.core.errors import Cancelled, InvalidInput, ServerError
from vidgen_desktop.managed.comfy_cli import ComfyCli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Elsewhere:
    """Where the app's settings send it for ComfyUI: the port the managed one will use."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"


@pytest.fixture
def fake_comfy():
    return Elsewhere()


@pytest.fixture
def fake_ollama():
    from tests.fakes.fake_ollama import FakeOllama

    fake = FakeOllama()
    yield fake
    fake.stop()


@pytest.fixture
def cli_log(tmp_path, monkeypatch):
    log = tmp_path / "comfy-cli.log"
    bin_dir = tmp_path / "bin"
    write_wrapper(bin_dir, log)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    return log


def calls(log):
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def stop_after(tmp_path):
    started: list[ComfyCli] = []
    yield started
    for cli in started:
        try:
            cli.stop(lambda line: None, CancelToken())
        except ServerError:
            pass


def test_install_launch_node_pack_and_stop(tmp_path, cli_log, stop_after):
    cli = ComfyCli(tmp_path / "comfy" / "ComfyUI")
    assert cli.available and not cli.installed()
    lines: list[str] = []
    cli.install("nvidia", lines.append, CancelToken())
    assert cli.installed()
    assert lines[0].endswith(f"--skip-prompt --workspace {cli.workspace} install --nvidia")
    assert "Installing requirements..." in lines
    with pytest.raises(ServerError) as again:
        cli.install("nvidia", lines.append, CancelToken())
    assert "ComfyUI is already installed" in again.value.message

    port = free_port()
    started = cli.launch(port, lines.append, CancelToken())
    stop_after.append(cli)
    assert started.url == f"http://127.0.0.1:{port}"
    stats = requests.get(started.url + "/system_stats", timeout=5).json()
    assert stats["system"]["comfyui_version"] == "0.25.0"
    assert calls(cli_log)[-1][-5:] == ["--", "--port", str(port), "--listen", "127.0.0.1"] or (
        calls(cli_log)[-1][0] == "--serve"
    )

    cli.node_install("ComfyUI-Qwen-TTS", lines.append, CancelToken())
    assert (cli.workspace / "custom_nodes" / "ComfyUI-Qwen-TTS").is_dir()
    with pytest.raises(InvalidInput):
        cli.node_install("rm -rf /; x", lines.append, CancelToken())

    cli.stop(lines.append, CancelToken())
    stop_after.clear()
    with pytest.raises(requests.ConnectionError):
        requests.get(started.url + "/system_stats", timeout=2)


def test_without_comfy_cli_it_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    cli = ComfyCli(tmp_path / "ComfyUI")  # looks on PATH, finds nothing
    assert not cli.available
    with pytest.raises(InvalidInput) as info:
        cli.install("nvidia", lambda line: None, CancelToken())
    assert "pipx install comfy-cli" in info.value.user_text()


def test_cancel_stops_a_running_install(tmp_path, cli_log):
    cli = ComfyCli(tmp_path / "ComfyUI")
    token = CancelToken()
    seen: list[str] = []

    def on_line(line):
        seen.append(line)
        if "Cloning" in line:
            threading.Thread(target=token.cancel).start()

    with pytest.raises(Cancelled):
        cli.install("nvidia", on_line, token)
    assert not cli.installed()


def test_the_set_up_page_installs_and_starts_comfyui_and_the_app_uses_it(
    qtbot, app_window, cli_log, tmp_path, isolated_home, stop_after, fake_comfy
):
    port = free_port()  # the app's ComfyUI address is another one, where nothing answers
    workspace = tmp_path / "mine" / "ComfyUI"
    win = app_window(settings={"managed_port": port})
    dialog = open_setup(qtbot, win)
    box = dialog.managed_box
    box.folder.setText(str(workspace))
    box.probe()  # as when the user leaves the folder field
    start = box.findChild(QPushButton, "managed_start")
    qtbot.waitUntil(lambda: start.toolTip() == "Install ComfyUI first.", timeout=5000)
    assert not start.isEnabled()
    install = box.findChild(QPushButton, "managed_install")
    scroll_to(qtbot, dialog, install)
    qtbot.mouseClick(install, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Installing requirements..." in box.output.toPlainText(), timeout=10000)
    qtbot.waitUntil(lambda: "installed in" in box.state.text(), timeout=10000)
    assert win.context.settings.managed_comfyui == str(workspace)

    qtbot.waitUntil(start.isEnabled, timeout=5000)
    scroll_to(qtbot, dialog, start)
    qtbot.mouseClick(start, Qt.MouseButton.LeftButton)
    stop_after.append(ComfyCli(workspace))
    qtbot.waitUntil(
        lambda: win.context.settings.comfyui_url == f"http://127.0.0.1:{port}", timeout=15000
    )
    qtbot.waitUntil(
        lambda: (
            dialog.report is not None
            and dialog.report.comfy.reachable
            and str(port) in dialog.servers.text()
        ),
        timeout=15000,
    )
    saved = json.loads((isolated_home / "config" / "settings.json").read_text(encoding="utf-8"))
    assert saved["managed_comfyui"] == str(workspace)


def test_the_remembered_comfyui_starts_with_the_app_when_asked(
    qtbot, app_window, cli_log, tmp_path, stop_after, fake_comfy
):
    workspace = tmp_path / "ComfyUI"
    workspace.mkdir()
    (workspace / "main.py").write_text("#\n", encoding="utf-8")
    port, url = fake_comfy.port, fake_comfy.url
    stop_after.append(ComfyCli(workspace))
    win = app_window(
        settings={
            "managed_comfyui": str(workspace),
            "managed_port": port,
            "start_managed_on_open": True,
        }
    )
    qtbot.waitUntil(
        lambda: any(c[-5:-4] == ["--"] or "launch" in c for c in calls(cli_log)), timeout=10000
    )
    qtbot.waitUntil(lambda: _answers(url), timeout=15000)
    assert win.context.settings.comfyui_url == url


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/system_stats", timeout=1).status_code == 200
    except requests.RequestException:
        return False
