"""The model's reply as it streams, and its counters (tokens, tokens/s, prompt, elapsed).

Tokens arrive a few hundred a second; appending each one re-wraps the reply (its lyrics are one
long JSON line), so text is buffered and appended every 50 ms in one edit, and the counters are
redrawn at 4 Hz. `ticked` carries the same numbers for the status bar.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from vidgen_desktop.core.progress import Progress, format_duration


class LiveReply(QObject):
    #: (tokens so far, seconds since the start) while running
    ticked = Signal(int, float)

    def __init__(self, view: QPlainTextEdit, counters: QLabel) -> None:
        super().__init__(view)
        self.view, self.counters = view, counters
        self.started = 0.0
        self.tokens = 0
        self.prompt_tokens: int | None = None
        self.rate: float | None = None
        self._pending: list[str] = []
        self._text_timer = QTimer(self, singleShot=True, interval=50)
        self._text_timer.timeout.connect(self.flush)
        self._clock = QTimer(self, interval=250)
        self._clock.timeout.connect(self.render)

    def begin(self) -> None:
        self.started = time.monotonic()
        self.tokens, self.prompt_tokens, self.rate = 0, None, None
        self._pending.clear()
        self.view.clear()
        self._clock.start()
        self.render()

    def add(self, p: Progress) -> None:
        """One report of the generation: a token, a repair retry, or the final counters."""
        if p.kind == "token":
            self._pending.append(p.text)
            if not self._text_timer.isActive():
                self._text_timer.start()
            self.tokens = int(p.extra.get("tokens", self.tokens))
            self.rate = p.extra.get("tokens_per_s")
            return  # the 4 Hz clock redraws the counters
        if p.extra.get("repair"):
            self.flush()
            self.view.appendPlainText("\n— the reply did not fit; asking the model to fix it —\n")
        elif "stats" in p.extra:
            stats = p.extra["stats"]
            self.prompt_tokens = stats.get("prompt_eval_count")
            self.tokens = stats.get("eval_count") or self.tokens
            if stats.get("eval_count") and stats.get("eval_duration_ns"):
                self.rate = stats["eval_count"] / stats["eval_duration_ns"] * 1e9
        self.render()

    def flush(self) -> None:
        if not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        cursor = self.view.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.view.setTextCursor(cursor)

    def elapsed_s(self) -> float:
        return time.monotonic() - self.started if self.started else 0.0

    def render(self) -> None:
        rate = f"{self.rate:.1f} tokens/s" if self.rate else "— tokens/s"
        prompt = f"{self.prompt_tokens} tokens" if self.prompt_tokens is not None else "—"
        elapsed = format_duration(self.elapsed_s()) if self.started else "—"
        self.counters.setText(
            f"Generated: {self.tokens} tokens · {rate} · Prompt: {prompt} · Elapsed: {elapsed}"
        )
        if self._clock.isActive():
            self.ticked.emit(self.tokens, self.elapsed_s())

    def end(self) -> None:
        self._text_timer.stop()
        self.flush()
        self._clock.stop()
        self.render()
