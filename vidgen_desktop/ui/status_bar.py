"""The status bar: servers, GPU memory and the running job, visible from every stage.

A finished job's line names what finished and when, and fades after `FINISHED_LINGER_MS`; a
notice (a warning while a job goes on) shows on the left for `NOTICE_MS`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from vidgen_desktop.core.progress import Progress, format_duration

FINISHED_LINGER_MS = 30_000
NOTICE_MS = 60_000


class Segment(QLabel):
    """A status segment; clicking it emits `clicked` (e.g. to show server details)."""

    clicked = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setContentsMargins(6, 0, 6, 0)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def set_state(self, text: str, tooltip: str = "", level: str = "ok") -> None:
        self.setText(text)
        self.setToolTip(tooltip or text)
        colour = {"ok": "", "warn": "color: #b26a00;", "error": "color: #c62828;"}.get(level, "")
        self.setStyleSheet(colour)


class AppStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(True)
        self.ollama = Segment("Ollama: checking…")
        self.ollama.setObjectName("status_ollama")
        self.comfy = Segment("ComfyUI: checking…")
        self.comfy.setObjectName("status_comfy")
        self.gpu = Segment("GPU: —")
        self.gpu.setObjectName("status_gpu")
        self.job_label = QLabel("")
        self.job_label.setObjectName("status_job")
        self.job_bar = QProgressBar()
        self.job_bar.setObjectName("status_progress")
        self.job_bar.setMaximumWidth(180)
        self.job_bar.setRange(0, 1000)
        self.job_bar.setTextVisible(True)
        self.job_bar.hide()
        #: the time left for every job queued, from any stage
        self.queue_label = QLabel("")
        self.queue_label.setObjectName("status_queue")
        self.queue_label.hide()
        for w in (self.ollama, self.comfy, self.gpu):
            self.addPermanentWidget(w)
        self.addPermanentWidget(self.job_label)
        self.addPermanentWidget(self.queue_label)
        self.addPermanentWidget(self.job_bar)
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(lambda: self.job_label.setText(""))

    def show_job(self, title: str, progress: Progress) -> None:
        self._fade.stop()
        parts = [title]
        if progress.message:
            parts.append(progress.message)
        if progress.elapsed_s is not None:
            parts.append(f"elapsed {format_duration(progress.elapsed_s)}")
        if progress.eta_s is not None:
            parts.append(f"ETA {format_duration(progress.eta_s)}")
        self.job_label.setText(" · ".join(parts))
        if progress.fraction is None:
            self.job_bar.setRange(0, 0)  # busy indicator
        else:
            self.job_bar.setRange(0, 1000)
            self.job_bar.setValue(int(max(0.0, min(1.0, progress.fraction)) * 1000))
            self.job_bar.setFormat(f"{progress.fraction * 100:.0f} %")
        self.job_bar.show()

    def clear_job(self, message: str = "", linger_ms: int | None = None) -> None:
        """The job ended: say what and when (`message`), then let the line fade."""
        self.job_label.setText(message)
        self.job_bar.hide()
        self._fade.stop()
        if message:
            self._fade.start(FINISHED_LINGER_MS if linger_ms is None else linger_ms)

    def show_queue(self, text: str) -> None:
        self.queue_label.setText(text)
        self.queue_label.setVisible(bool(text))

    def show_notice(self, level: str, text: str) -> None:
        self.showMessage(("⚠ " if level == "warning" else "") + text, NOTICE_MS)
