"""Video player for the final MP4: play/pause, seek, m:ss position/duration, volume, full screen
(F or double-click; Esc leaves), Save As… (the copy runs in a worker) and Open folder.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.errors import StorageError
from vidgen_desktop.ui.widgets.media_transport import MediaTransport, TransportOwner
from vidgen_desktop.ui.widgets.reveal import reveal
from vidgen_desktop.workers.runner import TaskRunner

log = logging.getLogger(__name__)


def copy_file(src: Path, dest: Path) -> Path:
    """Copy to a temporary name beside `dest`, then rename: a half-written export never appears."""
    src, dest = Path(src), Path(dest)
    if src.resolve() == dest.resolve():
        return dest
    tmp = dest.with_name(f".{dest.name}.part")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise StorageError(
            f"Could not save {dest.name}: {exc.strerror or exc}",
            detail=str(exc),
            hint="Pick another folder or free some disk space.",
        ) from exc
    return dest


class VideoSurface(QVideoWidget):
    """QVideoWidget that toggles full screen on double-click / F and leaves it on Esc."""

    fullscreen_toggled = Signal(bool)

    def toggle_fullscreen(self) -> None:
        self.set_fullscreen(not self.isFullScreen())

    def set_fullscreen(self, on: bool) -> None:
        if on != self.isFullScreen():
            self.setFullScreen(on)
            self.fullscreen_toggled.emit(on)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.toggle_fullscreen()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.set_fullscreen(False)
            event.accept()
        elif event.key() == Qt.Key.Key_F:
            self.toggle_fullscreen()
            event.accept()
        else:
            super().keyPressEvent(event)


class VideoPlayer(QWidget, TransportOwner):
    """Public API for the Video panel: load(path), clear(), play(), pause(), duration_s,
    save_as(dest) / ask_save_as(), open_folder(); signals loaded(float), load_failed(str),
    saved(str path), save_failed(object VidGenError)."""

    loaded = Signal(float)
    load_failed = Signal(str)
    saved = Signal(str)
    save_failed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("video_player")
        self._closed = False

        self.video = VideoSurface()
        self.video.setObjectName("video_surface")
        self.video.setMinimumSize(320, 180)
        self.video.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.video.setToolTip("Double-click or press F for full screen; Esc leaves it")
        self.transport = MediaTransport("video")
        t = self.transport
        self.player.setVideoOutput(self.video)
        self.placeholder = QLabel("No video yet")
        self.placeholder.setObjectName("video_placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.saver = TaskRunner("video-save", self)

        style = self.style()
        self.fullscreen_button = self._tool(
            "video_fullscreen",
            "Full screen",
            style.standardIcon(QStyle.StandardPixmap.SP_TitleBarMaxButton),
        )
        self.save_button = self._tool(
            "video_save", "Save As…", style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton)
        )
        self.folder_button = self._tool(
            "video_folder", "Open folder", style.standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon)
        )

        actions = QHBoxLayout()
        actions.addWidget(self.fullscreen_button)
        actions.addStretch(1)
        actions.addWidget(self.save_button)
        actions.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.placeholder, 1)
        layout.addWidget(self.video, 1)
        layout.addWidget(t)
        layout.addLayout(actions)
        self.video.hide()

        self.fullscreen_button.clicked.connect(self.video.toggle_fullscreen)
        self.save_button.clicked.connect(self.ask_save_as)
        self.folder_button.clicked.connect(self.open_folder)
        t.loaded.connect(self.loaded)
        t.failed.connect(self._fail)
        self.saver.succeeded.connect(self._on_saved)
        self.saver.failed.connect(self.save_failed)
        self.saver.done.connect(self._update_enabled)
        QShortcut(QKeySequence("Ctrl+Shift+S"), self, self.ask_save_as)
        self._update_enabled()

    def _tool(self, name: str, text: str, icon) -> QToolButton:
        b = QToolButton()
        b.setObjectName(name)
        b.setText(text)
        b.setIcon(icon)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        return b

    # ---- public API -------------------------------------------------------------------------------

    def load(self, path: Path) -> None:
        self.placeholder.hide()
        self.video.show()
        self.transport.set_source(Path(path))
        self._update_enabled()

    def clear(self, message: str = "No video yet") -> None:
        self.transport.set_source(None)
        self.video.set_fullscreen(False)
        self.video.hide()
        self.placeholder.setText(message)
        self.placeholder.show()
        self._update_enabled()

    def ask_save_as(self) -> None:
        if self.path is None or self.saver.is_running():
            return
        dest, _ = QFileDialog.getSaveFileName(
            self,
            "Save video as",
            str(Path.home() / self.path.name),
            "MP4 video (*.mp4);;All files (*)",
        )
        if dest:
            self.save_as(Path(dest))

    def save_as(self, dest: Path) -> bool:
        """Copy the current video to `dest` in a worker; `saved` or `save_failed` follows."""
        src = self.path
        if src is None or self._closed or self.saver.is_running():
            return False
        started = self.saver.start(lambda report, token: copy_file(src, Path(dest)))
        self._update_enabled()
        return started

    def open_folder(self) -> None:
        if self.path is not None:
            self.path_dialog = reveal(self.path.parent, "The video's folder", self)

    def shutdown(self) -> None:
        """Stop playback and wait for a running export (the owner is closing)."""
        self._closed = True
        self.player.stop()
        self.saver.shutdown()

    # ---- internals --------------------------------------------------------------------------------

    @Slot()
    def _update_enabled(self) -> None:
        has = self.path is not None
        why = "" if has else "No video yet: generate one first."
        saving = self.saver.is_running()
        self.transport.set_controls_enabled(has, why)
        for w, tip in (
            (self.fullscreen_button, "Full screen (F, double-click); Esc leaves it"),
            (self.folder_button, "Open the folder that holds this video"),
        ):
            w.setEnabled(has)
            w.setToolTip(why or tip)
        self.save_button.setEnabled(has and not saving)
        self.save_button.setToolTip(
            why or ("Saving…" if saving else "Save a copy of the video (Ctrl+Shift+S)")
        )
        self.save_button.setText("Saving…" if saving else "Save As…")

    @Slot(object)
    def _on_saved(self, dest: object) -> None:
        self.saved.emit(str(dest))

    @Slot(str)
    def _fail(self, text: str) -> None:
        self.video.hide()
        self.placeholder.setText(text)
        self.placeholder.show()
        self.load_failed.emit(text)
