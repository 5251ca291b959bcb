"""Composition root of the GUI: QApplication, logging, settings, project, panels, main window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from vidgen_desktop import APP_ID, APP_NAME, __version__
from vidgen_desktop.core.project import Project
from vidgen_desktop.core.settings import load_settings
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


def open_startup_project(paths: UserPaths, last: str) -> Project:
    """Reopen the last project; else a fresh 'Untitled' one in the projects folder."""
    if last:
        try:
            return Project.open(Path(last))
        except Exception as exc:  # damaged or moved: start a new one, say so in the log
            log.warning("could not reopen %s: %s", last, exc)
    base = paths.projects_dir / "Untitled"
    root, n = base, 1
    while (root / "project.json").exists():
        n += 1
        root = paths.projects_dir / f"Untitled {n}"
    return Project.create(root, name=root.name)


def create_app(argv: Sequence[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    return app


def build_window(paths: UserPaths | None = None) -> MainWindow:
    """Everything but the event loop: used by main(), the self-test, tests and benchmarks."""
    paths = (paths or user_paths()).ensure()
    settings = load_settings(paths.settings_file)
    project = open_startup_project(paths, settings.last_project)
    context = AppContext(paths, settings, project)
    panels = build_panels(context)
    window = MainWindow(context, panels)
    from vidgen_desktop.ui.ollama_monitor import install_ollama_monitor

    install_ollama_monitor(window)
    from vidgen_desktop.ui.comfy_monitor import install_comfy_monitor

    install_comfy_monitor(window)
    from vidgen_desktop.ui.gpu_monitor import install_gpu_monitor

    install_gpu_monitor(window)
    return window


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
    window = build_window(paths)
    from vidgen_desktop import startup_probe

    startup_probe.install(window, window.first_shown)
    window.show()
    QTimer.singleShot(0, window.raise_)
    rc = app.exec()
    window.context.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
