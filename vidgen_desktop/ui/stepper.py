"""Left-hand stage list: state icon per stage, a tooltip that says why a stage is locked."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from vidgen_desktop.ui.stage_panel import StageState, StageStatus

_SYMBOL = {
    StageStatus.done: "✓",
    StageStatus.running: "⟳",
    StageStatus.ready: "●",
    StageStatus.locked: "🔒",
}
_WORD = {
    StageStatus.done: "done",
    StageStatus.running: "running",
    StageStatus.ready: "ready",
    StageStatus.locked: "locked",
}


class Stepper(QListWidget):
    stage_selected = Signal(int)

    def __init__(self, titles: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepper")
        self.setIconSize(QSize(20, 20))
        self.setSpacing(4)
        self.setFixedWidth(190)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)
        self._titles = titles
        for i, title in enumerate(titles):
            item = QListWidgetItem(f"{i + 1}. {title}")
            item.setSizeHint(QSize(170, 40))
            self.addItem(item)
        self.currentRowChanged.connect(self._on_row)
        self._states: list[StageState] = [StageState(StageStatus.ready)] * len(titles)

    def set_states(self, states: list[StageState]) -> None:
        self._states = states
        for i, state in enumerate(states):
            item = self.item(i)
            item.setText(f"{_SYMBOL[state.status]}  {i + 1}. {self._titles[i]}")
            tip = f"{self._titles[i]}: {_WORD[state.status]}"
            if state.reason:
                tip += f"\n{state.reason}"
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, tip)
            locked = state.status is StageStatus.locked
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            # A locked stage stays selectable so the user can read why it is locked.
            item.setFlags(flags)
            item.setForeground(self.palette().placeholderText() if locked else self.palette().text())
        self.style().unpolish(self)
        self.style().polish(self)

    def state_of(self, index: int) -> StageState:
        return self._states[index]

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.stage_selected.emit(row)
