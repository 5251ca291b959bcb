"""The progress of a running stage job: a bar and one line (what runs, elapsed, time left).

Servers report in bursts (a sampler step every few seconds, nothing while a model loads), so the
line is re-rendered every second from the last report: elapsed counts from the click, the time
left counts down from the last estimate. The status bar gets the very same values (`rendered`),
so the panel and the status bar never disagree. Bursts of 50 reports a second can be thinned to
one relayout every `interval_ms`; the first and the final 100 % always show at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from vidgen_desktop.core.progress import Progress, format_duration

TICK_MS = 1000


class JobProgress(QWidget):
    """`rendered(progress)` carries what is on screen (message = the head, elapsed and ETA as
    shown) for the status bar."""

    rendered = Signal(object)

    def __init__(self, key: str, interval_ms: int = 0, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setObjectName(f"{key}_progress")
        self.bar.setRange(0, 1000)
        self.bar.hide()
        self.label = QLabel()
        self.label.setObjectName(f"{key}_progress_text")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        #: the line's first part for a report (panels override: "Chunk 2/3 · step 4/20")
        self.head: Callable[[Progress], str] = lambda p: p.message
        self.interval_ms = interval_ms
        self.running = False
        self._started = 0.0
        self._last: Progress | None = None
        self._last_at = 0.0
        self._pending: Progress | None = None
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(max(interval_ms, 1))
        self._throttle.timeout.connect(self._flush)
        self._clock = QTimer(self)
        self._clock.setInterval(TICK_MS)
        self._clock.timeout.connect(self.refresh)

    def start(self, text: str = "Starting…") -> None:
        self.running = True
        self._started = time.monotonic()
        self._last = Progress(None, text)
        self._last_at = self._started
        self._pending = None
        self.bar.setRange(0, 0)
        self.bar.show()
        self.label.setText(text)
        self._clock.start()

    def report(self, p: Progress) -> None:
        if not self.running:
            return
        self._pending = p
        final = p.fraction is not None and p.fraction >= 1.0
        if self.interval_ms <= 0 or final:
            self._throttle.stop()
            self._apply()
        elif not self._throttle.isActive():
            self._apply()
            self._throttle.start()

    def _flush(self) -> None:
        if self._pending is not None and self.running:
            self._apply()
            self._throttle.start()

    def _apply(self) -> None:
        p, self._pending = self._pending, None
        if p is None:
            return
        if p.fraction is None:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(max(0.0, min(1.0, p.fraction)) * 1000))
        self._last, self._last_at = p, time.monotonic()
        self.refresh()

    def current(self) -> Progress | None:
        """What is on screen now: the last report with elapsed and time left as of this second."""
        p = self._last
        if p is None:
            return None
        now = time.monotonic()
        eta = max(0.0, p.eta_s - (now - self._last_at)) if p.eta_s is not None else None
        return replace(
            p, message=self.head(p) or p.message, elapsed_s=now - self._started, eta_s=eta
        )

    def refresh(self) -> None:
        shown = self.current()
        if shown is None or not self.running:
            return
        parts = [shown.message] if shown.message else []
        parts.append(f"elapsed {format_duration(shown.elapsed_s)}")
        if shown.eta_s is not None:
            parts.append(f"about {format_duration(shown.eta_s)} left")
        self.label.setText(" · ".join(parts))
        self.rendered.emit(shown)

    def finish(self, text: str) -> None:
        self.running = False
        self._clock.stop()
        self._throttle.stop()
        self._pending = None
        self.bar.hide()
        self.label.setText(text)

    def elapsed_s(self) -> float:
        return time.monotonic() - self._started if self._started else 0.0
