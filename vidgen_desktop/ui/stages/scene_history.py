"""Undo, redo and versions of the scene: nothing the model wrote, and nothing the user typed, is
replaced without a way back.

- Every change of the scene's fields is an undo step: a hand edit (typing in one field merges
  into one step until another field is touched), a tag change, a generated scene, a field the
  model rewrote, a restored version. One undo history for the whole window: the fields' own
  per-widget undo is switched off and Ctrl+Z inside a field goes to this history.
- Every scene the model writes is kept as a version; before a new one replaces a scene the user
  edited, that edited scene is kept as a version of its own first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from vidgen_desktop.core.project import Project, VersionOrigin
from vidgen_desktop.core.scene import Scene
from vidgen_desktop.ui.stages.script_fields import LABELS, FieldKey, SceneEditor

Values = dict[FieldKey, Any]
#: typing in the same field within this many seconds is one undo step
MERGE_S = 2.0
_MERGE_ID = 4242


def _changed_fields(before: Values, after: Values) -> list[FieldKey]:
    return [k for k in after if before.get(k) != after.get(k)]


class SceneChange(QUndoCommand):
    """The scene's fields from `before` to `after`; pushed after the change was made."""

    def __init__(
        self,
        history: SceneHistory,
        before: Values,
        after: Values,
        text: str,
        merge_field: FieldKey | None = None,
        at: float = 0.0,
    ) -> None:
        super().__init__(text)
        self.history, self.before, self.after = history, dict(before), dict(after)
        self.merge_field, self.at = merge_field, at
        self._first = True

    def id(self) -> int:
        return _MERGE_ID if self.merge_field is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SceneChange) or other.merge_field != self.merge_field:
            return False
        if other.at - self.at > MERGE_S:
            return False
        self.after, self.at = other.after, other.at
        return True

    def redo(self) -> None:
        if self._first:  # the change is already on screen when it is pushed
            self._first = False
            return
        self.history.apply(self.after)

    def undo(self) -> None:
        self.history.apply(self.before)


class SceneHistory(QObject):
    """`commit()` validates the editor's fields into the project (no undo step of its own);
    `project()` is the open project."""

    def __init__(
        self,
        editor: SceneEditor,
        commit: Callable[[], Scene | None],
        project: Callable[[], Project | None],
        stack: QUndoStack,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        #: owned by the app context: it outlives the widgets, so nothing it emits can reach a
        #: widget that is already gone
        self.stack = stack
        self.editor, self.commit, self.project = editor, commit, project
        self.applying = False
        self.dialog: QWidget | None = None
        #: the fields as last committed: what the next change is measured against
        self.committed: Values = {}
        #: called before undo/redo so typing still waiting for its debounce becomes a step first
        self.flush: Callable[[], None] = lambda: None

    # ---- recording ---------------------------------------------------------------------------
    def reset(self, values: Values) -> None:
        """A project opened: its scene is the starting point, with no history before it."""
        self.stack.clear()
        self.committed = dict(values)

    def record_edit(self, values: Values, now: float) -> None:
        """The user's own edit (typed, or tags): one step per field, typing merged."""
        if self.applying:
            return
        changed = _changed_fields(self.committed, values)
        if not changed:
            return
        merge = changed[0] if len(changed) == 1 else None
        name = LABELS[changed[0]].split(" (")[0].lower() if len(changed) == 1 else "fields"
        self.stack.push(SceneChange(self, self.committed, values, f"Edit {name}", merge, now))
        self.committed = dict(values)

    def record_replace(self, before: Values, after: Values, text: str) -> None:
        """A scene (or one field) the model wrote, or a restored version."""
        if before == after:
            return
        self.stack.push(SceneChange(self, before, after, text))
        self.committed = dict(after)

    def apply(self, values: Values) -> None:
        """Undo/redo: put these fields on screen and into the project."""
        self.applying = True
        try:
            self.editor.set_values(values)
            self.commit()
            self.committed = dict(values)
        finally:
            self.applying = False

    # ---- replacing the scene: keep what was there, as an undo step and a version ---------------
    def replace(
        self,
        change: Callable[[], Scene | None],
        text: str,
        origin: VersionOrigin | None = None,
        **version: Any,
    ) -> Scene | None:
        """Run `change` (it puts new fields on screen and commits them); the scene it replaced
        is kept as a version first when the user had edited it, and the change is one undo step.
        With `origin`, the new scene is kept as a version too."""
        project = self.project()
        before = self.editor.values()
        if project is not None:
            project.keep_edits()
        scene = change()
        self.record_replace(before, self.editor.values(), text)
        if project is not None and scene is not None and origin is not None:
            project.add_version(scene, origin, **version)
        return scene

    def restore(self, version_id: str) -> None:
        project = self.project()
        version = project.version(version_id) if project else None
        if version is None:
            return
        self.flush()

        def change() -> Scene | None:
            self.editor.set_scene(version.scene)
            return self.commit()

        self.replace(change, f"Restore the version of {version.created[11:16]}")

    def show_versions(self) -> None:
        project = self.project()
        if project is None:
            return
        self.flush()
        from vidgen_desktop.ui.stages.versions_dialog import VersionsDialog

        dialog = VersionsDialog(project, self.editor.window())
        dialog.restore_requested.connect(self.restore)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    # ---- undo/redo from inside the fields ------------------------------------------------------
    def undo(self) -> None:
        self.flush()
        self.stack.undo()

    def redo(self) -> None:
        self.flush()
        self.stack.redo()

    def route_keys(self, widget: QWidget) -> None:
        """Ctrl+Z / Ctrl+Shift+Z typed in this field undo the scene, not only the widget."""
        if hasattr(widget, "setUndoRedoEnabled"):
            widget.setUndoRedoEnabled(False)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(
            event, QKeyEvent
        ):
            is_undo = event.matches(QKeySequence.StandardKey.Undo)
            is_redo = event.matches(QKeySequence.StandardKey.Redo) or (
                event.key() == 0x5A and event.modifiers() == _CTRL_SHIFT
            )
            if is_undo or is_redo:
                if event.type() == QEvent.Type.ShortcutOverride:
                    event.accept()  # let the key reach us instead of a window shortcut
                else:
                    self.undo() if is_undo else self.redo()
                return True
        return super().eventFilter(watched, event)


def _ctrl_shift() -> Any:
    from PySide6.QtCore import Qt

    return Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


_CTRL_SHIFT = _ctrl_shift()
