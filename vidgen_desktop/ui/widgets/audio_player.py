"""Audio player for voice takes: play/pause, seek bar, m:ss position/duration, volume, and a
waveform picture with a moving playhead (click it to seek).

The waveform is computed off the GUI thread: WAV in a worker with `wave`; other formats are decoded
by QAudioDecoder (asynchronous, its own threads) to 8 kHz mono 16-bit and reduced in a worker.
Without a sound server Qt still plays to the end silently, so this works headless too.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtMultimedia import QAudioBuffer, QAudioDecoder, QAudioFormat, QMediaPlayer
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from vidgen_desktop.core.errors import InvalidInput, VidGenError
from vidgen_desktop.core.waveform import Peaks, peaks_from_int16, wav_peaks
from vidgen_desktop.ui.widgets.media_transport import MediaTransport, TransportOwner, time_text
from vidgen_desktop.ui.widgets.waveform_view import WaveformView
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)

WAVEFORM_BUCKETS = 1200
DECODE_RATE = 8000

__all__ = ["AudioPlayer", "WaveformLoader", "time_text"]


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
        if (
            buf.format().sampleFormat() == QAudioFormat.SampleFormat.Int16
            and buf.format().channelCount() == 1
        ):
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


class AudioPlayer(QWidget, TransportOwner):
    """Public API for the Voice panel: load(path), clear(), play(), pause(), duration_s,
    signals loaded(float seconds), load_failed(str)."""

    loaded = Signal(float)
    load_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("audio_player")
        self.transport = MediaTransport("audio", play_tip="Play / pause (Space)", shortcut="Space")
        t = self.transport
        self.waveform = WaveformView()
        self.loader = WaveformLoader(parent=self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.waveform, 1)
        layout.addWidget(t)
        # a taller picture shows nothing more: keep the player compact in a large preview pane
        self.waveform.setMaximumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.waveform.seek_requested.connect(t.seek_fraction)
        t.loaded.connect(self._on_loaded)
        t.failed.connect(self._fail)
        self.player.positionChanged.connect(self._on_position)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.loader.ready.connect(self._on_peaks)
        self.loader.failed.connect(self._on_peaks_failed)
        self._set_enabled(False)

    # ---- public API -------------------------------------------------------------------------------

    def load(self, path: Path) -> None:
        self.waveform.set_peaks([])
        self.waveform.set_fraction(0)
        self.waveform.set_placeholder("Drawing the waveform…")
        self.transport.set_source(Path(path))
        self.loader.load(Path(path))

    def clear(self, message: str = "No take loaded") -> None:
        self.transport.set_source(None)
        self.waveform.set_peaks([])
        self.waveform.set_placeholder(message)
        self._set_enabled(False)

    def shutdown(self) -> None:
        self.player.stop()
        self.loader.shutdown()

    # ---- internals --------------------------------------------------------------------------------

    def _set_enabled(self, on: bool) -> None:
        self.transport.set_controls_enabled(on, "Nothing to play yet: generate or import a take.")

    @Slot(float)
    def _on_loaded(self, seconds: float) -> None:
        self._set_enabled(True)
        self.loaded.emit(seconds)

    @Slot("qint64")
    def _on_position(self, ms: int) -> None:
        if self.transport.duration_ms:
            self.waveform.set_fraction(ms / self.transport.duration_ms)

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.waveform.set_fraction(1.0)

    @Slot(str)
    def _fail(self, message: str) -> None:
        self._set_enabled(False)
        self.waveform.set_placeholder(message)
        self.load_failed.emit(message)

    @Slot(str, object)
    def _on_peaks(self, path: str, peaks: Peaks) -> None:
        if self.path is not None and Path(path) == self.path:
            self.waveform.set_peaks(peaks)

    @Slot(str, str)
    def _on_peaks_failed(self, path: str, message: str) -> None:
        if self.path is not None and Path(path) == self.path:
            self.waveform.set_placeholder(message)
