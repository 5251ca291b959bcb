"""The Batch page's table: one row per topic (its state, stage, server, progress, time left,
time taken and why it failed) and the summary sentence under it. Renders only; no I/O."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from vidgen_desktop.core.progress import Progress, format_duration

COLUMNS = ("#", "Topic", "State", "Stage", "Server", "Progress", "Time left", "Time", "Why")
STATE_WORDS = {"waiting": "waiting", "running": "running", "done": "✓ done", "failed": "✗ failed"}


class BatchTable(QTableWidget):
    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("batch_table")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self._rows: dict[int, int] = {}
        self._labels: dict[str, str] = {}

    def show_items(self, states: list[Any], labels: dict[str, str]) -> None:
        """Every item as recorded (a new batch, or one continued)."""
        self._labels = labels
        self.setRowCount(len(states))
        self._rows = {s.index: row for row, s in enumerate(states)}
        for state in states:
            self.show_state(state)

    def show_state(self, state: Any) -> None:
        row = self._rows.get(state.index)
        if row is None:
            return
        stage = state.failed_stage if state.status == "failed" else state.stage
        server = self._labels.get(state.server.rstrip("/"), state.server.split("://")[-1])
        values = [
            str(state.index),
            state.topic,
            STATE_WORDS.get(state.status, state.status),
            stage or "",
            server if state.server else "",
            "100 %" if state.status == "done" else ("" if state.status != "running" else "…"),
            "",
            format_duration(state.seconds) if state.seconds else "",
            state.error if state.status in ("failed", "waiting") else "",
        ]
        for col, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if col == 2 and state.status == "failed":
                item.setForeground(Qt.GlobalColor.darkRed)
            self.setItem(row, col, item)

    def show_progress(self, index: int, p: Progress) -> None:
        row = self._rows.get(index)
        if row is None or p.kind == "preview":
            return
        share, left = self.item(row, 5), self.item(row, 6)
        if share is None or left is None:
            return
        if p.fraction is not None:
            share.setText(f"{p.fraction * 100:.0f} %")
        if p.eta_s is not None:
            left.setText(format_duration(p.eta_s))
        if p.message:
            share.setToolTip(p.message)


def summary(states: list[Any], elapsed_s: float | None) -> str:
    """ "4 of 6 done in 3:12 · 2 failed: #3 at image (out of memory), #5 at check (…)"."""
    done = [s for s in states if s.status == "done"]
    failed = [s for s in states if s.status == "failed"]
    waiting = [s for s in states if s.status in ("waiting", "running")]
    text = f"{len(done)} of {len(states)} done"
    if elapsed_s is not None:
        text += f" in {format_duration(elapsed_s)}"
    if done:
        mean = sum(s.seconds for s in done) / len(done)
        text += f" (about {format_duration(mean)} a topic)"
    if failed:
        reasons = "; ".join(
            f"#{s.index} at {s.failed_stage or 'a stage'}: {s.error}" for s in failed[:3]
        )
        more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
        text += f" · {len(failed)} failed — {reasons}{more}"
    if waiting:
        text += f" · {len(waiting)} not run yet"
    return text
