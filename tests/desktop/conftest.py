"""A real D-Bus session bus for the desktop tests: `dbus-daemon --session` started per test on a
socket in its temporary folder, with tests.desktop.bus_listener (a screen saver, a notification
daemon and a launcher listener) on it in its own process. The app finds the bus the way it
finds the desktop's: DBUS_SESSION_BUS_ADDRESS."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.projects import conftest as project_fixtures
from tests.voice_video import conftest as stage_fixtures

fake_comfy = stage_fixtures.fake_comfy
fake_ollama = stage_fixtures.fake_ollama
mp4_dir = stage_fixtures.mp4_dir
mp4_with_sound = stage_fixtures.mp4_with_sound
scene = stage_fixtures.scene
app_window = project_fixtures.app_window

REPO = Path(__file__).resolve().parents[2]


class Listener:
    def __init__(self, address: str, proc: subprocess.Popen) -> None:
        self.address, self.proc = address, proc
        self.events: list[dict] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._lock:
                self.events.append(json.loads(line))

    def seen(self, event: str, **match) -> list[dict]:
        with self._lock:
            return [
                e
                for e in self.events
                if e["event"] == event and all(e.get(k) == v for k, v in match.items())
            ]

    def wait(self, event: str, timeout: float = 10.0, **match) -> dict:
        """Waits with the Qt event loop running: what the app sends is started by its signals."""
        from PySide6.QtCore import QCoreApplication, QEventLoop

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.seen(event, **match)
            if found:
                return found[-1]
            if QCoreApplication.instance() is not None:
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.01)
        raise AssertionError(f"no {event} {match} on the bus; saw {self.events}")

    def click(self, notification_id: int) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"click {notification_id} default\n")
        self.proc.stdin.flush()


@pytest.fixture
def session_bus(tmp_path, monkeypatch):
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        if os.environ.get("CI"):
            pytest.fail("dbus-daemon is missing: scripts/setup.sh installs it (package dbus)")
        pytest.skip("dbus-daemon is not installed")
    socket = tmp_path / "bus"
    bus = subprocess.Popen(
        [daemon, "--session", "--nofork", "--print-address=1", f"--address=unix:path={socket}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.desktop.bus_listener", address],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    listener = Listener(address, proc)
    listener.wait("ready")
    yield listener
    from vidgen_desktop.ui.desktop import bus as app_bus

    app_bus.close_all()
    proc.terminate()
    bus.terminate()
    proc.wait(5)
    bus.wait(5)
