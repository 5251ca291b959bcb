"""The Video stage's output side: live frames while sampling, the chunks of the render, the
player (made on first need: QtMultimedia is slow to load) and the missing-sound warning."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from vidgen_desktop.core.project import Take
from vidgen_desktop.ui.stages.chunk_strip import ChunkStrip
from vidgen_desktop.ui.widgets.lazy_widget import LazyWidget

if TYPE_CHECKING:
    from vidgen_desktop.ui.widgets.video_player import VideoPlayer

NO_SOUND = (
    "This workflow's video has no sound: its MP4 carries no audio track. Add the speech to "
    "the workflow's CreateVideo node (audio input), or put the voice take under it in an editor."
)
NO_VIDEO = "No video yet: render one, or import your own MP4."


class VideoOutput(QWidget):
    load_failed = Signal(str)
    save_failed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.preview = QLabel()
        self.preview.setObjectName("video_preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(160)
        self.preview.setStyleSheet("color: palette(placeholder-text);")
        self.preview.hide()
        self.chunks = ChunkStrip()
        self.output: LazyWidget[VideoPlayer] = LazyWidget(self._make_player, NO_VIDEO)
        self.sound_warning = QLabel(NO_SOUND)
        self.sound_warning.setObjectName("video_no_sound")
        self.sound_warning.setWordWrap(True)
        self.sound_warning.setStyleSheet("color: #b26a00;")
        self.sound_warning.hide()
        layout.addWidget(self.preview, 3)
        layout.addWidget(self.chunks)
        layout.addWidget(self.output, 2)
        layout.addWidget(self.sound_warning)

    @property
    def player(self) -> VideoPlayer:
        return self.output.widget()

    def _make_player(self) -> VideoPlayer:
        from vidgen_desktop.ui.widgets.video_player import VideoPlayer

        player = VideoPlayer()
        player.load_failed.connect(self.load_failed)
        player.save_failed.connect(self.save_failed)
        return player

    def show_preview(self, data: bytes) -> None:
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            return
        box = self.preview.size()
        self.preview.setPixmap(
            pixmap.scaled(
                max(box.width(), 64),
                max(box.height(), 64),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.preview.show()

    def clear_preview(self) -> None:
        self.preview.hide()
        self.preview.clear()

    def show_take(self, take: Take | None, path: Path | None) -> None:
        if take is None or path is None:
            self.output.when_created(lambda player: player.clear(NO_VIDEO))
            self.sound_warning.hide()
            return
        self.output.when_created(lambda player: player.load(path))
        self.sound_warning.setVisible(take.info.get("has_audio") is False)

    def play(self, path: Path) -> None:
        """A finished chunk's frames, in the player, while the render goes on."""
        self.output.when_created(lambda player: player.load(path))

    def shutdown(self) -> None:
        if self.output.created:
            self.player.shutdown()
