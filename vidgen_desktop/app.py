"""Composition root of the GUI: QApplication, logging, settings, project, panels, main window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from vidgen_desktop import APP_ID, APP_NAME, __version__
from vidgen_desktop.core.errors import VidGenError
from vidgen_desktop.core.project import UNTITLED, Project, free_folder, project_root_of
from vidgen_desktop.core.project_file import ProjectDamaged
from vidgen_desktop.core.settings import Settings, load_settings
from vidgen_desktop.log import setup_logging
from vidgen_desktop.paths import UserPaths, user_paths
from vidgen_desktop.ui.context import AppContext
from vidgen_desktop.ui.main_window import MainWindow
from vidgen_desktop.ui.stage_panel import StagePanel

log = logging.getLogger(__name__)


def build_panels(context: AppContext) -> list[StagePanel]:
    from vidgen_desktop.ui.stages.image_panel import ImagePanel
    from vidgen_desktop.ui.stages.script_panel import ScriptPanel
    from vidgen_desktop.ui.stages.video_panel import VideoPanel
    from vidgen_desktop.ui.stages.voice_panel import VoicePanel

    return [ScriptPanel(context), VoicePanel(context), ImagePanel(context), VideoPanel(context)]


@dataclass
class Startup:
    """What the window opens with: a project, or none and why (never another one silently)."""

    project: Project | None
    note: str = ""
    damaged: ProjectDamaged | None = None


def open_startup_project(
    paths: UserPaths, settings: Settings, wanted: Path | None = None
) -> Startup:
    """The project named on the command line, else the last one, else a new one (first run).

    One that cannot be opened leaves the window on its start page, saying which and why."""
    path = wanted or (Path(settings.last_project) if settings.last_project else None)
    if path is not None:
        what = "The project you asked for" if wanted else "The last project"
        root = project_root_of(path)
        if root is None:
            return Startup(
                None,
                f"{what}, {path}, could not be found (moved, renamed or deleted?). "
                "Open it where it is now, or start a new one.",
            )
        try:
            return Startup(Project.open(root))
        except ProjectDamaged as exc:
            return Startup(None, f"{what} could not be opened: {exc.message}", exc)
        except VidGenError as exc:
            return Startup(None, f"{what} could not be opened: {exc.user_text()}")
    projects = (
        Path(settings.projects_dir).expanduser() if settings.projects_dir else paths.projects_dir
    )
    root = free_folder(projects, UNTITLED)
    return Startup(Project.create(root, name=root.name))


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    return app


def build_window(paths: UserPaths | None = None, project_path: Path | None = None) -> MainWindow:
    """Everything but the event loop: used by main(), the self-test, tests and benchmarks."""
    from vidgen_desktop.ui.gui_collector import install_gui_collector

    install_gui_collector()
    paths = (paths or user_paths()).ensure()
    settings = load_settings(paths.settings_file)
    startup = open_startup_project(paths, settings, project_path)
    context = AppContext(paths, settings, startup.project)
    panels = build_panels(context)
    window = MainWindow(context, panels)
    if startup.project is None:
        window.show_start_page(startup.note)
        if startup.damaged is not None:
            damaged = startup.damaged
            QTimer.singleShot(
                0, lambda: window.projects.ask_after_damage(damaged.path, damaged.reason)
            )
    from vidgen_desktop.ui.ollama_monitor import install_ollama_monitor

    install_ollama_monitor(window)
    from vidgen_desktop.ui.comfy_monitor import install_comfy_monitor

    install_comfy_monitor(window)
    from vidgen_desktop.ui.servers.servers_monitor import install_servers_monitor

    install_servers_monitor(window)
    from vidgen_desktop.ui.gpu_monitor import install_gpu_monitor

    install_gpu_monitor(window)
    install_managed_start(window)
    if window.context.settings.stage_values.get("batch.last_root"):
        from vidgen_desktop.ui.batch.batch_page import offer_unfinished_batch

        QTimer.singleShot(0, lambda: offer_unfinished_batch(window))
    return window


def install_managed_start(window: MainWindow) -> None:
    """The ComfyUI this app installed starts with it, when the user asked for that."""
    if not (
        window.context.settings.managed_comfyui and window.context.settings.start_managed_on_open
    ):
        return
    from vidgen_desktop.ui.setup.managed_box import start_managed_if_asked
    from vidgen_desktop.workers.runner import TaskRunner

    runner = TaskRunner("managed-comfyui", window)
    window.managed_runner = runner  # type: ignore[attr-defined]

    def started(result: object) -> None:
        url = getattr(result, "url", "")
        if url and url != window.context.settings.comfyui_url:
            window.context.settings.comfyui_url = url
            window.context.update_settings()
        window.status.showMessage("ComfyUI (installed by VidGen) is running.", 8000)

    runner.succeeded.connect(started)
    runner.failed.connect(
        lambda e: window.status.showMessage(f"ComfyUI did not start: {getattr(e, 'message', e)}")
    )
    start_managed_if_asked(window.context, runner)


def project_argument(argv: Sequence[str]) -> Path | None:
    """`vidgen-desktop DIR` (or DIR/project.json): the first argument that is not an option."""
    return next((Path(a) for a in argv[1:] if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if "--self-test" in argv[1:]:
        from vidgen_desktop.selftest import run_self_test

        return run_self_test()
    paths = user_paths().ensure()
    setup_logging(paths.log_file)
    log.info("%s %s starting", APP_NAME, __version__)
    app = create_app(argv)
    from vidgen_desktop.ui.app_icon import app_icon

    app.setWindowIcon(app_icon())
    first_run = not paths.settings_file.exists()
    window = build_window(paths, project_argument(argv))
    from vidgen_desktop import startup_probe

    startup_probe.install(window, window.first_shown)
    window.show()
    QTimer.singleShot(0, window.raise_)
    if first_run:  # the first launch on this machine: is everything there to make a video?
        window.context.save_settings()
        QTimer.singleShot(0, window.open_setup)
    rc = app.exec()
    window.context.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
