"""Image stage panel (skeleton: replaced by the stage's real implementation)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout

from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.stage_panel import StagePanel, StageState, StageStatus


class ImagePanel(StagePanel):
    key = "image"
    title = "Image"

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Image stage"))
        context.scene_changed.connect(lambda _s: self.state_changed.emit())

    def stage_state(self) -> StageState:
        if self.context.scene is None:
            return StageState(StageStatus.locked, "Waiting for a script: generate or write one first.")
        return StageState(StageStatus.ready)
