"""The transport bar both media players share: play/pause, seek slider, m:ss position/duration and
a volume slider, bound to the QMediaPlayer + QAudioOutput it owns.

Why one widget: the audio and video players differ only in what sits above the bar (a waveform or
a video surface) and in a few extra buttons; the playback wiring (slider drags vs clicks, the
logarithmic volume scale, announcing a load once, turning Qt's errors into one sentence) is the
same and lives here once. Imported only when a player is first built (QtMultimedia is heavy).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtMultimedia import QAudio, QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from vidgen_desktop.core.progress import format_duration

log = logging.getLogger(__name__)


def time_text(position_ms: int, duration_ms: int) -> str:
    return f"{format_duration(position_ms / 1000)} / {format_duration(duration_ms / 1000)}"


class MediaTransport(QWidget):
    """Owns `player` and `audio_output`; `prefix` names the child widgets (e.g. "audio_play").

    Signals: loaded(float seconds) once per set_source(); failed(str sentence) when Qt cannot play
    the source; the owner decides what failure looks like (placeholder text, disabled controls)."""

    loaded = Signal(float)
    failed = Signal(str)

    def __init__(
        self,
        prefix: str,
        play_tip: str = "Play / pause",
        shortcut: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._prefix = prefix
        self._play_tip = play_tip
        self._path: Path | None = None
        self._duration_ms = 0
        self._seeking = False
        self._announced = False

        self.audio_output = QAudioOutput(self)
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self.audio_output)

        style = self.style()
        self._icon_play = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._icon_pause = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        self.play_button = QToolButton()
        self.play_button.setObjectName(f"{prefix}_play")
        self.play_button.setIcon(self._icon_play)
        self.play_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play_button.setText("Play")
        if shortcut:
            self.play_button.setShortcut(shortcut)
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setObjectName(f"{prefix}_seek")
        self.seek.setAccessibleName("Position")
        self.time_label = QLabel(time_text(0, 0))
        self.time_label.setObjectName(f"{prefix}_time")
        self.volume_icon = QLabel()
        self.volume_icon.setPixmap(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaVolume).pixmap(16, 16)
        )
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setObjectName(f"{prefix}_volume")
        self.volume.setAccessibleName("Volume")
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(110)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.play_button)
        row.addWidget(self.seek, 1)
        row.addWidget(self.time_label)
        row.addSpacing(8)
        row.addWidget(self.volume_icon)
        row.addWidget(self.volume)

        self.play_button.clicked.connect(self.toggle_play)
        self.seek.sliderPressed.connect(self._on_slider_pressed)
        self.seek.sliderReleased.connect(self._on_slider_released)
        self.seek.sliderMoved.connect(self._on_slider_moved)
        self.seek.actionTriggered.connect(self._on_slider_action)
        self.volume.valueChanged.connect(self._on_volume)
        self._on_volume(self.volume.value())
        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.mediaStatusChanged.connect(self._on_media_status)
        self.player.errorOccurred.connect(self._on_error)

    # ---- public API -------------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def duration_ms(self) -> int:
        return self._duration_ms

    def set_source(self, path: Path | None) -> None:
        """Load `path` (None empties the player); `loaded` follows once Qt has read it."""
        self._path = Path(path) if path is not None else None
        self._duration_ms = 0
        self._announced = False
        if self._path is None:
            self.player.stop()
            self.player.setSource(QUrl())
        else:
            self.player.setSource(QUrl.fromLocalFile(str(self._path)))
        self.time_label.setText(time_text(0, 0))

    def set_controls_enabled(self, on: bool, why: str = "") -> None:
        """Enable play + seek; when off, their tooltips say `why` (a disabled control says why)."""
        for w, tip in ((self.play_button, self._play_tip), (self.seek, "Position")):
            w.setEnabled(on)
            w.setToolTip(tip if on else why)

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

    # ---- Qt player → widgets ----------------------------------------------------------------------

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

    @Slot(QMediaPlayer.PlaybackState)
    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setIcon(self._icon_pause if playing else self._icon_play)
        self.play_button.setText("Pause" if playing else "Play")

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._path is not None:
            if not self._announced:  # LoadedMedia comes again after a replay; announce once
                self._announced = True
                self.loaded.emit(self._duration_ms / 1000)
        elif status == QMediaPlayer.MediaStatus.InvalidMedia and self._path is not None:
            self._fail(self.player.errorString() or "invalid media")

    @Slot(QMediaPlayer.Error, str)
    def _on_error(self, _error: QMediaPlayer.Error, message: str) -> None:
        if self._path is not None:
            self._fail(message)

    def _fail(self, message: str) -> None:
        name = self._path.name if self._path is not None else "media"
        text = f"{name} cannot be played: {message}"
        log.warning("%s player: %s", self._prefix, text)
        self.failed.emit(text)

    # ---- user → Qt player -------------------------------------------------------------------------

    def _on_slider_pressed(self) -> None:
        self._seeking = True

    def _on_slider_released(self) -> None:
        self._seeking = False
        self.player.setPosition(self.seek.value())

    def _on_slider_action(self, action: int) -> None:
        # clicks in the groove / keyboard steps (drags are handled on release)
        if action not in (
            QSlider.SliderAction.SliderMove.value,
            QSlider.SliderAction.SliderNoAction.value,
        ):
            self.player.setPosition(self.seek.sliderPosition())

    def _on_slider_moved(self, value: int) -> None:
        self.time_label.setText(time_text(value, self._duration_ms))

    def _on_volume(self, value: int) -> None:
        # the slider is perceptual (logarithmic); QAudioOutput wants a linear gain
        linear = QAudio.convertVolume(
            value / 100,
            QAudio.VolumeScale.LogarithmicVolumeScale,
            QAudio.VolumeScale.LinearVolumeScale,
        )
        self.audio_output.setVolume(linear)
        self.volume.setToolTip(f"Volume {value} %")


class TransportOwner:
    """Mixin for a player widget that sets `self.transport`: the playback half of its public API
    (path, duration_s, play/pause) and the transport's parts under the names tests and panels use."""

    transport: MediaTransport

    @property
    def path(self) -> Path | None:
        return self.transport.path

    @property
    def duration_s(self) -> float:
        return self.transport.duration_ms / 1000

    @property
    def player(self) -> QMediaPlayer:
        return self.transport.player

    @property
    def audio_output(self) -> QAudioOutput:
        return self.transport.audio_output

    @property
    def play_button(self) -> QToolButton:
        return self.transport.play_button

    @property
    def seek(self) -> QSlider:
        return self.transport.seek

    @property
    def time_label(self) -> QLabel:
        return self.transport.time_label

    @property
    def volume(self) -> QSlider:
        return self.transport.volume

    def play(self) -> None:
        self.transport.play()

    def pause(self) -> None:
        self.transport.pause()

    def toggle_play(self) -> None:
        self.transport.toggle_play()

    def seek_fraction(self, fraction: float) -> None:
        self.transport.seek_fraction(fraction)
