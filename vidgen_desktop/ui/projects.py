"""Projects as documents: File › New, Open…, Open Recent, Save As…, Rename…, Close, and opening a
folder dropped on the window or named on the command line.

Reading and copying projects run off the GUI thread. Opening never switches silently: a
project whose file was damaged opens from its backup with a banner saying so; one that cannot
be opened at all leaves the current project where it is and asks what to do.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from vidgen_desktop.core.errors import InvalidInput, StorageError, VidGenError
from vidgen_desktop.core.project import (
    PROJECT_FILE,
    UNTITLED,
    Project,
    folder_name,
    free_folder,
    project_root_of,
)
from vidgen_desktop.core.project_file import ProjectDamaged
from vidgen_desktop.workers.runner import TaskRunner

if TYPE_CHECKING:
    from vidgen_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def open_task(path: Path) -> Any:
    def task(report: Any, token: Any) -> Project:
        root = project_root_of(path)
        if root is None:
            raise InvalidInput(f"{path} is not a VidGen project (it has no {PROJECT_FILE}).")
        return Project.open(root)

    return task


def copy_task(source: Path, target: Path) -> Any:
    def task(report: Any, token: Any) -> Project:
        if target.exists():
            raise InvalidInput(f"{target} already exists; choose another name.")
        try:
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(".*.part"))
        except OSError as exc:
            raise StorageError(f"Could not copy the project to {target}.", detail=str(exc)) from exc
        project = Project.open(target)
        project.data.name = target.name
        project.data.auto_name = False
        project.save()
        return project

    return task


class ProjectController(QObject):
    """Signals: `damaged(path, reason)` after a failed open (the dialog is shown too)."""

    damaged = Signal(str, str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.context = window.context
        self.opener = TaskRunner("project-open", self)
        self.opener.succeeded.connect(self._opened)
        self.opener.failed.connect(self._open_failed)
        self.copier = TaskRunner("project-copy", self)
        self.copier.succeeded.connect(self._opened)
        self.copier.failed.connect(self._show_error)
        self.dialog: QMessageBox | None = None

    # ---- menu --------------------------------------------------------------------------------
    def build_menu(self, menu: QMenu) -> None:
        def action(text: str, slot: Any, shortcut: Any = None, name: str = "") -> QAction:
            act = QAction(text, self.window)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.setObjectName(name)
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        self.new_action = action(
            "&New Project", self.new_project, QKeySequence.StandardKey.New, "action_new"
        )
        self.open_action = action(
            "&Open…", self.ask_open, QKeySequence.StandardKey.Open, "action_open"
        )
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("menu_recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        self.fill_recent()
        menu.addSeparator()
        self.save_as_action = action(
            "Save &As…", self.ask_save_as, QKeySequence.StandardKey.SaveAs, "action_save_as"
        )
        self.rename_action = action("Re&name…", self.ask_rename, None, "action_rename")
        self.close_action = action(
            "&Close Project", self.close_project, QKeySequence.StandardKey.Close, "action_close"
        )
        self.update_actions()

    def update_actions(self) -> None:
        has = self.context.project is not None
        for act, what in (
            (self.save_as_action, "save a copy"),
            (self.rename_action, "rename"),
            (self.close_action, "close"),
        ):
            act.setEnabled(has)
            act.setToolTip("" if has else f"Open a project to {what} it")

    def fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = self.context.settings.recent_projects
        for path in recent:
            root = Path(path)
            there = (root / PROJECT_FILE).is_file()
            act = menu.addAction(root.name if there else f"{root.name} (missing: {path})")
            act.setToolTip(path)
            act.setEnabled(there)
            act.setData(path)
            act.triggered.connect(lambda _=False, p=path: self.open_path(Path(p)))
        if not recent:
            none = menu.addAction("No recent projects")
            none.setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("Clear Recent")
        clear.setObjectName("action_clear_recent")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(self.clear_recent)

    def clear_recent(self) -> None:
        self.context.settings.recent_projects = []
        self.context.save_settings()
        self.fill_recent()

    # ---- opening -----------------------------------------------------------------------------
    def busy_reason(self) -> str:
        busy = [p.title for p in self.window.panels if p.is_busy()]
        return (
            (
                f"{', '.join(busy)} is still running in this project: let it finish or cancel it "
                "first."
            )
            if busy
            else ""
        )

    def _refuse_if_busy(self) -> bool:
        reason = self.busy_reason()
        if reason:
            self.window.banner.show_message(reason, level="warning")
        return bool(reason)

    def new_project(self) -> None:
        if self._refuse_if_busy():
            return
        parent = self.context.projects_dir()
        root = free_folder(parent, UNTITLED)
        try:
            project = Project.create(root, name=root.name)
        except VidGenError as exc:
            self._show_error(exc)
            return
        self.context.set_project(project)
        self.window.show_stage(0)

    def ask_open(self) -> None:
        start = str(self.context.projects_dir())
        path, _ = QFileDialog.getOpenFileName(
            self.window,
            "Open a project (its project.json)",
            start,
            f"VidGen project ({PROJECT_FILE})",
        )
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        if self._refuse_if_busy():
            return
        current = self.context.project
        if current is not None and project_root_of(path) == current.root:
            return  # already open
        self.window.status.showMessage(f"Opening {path}…", 5000)
        self.opener.start(open_task(Path(path)))

    def _opened(self, project: Project) -> None:
        if self.window.status.currentMessage().startswith("Opening "):
            self.window.status.clearMessage()
        self.context.set_project(project)
        self.window.show_stage(self.window.stage_index(project.data.current_stage))
        if project.recovery is not None:
            self.window.banner.show_message(project.recovery.sentence(), level="warning")

    def _open_failed(self, error: VidGenError) -> None:
        if isinstance(error, ProjectDamaged):
            self.damaged.emit(str(error.path), error.reason)
            self.ask_after_damage(error.path, error.reason)
        else:
            self._show_error(error)

    def ask_after_damage(self, path: Path, reason: str) -> None:
        """The file cannot be read and no backup stands in: say so, never switch silently."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "This project cannot be opened",
            f"{path} cannot be read: {reason}\n\nNo usable backup was found in its "
            "backups folder. The file was left exactly as it is.",
            parent=self.window,
        )
        box.setObjectName("damaged_dialog")
        show = box.addButton("Show the Folder", QMessageBox.ButtonRole.ActionRole)
        other = box.addButton("Open Another…", QMessageBox.ButtonRole.ActionRole)
        new = box.addButton("New Project", QMessageBox.ButtonRole.ActionRole)
        box.addButton(QMessageBox.StandardButton.Close)

        def chosen(button: Any) -> None:
            if button is show:
                from vidgen_desktop.ui.widgets.reveal import reveal

                self.window.path_dialog = reveal(path.parent, "The project folder", self.window)
            elif button is other:
                self.ask_open()
            elif button is new:
                self.new_project()

        box.buttonClicked.connect(chosen)
        self.dialog = box
        box.open()

    # ---- save as, rename, close ----------------------------------------------------------------
    def ask_save_as(self) -> None:
        project = self.context.project
        if project is None or self._refuse_if_busy():
            return
        suggestion = free_folder(project.root.parent, f"{project.name} copy")
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save a copy of the project as (a new folder)", str(suggestion)
        )
        if path:
            self.save_as(Path(path))

    def save_as(self, target: Path) -> None:
        """Copy the folder (media included) to `target`, then go on working in the copy."""
        project = self.context.project
        if project is None or self._refuse_if_busy():
            return
        project.save()
        self.context.writer.flush()  # the copy gets everything typed so far
        self.copier.start(copy_task(project.root, target))

    def ask_rename(self) -> None:
        project = self.context.project
        if project is None:
            return
        name, ok = QInputDialog.getText(
            self.window, "Rename the project", "Name:", text=project.name
        )
        if ok and name.strip():
            self.rename(name.strip())

    def rename(self, name: str) -> None:
        """A new name; the folder follows when it is in the projects folder and nothing runs."""
        project = self.context.project
        if project is None:
            return
        project.data.name = name
        project.data.auto_name = False
        if not self.busy_reason() and folder_name(name) != project.root.name:
            old = project.root
            new = free_folder(old.parent, name)
            project.save()
            self.context.writer.call(lambda: old.rename(new))
            project.root = new
            self.context.settings.recent_projects = [
                p for p in self.context.settings.recent_projects if p != str(old)
            ]
            self.context.settings.last_project = str(new)
            self.context.remember_recent(new)
            self.context.save_settings()
        project.save()
        self.context.project_renamed.emit(project)

    def close_project(self) -> None:
        if self.context.project is None or self._refuse_if_busy():
            return
        self.context.set_project(None)

    # ---- errors --------------------------------------------------------------------------------
    def _show_error(self, error: VidGenError) -> None:
        self.window.banner.show_error(error)
