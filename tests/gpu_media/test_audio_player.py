"""The audio player, driven like a user: load a take, see its duration and waveform, play, seek."""

from __future__ import annotations

import struct

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette
from PySide6.QtMultimedia import QMediaPlayer

from vidgen_desktop.ui.widgets.audio_player import AudioPlayer


def _player(keep) -> AudioPlayer:
    w = AudioPlayer()
    keep(w)
    w.resize(640, 180)
    w.show()
    return w


def _load(qtbot, w: AudioPlayer, path) -> float:
    with qtbot.waitSignal(w.loaded, timeout=10000) as blocker:
        w.load(path)
    return blocker.args[0]


def test_nothing_loaded_says_why_play_is_disabled(qtbot, keep):
    w = _player(keep)
    assert not w.play_button.isEnabled()
    assert "generate or import" in w.play_button.toolTip()
    assert w.time_label.text() == "0:00 / 0:00"


def test_loads_wav_shows_duration_and_draws_waveform(qtbot, keep, tone_wav):
    w = _player(keep)
    seconds = _load(qtbot, w, tone_wav)
    assert abs(seconds - 1.5) < 0.05
    assert w.time_label.text() == "0:00 / 0:02"
    assert w.play_button.isEnabled()
    qtbot.waitUntil(lambda: len(w.waveform.peaks) > 0, timeout=5000)
    # the picture has the shape of the tone: loud in the middle of each swell, quiet between
    peaks = w.waveform.peaks
    assert max(hi for _, hi in peaks) > 0.9 and min(lo for lo, _ in peaks) < -0.9
    img = w.waveform.grab().toImage()
    base = w.waveform.palette().color(QPalette.ColorRole.Base).rgb()
    row = img.height() // 2 - 10
    drawn = sum(1 for x in range(img.width()) if img.pixel(x, row) != base)
    assert drawn > img.width() // 3


def test_play_runs_to_the_end_without_a_sound_server(qtbot, keep, tone_wav):
    w = _player(keep)
    _load(qtbot, w, tone_wav)
    qtbot.mouseClick(w.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.play_button.text() == "Pause", timeout=3000)
    qtbot.waitUntil(
        lambda: w.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia, timeout=8000
    )
    assert w.play_button.text() == "Play"
    assert w.time_label.text() == "0:02 / 0:02"
    assert w.waveform.fraction() == 1.0


def test_clicking_the_waveform_seeks(qtbot, keep, tone_wav):
    w = _player(keep)
    _load(qtbot, w, tone_wav)
    qtbot.waitUntil(lambda: len(w.waveform.peaks) > 0, timeout=5000)
    with qtbot.waitSignal(w.player.positionChanged, timeout=3000):
        qtbot.mouseClick(
            w.waveform, Qt.MouseButton.LeftButton, pos=QPoint(w.waveform.width() * 3 // 4, 20)
        )
    assert abs(w.player.position() - 1125) < 60
    assert w.time_label.text() == "0:01 / 0:02"


def test_float_wav_falls_back_to_the_qt_decoder_for_the_waveform(qtbot, keep, tmp_path):
    """`wave` cannot read IEEE-float WAV (what many tools write); Qt's decoder draws it instead."""
    rate, n = 16000, 16000
    samples = b"".join(
        struct.pack("<f", (0.9 if (i // 400) % 2 else -0.9) * (i % 40) / 40) for i in range(n)
    )
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    data = b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(samples)) + b"WAVE"
    data += (
        b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(samples))
        + samples
    )
    path = tmp_path / "float.wav"
    path.write_bytes(data)
    w = _player(keep)
    _load(qtbot, w, path)
    qtbot.waitUntil(lambda: len(w.waveform.peaks) > 0, timeout=8000)
    assert max(hi for _, hi in w.waveform.peaks) > 0.3


def test_broken_file_is_reported_and_controls_stay_disabled(qtbot, keep, tmp_path):
    path = tmp_path / "broken.wav"
    path.write_text("this is not audio")
    w = _player(keep)
    with qtbot.waitSignal(w.load_failed, timeout=10000) as blocker:
        w.load(path)
    assert "broken.wav cannot be played" in blocker.args[0]
    assert not w.play_button.isEnabled()


def test_volume_slider_sets_output_volume(qtbot, keep):
    w = _player(keep)
    w.volume.setValue(0)
    assert w.audio_output.volume() == 0
    w.volume.setValue(100)
    assert abs(w.audio_output.volume() - 1.0) < 1e-6
    assert w.volume.toolTip() == "Volume 100 %"
