"""Nothing clips or scrolls sideways at the window's minimum size, 1280×800 and 1920×1080, at 100 %
and 150 % scaling: every stage of a filled project, through the real window.

A clipped button ("Regenerate this fie"), a wrapped label cut at top and bottom, or a sideways
scroll bar in an input column are what a user with a small screen met; each is measured here the
way Qt lays it out (a widget narrower than its own size hint, a label shorter than its text).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QWidget,
)

from tests.fakes.fake_comfy_data import PNG_1PX
from tests.shared_data import REPO_ROOT
from tests.voice_video.conftest import add_take, wav_bytes

SIZES = ((1024, 680), (1280, 800), (1920, 1080))


def clipping(window: QWidget) -> list[str]:
    """What a user would see cut off in the window as it is laid out now."""
    problems: list[str] = []
    for area in window.findChildren(QAbstractScrollArea):
        if not area.isVisibleTo(window) or isinstance(area, QPlainTextEdit | QTextEdit):
            continue
        if isinstance(area, QListWidget) and area.objectName() == "takes_list":
            continue  # a strip of takes scrolls sideways by design
        if area.horizontalScrollBar().isVisible():
            problems.append(f"{area.objectName() or type(area).__name__} scrolls sideways")
    for w in window.findChildren(QPushButton) + window.findChildren(QCheckBox):
        if w.isVisibleTo(window) and w.text() and w.width() + 1 < w.sizeHint().width():
            problems.append(
                f"button “{w.text()}” is {w.width()} px wide, needs {w.sizeHint().width()}"
            )
    for label in window.findChildren(QLabel):
        if not label.isVisibleTo(window) or not label.text() or label.width() <= 0:
            continue
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if needed > 0 and label.height() + 1 < needed:
                problems.append(
                    f"label “{label.text()[:40]}” is {label.height()} px high, needs {needed}"
                )
        elif label.width() + 1 < label.sizeHint().width() and not label.text().startswith("<"):
            problems.append(
                f"label “{label.text()[:40]}” is {label.width()} px wide, "
                f"needs {label.sizeHint().width()}"
            )
    return problems


@pytest.fixture
def filled(qtbot, window, scene, mp4_with_sound):
    """The window on a project with a scene and a take on every ComfyUI stage."""
    ctx = window.context
    ctx.set_scene(scene, topic="a lighthouse keeper's last night")
    add_take(ctx.project, "voice", "audio", wav_bytes(4.0), "speech.wav", duration_s=4.0)
    add_take(ctx.project, "image", "image", PNG_1PX, "portrait.png", width=8, height=8, seed=5)
    add_take(
        ctx.project, "video", "video", mp4_with_sound.read_bytes(), "talking.mp4", duration_s=2.0
    )
    for stage in ("voice", "image", "video"):
        ctx.notify_takes(stage)
    for panel in window.panels[1:]:
        qtbot.waitUntil(lambda p=panel: p.current_workflow() is not None, timeout=10000)
    return window


def test_nothing_clips_or_scrolls_sideways(qtbot, filled):
    found = {}
    for width, height in SIZES:
        filled.resize(width, height)
        for i, panel in enumerate(filled.panels):
            filled.show_stage(i)
            qtbot.wait(60)
            problems = clipping(filled)
            if problems:
                found[f"{panel.key} at {width}×{height}"] = problems
    assert found == {}


@pytest.mark.skipif(os.environ.get("QT_SCALE_FACTOR") == "1.5", reason="this is the 150 % run")
def test_nothing_clips_at_150_percent():
    """The same check in a fresh process whose Qt scales everything by 1.5 (a 150 % display)."""
    env = dict(os.environ, QT_SCALE_FACTOR="1.5", QT_QPA_PLATFORM="offscreen")
    target = f"{__file__}::test_nothing_clips_or_scrolls_sideways"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout
