"""The status bar: servers, GPU memory and the running job, visible from every stage."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from vidgen_desktop.core.progress import Progress, format_duration


class Segment(QLabel):
    """A status segment; clicking it emits `clicked` (e.g. to show server details)."""

    clicked = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setContentsMargins(6, 0, 6, 0)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt name
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
        for w in (self.ollama, self.comfy, self.gpu):
            self.addPermanentWidget(w)
        self.addPermanentWidget(self.job_label)
        self.addPermanentWidget(self.job_bar)

    def show_job(self, title: str, progress: Progress) -> None:
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

    def clear_job(self, message: str = "") -> None:
        self.job_label.setText(message)
        self.job_bar.hide()
