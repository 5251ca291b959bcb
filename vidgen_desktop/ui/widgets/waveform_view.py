"""The picture of a take: min/max peaks per pixel column, the played part tinted, a playhead.

It only paints what it is given (peaks computed in a worker); clicking or dragging asks to seek.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from vidgen_desktop.core.waveform import Peaks


class WaveformView(QWidget):
    #: 0..1 of the duration, from a click or drag on the picture
    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waveform")
        self._peaks: Peaks = []
        self._fraction = 0.0
        self._placeholder = "No take loaded"
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAccessibleName("Waveform")
        self.setToolTip("Click to jump to that point of the take")

    def sizeHint(self) -> QSize:
        return QSize(480, 180)

    @property
    def peaks(self) -> Peaks:
        return self._peaks

    def set_peaks(self, peaks: Peaks) -> None:
        self._peaks = list(peaks)
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def set_fraction(self, fraction: float) -> None:
        fraction = max(0.0, min(1.0, fraction))
        if abs(fraction - self._fraction) > 1e-4:
            self._fraction = fraction
            self.update()

    def fraction(self) -> float:
        return self._fraction

    # ---- input ------------------------------------------------------------------------------------

    def _seek_to(self, x: float) -> None:
        if self._peaks and self.width() > 0:
            self.seek_requested.emit(max(0.0, min(1.0, x / self.width())))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._seek_to(event.position().x())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._seek_to(event.position().x())
        super().mouseMoveEvent(event)

    # ---- painting ---------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        p = QPainter(self)
        rect = QRectF(self.rect())
        p.fillRect(rect, pal.color(QPalette.ColorRole.Base))
        if not self._peaks:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._placeholder)
            p.end()
            return
        width = max(1, self.width())
        mid = rect.height() / 2
        half = mid - 4
        played = pal.color(QPalette.ColorRole.Highlight)
        rest = QColor(pal.color(QPalette.ColorRole.Text))
        rest.setAlphaF(0.45)
        head_x = self._fraction * width
        n = len(self._peaks)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        # Build all columns first and draw them in two calls (played / not yet played): few Qt
        # calls per paint keeps painting cheap with minutes of audio at 1920 px.
        before: list[QLineF] = []
        after: list[QLineF] = []
        for x in range(width):
            a = x * n // width
            b = max(a + 1, (x + 1) * n // width)
            column = self._peaks[a:b]
            lo = min(pk[0] for pk in column)
            hi = max(pk[1] for pk in column)
            line = QLineF(x + 0.5, mid - hi * half, x + 0.5, mid - lo * half + 0.5)
            (before if x < head_x else after).append(line)
        if before:
            p.setPen(QPen(played, 1))
            p.drawLines(before)
        if after:
            p.setPen(QPen(rest, 1))
            p.drawLines(after)
        p.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 1))
        p.drawLine(QPointF(0, mid), QPointF(width, mid))
        p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight).darker(140), 2))
        p.drawLine(QPointF(head_x, 0), QPointF(head_x, rect.height()))
        p.end()
