"""Which server a stage runs on: "Automatic" (any server that is up and can run the workflow)
or one pinned server. Shown in each ComfyUI stage's workflow box once there is more than one
server; the choice is kept in Settings per stage."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from vidgen_desktop.core.settings import AUTOMATIC
from vidgen_desktop.ui.context import AppContext

AUTOMATIC_TEXT = "Automatic (an idle server that can run it)"


class StageServerRow(QWidget):
    #: the user pinned the stage elsewhere (or back to automatic)
    changed = Signal()

    def __init__(self, context: AppContext, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context, self.key = context, key
        self._up: frozenset[str] | None = None
        self.combo = QComboBox()
        self.combo.setObjectName(f"{key}_server")
        self.combo.setToolTip(
            "Automatic: each job goes to a server that is up and has what the workflow needs,"
            " the idlest first;\nif it goes away mid-job, the work continues on another one.\n"
            "A server picked here gets every job of this stage, and only it."
        )
        self.combo.activated.connect(self._on_activated)
        label = QLabel("Runs on")
        label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.combo, 1)
        context.settings_changed.connect(self.refresh_rows)
        context.servers_changed.connect(self._mark_down)
        self.refresh_rows()

    def refresh_rows(self) -> None:
        servers = self.context.settings.comfy_servers()
        self.setVisible(len(servers) > 1)
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(AUTOMATIC_TEXT, AUTOMATIC)
        for entry in servers:
            self.combo.addItem(entry.label(), entry.url.rstrip("/"))
        pinned = self.context.settings.pinned_server(self.key)
        self.combo.setCurrentIndex(max(0, self.combo.findData(pinned)))
        self.combo.blockSignals(False)
        self._mark_down()

    def _mark_down(self) -> None:
        """A server that is not up says so in the list (it can still be picked); a server that
        came up or went away makes the stage ask again what it can run."""
        down = {h.url.rstrip("/"): h for h in self.context.healths if not h.reachable}
        up = frozenset(h.url.rstrip("/") for h in self.context.healths if h.reachable)
        if self._up is not None and up != self._up and len(self.context.healths) > 1:
            self._up = up
            self.changed.emit()
        self._up = up
        for i in range(1, self.combo.count()):
            url = self.combo.itemData(i)
            label = self.context.settings.server_label(url)
            self.combo.setItemText(i, f"{label} — not reachable" if url in down else label)

    def servers_to_check(self) -> list[str]:
        """The servers whose answers decide what this stage can run."""
        pinned = self.context.settings.pinned_server(self.key)
        if pinned != AUTOMATIC:
            return [pinned]
        urls = [e.url.rstrip("/") for e in self.context.settings.comfy_servers()]
        # a server last seen down is not waited for (a remote one can take a connect timeout);
        # when it comes back, _mark_down asks the stage to check again
        down = {h.url.rstrip("/") for h in self.context.healths if not h.reachable}
        return [u for u in urls if u not in down] or urls[:1]

    def _on_activated(self, index: int) -> None:
        url = self.combo.itemData(index)
        if url == AUTOMATIC:
            self.context.settings.stage_servers.pop(self.key, None)
        else:
            self.context.settings.stage_servers[self.key] = url
        self.context.update_settings()
        self.changed.emit()
