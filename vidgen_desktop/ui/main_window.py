"""Main window: stage stepper (left), the current stage panel, and the status bar."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vidgen_desktop import APP_NAME
from vidgen_desktop.core.project import Project, looks_like_project
from vidgen_desktop.ui import quit_dialog
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.job_comfort import JobComfort
from vidgen_desktop.ui.projects import ProjectController
from vidgen_desktop.ui.remaining_stages import RemainingStages
from vidgen_desktop.ui.stage_panel import StagePanel, StageStatus
from vidgen_desktop.ui.start_page import StartPage
from vidgen_desktop.ui.status_bar import AppStatusBar
from vidgen_desktop.ui.stepper import Stepper
from vidgen_desktop.ui.widgets.error_banner import ErrorBanner
from vidgen_desktop.ui.widgets.reveal import reveal

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    #: emitted once the window has been shown and painted (benchmarks wait on it)
    first_shown = Signal()

    def __init__(self, context: AppContext, panels: Sequence[StagePanel]) -> None:
        super().__init__()
        self.context = context
        self.panels = list(panels)
        self._stages_timer = QTimer(self)
        self._stages_timer.setSingleShot(True)
        self._stages_timer.setInterval(0)
        self._stages_timer.timeout.connect(self.refresh_stages_now)

        self.setObjectName("main_window")
        self.setMinimumSize(1024, 680)

        self.stepper = Stepper([p.title for p in self.panels])
        self.stack = QStackedWidget()
        self.stack.setObjectName("stage_stack")
        for panel in self.panels:
            self.stack.addWidget(panel)
            panel.state_changed.connect(self.refresh_stages)
            panel.next_requested.connect(self.go_next)
        self.lock_notice = QLabel()
        self.lock_notice.setObjectName("lock_notice")
        self.lock_notice.setWordWrap(True)
        self.lock_notice.setStyleSheet(
            "QLabel#lock_notice { background: palette(alternate-base); border: 1px solid palette(mid);"
            " border-radius: 4px; padding: 8px; }"
        )
        self.lock_notice.hide()
        self.banner = ErrorBanner()
        self.banner.setObjectName("window_banner")

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addWidget(self.lock_notice)
        centre_layout.addWidget(self.stack, 1)

        self.workspace = workspace = QWidget()
        layout = QHBoxLayout(workspace)
        layout.setContentsMargins(8, 8, 8, 4)
        self.left = QWidget()
        left_layout = QVBoxLayout(self.left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.stepper, 1)
        layout.addWidget(self.left)
        layout.addWidget(centre, 1)
        self.start_page = StartPage()
        self.pages = QStackedWidget()
        self.pages.addWidget(workspace)
        self.pages.addWidget(self.start_page)
        outer = QWidget()
        outer_layout = QVBoxLayout(outer)
        outer_layout.setContentsMargins(8, 4, 8, 0)
        outer_layout.addWidget(self.banner)  # above both pages: open errors show on the start page
        outer_layout.addWidget(self.pages, 1)
        self.setCentralWidget(outer)
        self.setAcceptDrops(True)

        self.status = AppStatusBar()
        self.setStatusBar(self.status)
        self.projects = ProjectController(self)
        self.start_page.new_requested.connect(self.projects.new_project)
        self.start_page.open_requested.connect(self.projects.ask_open)
        self.start_page.recent_chosen.connect(lambda p: self.projects.open_path(Path(p)))
        self.start_page.setup_requested.connect(lambda: self.open_setup())
        self.remaining = RemainingStages(self)
        self.comfort = JobComfort(self)
        left_layout.addWidget(self.remaining.button)
        self._build_menus()

        self.stepper.stage_selected.connect(self.show_stage)
        context.stages_changed.connect(self.refresh_stages)
        context.project_changed.connect(self._on_project_changed)
        context.project_renamed.connect(self._show_title)
        context.storage_error.connect(self._on_storage_error)
        context.job_progress.connect(self.status.show_job)
        context.job_finished.connect(self.status.clear_job)
        context.notice.connect(self.status.show_notice)
        self._on_project_changed(context.project)
        self.refresh_stages_now()
        start = context.project.data.current_stage if context.project else "script"
        self.stepper.setCurrentRow(self.stage_index(start))
        self._restore_geometry()
        self._shown_once = False

    # -- stages ----------------------------------------------------------------------------
    def refresh_stages(self) -> None:
        """Re-read every panel's state once the current burst of changes is over: a finished
        job changes takes, scene and panels at once, and each asks for a refresh."""
        self._stages_timer.start()

    def refresh_stages_now(self) -> None:
        self._stages_timer.stop()
        self.stepper.set_states([p.stage_state() for p in self.panels])
        self._update_lock_notice()

    def stage_index(self, key: str) -> int:
        return next((i for i, p in enumerate(self.panels) if p.key == key), 0)

    def show_stage(self, index: int) -> None:
        if not 0 <= index < len(self.panels):
            return
        self.stack.setCurrentIndex(index)
        project = self.context.project
        if project is not None and project.data.current_stage != self.panels[index].key:
            project.data.current_stage = self.panels[index].key  # reopening shows it again
            project.save()
        if self.stepper.currentRow() != index:
            self.stepper.setCurrentRow(index)
        self._update_lock_notice()

    def go_next(self) -> None:
        self.show_stage(min(self.stack.currentIndex() + 1, len(self.panels) - 1))

    def current_panel(self) -> StagePanel:
        return self.panels[self.stack.currentIndex()]

    def _update_lock_notice(self) -> None:
        state = self.current_panel().stage_state() if self.panels else None
        if state is not None and state.status is StageStatus.locked:
            self.lock_notice.setText(f"{self.current_panel().title} is locked: {state.reason}")
            self.lock_notice.show()
        elif state is not None and state.status is StageStatus.stale:
            self.lock_notice.setText(f"{self.current_panel().title}: {state.reason}")
            self.lock_notice.show()
        else:
            self.lock_notice.hide()

    # -- menus and shortcuts -----------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.projects.build_menu(self.file_menu)
        self.file_menu.addSeparator()
        self.edit_menu = bar.addMenu("&Edit")
        self.view_menu = bar.addMenu("&View")
        self.help_menu = bar.addMenu("&Help")
        self._build_undo()
        settings_action = QAction("&Settings…", self)
        settings_action.setObjectName("action_settings")
        settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        settings_action.triggered.connect(self.open_settings)
        self.edit_menu.addAction(settings_action)
        self.settings_action = settings_action

        batch_action = QAction("&Batch of Topics…", self)
        batch_action.setObjectName("action_batch")
        batch_action.setShortcut(QKeySequence("Ctrl+B"))
        batch_action.setToolTip("Many topics, one project each, run across the ComfyUI servers")
        batch_action.triggered.connect(self.open_batch)
        self.file_menu.addAction(batch_action)
        open_folder = QAction("Open Project &Folder", self)
        open_folder.triggered.connect(self._open_project_folder)
        self.file_menu.addAction(open_folder)
        self.file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.file_menu.addAction(quit_action)

        for i, panel in enumerate(self.panels):
            act = QAction(f"&{i + 1} {panel.title}", self)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _=False, i=i: self.show_stage(i))
            self.view_menu.addAction(act)
        self.view_menu.addSeparator()
        servers_action = QAction("&Servers…", self)
        servers_action.setObjectName("action_servers")
        servers_action.setToolTip("Every ComfyUI server: up or not, its GPU, queue and stages")
        servers_action.triggered.connect(self.open_servers)
        self.view_menu.addAction(servers_action)

        generate = QAction("Generate", self)
        generate.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        generate.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        generate.triggered.connect(lambda: self.current_panel().start_primary())
        self.addAction(generate)
        stop = QAction("Stop", self)
        stop.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        stop.triggered.connect(lambda: self.current_panel().stop())
        self.addAction(stop)

        setup_action = QAction("&Set-up…", self)
        setup_action.setObjectName("action_setup")
        setup_action.triggered.connect(lambda: self.open_setup())
        self.help_menu.addAction(setup_action)
        self.setup_action = setup_action
        log_action = QAction("Open &Log File", self)
        log_action.triggered.connect(
            lambda: reveal(self.context.paths.log_file, "The log file", self)
        )
        self.help_menu.addAction(log_action)
        about_action = QAction(f"&About {APP_NAME}", self)
        about_action.setObjectName("action_about")
        about_action.setMenuRole(QAction.MenuRole.AboutRole)
        about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(about_action)
        self.about_action = about_action

    def _build_undo(self) -> None:
        """Edit › Undo/Redo for the scene (fields, generate, regenerate, restore, tags)."""
        history = next((p.history for p in self.panels if hasattr(p, "history")), None)
        if history is None:
            return
        stack = history.stack
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setObjectName("action_undo")
        self.undo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.undo_action.triggered.connect(history.undo)
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setObjectName("action_redo")
        self.redo_action.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )
        self.redo_action.triggered.connect(history.redo)

        # driven by the stack's own signals only: it may be deleted before the window is
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(self._undo_text)
        stack.redoTextChanged.connect(self._redo_text)
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        self.edit_menu.addSeparator()

    def _undo_text(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}".strip())

    def _redo_text(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}".strip())

    def server_versions(self) -> dict[str, str]:
        """Server versions for About: the context's `server_versions` mapping when a client
        publishes one, else what the status bar segments currently say."""
        known = getattr(self.context, "server_versions", None)
        if isinstance(known, dict) and known:
            return {str(k): str(v) for k, v in known.items()}
        return {
            name: segment.toolTip() or segment.text()
            for name, segment in (("Ollama", self.status.ollama), ("ComfyUI", self.status.comfy))
            if "checking" not in segment.text()
        }

    def open_setup(self, focus: str = ""):
        """Help › Set-up…: one window, raised again if it is already open; `focus` (a shipped
        workflow's file stem) scrolls it to that workflow's models."""
        from vidgen_desktop.ui.setup.setup_dialog import open_setup

        existing = getattr(self, "setup_dialog", None)
        try:
            if existing is not None and existing.isVisible():
                existing.raise_()
                existing.activateWindow()
                existing.focus_on(focus)
                return existing
        except RuntimeError:  # closed and deleted
            pass
        self.setup_dialog = open_setup(self, self.context)
        self.setup_dialog.focus_on(focus)
        return self.setup_dialog

    def show_about(self) -> None:
        from vidgen_desktop.ui.about_dialog import AboutDialog

        self.about_dialog = AboutDialog(self.context.paths, self.server_versions, self)
        self.about_dialog.open()

    def open_batch(self):
        from vidgen_desktop.ui.batch.batch_page import open_batch_page

        return open_batch_page(self)

    def open_servers(self):
        from vidgen_desktop.ui.servers.servers_panel import open_servers_panel

        return open_servers_panel(self)

    def open_settings(self) -> None:
        from vidgen_desktop.ui.settings_dialog import open_settings_dialog

        self.settings_dialog = open_settings_dialog(self, self.context)

    def _open_project_folder(self) -> None:
        if self.context.project is not None:
            self.path_dialog = reveal(self.context.project.root, "The project folder", self)

    def _on_project_changed(self, project: Project | None) -> None:
        self._show_title(project)
        self.projects.update_actions()
        self.pages.setCurrentWidget(self.start_page if project is None else self.workspace)
        if project is None:
            self.start_page.set_recent(self.context.settings.recent_projects)
        else:
            self.show_stage(self.stage_index(project.data.current_stage))
            if project.recovery is not None:
                self.banner.show_message(project.recovery.sentence(), level="warning")

    def _show_title(self, project: Project | None) -> None:
        self.setWindowTitle(f"{project.name} — {APP_NAME}" if project else APP_NAME)

    def show_start_page(self, note: str = "") -> None:
        """No project (closed, or the last one could not be opened: `note` says why)."""
        self.start_page.show_note(note)
        self.start_page.set_recent(self.context.settings.recent_projects)
        self.pages.setCurrentWidget(self.start_page)

    # -- dropping a project on the window ----------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_project(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_project(event)
        if path is not None:
            event.acceptProposedAction()
            self.projects.open_path(path)

    @staticmethod
    def _dropped_project(event: QDragEnterEvent | QDropEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        return next((p for p in paths if looks_like_project(p)), None)

    def _on_storage_error(self, path: str, message: str) -> None:
        self.banner.show_message(f"Could not save: {message}", detail=path)

    # -- geometry and closing ----------------------------------------------------------------
    def _restore_geometry(self) -> None:
        s = self.context.settings
        if s.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(s.window_geometry.encode()))
        else:
            self.resize(1280, 800)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.first_shown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        jobs = self.context.running_jobs()
        on_server = {job.stage for job in jobs}
        other = [
            f"{p.title}: {p.busy_description() or 'running'}"
            for p in self.panels
            if p.is_busy() and p.key not in on_server
        ]
        if jobs or other:
            answer = quit_dialog.ask_quit(self, jobs, other)
            if answer == "stay":
                event.ignore()
                return
            if answer == "keep":
                # stop following, not the jobs: each one's ledger entry stays unfinished, and
                # opening the project again re-attaches to it
                for queue in self.context.queues():
                    queue.detach_all()
                for queue in self.context.queues():
                    queue.join()
        self.remaining.shutdown()
        self.comfort.shutdown()
        batch = getattr(self, "batch_page", None)
        if batch is not None:  # the batch is recorded: the page offers to continue it next time
            batch.shutdown()
        for panel in self.panels:
            panel.shutdown()
        # Status-bar monitors poll on timers: stop them so nothing runs after the window is gone.
        for name in ("ollama_monitor", "comfy_monitor", "servers_monitor", "gpu_monitor"):
            monitor = getattr(self, name, None)
            if monitor is not None:
                monitor.shutdown()
        self.context.settings.window_geometry = bytes(
            self.saveGeometry().toBase64().data()
        ).decode()
        self.context.save_settings()
        event.accept()
