"""Left-hand stage list: a drawn state icon per stage, a tooltip that says why a stage is locked.

Icons are painted rather than taken from emoji: common fonts (DejaVu) have no padlock glyph.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from vidgen_desktop.ui.stage_panel import StageState, StageStatus

_WORD = {
    StageStatus.done: "done",
    StageStatus.running: "running",
    StageStatus.ready: "ready",
    StageStatus.locked: "locked",
    StageStatus.stale: "out of date",
}
_COLOUR = {
    StageStatus.done: QColor("#2e7d32"),
    StageStatus.running: QColor("#1565c0"),
    StageStatus.ready: QColor("#1565c0"),
    StageStatus.locked: QColor("#8a8a8a"),
    StageStatus.stale: QColor("#b26a00"),
}


def status_icon(status: StageStatus, size: int = 40) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = _COLOUR[status]
    s = size
    pen = QPen(
        colour, s * 0.09, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin
    )
    if status is StageStatus.done:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QRectF(s * 0.08, s * 0.08, s * 0.84, s * 0.84))
        p.setPen(
            QPen(
                QColor("white"),
                s * 0.1,
                Qt.PenStyle.SolidLine,
                Qt.PenCapStyle.RoundCap,
                Qt.PenJoinStyle.RoundJoin,
            )
        )
        p.drawPolyline(
            [QPointF(s * 0.3, s * 0.52), QPointF(s * 0.44, s * 0.66), QPointF(s * 0.7, s * 0.36)]
        )
    elif status is StageStatus.stale:  # a filled amber circle with "!": look again
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QRectF(s * 0.08, s * 0.08, s * 0.84, s * 0.84))
        p.setPen(QPen(QColor("white"), s * 0.11, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(s * 0.5, s * 0.27), QPointF(s * 0.5, s * 0.56))
        p.drawPoint(QPointF(s * 0.5, s * 0.73))
    elif status is StageStatus.running:
        p.setPen(pen)
        p.drawArc(QRectF(s * 0.15, s * 0.15, s * 0.7, s * 0.7), 90 * 16, -270 * 16)
        p.setBrush(colour)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QPointF(s * 0.5, s * 0.15), s * 0.08, s * 0.08)
    elif status is StageStatus.ready:
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(s * 0.15, s * 0.15, s * 0.7, s * 0.7))
        p.setBrush(colour)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(QPointF(s * 0.5, s * 0.5), s * 0.14, s * 0.14)
    else:  # locked: a padlock
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(s * 0.3, s * 0.12, s * 0.4, s * 0.44), 0, 180 * 16)
        p.drawLine(QPointF(s * 0.3, s * 0.34), QPointF(s * 0.3, s * 0.45))
        p.drawLine(QPointF(s * 0.7, s * 0.34), QPointF(s * 0.7, s * 0.45))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawRoundedRect(QRectF(s * 0.2, s * 0.44, s * 0.6, s * 0.44), s * 0.06, s * 0.06)
    p.end()
    return QIcon(pix)


class Stepper(QListWidget):
    stage_selected = Signal(int)

    def __init__(self, titles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepper")
        self.setIconSize(QSize(22, 22))
        self.setSpacing(4)
        self.setFixedWidth(190)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)
        self._titles = titles
        self._icons = {status: status_icon(status) for status in StageStatus}
        for i, title in enumerate(titles):
            item = QListWidgetItem(f"{i + 1}. {title}")
            item.setSizeHint(QSize(170, 40))
            self.addItem(item)
        self.currentRowChanged.connect(self._on_row)
        self._states: list[StageState] = [StageState(StageStatus.ready)] * len(titles)
        self._drawn = False

    def set_states(self, states: list[StageState]) -> None:
        previous, self._states = self._states, list(states)
        for i, state in enumerate(states):
            if i < len(previous) and previous[i] == state and self._drawn:
                continue  # unchanged: no new icon, tooltip or palette lookups
            item = self.item(i)
            item.setText(f"{i + 1}. {self._titles[i]}")
            item.setIcon(self._icons[state.status])
            tip = f"{self._titles[i]}: {_WORD[state.status]}"
            if state.reason:
                tip += f"\n{state.reason}"
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, tip)
            item.setData(Qt.ItemDataRole.UserRole, state.status.value)
            locked = state.status is StageStatus.locked
            # A locked stage stays selectable so the user can read why it is locked.
            item.setForeground(
                self.palette().placeholderText() if locked else self.palette().text()
            )
        self._drawn = True

    def state_of(self, index: int) -> StageState:
        return self._states[index]

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.stage_selected.emit(row)
