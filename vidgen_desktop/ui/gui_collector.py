"""Python's cyclic garbage collector, run on the GUI thread only.

Automatic collection starts on whichever thread happens to allocate when a threshold trips. When
that is a worker (the project writer, a job thread) and the garbage holds a dead widget, its
destructor disconnects Qt signals on that thread: Qt's connection mutex is taken, then PySide
waits for the GIL, while the GUI thread holds the GIL and waits for the same mutex in a
`connect()`. Seen here as a frozen window (both threads stuck, for good). So automatic
collection is switched off and the GUI thread collects, with the same thresholds, on a timer.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

_installed: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    INTERVAL_MS = 500

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(self.INTERVAL_MS)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    @staticmethod
    def collect_due() -> int:
        """One generation, as gc itself would have chosen it; returns how many were freed."""
        counts, limits = gc.get_count(), gc.get_threshold()
        for generation in (2, 1, 0):
            if limits[generation] and counts[generation] > limits[generation]:
                return gc.collect(generation)
        return 0


def install_gui_collector() -> GuiThreadCollector | None:
    """Once per application (idempotent); call it from the GUI thread."""
    global _installed
    app = QCoreApplication.instance()
    if app is None:
        return None
    try:
        current = _installed.parent() if _installed is not None else None
    except RuntimeError:  # its application was deleted (tests make several in turn)
        current = None
    if current is not app:
        _installed = GuiThreadCollector(app)
    gc.disable()  # again: something may have switched it back on since
    return _installed


__all__ = ["GuiThreadCollector", "install_gui_collector"]
