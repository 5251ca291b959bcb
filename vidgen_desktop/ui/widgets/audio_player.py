"""Audio player for voice takes: play/pause, seek bar, m:ss position/duration, volume, and a
waveform picture with a moving playhead (click it to seek).

The waveform is computed off the GUI thread: WAV in a worker with `wave`; other formats are decoded
by QAudioDecoder (asynchronous, its own threads) to 8 kHz mono 16-bit and reduced in a worker.
Without a sound server Qt still plays to the end silently, so this works headless too.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtMultimedia import (
    QAudio,
    QAudioBuffer,
    QAudioDecoder,
    QAudioFormat,
    QAudioOutput,
    QMediaPlayer,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import InvalidInput, VidGenError
from vidgen_desktop.core.progress import format_duration
from vidgen_desktop.core.waveform import Peaks, peaks_from_int16, wav_peaks
from vidgen_desktop.ui.widgets.waveform_view import WaveformView
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

WAVEFORM_BUCKETS = 1200
DECODE_RATE = 8000


def time_text(position_ms: int, duration_ms: int) -> str:
    return f"{format_duration(position_ms / 1000)} / {format_duration(duration_ms / 1000)}"


class WaveformLoader(QObject):
    """Peaks for one file at a time; a newer load() makes older results be dropped."""

    ready = Signal(str, object)  # path, Peaks
    failed = Signal(str, str)  # path, message

    def __init__(self, buckets: int = WAVEFORM_BUCKETS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._buckets = buckets
        self._runner = TaskRunner("waveform", self)
        self._runner.succeeded.connect(self._on_peaks)
        self._runner.failed.connect(self._on_runner_failed)
        self._runner.done.connect(self._start_next)
        self._wanted: Path | None = None
        self._running_for: Path | None = None
        self._pending: tuple[Path, str] | None = None  # (path, "wav" | "pcm")
        self._pcm = bytearray()
        self._decoder: QAudioDecoder | None = None
        self._closed = False

    def load(self, path: Path) -> None:
        if self._closed:
            return
        self._wanted = Path(path)
        self._stop_decoder()
        self._pending = (self._wanted, "wav")
        self._start_next()

    def shutdown(self) -> None:
        """Stop for good (the owner is closing): no new work may start after this."""
        self._closed = True
        self._pending = None
        self._wanted = None
        self._stop_decoder()
        self._runner.shutdown()

    # ---- worker side ------------------------------------------------------------------------------

    @Slot()
    def _start_next(self) -> None:
        if self._closed or self._pending is None or self._runner.is_running():
            return
        path, mode = self._pending
        self._pending = None
        self._running_for = path
        buckets = self._buckets
        if mode == "wav":
            self._runner.start(lambda report, token: wav_peaks(path, buckets))
        else:
            data = bytes(self._pcm)
            self._pcm = bytearray()
            self._runner.start(lambda report, token: peaks_from_int16(data, buckets, 1))

    @Slot(object)
    def _on_peaks(self, peaks: Peaks) -> None:
        if self._running_for == self._wanted and self._wanted is not None:
            self.ready.emit(str(self._wanted), peaks)

    @Slot(object)
    def _on_runner_failed(self, error: VidGenError) -> None:
        path = self._running_for
        if path != self._wanted or path is None:
            return
        if isinstance(error, InvalidInput) and path.exists():
            self._decode_with_qt(path)  # not a PCM WAV: let Qt's decoder read it
        else:
            self.failed.emit(str(path), error.message)

    # ---- Qt decoder (async, runs in Qt's own threads) ------------------------------------------------

    def _decode_with_qt(self, path: Path) -> None:
        if self._closed:
            return
        self._stop_decoder()
        fmt = QAudioFormat()
        fmt.setSampleRate(DECODE_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        dec = QAudioDecoder(self)
        dec.setAudioFormat(fmt)
        dec.bufferReady.connect(self._on_buffer)
        dec.finished.connect(self._on_decoded)
        dec.error.connect(self._on_decode_error)
        self._pcm = bytearray()
        self._decoder = dec
        dec.setSource(QUrl.fromLocalFile(str(path)))
        dec.start()

    def _stop_decoder(self) -> None:
        if self._decoder is not None:
            self._decoder.blockSignals(True)
            self._decoder.stop()
            self._decoder.deleteLater()
            self._decoder = None

    @Slot()
    def _on_buffer(self) -> None:
        if self._decoder is None:
            return
        buf: QAudioBuffer = self._decoder.read()
        if buf.format().sampleFormat() == QAudioFormat.SampleFormat.Int16 and buf.format().channelCount() == 1:
            self._pcm += bytes(buf.constData())  # appending bytes only; reduction is in the worker

    @Slot()
    def _on_decoded(self) -> None:
        if self._wanted is None:
            return
        self._stop_decoder()
        if not self._pcm:
            self.failed.emit(str(self._wanted), "The audio file could not be decoded.")
            return
        self._pending = (self._wanted, "pcm")
        self._start_next()

    @Slot(QAudioDecoder.Error)
    def _on_decode_error(self, _err: QAudioDecoder.Error) -> None:
        message = self._decoder.errorString() if self._decoder else "decoder error"
        self._stop_decoder()
        if self._wanted is not None:
            self.failed.emit(str(self._wanted), f"The audio file could not be decoded: {message}")


class AudioPlayer(QWidget):
    """Public API for the Voice panel: load(path), clear(), play(), pause(), duration_s,
    signals loaded(float seconds), load_failed(str)."""

    loaded = Signal(float)
    load_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audio_player")
        self._path: Path | None = None
        self._duration_ms = 0
        self._seeking = False
        self._announced = False

        self.audio_output = QAudioOutput(self)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.audio_output)
        self.waveform = WaveformView()
        self.loader = WaveformLoader(parent=self)

        style = self.style()
        self._icon_play = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._icon_pause = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        self.play_button = QToolButton()
        self.play_button.setObjectName("audio_play")
        self.play_button.setIcon(self._icon_play)
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setText("Play")
        self.play_button.setShortcut("Space")
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setObjectName("audio_seek")
        self.seek.setAccessibleName("Position")
        self.time_label = QLabel(time_text(0, 0))
        self.time_label.setObjectName("audio_time")
        self.volume_icon = QLabel()
        self.volume_icon.setPixmap(style.standardIcon(QStyle.StandardPixmap.SP_MediaVolume).pixmap(16, 16))
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setObjectName("audio_volume")
        self.volume.setAccessibleName("Volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(110)

        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.seek, 1)
        controls.addWidget(self.time_label)
        controls.addSpacing(8)
        controls.addWidget(self.volume_icon)
        controls.addWidget(self.volume)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.waveform, 1)
        layout.addLayout(controls)
        # a taller picture shows nothing more: keep the player compact in a large preview pane
        self.waveform.setMaximumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.play_button.clicked.connect(self.toggle_play)
        self.seek.sliderPressed.connect(self._on_slider_pressed)
        self.seek.sliderReleased.connect(self._on_slider_released)
        self.seek.sliderMoved.connect(self._on_slider_moved)
        self.seek.actionTriggered.connect(self._on_slider_action)
        self.volume.valueChanged.connect(self._on_volume)
        self._on_volume(self.volume.value())
        self.waveform.seek_requested.connect(self.seek_fraction)
        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(self._on_error)
        self.loader.ready.connect(self._on_peaks)
        self.loader.failed.connect(self._on_peaks_failed)
        self._set_enabled(False)

    # ---- public API -------------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def duration_s(self) -> float:
        return self._duration_ms / 1000

    def load(self, path: Path) -> None:
        self._path = Path(path)
        self._duration_ms = 0
        self._announced = False
        self.waveform.set_peaks([])
        self.waveform.set_fraction(0)
        self.waveform.set_placeholder("Drawing the waveform…")
        self.time_label.setText(time_text(0, 0))
        self.player.setSource(QUrl.fromLocalFile(str(self._path)))
        self.loader.load(self._path)

    def clear(self, message: str = "No take loaded") -> None:
        self.player.stop()
        self.player.setSource(QUrl())
        self._path = None
        self._duration_ms = 0
        self.waveform.set_peaks([])
        self.waveform.set_placeholder(message)
        self.time_label.setText(time_text(0, 0))
        self._set_enabled(False)

    def play(self) -> None:
        if self.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia:
            self.player.setPosition(0)
        self.player.play()

    def pause(self) -> None:
        self.player.pause()

    def toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.pause()
        else:
            self.play()

    def seek_fraction(self, fraction: float) -> None:
        if self._duration_ms > 0:
            self.player.setPosition(int(fraction * self._duration_ms))

    def shutdown(self) -> None:
        self.player.stop()
        self.loader.shutdown()

    # ---- internals --------------------------------------------------------------------------------

    def _set_enabled(self, on: bool) -> None:
        why = "" if on else "Nothing to play yet: generate or import a take."
        for w in (self.play_button, self.seek):
            w.setEnabled(on)
            w.setToolTip(why or ("Play / pause (Space)" if w is self.play_button else "Position"))

    @Slot("qint64")
    def _on_duration(self, ms: int) -> None:
        self._duration_ms = max(0, int(ms))
        self.seek.setRange(0, self._duration_ms)
        self.time_label.setText(time_text(self.player.position(), self._duration_ms))

    @Slot("qint64")
    def _on_position(self, ms: int) -> None:
        if not self._seeking:
            self.seek.setValue(int(ms))
        self.time_label.setText(time_text(int(ms), self._duration_ms))
        if self._duration_ms:
            self.waveform.set_fraction(ms / self._duration_ms)

    @Slot(QMediaPlayer.PlaybackState)
    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(self._icon_pause if playing else self._icon_play)
        self.play_button.setText("Pause" if playing else "Play")

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._path is not None:
            self._set_enabled(True)
            if not self._announced:  # LoadedMedia comes again after a replay; announce once
                self._announced = True
                self.loaded.emit(self.duration_s)
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.waveform.set_fraction(1.0)
        elif status == QMediaPlayer.MediaStatus.InvalidMedia and self._path is not None:
            self._fail(f"{self._path.name} cannot be played: {self.player.errorString() or 'invalid media'}")

    @Slot(QMediaPlayer.Error, str)
    def _on_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        if self._path is not None:
            self._fail(f"{self._path.name} cannot be played: {message}")

    def _fail(self, message: str) -> None:
        log.warning("audio player: %s", message)
        self._set_enabled(False)
        self.waveform.set_placeholder(message)
        self.load_failed.emit(message)

    @Slot(str, object)
    def _on_peaks(self, path: str, peaks: Peaks) -> None:
        if self._path is not None and Path(path) == self._path:
            self.waveform.set_peaks(peaks)

    @Slot(str, str)
    def _on_peaks_failed(self, path: str, message: str) -> None:
        if self._path is not None and Path(path) == self._path:
            self.waveform.set_placeholder(message)

    def _on_slider_pressed(self) -> None:
        self._seeking = True

    def _on_slider_released(self) -> None:
        self._seeking = False
        self.player.setPosition(self.seek.value())

    def _on_slider_action(self, action: int) -> None:
        # clicks in the groove / keyboard steps (drags are handled on release)
        if action not in (QSlider.SliderAction.SliderMove.value, QSlider.SliderAction.SliderNoAction.value):
            self.player.setPosition(self.seek.sliderPosition())

    def _on_slider_moved(self, value: int) -> None:
        self.time_label.setText(time_text(value, self._duration_ms))

    def _on_volume(self, value: int) -> None:
        linear = QAudio.convertVolume(value / 100, QAudio.VolumeScale.LogarithmicVolumeScale,
                                      QAudio.VolumeScale.LinearVolumeScale)
        self.audio_output.setVolume(linear)
        self.volume.setToolTip(f"Volume {value} %")
