"""Where a chunk-by-chunk video render stands: one box per chunk (done, rendering, waiting,
stopped), fed by the render's own progress reports. A finished chunk can be watched (its frames,
silent) while the others render, so a wrong framing or a stiff face shows in minutes, not hours.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from vidgen_desktop.core.progress import Progress

#: each state's look: a box per chunk, readable in light and dark palettes
STATE_STYLE = {
    "done": "border: 1px solid #2e7d32; color: #2e7d32; font-weight: bold;",
    "rendering": "border: 2px solid palette(highlight); font-weight: bold;",
    "waiting": "border: 1px dashed palette(mid); color: palette(placeholder-text);",
    "stopped": "border: 1px solid #c62828; color: #c62828;",
}
STATE_TEXT = {
    "done": "✓ done",
    "rendering": "⟳ rendering",
    "waiting": "waiting",
    "stopped": "✗ stopped",
}


class ChunkStrip(QWidget):
    #: the project-relative preview MP4 of a finished chunk the user wants to watch
    watch = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("video_chunks")
        self.chunks = 0
        self.states: dict[int, str] = {}
        self.previews: dict[int, str] = {}
        self.percent: dict[int, int] = {}
        self.caption = QLabel()
        self.caption.setObjectName("video_chunks_caption")
        self.caption.setWordWrap(True)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QPushButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addLayout(self.row)
        self.hide()

    # ---- what the render says ------------------------------------------------------------------
    def report(self, p: Progress) -> None:
        extra: dict[str, Any] = p.extra
        n = int(extra.get("chunks") or 0)
        if n < 2:
            return
        if n != self.chunks:
            self.start(n)
        if "chunks_done" in extra:  # a render starting or resuming: what is already there
            for k in extra["chunks_done"]:
                self.states[int(k)] = "done"
            for k, path in (extra.get("previews") or {}).items():
                self.previews[int(k)] = str(path)
        if extra.get("chunk_done"):
            k = int(extra["chunk_done"])
            self.states[k] = "done"
            if extra.get("preview"):
                self.previews[k] = str(extra["preview"])
        elif extra.get("chunk") and not extra.get("assembling"):
            k = int(extra["chunk"])
            if self.states.get(k) != "done":
                self.states[k] = "rendering"
                step, steps = extra.get("step"), extra.get("steps")
                if step is not None and steps:
                    self.percent[k] = int(100 * float(step) / float(steps))
        self._render(assembling=bool(extra.get("assembling")))

    def start(self, chunks: int) -> None:
        self.chunks = chunks
        self.states = dict.fromkeys(range(1, chunks + 1), "waiting")
        self.previews, self.percent = {}, {}
        while self.buttons:
            self.buttons.pop().deleteLater()
        for k in range(1, chunks + 1):
            button = QPushButton()
            button.setObjectName(f"video_chunk_{k}")
            button.setMinimumWidth(84)
            button.clicked.connect(lambda _=False, k=k: self._clicked(k))
            self.row.addWidget(button)
            self.buttons.append(button)
        self.row.addStretch(1)
        self.show()

    def stopped(self) -> None:
        """The render ended without its video (failed, cancelled, left running)."""
        for k, state in self.states.items():
            if state == "rendering":
                self.states[k] = "stopped"
        self._render()

    def finished(self) -> None:
        self.hide()
        self.chunks = 0

    def state_of(self, k: int) -> str:
        return self.states.get(k, "")

    # ---- drawing ---------------------------------------------------------------------------------
    def _render(self, assembling: bool = False) -> None:
        for k, button in enumerate(self.buttons, 1):
            state = self.states.get(k, "waiting")
            text = STATE_TEXT[state]
            if state == "rendering" and k in self.percent:
                text = f"⟳ {self.percent[k]} %"
            button.setText(f"Chunk {k}\n{text}")
            watchable = state == "done" and k in self.previews
            # never greyed out: a rendering chunk is the most important box on screen
            button.setStyleSheet(
                f"QPushButton {{ {STATE_STYLE[state]} border-radius: 4px; padding: 4px 8px; }}"
            )
            button.setProperty("watchable", watchable)
            button.setCursor(
                Qt.CursorShape.PointingHandCursor if watchable else Qt.CursorShape.ArrowCursor
            )
            button.setToolTip(
                f"Watch chunk {k}'s frames (silent)" if watchable else f"Chunk {k}: {state}"
            )
        done = sum(1 for s in self.states.values() if s == "done")
        if assembling:
            text = f"All {self.chunks} chunks done: putting the video together with the speech."
        else:
            text = f"{done} of {self.chunks} chunks done."
            if any(k in self.previews for k, s in self.states.items() if s == "done"):
                text += " Click a finished chunk to watch it while the rest render."
        self.caption.setText(text)

    def _clicked(self, k: int) -> None:
        if k in self.previews:
            self.watch.emit(self.previews[k])


def progress_head(p: Progress, plan_chunks: int, samplers_seen: list[str]) -> str:
    """ "Chunk 2/3 · step 4/20" while a sampler runs: a chunked render says which chunk; a
    one-prompt graph has one sampler per chunk, counted as they start (in `samplers_seen`)."""
    node, step, steps = p.extra.get("node"), p.extra.get("step"), p.extra.get("steps")
    if p.extra.get("assembling"):
        return "Putting the chunks together with the speech"
    chunks = int(p.extra.get("chunks") or plan_chunks)
    if p.kind != "step" or not chunks or not node or step is None or not steps:
        return p.message
    if p.extra.get("chunk"):
        chunk = int(p.extra["chunk"])
    else:
        if node not in samplers_seen:
            samplers_seen.append(node)
        chunk = min(samplers_seen.index(node) + 1, chunks)
    head = f"Chunk {chunk}/{chunks} · step {int(step)}/{int(steps)}"
    return head if p.eta_s is not None else head + " · ETA after a few steps"
