"""Autosave of a stage's inputs: nothing typed is lost, and typing costs nothing.

A keystroke only restarts a timer; after a short pause the stage's values go into the project,
which its background writer puts on disk. Pending edits are saved into their own project before
another one opens, and when the window closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from vidgen_desktop.core.project import Project

#: a pause this long after the last edit saves the stage's inputs
AUTOSAVE_MS = 500


class InputAutosave(QObject):
    #: the user changed an input (a stage's state may change with it: out of date, ready)
    changed = Signal()

    def __init__(
        self,
        key: str,
        project: Callable[[], Project | None],
        values: Callable[[], dict[str, Any]],
        restore: Callable[[dict[str, Any]], None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.key, self.project, self.values, self._restore = key, project, values, restore
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save)
        self.restoring = False

    def watch(self, *signals: Any) -> None:
        """Each of these signals means "the user changed an input"."""
        for signal in signals:
            signal.connect(self.edited)

    def edited(self, *_args: Any) -> None:
        if not self.restoring:
            self.timer.start()
            self.changed.emit()

    def save(self) -> None:
        self.timer.stop()
        project = self.project()
        if project is None:
            return
        values = self.values()
        if project.data.stage_inputs.get(self.key) != values:
            project.data.stage_inputs[self.key] = values
            project.save()

    def flush(self) -> None:
        if self.timer.isActive():
            self.save()

    def stored(self) -> dict[str, Any]:
        project = self.project()
        return dict(project.data.stage_inputs.get(self.key, {})) if project else {}

    def restore(self) -> None:
        """A project opened: put its saved values back (no autosave while doing so)."""
        self.timer.stop()
        self.restoring = True
        try:
            self._restore(self.stored())
        finally:
            self.restoring = False
