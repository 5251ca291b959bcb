"""Test isolation: every per-user path goes to a temp folder; Qt runs offscreen; nothing outside
the checkout is read.

The repository must stand alone (a clone with nothing beside it passes): an audit hook refuses
any file opened in the checkout's parent folder but outside the checkout itself, so a test that
reaches for `../shared` fails here, not only on a fresh machine.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

_REPO = str(Path(__file__).resolve().parent.parent)
_BESIDE = os.path.dirname(_REPO) + os.sep


class OutsideCheckout(RuntimeError):
    """A test opened a file beside the checkout (test data must live inside the repository)."""


def _refuse_outside_reads(event: str, args: tuple) -> None:
    if event != "open" or not args or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.fsdecode(args[0])
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    path = os.path.normpath(path)
    if path.startswith(_BESIDE) and not (path == _REPO or path.startswith(_REPO + os.sep)):
        raise OutsideCheckout(f"a test opened {path}, outside the checkout {_REPO}")


sys.addaudithook(_refuse_outside_reads)


@pytest.fixture(autouse=True, scope="session")
def collect_on_the_main_thread_only():
    """As the app does (vidgen_desktop.ui.gui_collector): automatic collection could free a
    dead widget on a worker thread and deadlock Qt's connection mutex against the GIL."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def collect_after_each_test():
    """On this thread, after every test; what survives is frozen (gc.freeze) so the next
    collection looks only at what the next test makes instead of the whole session's heap."""
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    home = tmp_path / "vidgen-home"
    monkeypatch.setenv("VIDGEN_HOME", str(home))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    # no test talks to the desktop of whoever runs it (the D-Bus tests start their own bus)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    return home


@pytest.fixture(autouse=True)
def no_quit_question(monkeypatch):
    """Closing a window while a job runs asks a modal question, which would block an offscreen
    test forever: fail loudly instead (the quit tests answer it by clicking its buttons)."""
    from vidgen_desktop.ui import quit_dialog

    original = quit_dialog.ask_quit

    def refuse(parent, jobs, other):
        raise AssertionError(f"unexpected quit question: {[j.describe() for j in jobs]} {other}")

    monkeypatch.setattr(quit_dialog, "ask_quit", refuse)
    return original
