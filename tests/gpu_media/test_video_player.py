"""The video player with an MP4 made in the test by Qt's own encoder."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from tests.fakes.media_files import make_test_mp4
from vidgen_desktop.core.errors import StorageError
from vidgen_desktop.ui.widgets.video_player import VideoPlayer


@pytest.fixture(scope="module")
def mp4(qapp, tmp_path_factory):
    """Made once for this module (Qt's encoder, about 0.3 s); tests only read it."""
    return make_test_mp4(tmp_path_factory.mktemp("video") / "final video.mp4", seconds=1.0)


def _player(keep) -> VideoPlayer:
    w = VideoPlayer()
    keep(w)
    w.resize(800, 520)
    w.show()
    return w


def _load(qtbot, w, path) -> float:
    with qtbot.waitSignal(w.loaded, timeout=10000) as blocker:
        w.load(path)
    return blocker.args[0]


def test_empty_player_explains_disabled_controls(qtbot, keep):
    w = _player(keep)
    assert w.placeholder.isVisible() and not w.video.isVisible()
    for b in (w.play_button, w.save_button, w.folder_button, w.fullscreen_button):
        assert not b.isEnabled()
        assert "generate one first" in b.toolTip()


def test_loads_mp4_shows_duration_and_frames_arrive(qtbot, keep, mp4):
    w = _player(keep)
    seconds = _load(qtbot, w, mp4)
    assert abs(seconds - 1.0) < 0.1
    assert w.time_label.text() == "0:00 / 0:01"
    assert w.play_button.isEnabled() and w.save_button.isEnabled()
    qtbot.mouseClick(w.play_button, Qt.MouseButton.LeftButton)
    sink = w.video.videoSink()
    qtbot.waitUntil(lambda: sink.videoFrame().isValid(), timeout=5000)
    img = sink.videoFrame().toImage()
    assert not img.isNull() and img.width() == 160
    # the frame holds the orange bar drawn by the test, not just the background
    colours = {img.pixelColor(x, img.height() // 2).red() > 150 for x in range(0, img.width(), 4)}
    assert colours == {True, False}
    qtbot.waitUntil(lambda: w.play_button.text() == "Play", timeout=8000)  # reached the end


def test_save_as_copies_the_file_off_the_gui_thread(qtbot, keep, mp4, tmp_path, monkeypatch):
    w = _player(keep)
    _load(qtbot, w, mp4)
    dest = tmp_path / "export" / "my video.mp4"
    dest.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(dest), ""))
    )
    with qtbot.waitSignal(w.saved, timeout=5000) as blocker:
        qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == str(dest)
    assert dest.read_bytes() == mp4.read_bytes()
    assert not list(dest.parent.glob(".*.part"))
    qtbot.waitUntil(lambda: w.save_button.isEnabled(), timeout=3000)


def test_save_as_failure_is_reported(qtbot, keep, mp4, tmp_path):
    w = _player(keep)
    _load(qtbot, w, mp4)
    with qtbot.waitSignal(w.save_failed, timeout=5000) as blocker:
        assert w.save_as(tmp_path / "no such folder" / "x.mp4")
    error = blocker.args[0]
    assert isinstance(error, StorageError) and "Could not save x.mp4" in error.message


def test_cancelled_save_dialog_copies_nothing(qtbot, keep, mp4, monkeypatch):
    w = _player(keep)
    _load(qtbot, w, mp4)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
    qtbot.mouseClick(w.save_button, Qt.MouseButton.LeftButton)
    assert not w.saver.is_running()


def test_fullscreen_with_f_and_escape(qtbot, keep, mp4):
    w = _player(keep)
    _load(qtbot, w, mp4)
    w.video.setFocus()
    with qtbot.waitSignal(w.video.fullscreen_toggled) as on:
        qtbot.keyClick(w.video, Qt.Key.Key_F)
    assert on.args == [True] and w.video.isFullScreen()
    with qtbot.waitSignal(w.video.fullscreen_toggled) as off:
        qtbot.keyClick(w.video, Qt.Key.Key_Escape)
    assert off.args == [False] and not w.video.isFullScreen()
    qtbot.mouseDClick(w.video, Qt.MouseButton.LeftButton)
    assert w.video.isFullScreen()
    w.clear()
    assert not w.video.isFullScreen() and w.placeholder.isVisible()


def test_unplayable_file_shows_why(qtbot, keep, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 64)
    w = _player(keep)
    with qtbot.waitSignal(w.load_failed, timeout=10000) as blocker:
        w.load(bad)
    assert "bad.mp4 cannot be played" in blocker.args[0]
    assert w.placeholder.isVisible()
