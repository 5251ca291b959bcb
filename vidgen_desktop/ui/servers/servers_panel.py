"""The Servers panel (a click on the ComfyUI segment, or View › Servers…): every ComfyUI
server's state in one table, what each can run, and why not where it cannot. It only renders
what the servers monitor read; "Check now" asks it to read again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop.core.progress import format_gb
from vidgen_desktop.ui.context import AppContext

COLUMNS = ("Server", "State", "GPU", "Free memory", "Queue", "Image", "Voice", "Video", "Notes")
STAGES = ("image", "voice", "video")


def cells(h: Any, busy: int) -> list[tuple[str, str]]:
    """(text, tooltip) per column for one server."""
    addr = h.url.split("://", 1)[-1]
    if not h.reachable:
        why = h.error or "no answer"
        return [
            (h.name, h.url),
            ("✗ not reachable", why),
            ("", ""),
            ("", ""),
            ("", ""),
            *(("—", "the server does not answer") for _ in STAGES),
            (h.warning and "⚠ plain http", h.warning),
        ]
    vram = f"{format_gb(h.vram_free)} of {format_gb(h.vram_total)}" if h.vram_total else "—"
    queue = f"{h.queue}" + (f" (+{busy} of ours waiting)" if busy else "")
    out = [
        (h.name if h.name != addr else addr, h.url),
        (f"✓ ComfyUI {h.version or '?'}", f"ComfyUI {h.version} at {h.url}"),
        (h.device or "—", h.device),
        (vram, "GPU memory free now"),
        (queue, "jobs queued or running there"),
    ]
    for stage in STAGES:
        names = h.can_run.get(stage, [])
        if names:
            out.append(("✓", "Can run: " + ", ".join(names)))
        else:
            out.append(("✗", h.cannot_run.get(stage, "no workflow for this stage can run here")))
    notes, tips = [], []
    lacking = [s for s in STAGES if not h.can_run.get(s)]
    if lacking:
        notes.append("cannot run " + ", ".join(lacking) + " yet (hover ✗ for why)")
        tips += [f"{s}: {h.cannot_run[s]}" for s in lacking if s in h.cannot_run]
    if h.warning:
        notes.append("⚠ plain http")
        tips.append(h.warning)
    if h.max_upload_size:
        notes.append(f"uploads up to {size_text(h.max_upload_size)}")
    out.append((" · ".join(notes), "\n".join(tips)))
    return out


def size_text(n: int) -> str:
    return f"{n / 1024**2:.0f} MB" if n < 1024**3 else format_gb(n)


class ServersPanel(QDialog):
    def __init__(self, context: AppContext, monitor: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("servers_panel")
        self.setWindowTitle("ComfyUI servers")
        self.context, self.monitor = context, monitor
        self.intro = QLabel(
            "Stages on “automatic” send each job to a server that is up and can run its "
            "workflow, the idlest first. A video's chunks stay on one server; if it goes away, "
            "the render continues on another."
        )
        self.intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("servers_health")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.status = QLabel()
        self.status.setObjectName("servers_status")
        self.check_button = QPushButton("Check now")
        self.check_button.setObjectName("servers_check")
        self.check_button.clicked.connect(self._check)
        self.edit_button = QPushButton("Add or edit servers…")
        self.edit_button.setObjectName("servers_edit")
        self.edit_button.clicked.connect(self._edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(980, 320)
        context.servers_changed.connect(self.refresh_rows)
        context.jobs_changed.connect(self.refresh_rows)
        self.refresh_rows()

    def showEvent(self, event) -> None:
        self.monitor.wanted = True
        if not self.context.healths:
            self.monitor.check_now()
        super().showEvent(event)

    def hideEvent(self, event) -> None:
        self.monitor.wanted = False
        super().hideEvent(event)

    def refresh_rows(self) -> None:
        healths = self.context.healths
        busy = {q.server: len(q.jobs()) for q in self.context.queues()}
        self.table.setRowCount(len(healths))
        for row, h in enumerate(healths):
            for col, (text, tip) in enumerate(cells(h, busy.get(h.url.rstrip("/"), 0))):
                item = QTableWidgetItem(text)
                item.setToolTip(tip or text)
                if text.startswith("✗"):
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, col, item)
        if not healths:
            self.status.setText("Checking the servers…")
        else:
            up = sum(1 for h in healths if h.reachable)
            self.status.setText(f"{up} of {len(healths)} servers up.")
        self.check_button.setEnabled(True)

    def _check(self) -> None:
        self.check_button.setEnabled(False)
        self.status.setText("Checking the servers…")
        self.monitor.check_now()

    def _edit(self) -> None:
        opener = getattr(self.parent(), "open_settings", None)
        if opener is not None:
            opener()


def open_servers_panel(window: Any) -> ServersPanel:
    """Show (non-modal) and return the window's Servers panel; one per window."""
    panel = window.findChild(ServersPanel)
    if panel is None:
        panel = ServersPanel(window.context, window.servers_monitor, window)
    panel.show()
    panel.raise_()
    return panel
